"""Writing and reading the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys import audit_chain
from surveys.models import AuditEntry


def record(
    session: Session,
    action: str,
    *,
    now: datetime,
    actor_id: int | None,
    obj: Any = None,
    summary: str = "",
    **detail: Any,
) -> AuditEntry:
    """Append one entry to the hash chain; ``obj`` (a model instance) names what was acted on."""
    if obj is not None:
        session.flush()  # so a new object has its id
    entry = AuditEntry(
        at=now,
        actor_id=actor_id,
        action=action,
        object_type=type(obj).__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        summary=summary[:300],
        detail=detail,
    )
    return audit_chain.append(session, entry)


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Set attributes on ``obj`` and return ``{"before": ..., "after": ...}`` of what changed."""
    before, after = {}, {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            before[name], after[name] = _plain(old), _plain(new)
            setattr(obj, name, new)
    return {"before": before, "after": after}


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a column value; related objects are logged by name."""
    if hasattr(value, "__tablename__"):
        return getattr(value, "name", None) or value.id
    if hasattr(value, "value") and not isinstance(value, (int, float, str, bool)):
        return value.value  # enums
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def list_entries(session: Session, *, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    """Newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))
