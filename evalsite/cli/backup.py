"""``flask backup PATH`` and ``flask restore PATH``: see surveys/backup.py for how and why."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from evalsite.schema import migration_scripts
from surveys import backup as backups
from surveys.backup import BackupError

_PATH = click.Path(dir_okay=False, path_type=Path)


def known_revisions() -> frozenset[str]:
    """Every migration this version of evalsite has: a backup at any of them can be upgraded."""
    return frozenset(script.revision for script in migration_scripts().walk_revisions())


@click.command("backup")
@click.argument("path", type=_PATH)
@with_appcontext
def backup(path: Path) -> None:
    """Write a consistent copy of the database to PATH while the site keeps taking ballots.

    SQLite: a checked copy of the database file. PostgreSQL: a pg_dump archive (custom
    format, restore it with pg_restore). The file replaces PATH only when complete and checked.
    """
    url = current_app.config["DATABASE_URL"]
    try:
        live = backups.sqlite_path(url)
        if live is None:
            revision = backups.backup_postgres(url, path, known_revisions())
        else:
            revision = backups.backup_sqlite(live, path, known_revisions())
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"备份完成：{path}（数据库结构版本 {revision}，{path.stat().st_size} 字节）")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
@with_appcontext
def restore(path: Path, yes: bool) -> None:
    """Replace the SQLite database with the backup at PATH, after checking the backup.

    The backup must pass SQLite's integrity check and be an evalsite database of a schema
    revision this version knows; run ``flask init-db`` afterwards if it is older. PostgreSQL
    databases are restored with pg_restore into a new database (README, "Deploying").
    """
    url = current_app.config["DATABASE_URL"]
    try:
        live = backups.sqlite_path(url)
        if live is None:
            raise BackupError(
                "restore replaces SQLite databases only. For PostgreSQL: createdb a new database, "
                "pg_restore --no-owner -d NEW PATH, check it, then point EVALSITE_DATABASE_URL at it "
                "(README, Deploying: Backups)."
            )
        revision = backups.check_sqlite(path, known_revisions())
        if not yes:
            click.confirm(f"用 {path}（结构版本 {revision}）替换数据库 {live}？现有数据将被覆盖", abort=True)
        backups.restore_sqlite(path, live, known_revisions())
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"已从 {path} 恢复数据库（结构版本 {revision}）。如结构版本较旧，请运行 flask init-db。")
