"""The per-process form cache of casting never lets a ballot past what the database says now.

What it keeps (round, group, items, levels of a batch whose round is open) cannot change;
what can change while a round is open (its status, the targets a batch covers) is read in
the casting transaction every time. Every test here first warms the cache with a cast.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from surveys import codes
from surveys.models import Code, CodeBatch, Rating
from surveys.services import ballot_forms, organisation, questionnaires, rounds
from surveys.services.casting import BallotInvalid, CodeRejected, RoundNotOpen, cast_ballot
from tests.builders import KEYS, KW, NOTHING, answers_for, cast, code_state, counts, issue, open_first_round


@pytest.fixture
def campaign(make_campaign):
    return make_campaign()


@pytest.fixture
def round_(session, campaign):
    return open_first_round(session, campaign)


@pytest.fixture(autouse=True)
def cold_cache():
    """Each test starts and ends with an empty cache: ids are reused between tests."""
    ballot_forms.forget_all()
    yield
    ballot_forms.forget_all()


def test_a_closed_round_refuses_a_code_of_a_batch_whose_form_is_cached(engine, session, round_, campaign):
    first, second = issue(session, round_, 2)
    cast(session, first, answers_for(round_, campaign.targets))
    session.commit()
    rounds.close_round(session, round_.id, **KW)
    session.commit()
    before = counts(engine)

    with pytest.raises(RoundNotOpen):
        cast(session, second, answers_for(round_, campaign.targets))
    session.rollback()

    assert counts(engine) == before
    assert code_state(engine, second)[1] is None


def test_a_target_added_while_the_round_is_open_is_on_the_next_ballot_of_a_cached_batch(
    engine, session, campaign, other_strict_round
):
    round_ = other_strict_round
    before_adding = list(campaign.targets)
    first, second = issue(session, round_, 2)
    cast(session, first, answers_for(round_, before_adding))
    session.commit()
    unit_id = campaign.targets[0].unit_id
    added = organisation.save_target(
        session,
        campaign.id,
        {"code": "Z99", "name": "新增对象", "kind": "person", "category": "综合管理", "unit_id": unit_id},
        **KW,
    )
    session.commit()
    targets = [*before_adding, added]

    with pytest.raises(BallotInvalid):  # no 不了解 on this scale: the new target must be rated too
        cast(session, second, answers_for(round_, before_adding))
    session.rollback()
    rated = cast(session, second, answers_for(round_, targets))
    session.commit()

    assert rated == len(targets) == 4
    assert added.id in set(session.scalars(select(Rating.target_id)))


def test_a_target_moved_to_another_unit_leaves_the_unit_codes_of_a_cached_batch(engine, session, campaign, round_):
    target = campaign.targets[0]
    first, second = issue(session, round_, 2, unit_id=target.unit_id)
    cast(session, first, answers_for(round_, campaign.targets))
    session.commit()
    elsewhere = organisation.save_unit(session, "另一单位", None, **KW)
    fields = {"code": target.code, "name": target.name, "kind": "person", "category": "综合管理"}
    organisation.save_target(session, campaign.id, fields | {"unit_id": elsewhere.id}, target_id=target.id, **KW)
    session.commit()
    before = counts(engine)

    with pytest.raises(BallotInvalid):
        cast(session, second, answers_for(round_, campaign.targets))
    session.rollback()

    assert counts(engine) == before
    assert cast(session, second, answers_for(round_, campaign.targets[1:])) == 2


def test_a_new_batch_that_takes_over_a_deleted_batchs_id_gets_its_own_form(session, make_campaign):
    """SQLite hands a deleted row's id out again: the cache is keyed by the batch's random key."""
    one, two = make_campaign("甲活动"), make_campaign("乙活动")
    round_one = open_first_round(session, one)
    round_two = open_first_round(session, two)
    (code,) = issue(session, round_one)
    cast(session, code, answers_for(round_one, one.targets))
    session.commit()
    old = session.scalars(select(CodeBatch)).one()
    old_id, old_key = old.id, old.batch_key
    session.execute(delete(Code).where(Code.batch_id == old_id))
    session.execute(delete(CodeBatch).where(CodeBatch.id == old_id))
    session.commit()

    (code,) = issue(session, round_two)
    new = session.scalars(select(CodeBatch)).one()
    cast(session, code, answers_for(round_two, two.targets))
    session.commit()

    form = ballot_forms.batch_form(session, new.id, new.batch_key)
    assert (form.round_id, form.campaign_id) == (round_two.id, two.id)
    assert form.item_ids == {item.id for item in round_two.questionnaire.items}
    if new.id == old_id:  # the reuse really happened (SQLite); PostgreSQL's sequence never reuses
        assert new.batch_key != old_key
    ballot_forms.forget_all()
    with pytest.raises(LookupError):  # an id with a key not its own is a caller's bug, never served
        ballot_forms.batch_form(session, new.id, old_key)


def test_an_unknown_code_is_refused_with_a_warm_cache_and_writes_nothing(engine, session, round_, campaign):
    (code,) = issue(session, round_)
    cast(session, code, answers_for(round_, campaign.targets))
    session.commit()
    before = counts(engine)

    with pytest.raises(CodeRejected):
        session.commit()
        unknown = codes.derive_code(b"another-key", "batch", 0)
        cast_ballot(session, unknown, answers_for(round_, campaign.targets), {}, KEYS, now=KW["now"])
    session.rollback()

    assert counts(engine) == before != NOTHING


@pytest.fixture
def other_strict_round(session, campaign):
    """The first round, opened on a scale without 不了解, so every covered target must be rated."""
    strict = questionnaires.create_questionnaire(session, campaign.id, "严格测评表", "three", with_unknown=False, **KW)
    questionnaires.save_item(session, strict.id, "S1", "服务态度", 1.0, **KW)
    session.commit()
    return open_first_round(session, campaign, questionnaire_id=strict.id)
