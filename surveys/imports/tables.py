"""Turn an uploaded CSV or XLSX file into header-keyed rows with their line numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from surveys.errors import DomainError
from surveys.i18n import N_

MAX_ROWS = 20000


@dataclass(frozen=True)
class Row:
    line: int  #: as a spreadsheet shows it; the header is line 1
    values: dict[str, str]


def read_table(filename: str, data: bytes, aliases: dict[str, str], required: set[str]) -> list[Row]:
    """Rows of a CSV or XLSX file, keyed by canonical column names.

    ``aliases`` maps every accepted header (Chinese or English, any case) to its canonical
    name; unknown columns are ignored; a file without every ``required`` column is refused.
    Blank rows are skipped. CSV may be UTF-8 (with or without BOM) or GB18030, which is what
    Excel writes on Chinese Windows.
    """
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        raw = _xlsx_rows(data)
    elif name.endswith(".csv"):
        raw = _csv_rows(data)
    else:
        raise DomainError(N_("只支持 CSV 或 XLSX 文件"))
    header = next(raw, None)
    if header is None:
        raise DomainError(N_("文件是空的"))
    lookup = {alias.strip().lower(): key for alias, key in aliases.items()}
    columns = [lookup.get(str(cell or "").strip().lower()) for cell in header]
    missing = required - set(columns)
    if missing:
        names = [next(alias for alias, key in aliases.items() if key == column) for column in sorted(missing)]
        raise DomainError(N_("文件缺少必需的列：%(columns)s"), columns="、".join(names))
    rows = []
    for line, cells in enumerate(raw, start=2):
        values = {key: _text(cell) for key, cell in zip(columns, cells, strict=False) if key is not None}
        if any(values.values()):
            rows.append(Row(line, values))
        if len(rows) > MAX_ROWS:
            raise DomainError(N_("文件超过 %(n)d 行"), n=MAX_ROWS)
    return rows


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # Excel stores 0012 typed as a number as 12.0
    return str(cell).strip()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError(N_("无法识别文件编码，请另存为 UTF-8 的 CSV"))
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise DomainError(N_("CSV 文件格式有误")) from None
    return iter(rows)


def _xlsx_rows(data: bytes) -> Iterator[list]:
    from openpyxl import load_workbook  # imported here: slow, and only needed for XLSX

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    except Exception:  # noqa: BLE001 - a damaged upload can fail anywhere inside zip, zlib or the XML parser
        raise DomainError(N_("XLSX 文件无法打开，请确认文件未损坏")) from None
    return iter(rows)
