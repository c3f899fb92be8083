"""Scoring rules, vetoes (一票否决), imported score sheets and stored scoring runs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db import Base
from surveys.models.types import enum_column
from surveys.scoring.config import DEFAULT_BURST_PER_DAY, DEFAULT_GRADE_BANDS, DEFAULT_SUPPRESS_BELOW, Rules


class RankScope(enum.Enum):
    OVERALL = "overall"  #: bottom-N and top-N over the whole campaign
    CATEGORY = "category"  #: bottom-N and top-N within each category


def _default_bands() -> list:
    return [[bound, label] for bound, label in DEFAULT_GRADE_BANDS]


class ScoringRules(Base):
    """How a campaign's totals are graded and who is 十佳 or 末位; one row per campaign.

    A campaign without a row is scored with the defaults below (the same as ``Rules()``).
    """

    __tablename__ = "scoring_rules"
    __table_args__ = (
        CheckConstraint("top_n >= 0 AND bottom_n >= 0", name="n_not_negative"),
        CheckConstraint("top_min_ballots >= 0", name="top_min_ballots_not_negative"),
        CheckConstraint("shrinkage_m IS NULL OR shrinkage_m > 0", name="shrinkage_positive"),
        CheckConstraint("suppress_below >= 3", name="suppress_below_at_least_3"),
        CheckConstraint("burst_per_day >= 1", name="burst_per_day_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), unique=True)
    top_n: Mapped[int] = mapped_column(default=Rules.top_n)
    bottom_n: Mapped[int] = mapped_column(default=Rules.bottom_n)
    rank_scope: Mapped[RankScope] = mapped_column(enum_column(RankScope, "rank_scope"), default=RankScope.OVERALL)
    #: Bottom-N only among totals below this; empty: no threshold.
    bottom_threshold: Mapped[float | None] = mapped_column(Float)
    #: Top-N only for targets with at least this many counted ballots.
    top_min_ballots: Mapped[int] = mapped_column(default=Rules.top_min_ballots)
    #: Top-N only for targets graded at least this (a label of ``grade_bands``); empty: any grade.
    top_min_grade: Mapped[str | None] = mapped_column(String(20))
    #: ``[[lower bound, label], ...]`` from the highest bound down; the last bound is 0.
    grade_bands: Mapped[list] = mapped_column(JSON, default=_default_bands)
    #: Prior strength m of the shrinkage toward the group mean; empty: no shrinkage.
    shrinkage_m: Mapped[float | None] = mapped_column(Float)
    #: Shown aggregates over fewer ballots than this are suppressed (anonymity, at least 3).
    suppress_below: Mapped[int] = mapped_column(default=DEFAULT_SUPPRESS_BELOW)
    #: Integrity: more codes of one batch used on one day than this is reported as a burst.
    burst_per_day: Mapped[int] = mapped_column(default=DEFAULT_BURST_PER_DAY)

    campaign = relationship("Campaign")


class Veto(Base):
    """A recorded reason (一票否决) that takes a target out of the ranking."""

    __tablename__ = "vetoes"
    __table_args__ = (CheckConstraint("reason <> ''", name="reason_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(300))
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    target = relationship("Target")


class ImportedScore(Base):
    """One target's score on an imported sheet (业务考核 etc.), before rescaling to 0–100."""

    __tablename__ = "imported_scores"
    __table_args__ = (
        UniqueConstraint("component_id", "target_id"),
        CheckConstraint("max_score > 0", name="max_score_positive"),
        CheckConstraint("score >= 0 AND score <= max_score", name="score_within_max"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("components.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    #: The file the score came from.
    source: Mapped[str] = mapped_column(String(200), default="")

    target = relationship("Target")


class ScoringRun(Base):
    """A stored scoring run: the configuration it used, its input digest and its result."""

    __tablename__ = "scoring_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: SHA-256 of the canonical JSON of the inputs (aggregates and configuration).
    digest: Mapped[str] = mapped_column(String(64), index=True)
    config: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)
    #: Frozen by an organiser for sign-off and publishing; a frozen run is never changed.
    is_frozen: Mapped[bool] = mapped_column(default=False)

    campaign = relationship("Campaign")
