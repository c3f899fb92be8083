"""The audit log's hash chain: how an entry is hashed, how writers append, how the chain is checked.

Every entry stores ``prev_hash`` (the hash of the entry before it, :data:`GENESIS` for the
first) and ``hash`` = SHA-256 of ``prev_hash`` followed by the entry's canonical content.
One row in ``audit_chain_heads`` holds the newest entry's id and hash. Walking the entries in
id order then shows:

- an edited entry: its content no longer gives its hash;
- a deleted entry (a gap) or entries moved around: the next entry's ``prev_hash`` does not
  match the hash before it;
- entries cut from the end: the head names an entry that is gone or a different hash.

Writers must not fork the chain: on PostgreSQL :func:`claim_head` takes a transaction-level
advisory lock, so concurrent writers append one after the other; on SQLite only one
transaction writes at a time anyway (a writer whose snapshot went stale is refused, not
forked). The format below is fixed: changing it breaks every stored chain (migration 0006
hashes the entries written before it with this same function).

This detects tampering by anyone who does not recompute the whole chain; to catch someone
who does, keep the head hash that ``flask verify-audit`` prints somewhere they cannot reach.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from surveys.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
HEAD_ID = 1
#: Any fixed number: the key of the PostgreSQL advisory lock that serialises appends.
_LOCK_KEY = 7_460_411


def entry_hash(prev_hash: str, entry: Any) -> str:
    """SHA-256 (hex) of the previous hash and the entry's content in a canonical JSON form."""
    content = {
        "at": _iso(entry.at),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type or "",
        "object_id": entry.object_id,
        "summary": entry.summary or "",
        "detail": entry.detail or {},
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _iso(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat(sep=" ", timespec="microseconds")


def claim_head(session: Session) -> AuditChainHead:
    """The chain's head row, locked for this transaction; created on the first append."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    stmt = select(AuditChainHead).where(AuditChainHead.id == HEAD_ID).execution_options(populate_existing=True)
    head = session.scalar(stmt)
    if head is None:
        head = AuditChainHead(id=HEAD_ID, last_entry_id=None, last_hash=GENESIS)
        session.add(head)
    return head


def append(session: Session, entry: AuditEntry) -> AuditEntry:
    """Link ``entry`` to the chain, insert it and move the head to it."""
    head = claim_head(session)
    entry.prev_hash = head.last_hash
    entry.hash = entry_hash(entry.prev_hash, entry)
    session.add(entry)
    session.flush()
    head.last_entry_id, head.last_hash = entry.id, entry.hash
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify` found: the number of entries read and the first problem, if any."""

    entries: int
    head_hash: str
    broken_entry_id: int | None = None
    problem: str = ""

    @property
    def is_intact(self) -> bool:
        return not self.problem


def verify(session: Session, *, batch: int = 1000) -> ChainReport:
    """Walk the whole log in id order and report the first entry that breaks the chain."""
    stmt = select(AuditEntry).order_by(AuditEntry.id).execution_options(yield_per=batch)
    entries = session.scalars(stmt)
    try:
        return _walk(session, entries)
    finally:
        entries.close()  # a PostgreSQL server-side cursor left open when a break is found early


def _walk(session: Session, entries) -> ChainReport:
    expected, count, last_id = GENESIS, 0, None
    for entry in entries:
        count += 1
        if entry.prev_hash != expected:
            problem = f"entry {entry.id}: link broken (an entry before it was deleted or moved)"
            return ChainReport(count, expected, entry.id, problem)
        if entry_hash(entry.prev_hash, entry) != entry.hash:
            return ChainReport(count, expected, entry.id, f"entry {entry.id}: content does not match its hash (edited)")
        expected, last_id = entry.hash, entry.id
    head = session.get(AuditChainHead, HEAD_ID)
    if head is None and count:
        return ChainReport(count, expected, last_id, "the chain head is missing")
    if head is not None and (head.last_entry_id, head.last_hash) != (last_id, expected):
        problem = f"entries after {last_id} are missing (the head names entry {head.last_entry_id})"
        return ChainReport(count, expected, head.last_entry_id, problem)
    return ChainReport(count, expected)
