"""Problems from raters' comments and from low-scoring items, and what they must not leak."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from surveys.errors import DomainError, NotFound
from surveys.models import Comment, Problem, ProblemSource, ScoringRules
from surveys.services import problem_sources
from surveys.services.problems import ProblemFields
from surveys.services.scoring_runs import save_run, score_campaign
from tests.ledger_world import A01_COMMENTS, A02_COMMENTS, KW, TODAY, build_ledger

DEADLINE = TODAY + timedelta(days=14)


def comment_ids(session, target_id: int) -> dict[str, str]:
    return {c.text: c.id for c in session.scalars(select(Comment).where(Comment.target_id == target_id))}


def test_only_closed_rounds_with_enough_ballots_offer_their_comments(session, make_campaign):
    world = build_ledger(session, make_campaign)
    a01, a02 = world["targets"]["A01"], world["targets"]["A02"]
    offered = problem_sources.comment_choices(session, world["campaign_id"], a01)
    assert sorted(c.text for c in offered) == sorted(A01_COMMENTS)
    assert problem_sources.comment_choices(session, world["campaign_id"], a02) == []  # 2 ballots < 5


def test_the_campaign_s_own_suppression_threshold_applies(session, make_campaign):
    world = build_ledger(session, make_campaign)
    session.add(ScoringRules(campaign_id=world["campaign_id"], suppress_below=6))
    session.commit()
    assert problem_sources.comment_choices(session, world["campaign_id"], world["targets"]["A01"]) == []


def test_an_open_round_offers_no_comments(session, make_campaign):
    world = build_ledger(session, make_campaign, close=False)
    assert problem_sources.comment_choices(session, world["campaign_id"], world["targets"]["A01"]) == []


def test_comments_come_in_a_fresh_random_order(session, make_campaign):
    world = build_ledger(session, make_campaign)
    orders = {
        tuple(c.text for c in problem_sources.comment_choices(session, world["campaign_id"], world["targets"]["A01"]))
        for _ in range(20)
    }
    assert len(orders) > 1  # 20 draws of 120 orders all equal: chance 120**-19


def test_a_problem_quotes_the_chosen_texts_sorted_and_keeps_no_link_to_them(session, make_campaign):
    world = build_ledger(session, make_campaign)
    a01 = world["targets"]["A01"]
    ids = comment_ids(session, a01)
    chosen = [ids["态度生硬"], ids["办事要跑好几趟"], ids["态度生硬"]]
    fields = ProblemFields("窗口服务态度差", "", DEADLINE, target_id=a01)
    problem = problem_sources.file_from_comments(session, world["campaign_id"], chosen, fields, today=TODAY, **KW)
    assert problem.source is ProblemSource.COMMENT
    assert problem.quote == "\n".join(sorted(["态度生硬", "办事要跑好几趟"]))
    assert problem.unit_id == world["unit_a"]
    # Nothing in the ledger's tables can lead back to a comment or a ballot.
    for table in ("problems", "problem_steps", "attachments"):
        for fk in inspect(session.get_bind()).get_foreign_keys(table):
            assert fk["referred_table"] not in ("comments", "ballots", "ratings", "codes"), (table, fk)
    assert not any(value in str(problem.__dict__) for value in ids.values())


@pytest.mark.parametrize("case", ["other_target", "none", "unknown"])
def test_comments_that_were_not_offered_are_refused(session, make_campaign, case):
    world = build_ledger(session, make_campaign)
    a01 = world["targets"]["A01"]
    chosen = {
        "other_target": [comment_ids(session, world["targets"]["A02"])[A02_COMMENTS[0]]],
        "none": [],
        "unknown": ["00000000-0000-4000-8000-000000000000"],
    }[case]
    fields = ProblemFields("标题", "", DEADLINE, target_id=a01)
    with pytest.raises(DomainError):
        problem_sources.file_from_comments(session, world["campaign_id"], chosen, fields, today=TODAY, **KW)
    assert session.scalar(select(Problem).where(Problem.source == ProblemSource.COMMENT)) is None


def test_a_target_of_another_campaign_is_not_found(session, make_campaign):
    world = build_ledger(session, make_campaign)
    other = make_campaign("另一活动")
    with pytest.raises(NotFound):
        problem_sources.comment_choices(session, world["campaign_id"], other.targets[0].id)


def stored_run(session, campaign_id: int) -> None:
    session.commit()
    result = score_campaign(session, campaign_id)
    session.rollback()
    save_run(session, result, **KW)
    session.commit()


def test_low_items_come_from_the_latest_run_and_suppressed_targets_offer_none(session, make_campaign):
    world = build_ledger(session, make_campaign)
    a01, a02 = world["targets"]["A01"], world["targets"]["A02"]
    assert problem_sources.low_items(session, world["campaign_id"], a01, 80) == []  # no run yet
    stored_run(session, world["campaign_id"])
    # A01's five ballots: Q1 40, 40, 20, 40, 60 → 40.00; Q2 80, 100, 80, 80, 100 → 88.00.
    assert problem_sources.low_items(session, world["campaign_id"], a01, 80) == [
        problem_sources.LowItem("群众评议", "Q1", "服务态度", 40.0, 5)
    ]
    assert [i.code for i in problem_sources.low_items(session, world["campaign_id"], a01, 90)] == ["Q1", "Q2"]
    assert problem_sources.low_items(session, world["campaign_id"], a02, 101) == []  # two ballots: suppressed


def test_a_low_item_problem_carries_the_item_s_figures(session, make_campaign):
    world = build_ledger(session, make_campaign)
    stored_run(session, world["campaign_id"])
    a01 = world["targets"]["A01"]
    fields = ProblemFields("服务态度得分偏低", "请对照整改", DEADLINE, target_id=a01)
    problem = problem_sources.file_from_low_item(
        session, world["campaign_id"], "群众评议", "Q1", 80, fields, today=TODAY, **KW
    )
    assert problem.source is ProblemSource.LOW_ITEM
    assert problem.description == "【群众评议】服务态度（Q1）平均 40.00 分，5 条有效评价\n请对照整改"
    with pytest.raises(DomainError, match="不在低分项"):
        problem_sources.file_from_low_item(
            session, world["campaign_id"], "群众评议", "Q2", 80, fields, today=TODAY, **KW
        )
