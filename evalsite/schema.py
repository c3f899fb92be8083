"""The database schema this code expects: its Alembic migrations, and upgrading a database to them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migration_scripts() -> ScriptDirectory:
    """This code's Alembic migrations (what a database's revision is compared with)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def upgrade_database(url: str) -> None:
    """Bring the schema to the newest migration (creating the SQLite folder if needed)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")
