"""Backups of the database: consistent copies taken while ballots arrive, and checked restores.

SQLite: the online backup API copies one consistent snapshot (a read transaction; in WAL
mode writers carry on meanwhile) into a new file beside the destination, which is then
checked (``PRAGMA integrity_check``, foreign keys, a known Alembic revision), made a single
self-contained file, fsynced and renamed into place. A restore checks the backup the same
way first, then copies it into the live database through the same API: SQLite writes it in
one transaction of the live file, so processes that keep the database open (a running site)
see either the old or the restored database, never a mixture, and no stale ``-wal`` file
is ever paired with a new main file — which renaming a file over the live one would risk.

PostgreSQL: ``pg_dump -Fc`` (one consistent snapshot, REPEATABLE READ, writers unaffected)
into a file beside the destination; the archive is read back with ``pg_restore`` and its
Alembic revision checked before it is renamed into place. Restoring one is an operator's
job (a new database, ``pg_restore``, then point ``EVALSITE_DATABASE_URL`` at it) — see
README "Deploying".

Backups hold the digests of unused codes and every ballot: files are created mode 0600.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404  # pg_dump and pg_restore with argument lists, never a shell
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from surveys.db import create_private_file

#: Tables without which a file is not an evalsite database, whatever its revision.
REQUIRED_TABLES = frozenset({"alembic_version", "campaigns", "rounds", "ballots", "ratings", "codes"})


class BackupError(Exception):
    """The backup cannot be made or used; nothing was replaced."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


# --- SQLite ----------------------------------------------------------------------------------


def backup_sqlite(live: Path, destination: Path, known_revisions: Collection[str]) -> str:
    """Copy the live database to ``destination`` while it is in use; returns its revision."""
    if not live.is_file():
        raise BackupError(f"no database at {live}")
    with _temporary_beside(destination) as temp:
        source = sqlite3.connect(live, timeout=30)
        target = sqlite3.connect(temp)
        try:
            source.backup(target)  # all pages in one step: one snapshot, writers continue (WAL)
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal
        finally:
            target.close()
            source.close()
        revision = check_sqlite(temp, known_revisions)
        _commit(temp, destination)
    return revision


def check_sqlite(path: Path, known_revisions: Collection[str]) -> str:
    """Raise BackupError unless ``path`` is a sound evalsite database; returns its revision."""
    if not path.is_file():
        raise BackupError(f"no file at {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"{path} cannot be opened: {error}") from None
    try:
        problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"{path} fails the integrity check: {'; '.join(problems[:5])}")
        if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise BackupError(f"{path} has rows whose references are missing")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        has_version = "alembic_version" in tables
        revisions = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")] if has_version else []
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error):  # another kind of file, or encrypted
            raise BackupError(f"{path} is not a readable SQLite database: {error}") from None
        raise BackupError(f"{path} fails the integrity check: {error}") from None  # malformed, cut short
    finally:
        conn.close()
    return _known_revision(path, tables, revisions, known_revisions)


def restore_sqlite(backup: Path, live: Path, known_revisions: Collection[str]) -> str:
    """Replace the live database with a checked backup, in one transaction; returns its revision."""
    revision = check_sqlite(backup, known_revisions)
    live.parent.mkdir(parents=True, exist_ok=True)
    create_private_file(live)
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    target = sqlite3.connect(live, timeout=30)
    try:
        source.backup(target)  # one write transaction on the live file, journalled by SQLite
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as error:
        raise BackupError(f"{live} could not be replaced (left as it was): {error}") from None
    finally:
        target.close()
        source.close()
    return revision


# --- PostgreSQL ------------------------------------------------------------------------------


def backup_postgres(url: str, destination: Path, known_revisions: Collection[str]) -> str:
    """``pg_dump -Fc`` of the database into ``destination``, read back and checked."""
    conninfo, env = libpq(url)
    with _temporary_beside(destination) as temp:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={temp}", f"--dbname={conninfo}"], env)
        revision = check_dump(temp, known_revisions)
        _commit(temp, destination)
    return revision


def check_dump(path: Path, known_revisions: Collection[str]) -> str:
    """Raise BackupError unless ``pg_restore`` reads the archive and it is an evalsite database."""
    listing = _run(["pg_restore", "--list", str(path)], os.environ)
    tables = set(re.findall(r" TABLE (?:DATA )?public (\w+) ", listing))
    data = _run(["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path)], os.environ)
    block = re.search(r"^COPY public\.alembic_version .*?\n(.*?)^\\\.$", data, re.MULTILINE | re.DOTALL)
    revisions = block[1].split() if block else []
    return _known_revision(path, tables, revisions, known_revisions)


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the SQLAlchemy URL; the password goes in the environment."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env) -> str:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603  # fixed argv
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:500]}")
    return done.stdout


# --- both ------------------------------------------------------------------------------------


def _known_revision(path: Path, tables: set[str], revisions: list[str], known: Collection[str]) -> str:
    missing = REQUIRED_TABLES - tables
    if missing:
        raise BackupError(f"{path} is not an evalsite database (no {', '.join(sorted(missing))} table)")
    if len(revisions) != 1 or revisions[0] not in known:
        raise BackupError(f"{path} has schema revision {revisions}, which this version of evalsite does not know")
    return revisions[0]


@contextlib.contextmanager
def _temporary_beside(destination: Path) -> Iterator[Path]:
    """A new, empty, private file name in the destination's folder, removed unless committed."""
    try:
        fd, name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    except OSError as error:
        raise BackupError(f"cannot write to {destination.parent}: {error.strerror}") from None
    os.close(fd)  # left empty (mode 0600): SQLite takes an empty file as a new database
    temp = Path(name)
    try:
        yield temp
    finally:
        for leftover in (temp, temp.with_name(temp.name + "-journal")):
            leftover.unlink(missing_ok=True)


def _commit(temp: Path, destination: Path) -> None:
    """Make the finished file durable and move it into place (0600: it holds code digests)."""
    os.chmod(temp, 0o600)
    with open(temp, "rb") as finished:
        os.fsync(finished.fileno())
    os.replace(temp, destination)
    folder = os.open(destination.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
