"""The background job queue (huey): long work runs in a worker, never inside a request.

``EVALSITE_JOBS_URL`` names the queue: ``sqlite:///path`` (the embedded default, a file
beside the database; ``make run`` starts a worker beside the web server) or
``redis://host:port/db`` (production; ``deploy/evalsite-jobs.service`` runs the worker).
The queue carries only job ids: what a job is, its progress and its file are in the
``jobs`` table and the jobs folder (``EVALSITE_JOBS_FOLDER``), which the web servers and
the worker share. A view starts a job with ``start`` and sends the user to its page.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, current_app, redirect, url_for
from flask_login import current_user
from huey import RedisHuey, SqliteHuey
from huey.api import Huey

from evalsite.database import get_session, utcnow
from surveys.models import JobKind
from surveys.services import jobs

TASK_NAME = "evalsite.run_job"


def init_app(app: Flask) -> None:
    huey = make_queue(app.config["JOBS_URL"], app.config["JOBS_QUEUE"])

    from evalsite.jobs.runner import run_job

    def run(job_id: str) -> None:
        with app.app_context():
            run_job(job_id)

    app.extensions["evalsite.jobs"] = huey.task(name=TASK_NAME)(run)
    app.extensions["evalsite.huey"] = huey


def make_queue(url: str, name: str) -> Huey:
    """A huey instance for ``url``: an SQLite file (created 0600) or a Redis database."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        return SqliteHuey(name, filename=str(path))
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url)
    raise ValueError(f"EVALSITE_JOBS_URL must be sqlite:///… or redis://…, not {url!r}")


def queue() -> Huey:
    return current_app.extensions["evalsite.huey"]


def enqueue(job_id: str) -> None:
    """Hand a committed job to the workers."""
    current_app.extensions["evalsite.jobs"](job_id)


def folder() -> Path:
    """Where job files are written: created on first use, readable by this account only."""
    path = Path(current_app.config["JOBS_FOLDER"])
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def start(kind: JobKind, title: str, params: dict, *, unit_id: int | None = None, **title_params):
    """Create a job for the signed-in user, commit, queue it, and answer with its page."""
    db = get_session()
    job = jobs.create_job(
        db,
        kind,
        owner_id=current_user.id,
        params=params,
        title=title,
        title_params=title_params,
        unit_id=unit_id,
        now=utcnow(),
    )
    db.commit()
    enqueue(job.id)
    return redirect(url_for("jobs.page", job_id=job.id))
