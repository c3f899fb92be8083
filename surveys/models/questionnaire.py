"""Questionnaires (测评表): items with weights and the scale they are rated on."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db import Base


class Questionnaire(Base):
    __tablename__ = "questionnaires"
    __repr_fields__ = ("id", "name")

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))

    campaign = relationship("Campaign", back_populates="questionnaires")
    items: Mapped[list[Item]] = relationship(
        back_populates="questionnaire", order_by="Item.position", cascade="all, delete-orphan"
    )
    levels: Mapped[list[Level]] = relationship(
        back_populates="questionnaire", order_by="Level.position", cascade="all, delete-orphan"
    )
    rounds = relationship("Round", back_populates="questionnaire")


class Item(Base):
    """One question (测评指标) with its weight in the ballot score."""

    __tablename__ = "items"
    __repr_fields__ = ("id", "code")
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "code"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(300))
    weight: Mapped[float] = mapped_column(Float, default=1.0)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="items")


class Level(Base):
    """One answer on the scale (评价等级), e.g. 非常满意 = 100 points."""

    __tablename__ = "levels"
    __repr_fields__ = ("id", "label")
    __table_args__ = (
        UniqueConstraint("questionnaire_id", "position"),
        CheckConstraint(
            "(is_excluded AND points IS NULL AND NOT is_positive) OR (NOT is_excluded AND points IS NOT NULL)",
            name="excluded_has_no_points",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id", ondelete="CASCADE"))
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(20))
    #: Empty for the excluded level (不了解), which never counts.
    points: Mapped[float | None] = mapped_column(Float)
    #: Positive levels count as satisfied in the satisfaction rate (满意率).
    is_positive: Mapped[bool] = mapped_column(default=False)
    is_excluded: Mapped[bool] = mapped_column(default=False)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="levels")
