"""Reading what the product writes: text of a PDF, rows of an XLSX sheet, and the command-line
tools (poppler, zbar) that read them."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def sheet_rows(book, name: str) -> list[dict]:
    values = list(book[name].iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return run(tool("pdftotext"), "-layout", str(path), "-")


def tool(name: str) -> str:
    """The path of a command-line tool these tests need; fail (never skip) without it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: apt-get install poppler-utils zbar-tools")
    return path


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout  # noqa: S603 - fixed tools
