"""The domain core (surveys/) runs without a web server: it never imports flask."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.import_graph import ROOT, imported_modules, module_name

CORE = ROOT / "surveys"


def is_flask(module: str) -> bool:
    top = module.split(".")[0]
    return top == "flask" or top.startswith("flask_")


def flask_imports(source: str) -> list[str]:
    """Names of flask modules imported anywhere in ``source``, including inside functions."""
    return [module for module in imported_modules(source) if is_flask(module)]


def core_files() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if ".venv" not in p.parts)


def core_modules() -> list[str]:
    return [module_name(path) for path in core_files()]


def test_the_checker_recognises_every_way_of_importing_flask():
    source = (
        "import os\nimport flask\nimport flask_babel as fb\nfrom flask import g\nfrom flask_login import current_user\n"
        "from .flask import x\nimport flaskish\nimport importlib\n"
        "def f():\n    from flask.globals import request\n    importlib.import_module('flask_wtf')\n"
    )

    assert flask_imports(source) == ["flask", "flask_babel", "flask", "flask_login", "flask.globals", "flask_wtf"]


def test_the_walk_covers_the_whole_domain_core():
    names = {p.relative_to(CORE).as_posix() for p in core_files()}

    assert {"services/rounds.py", "services/campaigns.py", "imports/targets.py", "models/round.py", "db.py"} <= names


def test_no_module_under_surveys_imports_flask():
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in core_files()
        if (found := flask_imports(path.read_text(encoding="utf-8")))
    }

    assert offenders == {}


def test_importing_the_whole_domain_core_loads_no_flask_module():
    modules = core_modules()
    assert "surveys.services.campaigns" in modules
    script = (
        f"import {', '.join(modules)}\n"
        "import sys\n"
        "loaded = sorted(m for m in sys.modules if m == 'flask' or m.startswith('flask.') or m.startswith('flask_'))\n"
        "assert not loaded, loaded\n"
    )

    result = subprocess.run(  # noqa: S603 - our own interpreter running our own fixed script
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
