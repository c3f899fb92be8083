"""The audit log: who changed what, and when, as a hash chain the application only appends to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from surveys.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __repr_fields__ = ("id", "action")
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    #: Empty for actions of the system itself (CLI seeding, failed logins of unknown names).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: A dotted verb such as ``round.open`` or ``auth.login_failed``.
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32), default="")
    object_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(300), default="")
    #: ``{"before": {...}, "after": {...}}`` for changes; other facts for other actions.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The hash of the entry before this one (all zeros for the first): a deleted or moved
    #: entry breaks the link. See surveys.audit_chain.
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of ``prev_hash`` and this entry's content: an edited entry no longer matches.
    hash: Mapped[str] = mapped_column(String(64))

    actor = relationship("User")


class AuditChainHead(Base):
    """The newest entry of the chain, in one row: entries cut from the end are detected too."""

    __tablename__ = "audit_chain_heads"
    __repr_fields__ = ("id", "last_entry_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    last_entry_id: Mapped[int | None]
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit entry through the ORM."""


@event.listens_for(Session, "before_flush")
def _refuse_changed_entries(session: Session, _context, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly("audit entries cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj):
            raise AuditLogIsAppendOnly("audit entries cannot be edited")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state) -> None:
    if (state.is_update or state.is_delete) and any(mapper.class_ is AuditEntry for mapper in state.all_mappers):
        raise AuditLogIsAppendOnly("audit entries cannot be edited or deleted")
