"""A campaign with a rectification ledger, built through the services, for the ledger tests
and the role matrix.

Unit A is the unit of the demo campaign's targets; unit B is another unit. A01 has five
ballots with comments in the closed round (enough to quote), A02 two (too few).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from surveys.models import Ballot, Comment, Level, ProblemSource, Rating, Target
from surveys.services import organisation, problems, rounds
from surveys.services.attachments import Upload
from tests.conftest import NOW

KW = {"now": NOW, "actor_id": None}
TODAY = NOW.date()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
A01_COMMENTS = ["窗口午休时间无人值守", "办事要跑好几趟", "态度生硬", "材料要求不一次性告知", "排队时间太长"]
A02_COMMENTS = ["希望增加自助机", "停车难"]
#: A01's five ballots answer Q1 and Q2 with these levels (positions 0 = 非常满意 … 4 = 非常不满意).
A01_LEVELS = [(3, 1), (3, 0), (4, 1), (3, 1), (2, 0)]


def cast(session, round_, target_id: int, levels: list[tuple[int, int]], comments: list[str]) -> None:
    """Ballots of the round's first group straight into the tables (no codes needed here)."""
    questionnaire = round_.questionnaire
    by_position = {
        lv.position: lv.id for lv in session.scalars(select(Level).where(Level.questionnaire == questionnaire))
    }
    for (q1, q2), text in zip(levels, comments, strict=True):
        ballot = Ballot(round_id=round_.id, group_id=round_.groups[0].id, cast_on=TODAY)
        session.add(ballot)
        session.flush()
        for item, position in zip(questionnaire.items, (q1, q2), strict=True):
            session.add(
                Rating(ballot_id=ballot.id, target_id=target_id, item_id=item.id, level_id=by_position[position])
            )
        session.add(Comment(ballot_id=ballot.id, round_id=round_.id, target_id=target_id, text=text))
    session.flush()


def build_ledger(session, make_campaign, *, close: bool = True) -> dict:
    """The world: a closed round with comments, and two problems, one per unit, each with a
    report carrying a PNG. Commits; returns ids."""
    campaign = make_campaign()
    targets = {t.code: t for t in session.scalars(select(Target).where(Target.campaign_id == campaign.id))}
    round_ = campaign.rounds[0]
    rounds.open_round(session, round_.id, **KW)
    cast(session, round_, targets["A01"].id, A01_LEVELS, A01_COMMENTS)
    cast(session, round_, targets["A02"].id, [(0, 0), (1, 1)], A02_COMMENTS)
    if close:
        rounds.close_round(session, round_.id, **KW)
    unit_a = targets["A01"].unit_id
    unit_b = organisation.save_unit(session, "市住房和城乡建设局", None, **KW).id
    deadline = TODAY + timedelta(days=30)
    fields_a = problems.ProblemFields(
        "窗口午休无人值守", "暗访发现午休时段窗口无人", deadline, target_id=targets["A01"].id
    )
    problem_a = problems.file_problem(session, campaign.id, fields_a, ProblemSource.UNANNOUNCED, today=TODAY, **KW)
    fields_b = problems.ProblemFields("物业维修基金申领慢", "12345 热线反映", deadline, unit_id=unit_b)
    problem_b = problems.file_problem(session, campaign.id, fields_b, ProblemSource.HOTLINE, today=TODAY, **KW)
    steps = {}
    for problem, unit_id in ((problem_a, unit_a), (problem_b, unit_b)):
        step = problems.report(
            session, problem.id, "已整改", [Upload("现场.png", PNG)], unit_id=unit_id, max_bytes=2**20, **KW
        )
        steps[unit_id] = step
    session.commit()
    return {
        "campaign_id": campaign.id,
        "round_id": round_.id,
        "targets": {code: t.id for code, t in targets.items()},
        "unit_a": unit_a,
        "unit_b": unit_b,
        "problem_a": problem_a.id,
        "problem_b": problem_b.id,
        "attachment_a": steps[unit_a].attachments[0].id,
        "attachment_b": steps[unit_b].attachments[0].id,
        "deadline": deadline,
    }
