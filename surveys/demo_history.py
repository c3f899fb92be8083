"""Last year's demo campaign: rated, closed and scored, so leaders have results to read.

The same seed gives the same units, chiefs and codes as this year's demo campaign, so the
trend follows every chief across the two years (targets match by code). Ballots go through
the real casting service; both rounds are then closed (sealed) and scored, and the stored
run is frozen, signed off and published, as last year's results would have been, so every
role's results pages and the public page show it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from surveys import demo, demo_ballots
from surveys.models import Campaign, RoundStatus
from surveys.services import publishing, rounds
from surveys.services.issuing import CodeKeys
from surveys.services.scoring_rules import save_rules
from surveys.services.scoring_runs import save_run, score_campaign

#: Baoji's rule: the bottom five lose that year's promotion eligibility; ten best named.
RULES = {"top_n": 10, "bottom_n": 5}
#: Ballots cast into last year's two rounds: enough for most chiefs to pass every group's minimum.
BALLOTS = 2000


def seed_last_year(
    session: Session, current: Campaign, keys: CodeKeys, *, seed: int, now: datetime, ballots: int = BALLOTS
) -> Iterator[int]:
    """Build, rate, close and score last year's campaign and make it ``current``'s predecessor.

    Yields after each ballot cast (for a progress bar), then once more when the run is
    stored. Commits as it goes, as the casting service's callers do.
    """
    then = now - timedelta(days=365)
    kw = {"now": then, "actor_id": None}
    demo.seed(session, seed=seed, now=then)
    campaign = demo.newest_campaign(session)
    for round_ in campaign.rounds:
        if round_.status is RoundStatus.DRAFT:
            rounds.open_round(session, round_.id, **kw)
    round_ids = [r.id for r in campaign.rounds]
    planned = demo_ballots.plan(session, ballots, keys, seed=seed + 1, now=then, round_ids=round_ids)
    session.commit()
    yield from demo_ballots.cast(session, planned, keys, now=then)
    for round_id in round_ids:
        rounds.close_round(session, round_id, **kw)
        session.commit()  # each round is sealed in a transaction of its own
    current_id, campaign_id = current.id, campaign.id
    session.get(Campaign, current_id).predecessor_id = campaign_id
    save_rules(session, campaign_id, RULES, **kw)
    session.commit()
    score_and_publish(session, campaign_id, kw)
    yield 1


def score_and_publish(session: Session, campaign_id: int, kw: dict) -> None:
    """Score the closed campaign, store the run, freeze, sign off and publish it; commits."""
    result = score_campaign(session, campaign_id)
    session.rollback()  # end the scoring's snapshot before writing
    run = save_run(session, result, **kw)
    for step in (publishing.freeze_run, publishing.sign_run, publishing.publish_run):
        step(session, run.id, **kw)
    session.commit()
