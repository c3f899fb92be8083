"""Which modules a source file imports, for the tests that keep the layers apart."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(source: str) -> list[str]:
    """Every absolute module ``source`` imports, in walk order, including imports inside
    functions and ``importlib.import_module("…")`` / ``__import__("…")`` with a literal name.
    ``from x import y`` names ``x``; relative imports are left out (the project uses none)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(node.args[0].value)
    return found


def module_name(path: Path) -> str:
    """``surveys/scoring/sql/__init__.py`` → ``surveys.scoring.sql``."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_within(module: str, package: str) -> bool:
    """True for the package itself and anything below it (``flask`` is not within ``fla``)."""
    return module == package or module.startswith(package + ".")
