"""Background jobs: create, claim, report progress, finish once, fail in words.

A job is claimed by a conditional UPDATE (only a queued job starts), and finished by one
(only a job not yet done is marked done), so a job delivered twice by the queue runs once
and a stored result is written once: the caller writes its result and calls ``finish`` in
the same transaction, and rolls back when ``finish`` says another run got there first.
Progress and failure are written in their own short transactions by the runner.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from surveys.db import new_uuid
from surveys.errors import Conflict
from surveys.i18n import N_
from surveys.models import Job, JobKind, JobState


def create_job(
    session: Session,
    kind: JobKind,
    *,
    owner_id: int | None,
    params: dict,
    title: str,
    now: datetime,
    title_params: dict | None = None,
    unit_id: int | None = None,
) -> Job:
    """A queued job under a fresh random id; the caller commits, then enqueues it."""
    job = Job(
        id=new_uuid(),
        kind=kind,
        state=JobState.QUEUED,
        owner_id=owner_id,
        params=params,
        unit_id=unit_id,
        title=title,
        title_params=title_params or {},
        message_params={},
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job


def claim(session: Session, job_id: str, *, now: datetime) -> bool:
    """Mark a queued job running; False if it is not queued (done, running elsewhere, gone)."""
    stmt = (
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.QUEUED)
        .values(state=JobState.RUNNING, started_at=now, attempts=Job.attempts + 1, percent=0, done_steps=0)
    )
    return session.execute(stmt).rowcount == 1


def record_progress(session: Session, job_id: str, done: int, total: int) -> None:
    """Steps done of ``total``; the percent stays below 100 until the job is finished."""
    percent = min(99, 100 * done // total) if total else 0
    stmt = (
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING)
        .values(done_steps=done, total_steps=total, percent=percent)
    )
    session.execute(stmt)


def finish(
    session: Session,
    job_id: str,
    *,
    now: datetime,
    file_name: str | None = None,
    download_name: str | None = None,
    ascii_name: str | None = None,
    result_id: int | None = None,
) -> bool:
    """Mark the job done with what it produced; False if it was done already."""
    stmt = (
        update(Job)
        .where(Job.id == job_id, Job.state != JobState.DONE)
        .values(
            state=JobState.DONE,
            percent=100,
            done_steps=Job.total_steps,
            finished_at=now,
            file_name=file_name,
            download_name=download_name,
            ascii_name=ascii_name,
            result_id=result_id,
            message=None,
            message_params={},
        )
    )
    return session.execute(stmt).rowcount == 1


def fail(session: Session, job_id: str, message: str, params: dict, *, now: datetime) -> None:
    """Record why the job failed (a msgid and its params); a done job stays done."""
    stmt = (
        update(Job)
        .where(Job.id == job_id, Job.state != JobState.DONE)
        .values(state=JobState.FAILED, finished_at=now, message=message, message_params=params)
    )
    session.execute(stmt)


def requeue(session: Session, job: Job) -> None:
    """Queue a failed job again, under the same id (its output, if any, is replaced)."""
    if job.state is not JobState.FAILED:
        raise Conflict(N_("只有失败的任务可以重试"))
    job.state = JobState.QUEUED
    job.percent = job.done_steps = 0
    job.message, job.message_params = None, {}
    job.started_at = job.finished_at = None
    session.flush()


def eta_seconds(job: Job, now: datetime) -> float | None:
    """Seconds still to go at the pace so far; None before the first step is done."""
    if job.state is not JobState.RUNNING or not job.done_steps or not job.total_steps or job.started_at is None:
        return None
    elapsed = (now - job.started_at).total_seconds()
    return max(0.0, elapsed / job.done_steps * (job.total_steps - job.done_steps))
