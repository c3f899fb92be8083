"""Units (the organisation tree) and targets (what is rated)."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db import Base
from surveys.models.types import enum_column


class Unit(Base):
    """A department or office; lives across campaigns."""

    __tablename__ = "units"
    __repr_fields__ = ("id", "name")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))

    parent = relationship("Unit", remote_side=[id])


class TargetKind(enum.Enum):
    WINDOW = "window"
    PERSON = "person"
    UNIT = "unit"


class Target(Base):
    """What is rated in one campaign: a window, a person or a unit."""

    __tablename__ = "targets"
    __repr_fields__ = ("id", "code")
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    #: Stable across campaigns: the trend of a target follows its code.
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[TargetKind] = mapped_column(enum_column(TargetKind, "target_kind"))
    #: For persons: the post, e.g. 行政审批科科长.
    title: Mapped[str] = mapped_column(String(100), default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))

    campaign = relationship("Campaign", back_populates="targets")
    category = relationship("Category")
    unit = relationship("Unit")
