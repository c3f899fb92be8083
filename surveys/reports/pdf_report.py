"""The printable PDF report of a scoring run (reportlab platypus, A4 portrait).

Cover with the run's facts and digest; 十佳 and 末位 lists; a bar chart of how many
targets got each grade (a reportlab drawing, vector, no image files); the ranking table of
each category; the targets not ranked, with why. The Chinese font is the one the code
slips embed (``surveys.printing.register_fonts``), so the report prints the same anywhere.
Built from ``shown(run.result)`` only (``surveys.reports.rows``).
"""

from __future__ import annotations

import io
from collections import Counter
from xml.sax.saxutils import escape  # nosec B406  # escapes text for reportlab; parses nothing

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from surveys.printing import FONT, register_fonts
from surveys.reports import rows
from surveys.reports.facts import RunFacts
from surveys.scoring.standings import honour_sections

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
_CELL = ParagraphStyle("cell", parent=_BODY, fontSize=8.5, leading=11)
_TITLE = ParagraphStyle("title", parent=_BODY, fontSize=20, leading=28, spaceAfter=8 * mm)
_H1 = ParagraphStyle("h1", parent=_BODY, fontSize=14, leading=20, spaceBefore=4 * mm, spaceAfter=3 * mm)
_H2 = ParagraphStyle("h2", parent=_BODY, fontSize=11.5, leading=16, spaceBefore=3 * mm, spaceAfter=2 * mm)
_LIST_HEADER = ("名次", "编号", "名称", "类别", "单位", "总分", "等次")
_TABLE_HEADER = ("名次", "类别内名次", "编号", "名称", "单位", "总分", "等次", "有效票数", "标记")
_GRID = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDE6F0")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
)


def build_pdf(facts: RunFacts, view: dict) -> bytes:
    """The report as PDF bytes; ``view`` is ``shown(run.result)``."""
    register_fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=f"{facts.campaign} 计分结果报告",
        author="evalsite",
        creator="evalsite",
        initialFontName=FONT,  # no page refers to a font that is not embedded (Helvetica)
    )
    story = [*_cover(facts, view), PageBreak(), *_lists(view), *_chart(view), PageBreak(), *_ranking(view)]
    doc.build(story, onFirstPage=_footer(facts), onLaterPages=_footer(facts))
    return out.getvalue()


def _cover(facts: RunFacts, view: dict) -> list:
    table = Table(
        [[_para(label, _BODY), _para(text, _BODY)] for label, text in facts.lines(view)],
        colWidths=[38 * mm, 140 * mm],
    )
    table.setStyle(_GRID)
    return [Spacer(1, 30 * mm), Paragraph(f"{escape(facts.campaign)}<br/>计分结果报告", _TITLE), table]


def _lists(view: dict) -> list:
    """十佳 and 末位: of the one implicit list, or of each honour list under its own heading."""
    sections = honour_sections(view)
    if not sections:
        return [Paragraph("十佳与末位", _H1), *_marks(view["targets"])]
    story = []
    for section in sections:
        story.append(Paragraph(escape(section["name"]), _H1))
        story += [_para(reason.get("text", ""), _BODY) for reason in section["notes"]]
        story += _marks(section["targets"])
    return story


def _marks(listed: list[dict]) -> list:
    """The 十佳 and the 末位 among ``listed``, each as a table with ranks as ``listed`` has them."""
    story = []
    for flag, title in (("top", "十佳"), ("bottom", "末位")):
        targets = [t for t in listed if flag in (t.get("flags") or [])]
        story.append(_para(f"{title}（{len(targets)}）", _H2))
        if not targets:
            story.append(Paragraph("本次计分没有评出。", _BODY))
            continue
        body = [
            (rows.figure(t["rank"], rows.is_hidden(t)), t["code"], t["name"], t["category"], t["unit"])
            + (rows.total_text(t), rows.figure(t["grade"], rows.is_hidden(t)))
            for t in targets
        ]
        story.append(_table(_LIST_HEADER, body, (14, 20, 34, 28, 44, 20, 20)))
    return story


def _chart(view: dict) -> list:
    """Targets per grade as horizontal bars, in the order of the grade bands."""
    bands = [label for _bound, label in view["config"]["rules"]["grade_bands"]]
    counts = Counter(t["grade"] for t in view["targets"] if t.get("grade"))
    drawing = Drawing(170 * mm, 12 * mm + 9 * mm * len(bands), initialFontName=FONT)
    chart = HorizontalBarChart()
    chart.x, chart.y = 30 * mm, 8 * mm
    chart.width, chart.height = 130 * mm, 9 * mm * len(bands)
    chart.data = [[counts.get(label, 0) for label in reversed(bands)]]
    chart.categoryAxis.categoryNames = list(reversed(bands))
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueStep = max(1, (max(chart.data[0]) + 4) // 5)
    chart.bars[0].fillColor = colors.HexColor("#2F6FB2")
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    drawing.add(chart)
    table = _table(("等次", "人数"), [(label, counts.get(label, 0)) for label in bands], (40, 20))
    return [KeepTogether([Paragraph("各等次人数", _H1), drawing, Spacer(1, 3 * mm), table])]


def _ranking(view: dict) -> list:
    story = [Paragraph("分类别排名", _H1)]
    widths = (12, 16, 16, 30, 44, 17, 17, 15, 15)
    for category, targets in rows.by_category(view).items():
        ranked = [t for t in targets if t["status"] == "ranked"]
        body = [
            (
                rows.figure(t["rank"], rows.is_hidden(t)),
                rows.figure(t["category_rank"], rows.is_hidden(t)),
                t["code"],
                t["name"],
                t["unit"],
                rows.total_text(t),
                rows.figure(t["grade"], rows.is_hidden(t)),
                rows.ballots_figure(t, view["suppress_below"]),
                rows.flags_text(t),
            )
            for t in ranked
        ]
        story += [_para(f"{category}（{len(ranked)}）", _H2), _table(_TABLE_HEADER, body, widths)]
    unranked = [t for t in view["targets"] if t["status"] != "ranked"]
    if unranked:
        body = [(t["code"], t["name"], rows.STATUS[t["status"]], rows.reasons_text(t)) for t in unranked]
        story += [Paragraph("未排名的评议对象", _H2), _table(("编号", "名称", "状态", "原因"), body, (20, 34, 24, 104))]
    return story


def _table(header: tuple, body: list[tuple], widths_mm: tuple) -> Table:
    data = [[_para(str(h), _CELL) for h in header]]
    data += [[_para("" if v is None else str(v), _CELL) for v in row] for row in body]
    table = Table(data, colWidths=[w * mm for w in widths_mm], repeatRows=1)
    table.setStyle(_GRID)
    return table


def _footer(facts: RunFacts):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        text = f"{facts.campaign} · 第 {facts.run_id} 次计分 · digest {facts.digest[:16]}… · 第 {doc.page} 页"
        canvas.drawString(15 * mm, 10 * mm, text)
        canvas.restoreState()

    return draw


def _para(text: str, style) -> Paragraph:
    """A paragraph of plain text: reportlab reads markup in paragraphs, and names are the
    organisers' and raters' text, so ``<``, ``>`` and ``&`` are escaped first."""
    return Paragraph(escape(text), style)
