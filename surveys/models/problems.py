"""The rectification ledger (整改台账): problems, their reports and verdicts, attachments.

A problem moves only along ``TRANSITIONS``: filed (待整改) → reported (待核验) → closed
(已销号) when judged 满意 or 基本满意, or back to reopened (重新整改, with a new deadline) when
judged 不满意. An organiser may withdraw a problem filed in error until it is closed.
A problem made from raters' comments keeps a copy of their text only: no link to a comment
row, which would lead to a ballot (DESIGN.md section 5).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db import Base
from surveys.i18n import N_
from surveys.models.types import enum_column
from surveys.states import StateMachine


class ProblemSource(enum.Enum):
    COMMENT = "comment"  #: raters' suggestions (评议意见)
    LOW_ITEM = "low_item"  #: a low-scoring item of a target in a stored scoring run
    INSPECTION = "inspection"  #: 督查检查
    UNANNOUNCED = "unannounced"  #: 明察暗访
    HOTLINE = "hotline"  #: 12345 热线
    OTHER = "other"


class ProblemState(StateMachine, enum.Enum):
    OPEN = "open"  #: filed, waiting for the unit's report (待整改)
    REPORTED = "reported"  #: the unit reported, waiting for the organiser's verdict (待核验)
    REOPENED = "reopened"  #: judged 不满意: to be rectified again by a new deadline (重新整改)
    CLOSED = "closed"  #: judged 满意 or 基本满意 and struck off (已销号)
    WITHDRAWN = "withdrawn"  #: filed in error and withdrawn by an organiser (已撤销)

    @property
    def is_waiting_for_unit(self) -> bool:
        return self in (ProblemState.OPEN, ProblemState.REOPENED)

    @property
    def is_final(self) -> bool:
        return self in (ProblemState.CLOSED, ProblemState.WITHDRAWN)

    def moves(self) -> frozenset:
        return TRANSITIONS

    def refusals(self) -> tuple[None, str]:
        return None, N_("整改事项当前为“%(now)s”，不能改为“%(to)s”")


#: Every legal move; anything else is refused.
TRANSITIONS = frozenset(
    {
        (ProblemState.OPEN, ProblemState.REPORTED),
        (ProblemState.REOPENED, ProblemState.REPORTED),
        (ProblemState.REPORTED, ProblemState.CLOSED),
        (ProblemState.REPORTED, ProblemState.REOPENED),
        (ProblemState.OPEN, ProblemState.WITHDRAWN),
        (ProblemState.REPORTED, ProblemState.WITHDRAWN),
        (ProblemState.REOPENED, ProblemState.WITHDRAWN),
    }
)


class Verdict(enum.Enum):
    SATISFIED = "satisfied"  #: 满意
    BASICALLY_SATISFIED = "basically_satisfied"  #: 基本满意
    UNSATISFIED = "unsatisfied"  #: 不满意: reopens the problem with a new deadline

    @property
    def closes(self) -> bool:
        return self is not Verdict.UNSATISFIED


class Honour(enum.Enum):
    RED = "red"  #: 红榜: an exemplary rectification (closed problems only)
    BLACK = "black"  #: 黑榜: a poor rectification


class Problem(Base):
    """One rectification item (整改事项) of a campaign, assigned to a unit."""

    __tablename__ = "problems"
    __repr_fields__ = ("id", "state")
    __table_args__ = (
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint(
            "(state = 'closed' AND closed_at IS NOT NULL AND verdict IS NOT NULL AND verdict <> 'unsatisfied')"
            " OR (state <> 'closed' AND closed_at IS NULL)",
            name="closed_has_when_and_verdict",
        ),
        CheckConstraint("honour IS NULL OR honour = 'black' OR state = 'closed'", name="red_only_when_closed"),
        CheckConstraint("honour IS NULL OR state <> 'withdrawn'", name="withdrawn_not_honoured"),
        Index("ix_problems_campaign_state", "campaign_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    #: The target the problem is about, if any; it must belong to the unit.
    target_id: Mapped[int | None] = mapped_column(ForeignKey("targets.id", ondelete="SET NULL"), index=True)
    source: Mapped[ProblemSource] = mapped_column(enum_column(ProblemSource, "problem_source"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Raters' comments quoted word for word, one per line, in text order (no ids, no time).
    quote: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[ProblemState] = mapped_column(enum_column(ProblemState, "problem_state"), default=ProblemState.OPEN)
    #: The unit's deadline to report; a 不满意 verdict sets a new one.
    deadline_on: Mapped[date]
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The latest verdict; on a closed problem, the one that closed it.
    verdict: Mapped[Verdict | None] = mapped_column(enum_column(Verdict, "verdict"))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    honour: Mapped[Honour | None] = mapped_column(enum_column(Honour, "honour"))
    honour_note: Mapped[str] = mapped_column(String(200), default="")

    campaign = relationship("Campaign")
    unit = relationship("Unit")
    target = relationship("Target")
    creator = relationship("User", foreign_keys=[created_by])
    closer = relationship("User", foreign_keys=[closed_by])
    steps: Mapped[list[ProblemStep]] = relationship(
        back_populates="problem", order_by="ProblemStep.id", cascade="all, delete-orphan"
    )

    def is_overdue(self, today: date) -> bool:
        """Past its deadline while still waiting for the unit's report.

        A problem reported in time and waiting for the organiser's verdict is not overdue:
        the deadline is the unit's.
        """
        return self.state.is_waiting_for_unit and self.deadline_on < today


class StepKind(enum.Enum):
    REPORT = "report"  #: the unit's rectification report (整改报告)
    VERDICT = "verdict"  #: the organiser's verification (核验)


class ProblemStep(Base):
    """One report or verdict in a problem's history, shown to the unit and the organisers."""

    __tablename__ = "problem_steps"
    __repr_fields__ = ("id", "kind")
    __table_args__ = (
        CheckConstraint(
            "(kind = 'report' AND verdict IS NULL AND deadline_on IS NULL)"
            " OR (kind = 'verdict' AND verdict IS NOT NULL"
            " AND ((verdict = 'unsatisfied' AND deadline_on IS NOT NULL)"
            " OR (verdict <> 'unsatisfied' AND deadline_on IS NULL)))",
            name="kind_matches_fields",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problems.id", ondelete="CASCADE"), index=True)
    kind: Mapped[StepKind] = mapped_column(enum_column(StepKind, "step_kind"))
    text: Mapped[str] = mapped_column(Text, default="")
    verdict: Mapped[Verdict | None] = mapped_column(enum_column(Verdict, "verdict"))
    #: The new deadline set by a 不满意 verdict.
    deadline_on: Mapped[date | None]
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    problem: Mapped[Problem] = relationship(back_populates="steps")
    actor = relationship("User")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="step", order_by="Attachment.id", cascade="all, delete-orphan"
    )


class Attachment(Base):
    """A file of a report, kept in the database so that a backup is one file.

    ``content_type`` was found from the file's first bytes, never from its name.
    """

    __tablename__ = "attachments"
    __repr_fields__ = ("id", "filename")
    __table_args__ = (
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint(
            "content_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf')",
            name="content_type_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("problem_steps.id", ondelete="CASCADE"), index=True)
    #: The uploader's file name with paths and control characters removed.
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)

    step: Mapped[ProblemStep] = relationship(back_populates="attachments")
