"""Printed code slips (评议码条): PDF sheets of cut-out slips, each with its QR code.

A4 portrait, 2 columns x 4 rows by default, dashed cut lines. Each slip shows the campaign,
an optional bound target, the QR code, the grouped code, the instruction and the address to
type it at. QR codes are drawn as vector paths (not images) and the Chinese font is embedded,
so the sheet prints the same on any printer and viewer.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import BinaryIO

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from surveys import codes

FONT = "WQYMicroHei"
MONO_FONT = "WQYMicroHeiMono"  # same collection; Latin letters at fixed width, for the code
_FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),  # Debian, Ubuntu
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),  # Fedora
)
DEFAULT_INSTRUCTION = "请用手机扫描二维码，或打开网址输入评议码进行评议。每个评议码只能使用一次。"

QUIET_ZONE = 4  # modules of white around a QR code, as the standard asks
#: Any fixed mask decodes equally well; a fixed one skips qrcode's search over all eight,
#: which costs more than the rest of the encoding together.
MASK_PATTERN = 2
PAGE_MARGIN = 10 * mm
SLIP_PADDING = 5 * mm
_DARK_RUN = re.compile(rb"\x01+")  # a row of modules as bytes, 1 for dark
_NO_LINE_START = set("，。、；：！？）》」』”’,.;:!?)")


@dataclass(frozen=True)
class Slip:
    code: str  #: canonical form
    url: str  #: what the QR code carries, normally ``codes.code_url(base, code)``
    campaign: str
    target: str = ""  #: the bound target's name, for codes that rate one target only


def render_slips(
    slips: Iterable[Slip],
    out: BinaryIO,
    *,
    title: str,
    instruction: str = DEFAULT_INSTRUCTION,
    per_page: int = 8,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write a PDF of slips to ``out`` and return the number of pages.

    Slips are consumed lazily, one page at a time, so a batch of any size needs little memory.
    ``title`` becomes the document title and the small header above each page's grid, with the
    page number, so printed sheets can be collated. ``progress`` is called after each page with
    the number of slips rendered so far. Raises ValueError for no slips or an unusable
    ``per_page`` (1 to 10), and MalformedCode for a slip whose code is not a valid code.
    """
    if not 1 <= per_page <= 10:
        raise ValueError("per_page must be between 1 and 10")
    register_fonts()
    layout = _Layout.for_page(per_page)
    pages = _chunks(iter(slips), per_page)
    first = next(pages, None)
    if first is None:
        raise ValueError("no slips to print")

    pdf = _document(out, title)
    page_count, _done = _draw_slip_pages(pdf, layout, chain([first], pages), title, instruction, 0, 0, progress)
    pdf.save()
    return page_count


@dataclass(frozen=True)
class Section:
    """A separator page and the slips after it, e.g. one unit's batch in a per-unit print."""

    heading: str  #: large on the separator page: the unit's name
    lines: tuple[str, ...]  #: below it: how many codes, which batch, for which group
    slips: Iterable[Slip]


def render_sections(
    sections: Iterable[Section],
    out: BinaryIO,
    *,
    title: str,
    instruction: str = DEFAULT_INSTRUCTION,
    per_page: int = 8,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write one PDF of several sections (每个单位一批) and return the number of pages.

    Each section starts on a separator page with its heading and lines, so a stack of
    printed sheets splits by unit; its slips follow as in `render_slips`, page numbers
    running on through the document. Raises ValueError for no sections or a section
    without slips.
    """
    if not 1 <= per_page <= 10:
        raise ValueError("per_page must be between 1 and 10")
    register_fonts()
    layout = _Layout.for_page(per_page)
    pdf = _document(out, title)
    page_number = done = 0
    for section in sections:
        pages = _chunks(iter(section.slips), per_page)
        first = next(pages, None)
        if first is None:
            raise ValueError(f"no slips in section {section.heading!r}")
        page_number += 1
        _draw_separator(pdf, title, page_number, section)
        page_number, done = _draw_slip_pages(
            pdf, layout, chain([first], pages), title, instruction, page_number, done, progress
        )
    if page_number == 0:
        raise ValueError("no sections to print")
    pdf.save()
    return page_number


def _document(out: BinaryIO, title: str) -> canvas.Canvas:
    pdf = canvas.Canvas(out, pagesize=A4, pageCompression=1, initialFontName=FONT)
    pdf.setTitle(title)
    pdf.setCreator("evalsite")
    return pdf


def _draw_slip_pages(pdf, layout, pages, title, instruction, page_number, done, progress) -> tuple[int, int]:
    """Draw pages of slips after page ``page_number``; returns the last page number and the
    slips drawn so far (``done`` before)."""
    for page in pages:
        page_number += 1
        _draw_page_frame(pdf, layout, title, page_number)
        for position, slip in enumerate(page):
            _draw_slip(pdf, layout, *layout.origin(position), slip, instruction)
        pdf.showPage()
        done += len(page)
        if progress is not None:
            progress(done)
    return page_number, done


_HEADING_SIZE = 26
_LINE_SIZE = 14


def _draw_separator(pdf: canvas.Canvas, title: str, page_number: int, section: Section) -> None:
    """A page with only the section's heading and lines, centred high on the sheet."""
    width, height = A4
    _draw_header(pdf, title, page_number)
    pdf.setFillGray(0)
    line = height * 0.62
    for text in _wrap(section.heading, FONT, _HEADING_SIZE, width - 4 * PAGE_MARGIN, 3):
        pdf.setFont(FONT, _HEADING_SIZE)
        pdf.drawCentredString(width / 2, line, text)
        line -= _HEADING_SIZE * 1.4
    line -= _LINE_SIZE
    pdf.setFont(FONT, _LINE_SIZE)
    for text in section.lines:
        for part in _wrap(text, FONT, _LINE_SIZE, width - 4 * PAGE_MARGIN, 2):
            pdf.drawCentredString(width / 2, line, part)
            line -= _LINE_SIZE * 1.6
    pdf.showPage()


@functools.cache
def register_fonts() -> None:
    """Register the embedded Chinese fonts with reportlab, once per process."""
    path = next((p for p in _FONT_FILES if p.exists()), None)
    if path is None:
        raise RuntimeError(
            "The Chinese font WenQuanYi Micro Hei is missing; install it with `apt-get install fonts-wqy-microhei`."
        )
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    pdfmetrics.registerFont(TTFont(MONO_FONT, str(path), subfontIndex=1))


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR modules for ``data`` (True is dark), without quiet zone; level M, fixed mask."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=0, mask_pattern=MASK_PATTERN)
    qr.add_data(data)
    qr.make(fit=True)
    return qr.modules


@dataclass(frozen=True)
class _Layout:
    """Where things go on a page, in points; computed once per document."""

    columns: int
    rows: int
    cell_width: float
    cell_height: float
    qr_side: float  #: the QR square including its quiet zone

    @classmethod
    def for_page(cls, per_page: int) -> _Layout:
        columns = 1 if per_page == 1 else 2
        rows = math.ceil(per_page / columns)
        cell_width = (A4[0] - 2 * PAGE_MARGIN) / columns
        cell_height = (A4[1] - 2 * PAGE_MARGIN) / rows
        inner_width = cell_width - 2 * SLIP_PADDING
        inner_height = cell_height - 2 * SLIP_PADDING - _HEADER_HEIGHT
        return cls(columns, rows, cell_width, cell_height, min(inner_height, 0.44 * inner_width, 80 * mm))

    def origin(self, position: int) -> tuple[float, float]:
        """Bottom-left corner of slip ``position`` (0-based, row by row from the top)."""
        row, column = divmod(position, self.columns)
        return PAGE_MARGIN + column * self.cell_width, A4[1] - PAGE_MARGIN - (row + 1) * self.cell_height


_CAMPAIGN_SIZE = 11
_TARGET_SIZE = 9
_CAMPAIGN_LINE = _CAMPAIGN_SIZE * 1.5
_TARGET_LINE = _TARGET_SIZE * 1.4
#: Room for the campaign line and two target lines: the bound target is what the rater must
#: recognise, so a long name wraps rather than losing its end.
_HEADER_HEIGHT = _CAMPAIGN_LINE + 2 * _TARGET_LINE
_LABEL_SIZE = 8
_TEXT_SIZE = 8
_URL_SIZE = 7.5
_MAX_CODE_SIZE = 16


def _draw_page_frame(pdf: canvas.Canvas, layout: _Layout, title: str, page_number: int) -> None:
    """The page header and the dashed cut lines around and between the slips."""
    width, height = A4
    _draw_header(pdf, title, page_number)

    pdf.saveState()
    pdf.setStrokeGray(0.55)
    pdf.setLineWidth(0.4)
    pdf.setDash(3, 2)
    for row in range(layout.rows + 1):
        y = PAGE_MARGIN + row * layout.cell_height
        pdf.line(PAGE_MARGIN, y, width - PAGE_MARGIN, y)
    for column in range(layout.columns + 1):
        x = PAGE_MARGIN + column * layout.cell_width
        pdf.line(x, PAGE_MARGIN, x, height - PAGE_MARGIN)
    pdf.restoreState()


def _draw_header(pdf: canvas.Canvas, title: str, page_number: int) -> None:
    """The small title and page number above a page, so printed sheets can be collated."""
    width, height = A4
    pdf.setFillGray(0.45)
    pdf.setFont(FONT, 7)
    header = _fit(title, FONT, 7, 7, width - 2 * PAGE_MARGIN - 20 * mm)[0]
    pdf.drawString(PAGE_MARGIN, height - PAGE_MARGIN + 2.5 * mm, header)
    pdf.drawRightString(width - PAGE_MARGIN, height - PAGE_MARGIN + 2.5 * mm, f"第 {page_number} 页")


def _draw_slip(pdf: canvas.Canvas, layout: _Layout, x: float, y: float, slip: Slip, instruction: str) -> None:
    grouped = codes.display(slip.code)  # refuses to print anything that is not a valid code
    left = x + SLIP_PADDING
    inner_width = layout.cell_width - 2 * SLIP_PADDING
    target_lines = _wrap(f"评议对象：{slip.target}", FONT, _TARGET_SIZE, inner_width, 2) if slip.target else ()
    header_height = _CAMPAIGN_LINE + len(target_lines) * _TARGET_LINE
    top = y + (layout.cell_height + header_height + layout.qr_side) / 2  # centred: even margins to cut

    pdf.setFillGray(0)
    text, size = _fit(slip.campaign, FONT, _CAMPAIGN_SIZE, 8, inner_width)
    pdf.setFont(FONT, size)
    pdf.drawString(left, top - _CAMPAIGN_SIZE, text)
    pdf.setFont(FONT, _TARGET_SIZE)
    for number, text in enumerate(target_lines):
        pdf.drawString(left, top - _CAMPAIGN_LINE - number * _TARGET_LINE - _TARGET_SIZE, text)

    qr_top = top - header_height
    _draw_qr(pdf, qr_matrix(slip.url), left, qr_top - layout.qr_side, layout.qr_side)

    column_left = left + layout.qr_side + 2 * mm
    column_width = x + layout.cell_width - SLIP_PADDING - column_left
    line = qr_top - 2.5 * mm - _LABEL_SIZE
    pdf.setFillGray(0.35)
    pdf.setFont(FONT, _LABEL_SIZE)
    pdf.drawString(column_left, line, "评议码")
    code_size = min(_MAX_CODE_SIZE, column_width / pdfmetrics.stringWidth(grouped, MONO_FONT, 1))
    line -= 2 + code_size
    pdf.setFillGray(0)
    pdf.setFont(MONO_FONT, code_size)
    pdf.drawString(column_left, line, grouped)

    line -= 5
    pdf.setFont(FONT, _TEXT_SIZE)
    for text in _wrap(instruction, FONT, _TEXT_SIZE, column_width, 4):
        line -= _TEXT_SIZE * 1.4
        pdf.drawString(column_left, line, text)
    line -= 3
    pdf.setFillGray(0.25)
    pdf.setFont(FONT, _URL_SIZE)
    for text in _wrap(f"网址：{slip.url.partition('#')[0]}", FONT, _URL_SIZE, column_width, 3):
        line -= _URL_SIZE * 1.35
        pdf.drawString(column_left, line, text)


def _draw_qr(pdf: canvas.Canvas, modules: list[list[bool]], x: float, y: float, side: float) -> None:
    """Draw a QR code as one filled vector path inside the square at (x, y), quiet zone included.

    Each horizontal run of dark modules is one rectangle. The coordinate system is scaled to
    one unit per module with y pointing down, so the path holds small integers only, and it
    is written as PDF operators directly: reportlab's ``path.rect`` formats every number in
    pure Python and took half the time of a whole batch.
    """
    module = side / (len(modules) + 2 * QUIET_ZONE)
    runs = [
        f"{run.start()} {row} {run.end() - run.start()} 1 re"
        for row, cells in enumerate(modules)
        for run in _DARK_RUN.finditer(bytes(cells))
    ]
    pdf.saveState()
    pdf.setFillGray(0)
    pdf.transform(module, 0, 0, -module, x + QUIET_ZONE * module, y + side - QUIET_ZONE * module)
    pdf.addLiteral("\n".join(runs) + "\nf")
    pdf.restoreState()


@functools.lru_cache(maxsize=256)
def _fit(text: str, font: str, size: float, min_size: float, width: float) -> tuple[str, float]:
    """Shrink ``text`` down to ``min_size`` to fit ``width``; past that, cut it with an ellipsis."""
    natural = pdfmetrics.stringWidth(text, font, 1)
    if natural * size <= width:
        return text, size
    if natural * min_size <= width:
        return text, width / natural
    while text and pdfmetrics.stringWidth(text + "…", font, min_size) > width:
        text = text[:-1]
    return text + "…", min_size


@functools.lru_cache(maxsize=256)
def _wrap(text: str, font: str, size: float, width: float, max_lines: int) -> tuple[str, ...]:
    """Break ``text`` into lines at any character (Chinese has no spaces; URLs may break
    anywhere), never starting a line with closing punctuation, and cut after ``max_lines``."""
    lines: list[str] = []
    current = ""
    for char in text:
        if pdfmetrics.stringWidth(current + char, font, size) > width and current and char not in _NO_LINE_START:
            lines.append(current)
            current = ""
        current += char
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _fit(lines[-1] + "…", font, size, size, width)[0]
    return tuple(lines)


def _chunks(items: Iterator[Slip], size: int) -> Iterator[list[Slip]]:
    while chunk := list(islice(items, size)):
        yield chunk
