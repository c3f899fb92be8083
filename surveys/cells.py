"""Text cells that spreadsheets will not run: CSV/Excel formula injection (CWE-1236).

A cell that starts with ``=``, ``+``, ``-``, ``@`` or a tab/carriage return is read by Excel,
WPS and LibreOffice as a formula (``=HYPERLINK(...)`` sends data away when clicked). Such text
gets a leading apostrophe, which the spreadsheet shows as plain text (openpyxl also turns a
string starting with ``=`` into a formula).

Every CSV and XLSX the product makes, on the web and from the command line, is written
through `csv_writer` or `append_row`, so every cell is escaped the same way in every file
(a test keeps other writers out).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [spreadsheet_safe(value) for value in values]


class SafeCsvWriter:
    """``csv.writer`` whose every cell goes through `spreadsheet_safe`."""

    def __init__(self, out: TextIO, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: TextIO, **options) -> SafeCsvWriter:
    """The CSV writer of every CSV file the product makes (options as for ``csv.writer``)."""
    return SafeCsvWriter(out, **options)


def append_row(sheet, values: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet, every cell escaped."""
    sheet.append(safe_row(values))
