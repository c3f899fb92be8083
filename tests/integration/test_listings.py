"""What the pages list of a campaign or a round: only that campaign's (or round's), in page order."""

from __future__ import annotations

import pytest

from surveys.models import RunState, ScoringRun, Target
from surveys.services import issuing, listings, organisation
from tests.conftest import NOW

KW = {"now": NOW, "actor_id": None}
KEYS = issuing.CodeKeys(derive=b"test-derive-key", lookup=b"test-lookup-key")


@pytest.fixture
def two_campaigns(make_campaign):
    """This year's campaign and last year's, each with targets A01, A02, B01 of its own unit."""
    return make_campaign("2026年度评议", 2026), make_campaign("2025年度评议", 2025)


def stored_run(session, campaign_id: int, state: RunState = RunState.DRAFT) -> ScoringRun:
    frozen = state is not RunState.DRAFT
    number = len(listings.runs_of(session, campaign_id)) + 1  # runs are numbered per campaign
    run = ScoringRun(
        campaign_id=campaign_id,
        number=number,
        created_at=NOW,
        digest="0" * 64,
        config={},
        result={},
        state=state,
        is_frozen=frozen,
        frozen_at=NOW if frozen else None,
    )
    session.add(run)
    session.flush()
    return run


def test_a_campaigns_runs_are_its_own_oldest_first_and_each_knows_the_one_before(session, two_campaigns):
    this, last = two_campaigns
    first = stored_run(session, this.id)
    stored_run(session, last.id)
    second = stored_run(session, this.id, RunState.FROZEN)
    third = stored_run(session, this.id)

    assert listings.runs_of(session, this.id) == [first, second, third]
    assert listings.run_before(session, third) is second
    assert listings.run_before(session, second) is first
    assert listings.run_before(session, first) is None


def test_the_newest_run_in_a_state_skips_newer_runs_in_other_states_and_other_campaigns(session, two_campaigns):
    this, last = two_campaigns
    frozen = stored_run(session, this.id, RunState.FROZEN)
    stored_run(session, this.id)  # a newer draft
    stored_run(session, last.id, RunState.FROZEN)

    assert listings.newest_run_in(session, this.id, (RunState.FROZEN, RunState.SIGNED)) is frozen
    assert listings.newest_run_in(session, this.id, (RunState.SIGNED,)) is None


def test_campaigns_rating_a_unit_are_those_with_a_target_in_it(session, two_campaigns):
    this, last = two_campaigns
    second = organisation.save_unit(session, "二号单位", None, **KW)
    organisation.save_unit(session, "没有评议对象的单位", None, **KW)
    fields = {"code": "C01", "name": "赵六", "kind": "person", "category": "综合管理", "unit_id": second.id}
    organisation.save_target(session, this.id, fields, **KW)

    assert listings.campaigns_rating_unit(session, second.id) == {this.id}
    assert listings.campaigns_rating_unit(session, listings.target_by_code(session, last.id, "A01").unit_id) == {
        last.id
    }


def test_target_choices_and_ids_by_code_hold_the_campaigns_own_targets(session, two_campaigns):
    this, last = two_campaigns
    mine = {t.code: t for t in session.query(Target).filter_by(campaign_id=this.id)}

    assert listings.target_choices(session, this.id) == [
        (mine["A01"].id, "A01", "张三"),
        (mine["A02"].id, "A02", "李四"),
        (mine["B01"].id, "B01", "王五"),
    ]
    assert listings.target_ids_by_code(session, this.id) == {code: t.id for code, t in mine.items()}
    assert listings.target_by_code(session, this.id, "A02") is mine["A02"]
    assert listings.target_by_code(session, last.id, "A02") is not mine["A02"]
    assert listings.target_by_code(session, this.id, "Z99") is None


def test_category_names_are_the_campaigns_own(session, two_campaigns):
    this, _last = two_campaigns
    unit_id = listings.target_by_code(session, this.id, "A01").unit_id
    organisation.save_target(
        session,
        this.id,
        {"code": "C01", "name": "赵六", "kind": "person", "category": "窗口服务", "unit_id": unit_id},
        **KW,
    )

    assert sorted(listings.category_names(session, this.id)) == sorted(["窗口服务", "综合管理", "行政执法"])


def test_a_rounds_terminals_are_listed_in_order_and_found_from_their_batch(session, two_campaigns):
    this, last = two_campaigns
    round_, other_round = this.rounds[0], last.rounds[0]
    target = listings.target_by_code(session, this.id, "A01")
    other_target = listings.target_by_code(session, last.id, "A01")
    group = round_.groups[0].id
    first, _ = issuing.create_terminal(session, round_.id, group, target.id, "一号窗口", ttl_minutes=30, **KW)
    second, _ = issuing.create_terminal(session, round_.id, group, target.id, "二号窗口", ttl_minutes=30, **KW)
    issuing.create_terminal(
        session, other_round.id, other_round.groups[0].id, other_target.id, "一号窗口", ttl_minutes=30, **KW
    )
    batch, _codes = issuing.issue_batch(session, round_.id, group, 2, KEYS, **KW)

    assert listings.terminals_of_round(session, round_.id) == [first, second]
    assert listings.terminal_of_batch(session, second.batch_id) is second
    assert listings.terminal_of_batch(session, batch.id) is None
