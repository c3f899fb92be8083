"""Rounds (评议轮次) and their rater groups (评议主体)."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db import Base
from surveys.enums import Aggregation, RoundStatus
from surveys.models.selector import SelectorColumns
from surveys.models.types import enum_column


class RoundKind(enum.Enum):
    INTERNAL = "internal"
    EXTERNAL = "external"
    OTHER = "other"


class Round(Base):
    __tablename__ = "rounds"
    __repr_fields__ = ("id", "name")
    __table_args__ = (
        UniqueConstraint("campaign_id", "name"),
        CheckConstraint("trim_k >= 0", name="trim_k_not_negative"),
        CheckConstraint("closes_on >= opens_on", name="closes_after_opening"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[RoundKind] = mapped_column(enum_column(RoundKind, "round_kind"))
    questionnaire_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaires.id", ondelete="RESTRICT"))
    status: Mapped[RoundStatus] = mapped_column(enum_column(RoundStatus, "round_status"), default=RoundStatus.DRAFT)
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    #: A public poll round: poster QR codes, no personal codes, lower trust.
    is_open_round: Mapped[bool] = mapped_column(default=False)
    aggregation: Mapped[Aggregation] = mapped_column(enum_column(Aggregation, "aggregation"), default=Aggregation.MEAN)
    trim_k: Mapped[int] = mapped_column(default=0)
    #: Strict rounds need every rater group present; otherwise weights are renormalised.
    is_strict: Mapped[bool] = mapped_column(default=False)
    #: The questionnaire, scale and groups as they stood when the round opened.
    frozen_config: Mapped[dict | None] = mapped_column(JSON)

    campaign = relationship("Campaign", back_populates="rounds")
    questionnaire = relationship("Questionnaire", back_populates="rounds")
    groups: Mapped[list[RaterGroup]] = relationship(
        back_populates="round", order_by="RaterGroup.id", cascade="all, delete-orphan"
    )

    @property
    def is_draft(self) -> bool:
        return self.status is RoundStatus.DRAFT


class RaterGroup(SelectorColumns, Base):
    """Who rates in a round; its selector names the targets its codes may cover."""

    __tablename__ = "rater_groups"
    __repr_fields__ = ("id", "name")
    __table_args__ = (
        UniqueConstraint("round_id", "name"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("min_ballots >= 0", name="min_ballots_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    weight: Mapped[float] = mapped_column(Float)
    #: Below this many valid ballots the group is left out for a target.
    min_ballots: Mapped[int] = mapped_column(default=5)
    #: A target missing a required group is "insufficient data" and is not ranked.
    is_required: Mapped[bool] = mapped_column(default=False)
    #: The group that receives the ballots of an open (poster) round.
    is_public: Mapped[bool] = mapped_column(default=False)

    round: Mapped[Round] = relationship(back_populates="groups")
