"""At least 100,000 malformed requests across every endpoint: no server error, nothing written.

Rules come from the app's url map (every public, API and admin route, plus junk paths), so
new endpoints are fuzzed without editing this file. Requests are anonymous, with and without
a valid CSRF token (the token of the client's own session, as a real browser has), tampered
tokens, odd methods, content types, cookies, authorisation headers and bodies (form, JSON,
binary, oversized, broken UTF-8). The only rows a stranger may cause are audit entries of
failed sign-ins (and the chain head they move): every other table must be unchanged.

``EVALSITE_FUZZ_REQUESTS`` and ``EVALSITE_FUZZ_SEED`` change the count and the seed.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat

import pytest
from sqlalchemy import func, select

from evalsite.keys import code_keys
from surveys.db import Base
from surveys.models import AuditEntry
from surveys.services import issuing, rounds
from tests.conftest import NOW
from tests.fuzz.runner import send_share
from tests.web.support import database_rows

#: Starts real processes: left out of the inner loop (`pytest -m "not slow"`), always run by CI.
pytestmark = pytest.mark.slow

REQUESTS = int(os.environ.get("EVALSITE_FUZZ_REQUESTS", 100_000))
SEED = int(os.environ.get("EVALSITE_FUZZ_SEED", 20261122))
#: Processes sending requests side by side (each with its own app, client and seed).
WORKERS = int(os.environ.get("EVALSITE_FUZZ_WORKERS", min(2, os.cpu_count() or 1)))
#: Written by failed sign-ins, which a stranger may cause and which must be audited.
AUDIT_TABLES = {"audit_entries", "audit_chain_heads"}


@pytest.fixture
def fuzz_config(database_url, engine, clean_db) -> dict:
    return {
        "TESTING": True,
        "PROPAGATE_EXCEPTIONS": False,  # an unhandled error becomes a 500 we count, not a crash
        "DATABASE_URL": database_url,
        "SECRET_KEY": "fuzz-secret",
        "WTF_CSRF_ENABLED": True,
        "MAX_CONTENT_LENGTH": 48 * 1024,
        "RATELIMIT_ENABLED": True,
    }


@pytest.fixture
def world(session, make_campaign, app):
    """An open code round with codes and a terminal, so ids in paths are real."""
    campaign = make_campaign()
    round_ = campaign.rounds[0]
    rounds.open_round(session, round_.id, now=NOW, actor_id=None)
    with app.app_context():
        keys = code_keys()
    batch, _codes = issuing.issue_batch(session, round_.id, round_.groups[0].id, 5, keys, now=NOW, actor_id=None)
    target = campaign.targets[0]
    terminal, _token = issuing.create_terminal(
        session, round_.id, round_.groups[0].id, target.id, "一号窗口", ttl_minutes=30, now=NOW, actor_id=None
    )
    session.commit()
    return {
        "campaign_id": campaign.id,
        "round_id": round_.id,
        "target_id": target.id,
        "unit_id": target.unit_id,
        "batch_id": batch.id,
        "terminal_id": terminal.id,
        "questionnaire_id": campaign.questionnaires[0].id,
        "group_id": round_.groups[0].id,
        "user_id": 1,
        "filename": "r.js",
    }


def test_malformed_requests_cause_no_server_error_and_write_nothing(fuzz_config, world, session):
    before = {name: rows for name, rows in database_rows(session).items() if name not in AUDIT_TABLES}
    audit_before = session.scalar(select(func.max(AuditEntry.id))) or 0
    shares = [REQUESTS // WORKERS + (1 if k < REQUESTS % WORKERS else 0) for k in range(WORKERS)]
    started = time.perf_counter()
    with ProcessPoolExecutor(WORKERS, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(send_share, repeat(fuzz_config), repeat(world), range(SEED, SEED + WORKERS), shares))
    elapsed = time.perf_counter() - started
    statuses = sum((counts for counts, _errors in results), Counter())
    errors = [error for _counts, share_errors in results for error in share_errors]
    print(f"seed {SEED}: {statuses.total()} requests in {elapsed:.1f} s, statuses {sorted(statuses.items())}")
    assert not errors, f"{len(errors)} server errors (seed {SEED}), first: {errors[:5]}"
    after = {name: rows for name, rows in database_rows(session).items() if name not in AUDIT_TABLES}
    assert after == before, "a malformed request wrote to the database"
    new_actions = session.scalars(select(AuditEntry.action).where(AuditEntry.id > audit_before)).all()
    assert set(new_actions) <= {"auth.login_failed"}
    assert set(before) == {t.name for t in Base.metadata.sorted_tables} - AUDIT_TABLES
    assert statuses.total() == REQUESTS
    assert REQUESTS >= 100_000 or "EVALSITE_FUZZ_REQUESTS" in os.environ
