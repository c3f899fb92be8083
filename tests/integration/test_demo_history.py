"""Last year's demo campaign: rated through the casting service, closed, scored, linked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from surveys import demo, demo_history
from surveys.models import Ballot, Campaign, RoundStatus, ScoringRun
from surveys.services.issuing import CodeKeys

NOW = datetime(2026, 3, 1, 9, 0, 0)
KEYS = CodeKeys(derive=b"d" * 32, lookup=b"l" * 32)


def test_last_years_campaign_is_rated_closed_scored_and_the_predecessor_of_this_years(session):
    demo.seed(session, seed=7, now=NOW)
    session.commit()
    current = demo.newest_campaign(session)

    steps = sum(demo_history.seed_last_year(session, current, KEYS, seed=7, now=NOW, ballots=200))

    last = session.get(Campaign, session.get(Campaign, current.id).predecessor_id)
    assert last.year == 2025 and last.name.startswith("2025年度")
    assert {r.status for r in last.rounds} == {RoundStatus.CLOSED}
    assert session.scalar(select(func.count()).select_from(Ballot)) == 200 == steps - 1
    (run,) = session.scalars(select(ScoringRun).where(ScoringRun.campaign_id == last.id))
    assert sorted(t["code"] for t in run.result["targets"]) == sorted(t.code for t in current.targets)
    assert run.config["rules"]["bottom_n"] == 5
    assert not any(r.status is RoundStatus.CLOSED for r in current.rounds)
