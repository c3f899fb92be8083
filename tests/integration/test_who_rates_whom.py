"""Who rates whom (DESIGN §6a): a rater group's selector bounds what its codes cover."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from surveys.errors import Conflict, DomainError
from surveys.models import CodeBatch, RaterGroup, Target, TargetKind
from surveys.selectors import SelectorMatchesNothing, TargetSelector
from surveys.services import campaigns, issuing, organisation, rounds
from surveys.services.casting import BallotInvalid, cast_ballot, open_ticket
from surveys.services.issuing import CoversNothing
from tests.builders import KEYS, add_departments, answers_for, counts
from tests.conftest import NOW

KW = {"now": NOW, "actor_id": None}


@pytest.fixture
def baoji(session, make_campaign):
    """The conftest campaign plus `add_departments`; the second rater group (机关干部) may
    rate persons only."""
    campaign = make_campaign()
    add_departments(session, campaign)
    round_ = campaign.rounds[0]
    staff = round_.groups[1]
    fields = _group_fields(staff, TargetSelector(kind=TargetKind.PERSON))
    rounds.save_group(session, round_.id, fields, group_id=staff.id, **KW)
    session.commit()
    return campaign, round_, staff


def _group_fields(group: RaterGroup, selector: TargetSelector) -> dict:
    return {"name": group.name, "weight": group.weight, "min_ballots": group.min_ballots, "selector": selector}


def _unit(session, name):
    return next(u for u in organisation.list_units(session) if u.name == name)


def _open(session, round_):
    rounds.open_round(session, round_.id, **KW)
    session.commit()


def test_a_code_of_a_group_with_a_selector_covers_only_the_targets_it_matches(session, baoji):
    campaign, round_, staff = baoji
    _open(session, round_)
    _batch, (code,) = issuing.issue_batch(session, round_.id, staff.id, 1, KEYS, **KW)
    session.commit()
    ticket = open_ticket(session, code, KEYS, now=NOW)
    persons = sorted(t.id for t in campaign.targets if t.kind is TargetKind.PERSON)
    assert sorted(t.id for t in ticket.targets) == persons
    assert len(persons) == 9  # 3 of the conftest campaign, 2 per department


def test_casting_refuses_a_target_outside_the_groups_selector_and_writes_nothing(session, engine, baoji):
    campaign, round_, staff = baoji
    _open(session, round_)
    _batch, (code,) = issuing.issue_batch(session, round_.id, staff.id, 1, KEYS, **KW)
    window = next(t for t in campaign.targets if t.kind is TargetKind.WINDOW)
    person = next(t for t in campaign.targets if t.kind is TargetKind.PERSON)
    on_window, on_person = answers_for(round_, [window]), answers_for(round_, [person])
    session.commit()
    before = counts(engine)
    with pytest.raises(BallotInvalid):
        cast_ballot(session, code, on_window, {}, KEYS, now=NOW)
    session.rollback()
    assert counts(engine) == before
    assert cast_ballot(session, code, on_person, {}, KEYS, now=NOW) == 9


def test_a_unit_batch_is_the_unit_intersected_with_the_selector(session, baoji):
    _campaign, round_, staff = baoji
    _open(session, round_)
    unit = _unit(session, "税务局")
    _batch, (code,) = issuing.issue_batch(session, round_.id, staff.id, 1, KEYS, unit_id=unit.id, **KW)
    session.commit()
    assert [t.name for t in open_ticket(session, code, KEYS, now=NOW).targets] == ["税务局0", "税务局1"]


def test_a_batch_that_would_cover_nothing_is_refused_and_not_written(session, baoji):
    campaign, round_, staff = baoji
    window = next(t for t in campaign.targets if t.kind is TargetKind.WINDOW)
    tax = _unit(session, "税务局")
    windows_of_tax = {**_group_fields(round_.groups[0], TargetSelector(TargetKind.WINDOW, unit_id=tax.id))}
    rounds.save_group(session, round_.id, windows_of_tax, group_id=round_.groups[0].id, **KW)
    session.commit()
    refusals = [
        (staff.id, {"target_id": window.id}, window.code),
        (round_.groups[0].id, {"unit_id": _unit(session, "财政局").id}, "财政局"),
    ]
    for group_id, scope, named in refusals:
        with pytest.raises(CoversNothing) as refused:
            issuing.issue_batch(session, round_.id, group_id, 5, KEYS, **scope, **KW)
        assert "不会覆盖任何评议对象" in refused.value.message and named in str(refused.value)
        session.rollback()
    assert session.scalar(select(func.count()).select_from(CodeBatch)) == 0


def test_one_batch_per_unit_of_the_selector_in_pinyin_order(session, baoji):
    _campaign, round_, staff = baoji
    _open(session, round_)
    issued = issuing.issue_batches_per_unit(session, round_.id, staff.id, 3, KEYS, label="部门干部", **KW)
    session.commit()
    units = [batch.unit.name for batch, _codes in issued]
    assert units == ["2026年度评议-单位", "财政局", "民政局", "税务局"]
    for batch, batch_codes in issued:
        assert batch.size == 3 and len(batch_codes) == 3 and batch.label == "部门干部"
        covered = {
            session.get(Target, t.id).unit_id for t in open_ticket(session, batch_codes[0], KEYS, now=NOW).targets
        }
        assert covered == {batch.unit_id}


def test_per_unit_batches_refuse_more_codes_than_one_issue_may_hold(session, baoji):
    _campaign, round_, staff = baoji
    with pytest.raises(DomainError) as refused:
        issuing.issue_batches_per_unit(session, round_.id, staff.id, issuing.MAX_BATCH // 2, KEYS, **KW)
    assert "合计超过" in refused.value.message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(CodeBatch)) == 0


def test_a_group_selector_matching_nothing_is_refused(session, baoji):
    campaign, round_, staff = baoji
    tax = _unit(session, "税务局")
    enforcement = next(c for c in campaign.categories if c.name == "综合管理")
    with pytest.raises(SelectorMatchesNothing):
        rounds.save_group(
            session,
            round_.id,
            _group_fields(staff, TargetSelector(category_id=enforcement.id, unit_id=tax.id)),
            group_id=staff.id,
            **KW,
        )
    session.rollback()
    assert session.get(RaterGroup, staff.id).selector == TargetSelector(kind=TargetKind.PERSON)


def test_a_groups_selector_is_kept_once_it_has_codes_and_travels_with_a_clone(session, baoji):
    campaign, round_, staff = baoji
    issuing.issue_batch(session, round_.id, staff.id, 1, KEYS, **KW)
    session.commit()
    with pytest.raises(Conflict):
        rounds.save_group(session, round_.id, _group_fields(staff, TargetSelector()), group_id=staff.id, **KW)
    session.rollback()
    rounds.save_group(
        session, round_.id, {**_group_fields(staff, staff.selector), "weight": 0.5}, group_id=staff.id, **KW
    )
    category = next(c for c in campaign.categories if c.name == "行政执法")
    rounds.save_group(
        session,
        round_.id,
        _group_fields(round_.groups[0], TargetSelector(category_id=category.id)),
        group_id=round_.groups[0].id,
        **KW,
    )
    session.commit()
    copy = campaigns.clone_campaign(session, campaign.id, "2027年度评议", 2027, **KW)
    session.commit()
    first, second = copy.rounds[0].groups
    assert second.selector == TargetSelector(kind=TargetKind.PERSON)
    new_category = next(c for c in copy.categories if c.name == "行政执法")
    assert first.selector == TargetSelector(category_id=new_category.id) and new_category.id != category.id
    copied = session.scalars(select(Target).where(Target.campaign_id == copy.id, first.selector.clause()))
    assert len(list(copied)) == 10
