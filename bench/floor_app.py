"""The floor for ``bench.submit``: the least any web app must do to accept one submission.

``POST /redeem`` (the floor): one POST carrying a code: its keyed digest, a conditional
UPDATE that redeems it only if unused, one INSERT (a ballot row), one commit, and a
redirect. Plain Flask, the bare database driver (one connection per worker process), no
templates, no CSRF, no ORM. It runs under the same gunicorn settings and on the same
database as the real app.

``POST /ballot`` (for comparison, not the floor): the same, plus the rest of a whole ballot
as the real form sends it (``a-<target>-<item>`` = level id, ``c-<target>`` = suggestion),
inserted into ``ratings`` and ``comments`` with one multi-row INSERT each. Nothing is
checked beyond what the database itself enforces: it is what the data of a ballot costs
with no web layer around it.

Configured by environment variables set by ``bench.submit``:
``BENCH_FLOOR_DATABASE`` (a SQLite file path, or a ``postgresql://`` conninfo),
``BENCH_FLOOR_LOOKUP_KEY``, ``BENCH_FLOOR_ROUND_ID`` and ``BENCH_FLOOR_GROUP_ID``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import uuid
from datetime import date

from flask import Flask, redirect, request

DATABASE = os.environ.get("BENCH_FLOOR_DATABASE", "")
LOOKUP_KEY = os.environ.get("BENCH_FLOOR_LOOKUP_KEY", "").encode()
ROUND_ID = int(os.environ.get("BENCH_FLOOR_ROUND_ID", "0"))
GROUP_ID = int(os.environ.get("BENCH_FLOOR_GROUP_ID", "0"))
IS_POSTGRES = DATABASE.startswith("postgresql://")

app = Flask(__name__)
_connection = None  # one per worker process, opened on first use (after gunicorn forks)


def connection():
    global _connection
    if _connection is None:
        if IS_POSTGRES:
            import psycopg

            _connection = psycopg.connect(DATABASE)
        else:
            # The same settings the product's engine uses (surveys.db.make_engine).
            _connection = sqlite3.connect(DATABASE, timeout=5.0, isolation_level=None)
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=5000", "synchronous=NORMAL"):
                _connection.execute(f"PRAGMA {pragma}")
    return _connection


def _sql(statement: str) -> str:
    return statement.replace("?", "%s") if IS_POSTGRES else statement


REDEEM = _sql("UPDATE codes SET status = 'used' WHERE digest = ? AND status = 'unused'")
INSERT = _sql("INSERT INTO ballots (id, round_id, group_id, cast_on, is_low_trust) VALUES (?, ?, ?, ?, ?)")
RATINGS = "INSERT INTO ratings (ballot_id, target_id, item_id, level_id) VALUES "
COMMENTS = "INSERT INTO comments (id, ballot_id, round_id, target_id, text) VALUES "


def _begin(cursor) -> None:
    if not IS_POSTGRES:  # psycopg opens its transaction with the first statement
        cursor.execute("BEGIN IMMEDIATE")


def _end(conn, cursor, *, commit: bool) -> None:
    if IS_POSTGRES:
        if commit:
            conn.commit()
        else:
            conn.rollback()
    elif conn.in_transaction:
        cursor.execute("COMMIT" if commit else "ROLLBACK")


@app.post("/redeem")
def redeem():
    return _cast(request.form.get("code", ""), lambda cursor, ballot_id: None)


@app.post("/ballot")
def ballot():
    ratings, comments = [], []
    for key, value in request.form.items():
        if key.startswith("a-"):
            _, target_id, item_id = key.split("-")
            ratings.append((int(target_id), int(item_id), int(value)))
        elif key.startswith("c-"):
            comments.append((int(key[2:]), value))

    def rows(cursor, ballot_id: str) -> None:
        _insert_many(cursor, RATINGS, [(ballot_id, t, i, lv) for t, i, lv in ratings])
        _insert_many(cursor, COMMENTS, [(str(uuid.uuid4()), ballot_id, ROUND_ID, t, x) for t, x in comments])

    return _cast(request.form.get("code", ""), rows)


def _insert_many(cursor, head: str, rows: list[tuple]) -> None:
    """``head`` + one ``(?, ...)`` per row: one statement, as the product inserts them."""
    if rows:
        marks = "(" + ", ".join(["?"] * len(rows[0])) + ")"
        cursor.execute(_sql(head + ", ".join([marks] * len(rows))), [value for row in rows for value in row])


def _cast(code: str, insert_rest):
    digest = hmac.new(LOOKUP_KEY, code.encode(), hashlib.sha256).hexdigest()
    conn = connection()
    cursor = conn.cursor()
    try:
        _begin(cursor)
        cursor.execute(REDEEM, (digest,))
        if cursor.rowcount != 1:
            _end(conn, cursor, commit=False)
            return "refused", 403
        ballot_id = str(uuid.uuid4())
        cursor.execute(INSERT, (ballot_id, ROUND_ID, GROUP_ID, date.today(), False))
        insert_rest(cursor, ballot_id)
        _end(conn, cursor, commit=True)
    except Exception:
        _end(conn, cursor, commit=False)
        raise
    finally:
        cursor.close()
    return redirect("/thanks")
