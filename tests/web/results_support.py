"""A scored paper campaign for the results tests (web and browser)."""

from __future__ import annotations

from sqlalchemy import select

from surveys.models import Ballot, Comment, Rating
from surveys.services import publishing
from surveys.services.scoring_rules import save_rules
from surveys.services.scoring_runs import save_run, score_campaign
from tests.builders import PAPER_BALLOTS, build_campaign
from tests.conftest import NOW

KW = {"now": NOW, "actor_id": None}
#: B1 with four counted ballots: its 机关干部 ballot is one, below that group's minimum of 2.
FOUR_BALLOTS = {**PAPER_BALLOTS, "B1": {"服务对象": ["VS VS", "S S", "B B", "S S"], "机关干部": ["B B"]}}


def store_run(session, campaign_id: int):
    """Score the campaign and store the run, as the organiser's button does. Commits."""
    session.commit()
    session.expire_all()
    result = score_campaign(session, campaign_id)
    session.rollback()
    run = save_run(session, result, **KW)
    session.commit()
    return run


def comment_on(session, target_id: int, texts: list[str]) -> None:
    """Comments on one target, each on a ballot that rated it. Commits."""
    ballots = session.scalars(select(Rating.ballot_id).where(Rating.target_id == target_id).distinct()).all()
    for ballot_id, text in zip(ballots, texts, strict=False):
        round_id = session.get(Ballot, ballot_id).round_id
        session.add(Comment(ballot_id=ballot_id, round_id=round_id, target_id=target_id, text=text))
    session.commit()


def scored_campaign(session, *, suppress_below: int = 5, ballots=FOUR_BALLOTS, signed: bool = True) -> dict:
    """The paper campaign with B1 at four ballots, the threshold set, comments, and a stored
    run, frozen and signed off (so every reader's results pages show it) unless ``signed`` is
    False (a draft: organisers and admins only)."""
    ids = build_campaign(session, ballots)
    save_rules(session, ids["campaign"], {"suppress_below": suppress_below}, **KW)
    session.commit()
    comment_on(session, ids["targets"]["A1"], ["窗口办事很耐心。", "希望缩短排队时间。", "材料一次告知，点赞。"])
    comment_on(session, ids["targets"]["B1"], ["态度需要改进。"])
    ids["run"] = store_run(session, ids["campaign"]).id
    if signed:
        publishing.freeze_run(session, ids["run"], **KW)
        publishing.sign_run(session, ids["run"], **KW)
        session.commit()
    return ids
