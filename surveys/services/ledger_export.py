"""The ledger as an XLSX workbook: one row per problem, for printing and filing."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy.orm import Session

from surveys.cells import append_row
from surveys.labels import HONOUR, PROBLEM_SOURCE, PROBLEM_STATE, VERDICT
from surveys.models import Campaign, Problem, ProblemState, ProblemStep, StepKind
from surveys.moments import local
from surveys.services.ledger import Filters, list_problems
from surveys.services.lookup import get

SHEET_TITLE = "整改台账"
HEADER = [
    "序号", "问题标题", "状态", "是否逾期", "责任单位", "评议对象", "来源", "整改期限",
    "问题描述", "群众意见摘录", "整改与核验记录", "最终评价", "销号人", "销号时间", "红黑榜",
]  # fmt: skip


def history(problem: Problem, zone: str) -> str:
    """The problem's reports and verdicts, one line each dated on ``zone``'s calendar, oldest first."""
    return "\n".join(f"{local(s.at, zone):%Y-%m-%d} {_step_text(s)}" for s in problem.steps)


def _step_text(step: ProblemStep) -> str:
    if step.kind is StepKind.REPORT:
        return "整改报告"
    return f"核验：{VERDICT[step.verdict]}" + (f"（新期限 {step.deadline_on}）" if step.deadline_on else "")


def ledger_rows(problems: list[Problem], today: date, zone: str) -> list[list]:
    """The sheet's rows (without header), in the ledger's order.

    The final verdict (最终评价) is the one that closed the problem: a problem sent back
    (不满意) and not yet closed again has none, whatever its latest verdict was.
    """
    rows = []
    for number, p in enumerate(problems, start=1):
        rows.append(
            [
                number,
                p.title,
                PROBLEM_STATE[p.state],
                "是" if p.is_overdue(today) else "否",
                p.unit.name,
                f"{p.target.code} {p.target.name}" if p.target else "",
                PROBLEM_SOURCE[p.source],
                p.deadline_on,
                p.description,
                p.quote,
                history(p, zone),
                VERDICT[p.verdict] if p.state is ProblemState.CLOSED else "",
                (p.closer.display_name or p.closer.username) if p.closer else "",
                local(p.closed_at, zone).replace(tzinfo=None, microsecond=0) if p.closed_at else None,
                HONOUR[p.honour] if p.honour else "",
            ]
        )
    return rows


def ledger_workbook(
    session: Session, campaign_id: int, *, today: date, zone: str, filters: Filters | None = None
) -> bytes:
    """The campaign's ledger (as filtered on its page) as XLSX bytes; times on ``zone``'s clocks."""
    campaign = get(session, Campaign, campaign_id)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    append_row(sheet, [f"{campaign.name} 整改台账（截至 {today.isoformat()}）"])
    append_row(sheet, HEADER)
    for row in ledger_rows(list_problems(session, today=today, campaign_id=campaign.id, filters=filters), today, zone):
        append_row(sheet, row)
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJKLMNO", (6, 30, 10, 8, 22, 18, 12, 12, 40, 40, 30, 10, 10, 18, 8), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row[7].number_format = "yyyy-mm-dd"
        row[13].number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
