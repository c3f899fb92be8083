"""Rectification problems for the demo campaign, one at each stage of the ledger.

Filed by hand (inspections, 暗访, the 12345 hotline): the demo's rounds are not closed yet,
so no comments may be quoted. Built through the services, so the audit log tells the story.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from surveys.models import Campaign, Honour, ProblemSource, Unit, Verdict
from surveys.services import problems

#: (unit name, title, description, source, days to the deadline, how far it gets)
PROBLEMS = (
    ("市行政审批服务局", "企业开办窗口午间无人值守", "暗访发现 12:00–13:30 窗口无人",
     ProblemSource.UNANNOUNCED, 20, "open"),
    ("市行政审批服务局", "办事指南与实际要求不一致", "12345 热线反映：指南未列明需提供的房产证明",
     ProblemSource.HOTLINE, 15, "reported"),
    ("市住房和城乡建设局", "维修资金申领材料要求多次补交", "督查发现申领材料未一次性告知",
     ProblemSource.INSPECTION, 30, "closed"),
    ("市公安局", "户籍窗口电话长期无人接听", "12345 热线多次反映", ProblemSource.HOTLINE, 10, "reopened"),
)  # fmt: skip


def seed_ledger(session: Session, campaign: Campaign, units: list[Unit], *, now: datetime) -> None:
    """File the demo problems and move each to its stage; flush, never commit."""
    kw = {"now": now, "actor_id": None}
    today = now.date()
    by_name = {u.name: u for u in units}
    for unit_name, title, description, source, days, stage in PROBLEMS:
        fields = problems.ProblemFields(title, description, today + timedelta(days=days), unit_id=by_name[unit_name].id)
        problem = problems.file_problem(session, campaign.id, fields, source, today=today, **kw)
        if stage == "open":
            continue
        text = "已制定整改方案并落实到人。"
        problems.report(session, problem.id, text, [], unit_id=problem.unit_id, max_bytes=0, **kw)
        if stage == "closed":
            problems.verify(session, problem.id, Verdict.SATISFIED, "整改到位", None, today=today, **kw)
            problems.set_honour(session, problem.id, Honour.RED, "一次性告知清单已上墙公示", **kw)
        elif stage == "reopened":
            new_deadline = today + timedelta(days=days + 10)
            problems.verify(session, problem.id, Verdict.UNSATISFIED, "未见值班安排", new_deadline, today=today, **kw)
            problems.set_honour(session, problem.id, Honour.BLACK, "整改流于形式", **kw)
    session.flush()
