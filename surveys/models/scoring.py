"""Scoring rules, vetoes (一票否决), imported score sheets and stored scoring runs."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from surveys.db import Base
from surveys.enums import RankScope
from surveys.i18n import N_
from surveys.models.selector import SelectorColumns
from surveys.models.types import enum_column
from surveys.scoring.config import DEFAULT_BURST_PER_DAY, DEFAULT_GRADE_BANDS, DEFAULT_SUPPRESS_BELOW, Rules
from surveys.states import StateMachine


def _default_bands() -> list:
    return [[bound, label] for bound, label in DEFAULT_GRADE_BANDS]


class ScoringRules(Base):
    """How a campaign's totals are graded and who is 十佳 or 末位; one row per campaign.

    A campaign without a row is scored with the defaults below (the same as ``Rules()``).
    """

    __tablename__ = "scoring_rules"
    __repr_fields__ = ("id", "campaign_id")
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


class HonourList(SelectorColumns, Base):
    """An honour list (排名名单): the targets its selector matches, ranked with their own
    十佳 / 末位 rules (DESIGN §6a). A campaign with none ranks every target as one implicit
    list with the 十佳 / 末位 rules of its ``ScoringRules``."""

    __tablename__ = "honour_lists"
    __repr_fields__ = ("id", "name")
    __table_args__ = (
        UniqueConstraint("campaign_id", "name"),
        CheckConstraint("name <> ''", name="name_not_empty"),
        CheckConstraint("top_n >= 0 AND bottom_n >= 0", name="n_not_negative"),
        CheckConstraint("top_min_ballots >= 0", name="top_min_ballots_not_negative"),
        CheckConstraint(
            "bottom_threshold IS NULL OR (bottom_threshold >= 0 AND bottom_threshold <= 100)",
            name="bottom_threshold_in_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    #: Lists are shown in this order (then by id).
    position: Mapped[int] = mapped_column(default=0)
    top_n: Mapped[int] = mapped_column(default=10)
    bottom_n: Mapped[int] = mapped_column(default=0)
    #: 十佳 over the whole list or within each category of it.
    top_scope: Mapped[RankScope] = mapped_column(enum_column(RankScope, "top_scope"), default=RankScope.OVERALL)
    #: 末位 over the whole list or within each category of it.
    bottom_scope: Mapped[RankScope] = mapped_column(enum_column(RankScope, "bottom_scope"), default=RankScope.OVERALL)
    #: 末位 only among totals below this; empty: no threshold.
    bottom_threshold: Mapped[float | None] = mapped_column(Float)
    #: 十佳 only for targets with at least this many counted ballots.
    top_min_ballots: Mapped[int] = mapped_column(default=0)
    #: 十佳 only for targets graded at least this (a label of the campaign's grade bands).
    top_min_grade: Mapped[str | None] = mapped_column(String(20))

    campaign = relationship("Campaign")


class Veto(Base):
    """A recorded reason (一票否决) that takes a target out of the ranking."""

    __tablename__ = "vetoes"
    __repr_fields__ = ("id", "target_id")
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
    __repr_fields__ = ("id", "target_id")
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


class RunState(StateMachine, enum.Enum):
    """Where a stored run is on its way to the public (``surveys.services.publishing``)."""

    DRAFT = "draft"  #: stored, may be superseded by a new run
    FROZEN = "frozen"  #: frozen by an organiser, awaiting a leader's sign-off
    SIGNED = "signed"  #: signed off by a leader, ready to publish
    PUBLISHED = "published"  #: shown on the public results page; one per campaign
    WITHDRAWN = "withdrawn"  #: was published, taken down with a reason; kept for the record

    def moves(self) -> frozenset:
        """Draft → frozen → signed → published → withdrawn, and nothing else."""
        return _RUN_MOVES

    def refusals(self) -> tuple[str, str]:
        return (
            N_("第 %(id)d 次计分已经是“%(now)s”，无需重复操作"),
            N_("第 %(id)d 次计分当前为“%(now)s”，不能改为“%(to)s”"),
        )


_RUN_MOVES = frozenset(
    {
        (RunState.DRAFT, RunState.FROZEN),
        (RunState.FROZEN, RunState.SIGNED),
        (RunState.SIGNED, RunState.PUBLISHED),
        (RunState.PUBLISHED, RunState.WITHDRAWN),
    }
)


#: What a frozen run keeps for ever: changing any of these after freezing raises.
FROZEN_FIELDS = ("campaign_id", "number", "digest", "config", "result", "created_at", "created_by")


class ScoringRun(Base):
    """A stored scoring run: the configuration it used, its input digest and its result."""

    __tablename__ = "scoring_runs"
    __repr_fields__ = ("id", "state")
    __table_args__ = (
        CheckConstraint(
            "(state = 'draft' AND NOT is_frozen) OR (state <> 'draft' AND is_frozen)", name="frozen_matches_state"
        ),
        CheckConstraint("state = 'draft' OR (frozen_at IS NOT NULL)", name="frozen_has_time"),
        CheckConstraint(
            "state NOT IN ('signed', 'published', 'withdrawn') OR signed_at IS NOT NULL", name="signed_has_time"
        ),
        CheckConstraint(
            "state NOT IN ('published', 'withdrawn') OR published_at IS NOT NULL", name="published_has_time"
        ),
        CheckConstraint(
            "state <> 'withdrawn' OR (withdrawn_at IS NOT NULL AND withdrawal_reason <> '')",
            name="withdrawn_has_reason",
        ),
        UniqueConstraint("campaign_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        #: At most one published run per campaign, whatever races the services lose.
        Index(
            "uq_scoring_runs_one_published",
            "campaign_id",
            unique=True,
            sqlite_where=text("state = 'published'"),
            postgresql_where=text("state = 'published'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    #: 1 for the campaign's first run, 2 for its second…: pages say 第 1 次计分, not the id.
    number: Mapped[int]
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: SHA-256 of the canonical JSON of the inputs (aggregates and configuration).
    digest: Mapped[str] = mapped_column(String(64), index=True)
    config: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)
    #: Frozen by an organiser for sign-off and publishing; a frozen run is never changed.
    is_frozen: Mapped[bool] = mapped_column(default=False)
    state: Mapped[RunState] = mapped_column(enum_column(RunState, "run_state"), default=RunState.DRAFT)
    frozen_at: Mapped[datetime | None]
    frozen_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The leader's sign-off (签发).
    signed_at: Mapped[datetime | None]
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawal_reason: Mapped[str] = mapped_column(String(300), default="")

    campaign = relationship("Campaign")

    @validates(*FROZEN_FIELDS)
    def _keep_frozen(self, key: str, value):
        """A frozen run is never changed: what was signed is what is shown."""
        if self.is_frozen:
            raise ValueError(f"scoring run {self.id} is frozen; its {key} cannot change")
        return value


class PublicPage(Base):
    """The public results address of a campaign: an unguessable token, kept across republishing.

    Made when a campaign's first run is published, so a link printed in a newspaper keeps
    working for the next published run, and campaign ids cannot be walked from outside.
    """

    __tablename__ = "public_pages"
    __repr_fields__ = ("id", "campaign_id")  # never the token

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), unique=True)
    #: URL-safe random text (128 bits); the address is ``/results/<token>``.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime]

    campaign = relationship("Campaign")
