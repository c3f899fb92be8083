"""What every report says about the run it shows: campaign, run, digest, sign-off, file names."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from surveys.models import Campaign, RunState, ScoringRun, User
from surveys.moments import local_text
from surveys.reports.rows import SUPPRESSED
from surveys.services import issuing

STATE_TEXT = {
    RunState.DRAFT: "未冻结（内部结果，未经签发）",
    RunState.FROZEN: "已冻结，待领导签发",
    RunState.SIGNED: "已签发，待公布",
    RunState.PUBLISHED: "已公布",
    RunState.WITHDRAWN: "已撤回",
}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True)
class RunFacts:
    campaign: str
    year: int
    campaign_id: int
    run_id: int  #: the run's number within its campaign (第 1 次计分), not its database id
    digest: str
    created_at: datetime
    state: RunState
    frozen: str  #: "time · person", or empty
    signed: str
    published: str
    zone: str  #: the time zone the times are read in (``TIMEZONE``)

    def lines(self, view: dict) -> Iterator[tuple[str, str]]:
        """The facts as (label, text) pairs, for a cover page or a notes sheet."""
        yield "评议活动", f"{self.campaign}（{self.year}年）"
        yield "计分", f"第 {self.run_id} 次计分，{local_text(self.created_at, self.zone)}"
        yield "状态", STATE_TEXT[self.state]
        for label, value in (("冻结", self.frozen), ("签发", self.signed), ("公布", self.published)):
            if value:
                yield label, value
        yield "输入摘要（digest）", self.digest
        yield "核对方法", "用 flask score 重新计分，输出的 digest 与此相同即说明数据和配置未变"
        yield "排名规则", "总分四舍五入到两位小数后排名；总分相同名次相同（1、2、2、4）"
        yield "匿名保护", f"少于 {view['suppress_below']} 张有效票的汇总不显示，记为“{SUPPRESSED}”"

    def filename(self, extension: str) -> tuple[str, str]:
        """(Chinese file name, ASCII fallback) for a download of this run."""
        name = _UNSAFE.sub("_", f"{self.campaign}-第{self.run_id}次计分.{extension}")
        return name, f"campaign-{self.campaign_id}-run-{self.run_id}.{extension}"


def run_facts(session: Session, run: ScoringRun, zone: str) -> RunFacts:
    campaign = session.get(Campaign, run.campaign_id)
    return RunFacts(
        campaign=campaign.name,
        year=campaign.year,
        campaign_id=campaign.id,
        run_id=run.number,
        digest=run.digest,
        created_at=run.created_at,
        state=run.state,
        frozen=_who_when(session, run.frozen_at, run.frozen_by, zone),
        signed=_who_when(session, run.signed_at, run.signed_by, zone),
        published=_who_when(session, run.published_at, run.published_by, zone),
        zone=zone,
    )


def _who_when(session: Session, at: datetime | None, user_id: int | None, zone: str) -> str:
    if at is None:
        return ""
    user = session.get(User, user_id) if user_id is not None else None
    when = local_text(at, zone)
    return f"{when} · {user.display_name or user.username}" if user is not None else when


def turnout_rows(session: Session, campaign_id: int) -> list[dict]:
    """Codes issued / used / void per batch of each round of the campaign, with the round's
    and the rater group's names (``surveys.services.issuing.turnout``)."""
    rows = []
    for round_ in session.get(Campaign, campaign_id).rounds:
        for row in issuing.turnout(session, round_.id):
            rows.append({**row, "round": round_.name, "group": row["batch"].group.name})
    return rows
