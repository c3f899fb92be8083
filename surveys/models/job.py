"""Background jobs (后台任务): long work that a page starts and then watches."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from surveys.db import Base
from surveys.models.types import enum_column


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class JobKind(enum.Enum):
    SLIPS_PDF = "slips_pdf"  #: a batch's code slips
    RESULTS_XLSX = "results_xlsx"  #: a scoring run as a workbook
    RESULTS_PDF = "results_pdf"  #: a scoring run as a printable report
    BALLOTS_CSV = "ballots_csv"  #: the anonymous ballots of closed rounds
    LEDGER_XLSX = "ledger_xlsx"  #: the rectification ledger
    SCORING = "scoring"  #: score a campaign and store the run


class Job(Base):
    """One piece of background work, its progress, and what it produced.

    The id is random (it is in the page's address) and names the output file, so a job that
    runs twice writes the same file once. Only its owner is shown it, and only while the
    owner's role still allows what the job does (``evalsite.jobs.access``).
    """

    __tablename__ = "jobs"
    __repr_fields__ = ("id", "kind")
    __table_args__ = (
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent_in_range"),
        CheckConstraint("done_steps >= 0 AND total_steps >= 0", name="steps_not_negative"),
        Index("ix_jobs_owner_id_created_at", "owner_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[JobKind] = mapped_column(enum_column(JobKind, "job_kind"))
    state: Mapped[JobState] = mapped_column(enum_column(JobState, "job_state"), default=JobState.QUEUED)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: What the work is about, as plain ids and options (e.g. ``{"batch_id": 7}``).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The unit a unit officer's job is held to; None for readers, who see every unit.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    #: The title the page shows, a msgid formatted with ``title_params`` after translation.
    title: Mapped[str] = mapped_column(String(200))
    title_params: Mapped[dict] = mapped_column(JSON, default=dict)
    percent: Mapped[int] = mapped_column(default=0)
    done_steps: Mapped[int] = mapped_column(default=0)
    total_steps: Mapped[int] = mapped_column(default=0)
    #: Why it failed, in words: a msgid and its params, translated when shown.
    message: Mapped[str | None] = mapped_column(String(500))
    message_params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The produced file, a name inside the jobs folder, and the names it downloads as
    #: (the Chinese one, and an ASCII one for old clients).
    file_name: Mapped[str | None] = mapped_column(String(100))
    download_name: Mapped[str | None] = mapped_column(String(300))
    ascii_name: Mapped[str | None] = mapped_column(String(200))
    #: What the work made in the database (e.g. the stored scoring run's id).
    result_id: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
