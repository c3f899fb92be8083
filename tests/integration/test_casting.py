"""Casting a ballot: one code, one ballot, all or nothing (DESIGN.md section 5).

The helpers at the top (`open_first_round`, `issue`, `answers_for`) are plain functions that
the anonymity, public form and concurrency tests import as well.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from surveys import codes
from surveys.errors import DomainError
from surveys.models import Ballot, CodeStatus, Comment, Rating, Round, Target
from surveys.services import ballot_box, issuing, organisation, questionnaires, rounds
from surveys.services.casting import (
    BallotInvalid,
    CodeRejected,
    RoundNotOpen,
    cast_ballot,
    cast_open_ballot,
    open_ticket,
)
from tests.builders import HOSTILE, KEYS, KW, NOTHING, answers_for, cast, code_state, counts, issue, open_first_round
from tests.conftest import NOW


def cast_open(session, round_id: int, target_id: int, answers, comment: str = "") -> None:
    """`cast_open_ballot` in a transaction of its own (see `cast`)."""
    session.commit()
    cast_open_ballot(session, round_id, target_id, answers, comment, now=NOW)


@pytest.fixture
def campaign(make_campaign):
    return make_campaign()


@pytest.fixture
def round_(session, campaign) -> Round:
    return open_first_round(session, campaign)


@pytest.fixture
def target(campaign) -> Target:
    return campaign.targets[0]


def test_a_cast_records_a_ballot_with_its_ratings_and_comment_and_uses_up_the_code(engine, session, round_, target):
    (code,) = issue(session, round_, target_id=target.id)
    answers = answers_for(round_, [target], level=1)

    rated = cast(session, code, answers, {target.id: "  窗口服务热情  "})
    session.commit()

    assert rated == 1
    ballot = session.scalars(select(Ballot)).one()
    assert (ballot.round_id, ballot.group_id, ballot.cast_on, ballot.is_low_trust) == (
        round_.id,
        round_.groups[0].id,
        NOW.date(),
        False,
    )
    ratings = {(r.target_id, r.item_id, r.level_id) for r in session.scalars(select(Rating))}
    assert ratings == {(target.id, item, level) for item, level in answers[target.id].items()}
    assert all(r.ballot_id == ballot.id for r in session.scalars(select(Rating)))
    comment = session.scalars(select(Comment)).one()
    assert (comment.ballot_id, comment.round_id, comment.target_id, comment.text) == (
        ballot.id,
        round_.id,
        target.id,
        "窗口服务热情",
    )
    assert code_state(engine, code) == (CodeStatus.USED, NOW.date())


def test_a_code_rates_every_target_its_batch_scope_covers(engine, session, campaign):
    unit = organisation.save_unit(session, "第二单位", None, **KW)
    second_unit_targets = [
        organisation.save_target(
            session,
            campaign.id,
            {"code": code, "name": name, "kind": "person", "category": "综合管理", "unit_id": unit.id},
            **KW,
        )
        for code, name in [("C01", "赵六"), ("C02", "钱七")]
    ]
    round_ = open_first_round(session, campaign)
    (code,) = issue(session, round_, unit_id=unit.id)

    rated = cast(session, code, answers_for(round_, second_unit_targets))
    session.commit()

    assert rated == 2
    rated_targets = set(session.scalars(select(Rating.target_id)))
    assert rated_targets == {t.id for t in second_unit_targets}
    assert counts(engine)["ballots"] == 1


def test_a_round_scope_code_rates_every_target_of_the_campaign(engine, session, campaign, round_):
    (code,) = issue(session, round_)

    rated = cast(session, code, answers_for(round_, campaign.targets))
    session.commit()

    assert rated == len(campaign.targets) == 3
    assert counts(engine)["ratings"] == 3 * len(round_.questionnaire.items)


def test_ratings_and_comments_beyond_one_statements_rows_are_all_written(
    engine, session, campaign, round_, monkeypatch
):
    monkeypatch.setattr(ballot_box, "ROWS_PER_STATEMENT", 2)  # a ballot's rows then take several
    (code,) = issue(session, round_)
    comments = {t.id: f"意见{n}" for n, t in enumerate(campaign.targets)}

    cast(session, code, answers_for(round_, campaign.targets, level=1), comments)
    session.commit()

    expected = {(t.id, i.id) for t in campaign.targets for i in round_.questionnaire.items}
    assert set(session.execute(select(Rating.target_id, Rating.item_id)).tuples()) == expected
    assert counts(engine)["ratings"] == len(expected) > 2
    assert dict(session.execute(select(Comment.target_id, Comment.text)).tuples().all()) == comments


def test_a_second_cast_with_the_same_code_is_refused_and_writes_nothing(engine, session, round_, target):
    (code,) = issue(session, round_, target_id=target.id)
    answers = answers_for(round_, [target])
    cast(session, code, answers, {target.id: "第一次"})
    session.commit()
    before = counts(engine)

    for spelling in (code, codes.display(code).lower()):
        with pytest.raises(CodeRejected):
            cast(session, spelling, answers, {target.id: "第二次"})
        session.rollback()

    assert counts(engine) == before == {"ballots": 1, "ratings": 2, "comments": 1, "used codes": 1}


def test_a_code_of_a_void_batch_is_refused(engine, session, round_, target):
    batch, (code,) = issuing.issue_batch(session, round_.id, round_.groups[0].id, 1, KEYS, **KW)
    issuing.void_batch(session, batch.id, **KW)
    session.commit()

    with pytest.raises(CodeRejected):
        cast(session, code, answers_for(round_, [target]))
    session.rollback()

    assert counts(engine) == {**NOTHING, "used codes": 1}  # the void one
    assert code_state(engine, code) == (CodeStatus.VOID, None)


def test_a_terminal_code_works_until_it_expires_and_is_refused_from_then_on(engine, session, round_, target):
    _terminal, token = issuing.create_terminal(
        session, round_.id, round_.groups[0].id, target.id, "一号窗口", ttl_minutes=30, **KW
    )
    session.commit()
    codes_ = []
    for _ in range(2):  # one code per request, as the terminal API hands them out
        code, _batch = issuing.next_terminal_code(session, token, KEYS, now=NOW)
        session.commit()
        codes_.append(code)
    fresh_code, late_code = codes_
    answers = answers_for(round_, [target])

    cast(session, fresh_code, answers, now=NOW + timedelta(minutes=29))
    session.commit()
    for moment in (NOW + timedelta(minutes=30), NOW + timedelta(days=1)):
        with pytest.raises(CodeRejected):
            cast(session, late_code, answers, now=moment)
        session.rollback()

    assert counts(engine)["ballots"] == 1
    assert code_state(engine, late_code) == (CodeStatus.UNUSED, None)


def test_a_code_of_a_draft_round_is_refused(engine, session, campaign, target):
    round_ = campaign.rounds[0]
    (code,) = issue(session, round_)

    with pytest.raises(RoundNotOpen):
        cast(session, code, answers_for(round_, [target]))
    session.rollback()

    assert counts(engine) == NOTHING


def test_a_code_of_a_closed_round_is_refused(engine, session, round_, target):
    (code,) = issue(session, round_)
    rounds.close_round(session, round_.id, **KW)
    session.commit()

    with pytest.raises(RoundNotOpen):
        cast(session, code, answers_for(round_, [target]))
    session.rollback()

    assert counts(engine) == NOTHING
    assert code_state(engine, code) == (CodeStatus.UNUSED, None)


def test_refused_codes_are_also_refused_when_only_opening_the_form(session, round_, target):
    batch, (void_code,) = issuing.issue_batch(session, round_.id, round_.groups[0].id, 1, KEYS, **KW)
    issuing.void_batch(session, batch.id, **KW)
    unknown = codes.derive_code(b"another-key", "batch", 0)
    session.commit()

    for code in (void_code, unknown):
        with pytest.raises(CodeRejected) as refused:
            open_ticket(session, code, KEYS, now=NOW)
        assert refused.value.status == 403


@pytest.fixture
def other_questionnaire(session, campaign):
    """A second questionnaire of the same campaign, whose items and levels no ticket shows."""
    other = questionnaires.create_questionnaire(session, campaign.id, "其他测评表", "three", with_unknown=False, **KW)
    questionnaires.save_item(session, other.id, "X1", "其他指标", 1.0, **KW)
    questionnaires.save_item(session, other.id, "X2", "另一指标", 1.0, **KW)
    session.commit()
    return other


def _not_covered(round_, campaign, target, other):
    stranger = campaign.targets[1]
    return answers_for(round_, [target]) | answers_for(round_, [stranger])


def _foreign_item(round_, campaign, target, other):
    answers = answers_for(round_, [target])
    answers[target.id][other.items[0].id] = round_.questionnaire.levels[0].id
    return answers


def _foreign_level(round_, campaign, target, other):
    answers = answers_for(round_, [target])
    first_item = round_.questionnaire.items[0].id
    answers[target.id][first_item] = other.levels[0].id
    return answers


@pytest.mark.parametrize("tamper", [_not_covered, _foreign_item, _foreign_level], ids=lambda f: f.__name__[1:])
def test_answers_outside_the_form_are_invalid_and_the_code_stays_unused(
    engine, session, campaign, round_, target, other_questionnaire, tamper
):
    (code,) = issue(session, round_, target_id=target.id)

    with pytest.raises(BallotInvalid) as refused:
        cast(session, code, tamper(round_, campaign, target, other_questionnaire))
    session.rollback()

    assert refused.value.status == 400
    assert counts(engine) == NOTHING
    assert code_state(engine, code) == (CodeStatus.UNUSED, None)


@pytest.fixture
def strict_round(session, campaign, other_questionnaire):
    """The first round, opened with a scale that has no 不了解."""
    return open_first_round(session, campaign, questionnaire_id=other_questionnaire.id)


def test_without_unknown_in_the_scale_every_item_must_be_answered(engine, session, campaign, strict_round):
    questionnaire = strict_round.questionnaire
    assert not any(level.is_excluded for level in questionnaire.levels)
    (code,) = issue(session, strict_round)
    complete = answers_for(strict_round, campaign.targets)
    one_target_missing = {t: a for t, a in complete.items() if t != campaign.targets[-1].id}
    first_target = campaign.targets[0].id
    one_item_missing = complete | {first_target: dict(list(complete[first_target].items())[:1])}

    for incomplete in (one_target_missing, one_item_missing):
        with pytest.raises(BallotInvalid):
            cast(session, code, incomplete)
        session.rollback()
    assert counts(engine) == NOTHING

    cast(session, code, complete)
    session.commit()
    assert counts(engine)["ratings"] == len(campaign.targets) * 2


def test_with_unknown_in_the_scale_items_may_be_left_out_or_answered_unknown(engine, session, round_, target):
    questionnaire = round_.questionnaire
    unknown = next(level for level in questionnaire.levels if level.is_excluded)
    first, second = questionnaire.items
    (left_out, answered_unknown) = issue(session, round_, 2, target_id=target.id)

    cast(session, left_out, {target.id: {first.id: questionnaire.levels[0].id}})
    cast(session, answered_unknown, {target.id: {first.id: questionnaire.levels[2].id, second.id: unknown.id}})
    session.commit()

    assert counts(engine) == {"ballots": 2, "ratings": 3, "comments": 0, "used codes": 2}


@pytest.mark.parametrize("answers", [{}, "every target empty"], ids=["no targets", "no items"])
def test_an_empty_ballot_is_refused(engine, session, round_, target, answers):
    (code,) = issue(session, round_, target_id=target.id)
    if answers:
        answers = {target.id: {}}

    with pytest.raises(BallotInvalid):
        cast(session, code, answers, {target.id: "只写意见不评价"})
    session.rollback()

    assert counts(engine) == NOTHING


def test_a_comment_may_hold_500_characters_but_not_501(engine, session, round_, target):
    too_long, just_right = issue(session, round_, 2, target_id=target.id)
    answers = answers_for(round_, [target])

    with pytest.raises(BallotInvalid):
        cast(session, too_long, answers, {target.id: "好" * 501})
    session.rollback()
    assert counts(engine) == NOTHING

    cast(session, just_right, answers, {target.id: "好" * 500})
    session.commit()
    assert session.scalar(select(Comment.text)) == "好" * 500


def test_a_hostile_html_comment_is_stored_verbatim_since_escaping_is_the_pages_job(session, round_, target):
    (code,) = issue(session, round_, target_id=target.id)

    cast(session, code, answers_for(round_, [target]), {target.id: HOSTILE})
    session.commit()

    assert session.scalar(select(Comment.text)) == HOSTILE


@pytest.mark.parametrize(
    "text", ["", "K7QM-3XPD", "K7QM-3XPD-9TRA-U", "<script>", "1" * 65, "零一二三四五六七八九十一二"]
)
def test_a_malformed_code_is_refused_before_any_statement_reaches_the_database(engine, session, round_, target, text):
    answers = answers_for(round_, [target])
    session.rollback()
    session.close()
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with pytest.raises(codes.MalformedCode):
            cast_ballot(session, text, answers, {}, KEYS, now=NOW)
        with pytest.raises(codes.MalformedCode):
            open_ticket(session, text, KEYS, now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert statements == []


def test_a_well_formed_code_does_reach_the_database_which_the_statement_count_relies_on(engine, session, round_):
    session.rollback()
    session.close()
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with pytest.raises(CodeRejected):
            cast_ballot(session, codes.derive_code(b"another-key", "batch", 0), {}, {}, KEYS, now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        session.rollback()

    assert statements


@pytest.fixture
def poster_round(session, campaign) -> Round:
    """The first round as an open (poster) round whose first group is the public one."""
    round_ = campaign.rounds[0]
    group = round_.groups[0]
    rounds.save_group(
        session, round_.id, {"name": group.name, "weight": 0.6, "is_public": True}, group_id=group.id, **KW
    )
    return open_first_round(session, campaign, is_open_round=True)


def test_an_open_round_poster_ballot_goes_to_the_public_group_as_low_trust(
    engine, session, campaign, poster_round, target
):
    cast_open(session, poster_round.id, target.id, answers_for(poster_round, [target]), HOSTILE)
    session.commit()

    ballot = session.scalars(select(Ballot)).one()
    public = next(g for g in poster_round.groups if g.is_public)
    assert (ballot.group_id, ballot.is_low_trust, ballot.cast_on) == (public.id, True, NOW.date())
    assert {r.target_id for r in session.scalars(select(Rating))} == {target.id}
    assert session.scalar(select(Comment.text)) == HOSTILE
    assert counts(engine)["used codes"] == 0


def test_a_poster_ballot_is_refused_in_a_round_that_needs_codes(engine, session, round_, target):
    with pytest.raises(DomainError):
        cast_open(session, round_.id, target.id, answers_for(round_, [target]))
    session.rollback()

    assert counts(engine) == NOTHING


def test_a_poster_ballot_is_refused_for_a_target_of_another_campaign_or_once_closed(
    engine, session, make_campaign, poster_round, target
):
    stranger = make_campaign("另一活动").targets[0]

    with pytest.raises(DomainError):
        cast_open(session, poster_round.id, stranger.id, answers_for(poster_round, [stranger]))
    session.rollback()
    rounds.close_round(session, poster_round.id, **KW)
    session.commit()
    with pytest.raises(RoundNotOpen):
        cast_open(session, poster_round.id, target.id, answers_for(poster_round, [target]))
    session.rollback()

    assert counts(engine) == NOTHING
