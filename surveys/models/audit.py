"""The audit log: who changed what, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"
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

    actor = relationship("User")
