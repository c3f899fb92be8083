"""Run one job in a worker: claim it, do its work with progress, keep its file, finish once.

The work reads in a session of its own; progress goes to the ``jobs`` row in short
transactions of another, so the page can watch while the work holds its snapshot. A file
is written beside its final place (``<job id>.<ext>`` in the jobs folder, mode 0600) and
moved there when complete; the job is then marked done in the same transaction as any
database write of the work, so a job delivered twice leaves one file and one stored result.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask import current_app

from evalsite import jobs as queue
from evalsite.database import utcnow
from evalsite.jobs.work import KINDS, Produced
from surveys.db import claim_write_lock
from surveys.errors import DomainError
from surveys.i18n import N_
from surveys.models import Job
from surveys.services import jobs

log = logging.getLogger(__name__)

#: Shown when the work failed for a reason the user cannot act on; the log has the details.
INTERNAL_FAILURE = N_("生成失败：服务器内部错误，已记入日志。请稍后重试，仍然失败请联系管理员。")
#: Progress is written at most this often (seconds), and whenever the percent changes less often.
PROGRESS_EVERY = 0.5


class Progress:
    """Called by the work with (steps done, steps in all); writes the job row now and then."""

    def __init__(self, job_id: str, sessions):
        self.job_id, self.sessions = job_id, sessions
        self.last_at, self.last_percent = 0.0, -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 0
        now = time.monotonic()
        if percent == self.last_percent or now - self.last_at < PROGRESS_EVERY:
            return
        self.last_at, self.last_percent = now, percent
        with self.sessions() as db:
            jobs.record_progress(db, self.job_id, done, total)
            db.commit()


def run_job(job_id: str) -> None:
    """Run a queued job to done or failed; a job not queued (done, running) is left alone."""
    sessions = current_app.extensions["evalsite.sessions"]
    with sessions() as db:
        claim_write_lock(db)
        if not jobs.claim(db, job_id, now=utcnow()):
            log.info("job %s is not queued; nothing to do", job_id)
            return
        db.commit()
        job = db.get(Job, job_id)
        kind, params, owner_id = job.kind, dict(job.params), job.owner_id
    work, extension = KINDS[kind]
    log.info("job %s (%s) started", job_id, kind.value)
    try:
        _run(job_id, work, extension, params, owner_id, Progress(job_id, sessions), sessions)
    except DomainError as refused:
        _fail(sessions, job_id, refused.message, refused.params)
        log.info("job %s refused: %s", job_id, refused)
    except Exception:
        log.exception("job %s failed", job_id)
        _fail(sessions, job_id, INTERNAL_FAILURE, {})
    else:
        log.info("job %s done", job_id)


def _run(job_id: str, work: Callable, extension: str | None, params: dict, owner_id, progress, sessions) -> None:
    final = queue.folder() / f"{job_id}.{extension}" if extension else None
    with sessions() as db, _file_beside(final) as out:
        produced: Produced = work(db, params, owner_id=owner_id, out=out, progress=progress)
        if final is not None:
            _keep(out, final)
        if not produced.has_written:
            db.rollback()  # end the read; mark done as a writer (SQLite)
            claim_write_lock(db)
        is_first = jobs.finish(
            db,
            job_id,
            now=utcnow(),
            file_name=final.name if final else None,
            download_name=produced.download_name,
            ascii_name=produced.ascii_name,
            result_id=produced.result_id,
        )
        if is_first:
            db.commit()
        else:  # another delivery of the same job finished first: keep what it wrote
            db.rollback()
            log.info("job %s was finished by another run; its result is kept", job_id)


@contextlib.contextmanager
def _file_beside(final: Path | None):
    """A binary file next to ``final``, removed unless it was moved into place."""
    if final is None:
        yield None
        return
    fd, temp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")  # 0600
    out = open(temp, "wb")  # noqa: SIM115 - closed below, or moved into place first
    os.close(fd)
    try:
        yield out
    finally:
        out.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def _keep(out, final: Path) -> None:
    out.flush()
    os.fsync(out.fileno())
    os.chmod(out.name, 0o600)
    os.replace(out.name, final)


def _fail(sessions, job_id: str, message: str, params: dict) -> None:
    with sessions() as db:
        claim_write_lock(db)
        jobs.fail(db, job_id, str(message), {key: str(value) for key, value in params.items()}, now=utcnow())
        db.commit()
