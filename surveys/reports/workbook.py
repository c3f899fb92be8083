"""The XLSX workbook of a scoring run: 排名, 得分明细, 指标得分, 等级分布, 发码与参评, 说明.

Built with openpyxl from the run as ``display.shown`` leaves it (``surveys.reports.rows``),
so the workbook never holds a figure a page would hide. Numbers are numbers (not text),
so the sheets sort and sum in Excel; hidden figures read ``—（票数过少）``.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from surveys.cells import append_row
from surveys.reports import rows
from surveys.reports.facts import RunFacts
from surveys.scoring.standings import honour_sections

TURNOUT_HEADER = ("轮次", "批次", "评议主体", "发放评议码", "已使用", "已作废", "使用率")
_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")
_TOP_FILL = PatternFill("solid", fgColor="E2F0D9")
_BOTTOM_FILL = PatternFill("solid", fgColor="F8DCDC")


def build_workbook(facts: RunFacts, view: dict, turnout: Iterable[dict]) -> bytes:
    """The workbook as bytes. ``view`` is ``shown(run.result)``; ``turnout`` rows are
    ``surveys.services.issuing.turnout`` rows with the round's name added (``round``)."""
    book = Workbook()
    ranking = book.active
    ranking.title = "排名"
    _fill(ranking, rows.RANKING_HEADER, (rows.ranking_row(t, view["suppress_below"]) for t in view["targets"]))
    for line, target in enumerate(view["targets"], start=2):
        fill = _TOP_FILL if "top" in target["flags"] else _BOTTOM_FILL if "bottom" in target["flags"] else None
        for cell in ranking[line] if fill else ():
            cell.fill = fill
    sections = honour_sections(view)
    if sections:
        _fill(book.create_sheet("排名名单"), rows.LIST_HEADER, rows.list_rows(sections, view["suppress_below"]))
    _fill(book.create_sheet("得分明细"), rows.BREAKDOWN_HEADER, rows.breakdown_rows(view))
    _fill(book.create_sheet("指标得分"), rows.ITEM_HEADER, rows.item_rows(view))
    header, level_rows = rows.level_table(view)
    _fill(book.create_sheet("等级分布"), header, level_rows)
    _fill(book.create_sheet("发放与使用"), TURNOUT_HEADER, map(_turnout_row, turnout), percent_columns=(7,))
    _fill(book.create_sheet("说明"), ("项目", "内容"), facts.lines(view))
    book.properties.title = f"{facts.campaign} 计分结果"
    book.properties.creator = "evalsite"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _turnout_row(r: dict) -> tuple:
    batch = r["batch"]
    return (r["round"], batch.label or f"#{batch.id}", r["group"], r["issued"], r["used"], r["void"], r["rate"])


def _fill(sheet: Worksheet, header: tuple, body: Iterable[tuple], percent_columns: tuple[int, ...] = ()) -> None:
    append_row(sheet, header)
    for cell in sheet[1]:
        cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
        cell.alignment = Alignment(vertical="center")
    widths = [_width(h) for h in header]
    for row in body:
        append_row(sheet, row)
        widths = [max(w, _width(v)) for w, v in zip(widths, row, strict=False)] + widths[len(row) :]
    for column in percent_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "0.0%"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 60)
    sheet.freeze_panes = "A2"


def _width(value) -> int:
    """Display width of a cell: CJK characters take two columns."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
