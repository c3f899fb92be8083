"""Campaigns (评议活动), their ranking categories and the components of their total."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db import Base
from surveys.enums import ComponentKind
from surveys.models.selector import SelectorColumns
from surveys.models.types import enum_column


class Campaign(Base):
    __tablename__ = "campaigns"
    __repr_fields__ = ("id", "name")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    year: Mapped[int]
    description: Mapped[str] = mapped_column(Text, default="")
    #: The campaign this one was cloned from; trends follow this chain.
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    predecessor = relationship("Campaign", remote_side=[id])
    categories: Mapped[list[Category]] = relationship(
        back_populates="campaign", order_by="Category.position", cascade="all, delete-orphan"
    )
    targets = relationship("Target", back_populates="campaign", order_by="Target.code", cascade="all, delete-orphan")
    questionnaires = relationship("Questionnaire", back_populates="campaign", cascade="all, delete-orphan")
    rounds = relationship("Round", back_populates="campaign", order_by="Round.id", cascade="all, delete-orphan")
    components: Mapped[list[Component]] = relationship(
        back_populates="campaign", order_by="Component.id", cascade="all, delete-orphan"
    )


class Category(Base):
    """A ranking class (类别) such as 综合管理 or 行政执法."""

    __tablename__ = "categories"
    __repr_fields__ = ("id", "name")
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[Campaign] = relationship(back_populates="categories")


class Component(SelectorColumns, Base):
    """A weighted part of the campaign total (评分组成); it scores the targets its selector matches."""

    __tablename__ = "components"
    __repr_fields__ = ("id", "name")
    __table_args__ = (
        UniqueConstraint("campaign_id", "name"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint(
            "(kind = 'round' AND round_id IS NOT NULL) OR (kind = 'imported' AND round_id IS NULL)",
            name="round_matches_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[ComponentKind] = mapped_column(enum_column(ComponentKind, "component_kind"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    weight: Mapped[float] = mapped_column(Float)

    campaign: Mapped[Campaign] = relationship(back_populates="components")
    round = relationship("Round")
