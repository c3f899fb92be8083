"""Text cells that spreadsheets will not run: CSV/Excel formula injection (CWE-1236).

A cell that starts with ``=``, ``+``, ``-``, ``@`` or a tab/carriage return is read by Excel,
WPS and LibreOffice as a formula (``=HYPERLINK(...)`` sends data away when clicked). Such text
gets a leading apostrophe, which the spreadsheet shows as plain text. Apply it to every text
cell an organiser or a rater wrote, in every CSV and XLSX export (openpyxl also turns a
string starting with ``=`` into a formula).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
