"""Code batches (评议码批次), codes and window terminals.

A code's text is never stored: it is derived from the configured key, the batch key and
its index, so a batch can be reprinted; the database keeps a keyed digest for lookup.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db import Base
from surveys.models.types import enum_column


class CodeStatus(enum.Enum):
    UNUSED = "unused"
    USED = "used"
    VOID = "void"


class BatchScope(enum.Enum):
    TARGET = "target"  #: one bound target
    UNIT = "unit"  #: every target of one unit
    ROUND = "round"  #: every target of the campaign


class CodeBatch(Base):
    __tablename__ = "code_batches"
    __repr_fields__ = ("id", "scope")  # never the batch key
    __table_args__ = (
        CheckConstraint("size >= 0", name="size_not_negative"),
        CheckConstraint(
            "(scope = 'target' AND target_id IS NOT NULL AND unit_id IS NULL)"
            " OR (scope = 'unit' AND unit_id IS NOT NULL AND target_id IS NULL)"
            " OR (scope = 'round' AND target_id IS NULL AND unit_id IS NULL)",
            name="scope_matches_binding",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("rater_groups.id", ondelete="RESTRICT"))
    scope: Mapped[BatchScope] = mapped_column(enum_column(BatchScope, "batch_scope"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id", ondelete="RESTRICT"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    #: Random, secret-free salt of the derivation; with the configured key it rebuilds the codes.
    batch_key: Mapped[str] = mapped_column(String(32), unique=True)
    #: How many codes have been derived (terminal batches grow one code at a time).
    size: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(100), default="")
    is_void: Mapped[bool] = mapped_column(default=False)
    #: Codes of this batch stop working after this many minutes (terminal codes); empty: never.
    ttl_minutes: Mapped[int | None]
    created_at: Mapped[datetime]

    round = relationship("Round")
    group = relationship("RaterGroup")
    target = relationship("Target")
    unit = relationship("Unit")


class Code(Base):
    """One single-use code, known only by its keyed digest."""

    __tablename__ = "codes"
    __repr_fields__ = ("batch_id", "status")  # never the digest, its key
    __table_args__ = {"sqlite_with_rowid": False}  # stored in digest order: no insertion order

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("code_batches.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("rater_groups.id", ondelete="RESTRICT"))
    #: Set when the batch is bound to one target.
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id", ondelete="RESTRICT"))
    status: Mapped[CodeStatus] = mapped_column(enum_column(CodeStatus, "code_status"), default=CodeStatus.UNUSED)
    expires_at: Mapped[datetime | None]
    #: Day of redemption only: anything finer would line up with a ballot.
    used_on: Mapped[date | None]

    batch = relationship("CodeBatch")


class Terminal(Base):
    """A window terminal or queue system that asks for a fresh code after each transaction."""

    __tablename__ = "terminals"
    __repr_fields__ = ("id", "name")  # never its token digest

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    batch_id: Mapped[int] = mapped_column(ForeignKey("code_batches.id", ondelete="RESTRICT"), unique=True)
    #: SHA-256 of the bearer token; the token itself is shown once, when issued.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    is_revoked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]

    batch = relationship("CodeBatch")
