"""Scoring is layered one way (DESIGN.md section 3): the pure pipeline under surveys/scoring
knows no session, no model and no use case; its SQL readers (surveys/scoring/sql) know the
models but no use case; the use cases in surveys/services may use both."""

from __future__ import annotations

import subprocess
import sys

from tests.import_graph import ROOT, imported_modules, is_within, module_name

SCORING = ROOT / "surveys" / "scoring"
#: What the pure pipeline may not import: the database, the models, the readers, the use cases.
NOT_IN_PURE = ("sqlalchemy", "surveys.db", "surveys.models", "surveys.scoring.sql", "surveys.services")
#: What the SQL readers may not import: the use cases that call them.
NOT_IN_READERS = ("surveys.services",)


def pure_files():
    return sorted(p for p in SCORING.rglob("*.py") if "sql" not in p.relative_to(SCORING).parts)


def reader_files():
    return sorted((SCORING / "sql").rglob("*.py"))


def offenders(paths, forbidden) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        bad = [m for m in imported_modules(path.read_text(encoding="utf-8")) if any(is_within(m, f) for f in forbidden)]
        if bad:
            found[module_name(path)] = bad
    return found


def test_the_checker_names_what_a_module_imports_wherever_it_does():
    source = (
        "import sqlalchemy.orm as orm\nfrom surveys.models import Round\nfrom surveys.modelsx import y\n"
        "import importlib\ndef f():\n    from surveys.services.audit import record\n"
        "    importlib.import_module('surveys.scoring.sql.queries')\n"
    )

    found = [m for m in imported_modules(source) if any(is_within(m, f) for f in NOT_IN_PURE)]

    assert found == ["sqlalchemy.orm", "surveys.models", "surveys.services.audit", "surveys.scoring.sql.queries"]


def test_the_walk_covers_the_pipeline_and_its_readers():
    pure = {module_name(p) for p in pure_files()}
    readers = {module_name(p) for p in reader_files()}

    assert {"surveys.scoring.evaluate", "surveys.scoring.ranking", "surveys.scoring.config"} <= pure
    assert {"surveys.scoring.sql.queries", "surveys.scoring.sql.round_sql", "surveys.scoring.sql.integrity"} <= readers
    assert not pure & readers


def test_the_pure_pipeline_imports_no_database_model_reader_or_use_case():
    assert offenders(pure_files(), NOT_IN_PURE) == {}


def test_the_sql_readers_import_no_use_case():
    assert offenders(reader_files(), NOT_IN_READERS) == {}


def test_importing_the_whole_pure_pipeline_loads_no_database_module():
    modules = [module_name(p) for p in pure_files()]
    script = (
        f"import {', '.join(modules)}\n"
        "import sys\n"
        f"forbidden = {NOT_IN_PURE!r}\n"
        "loaded = sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.') for f in forbidden))\n"
        "assert not loaded, loaded\n"
    )

    result = subprocess.run(  # noqa: S603 - our own interpreter running our own fixed script
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
