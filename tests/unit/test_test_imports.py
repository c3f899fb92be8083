"""Shared builders live in tests/builders.py and the support modules: a test module never
imports from another test module (whose fixtures and helpers would then run twice or move
without warning)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def imported_test_modules(source: str) -> list[str]:
    """The test modules (``tests.…test_*``) that ``source`` imports from."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        found += [name for name in names if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")]
    return found


def test_the_checker_sees_both_kinds_of_import():
    assert imported_test_modules("from tests.web.test_auth import x\nimport tests.unit.test_codes") == [
        "tests.web.test_auth",
        "tests.unit.test_codes",
    ]
    assert imported_test_modules("from tests.builders import KW\nfrom tests.web.support import fresh") == []


def test_no_test_module_imports_from_another():
    offenders = {
        str(path.relative_to(TESTS)): imported
        for path in sorted(TESTS.rglob("*.py"))
        if (imported := imported_test_modules(path.read_text(encoding="utf-8")))
    }
    assert not offenders, f"import shared builders from tests/builders.py instead: {offenders}"
