"""A background job's page, its state as JSON for the page's progress bar, its file, a retry.

A job is shown to the user who started it only, and only while their role still allows
what the job does (the rule of the download it replaces: organisers print slips and score,
readers export results; a unit officer is held to their own unit). Any other job, or one
that does not exist, is not found: nobody learns that someone else's job exists.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from evalsite import jobs as queue
from evalsite.auth import ORGANISERS, READERS
from evalsite.database import get_session, utcnow
from evalsite.i18n import translate
from evalsite.views.reports import attachment
from evalsite.views.results import is_shown_to
from surveys.errors import NotFound
from surveys.i18n import N_
from surveys.models import Job, JobKind, JobState, Role, ScoringRun
from surveys.services import jobs

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

#: Who may start, watch and download each kind of job: the roles of the route it replaces.
KIND_ROLES = {
    JobKind.SLIPS_PDF: ORGANISERS,
    JobKind.SCORING: ORGANISERS,
    JobKind.RESULTS_XLSX: READERS,
    JobKind.RESULTS_PDF: READERS,
    JobKind.BALLOTS_CSV: READERS,
    JobKind.LEDGER_XLSX: READERS,
}
UNKNOWN_REASON = N_("原因不明")
MIMETYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


@bp.get("/<uuid:job_id>")
@login_required
def page(job_id):
    """The job's progress bar, its file once done, its failure in words."""
    job = visible_job(str(job_id))
    return render_template("jobs/job.html", job=job, status=status_of(job), back=back_url(job))


@bp.get("/<uuid:job_id>/status")
@login_required
def status(job_id):
    """The job's state, percent, time still to go and words, for the page to poll."""
    response = jsonify(status_of(visible_job(str(job_id))))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<uuid:job_id>/file")
@login_required
def file(job_id):
    """The file the job produced (404 until it is done)."""
    job = visible_job(str(job_id))
    if job.state is not JobState.DONE or not job.file_name:
        raise NotFound(N_("文件尚未生成"))
    path = queue.folder() / job.file_name
    if not path.is_file():
        raise NotFound(N_("文件已不存在，请重新生成"))
    response = send_file(path, mimetype=MIMETYPES[path.suffix.lstrip(".")], max_age=0)
    return attachment(response, job.download_name or path.name, job.ascii_name or path.name)


@bp.post("/<uuid:job_id>/retry")
@login_required
def retry(job_id):
    """Queue a failed job again under the same id; its file is written once."""
    db = get_session()
    job = visible_job(str(job_id))
    jobs.requeue(db, job)
    db.commit()
    queue.enqueue(job.id)
    return redirect(url_for("jobs.page", job_id=job.id))


def visible_job(job_id: str) -> Job:
    """The signed-in user's own job, if their role still allows its kind; else not found."""
    db = get_session()
    job = db.get(Job, job_id)
    if job is None or job.owner_id != current_user.id or current_user.role not in KIND_ROLES[job.kind]:
        raise NotFound(N_("任务不存在"))
    if current_user.role is Role.UNIT_OFFICER and job.unit_id != current_user.unit_id:
        raise NotFound(N_("任务不存在"))
    if job.kind in (JobKind.RESULTS_XLSX, JobKind.RESULTS_PDF):
        run = db.get(ScoringRun, job.params["run_id"])
        if run is None or not is_shown_to(run, current_user.role):
            raise NotFound(N_("任务不存在"))
    return job


def status_of(job: Job) -> dict:
    """What the page shows: state, percent, seconds to go, the words, and the links."""
    eta = jobs.eta_seconds(job, utcnow())
    status = {"state": job.state.value, "percent": job.percent, "eta_seconds": eta, "text": _status_text(job, eta)}
    if job.state is JobState.DONE and job.file_name:
        status["file_url"] = url_for("jobs.file", job_id=job.id)
    if job.state is JobState.DONE and job.kind is JobKind.SCORING:
        status["result_url"] = url_for("admin.scoring_run", campaign_id=job.params["campaign_id"], run=job.result_id)
    return status


def title_of(job: Job) -> str:
    return translate(job.title, job.title_params)


def back_url(job: Job) -> str:
    """The page the job was started from."""
    params = job.params
    if job.kind is JobKind.SLIPS_PDF and "batch_ids" in params:
        ids = ",".join(str(batch_id) for batch_id in params["batch_ids"])
        return url_for("admin.unit_batches", round_id=params["round_id"], ids=ids)
    if job.kind is JobKind.SLIPS_PDF:
        return url_for("admin.code_batch", batch_id=params["batch_id"])
    if job.kind is JobKind.SCORING:
        return url_for("admin.scoring", campaign_id=params["campaign_id"])
    if job.kind is JobKind.LEDGER_XLSX:
        return url_for("ledger.campaign", campaign_id=params["campaign_id"])
    return url_for("publishing.campaign", campaign_id=params["campaign_id"])


def _status_text(job: Job, eta: float | None) -> str:
    if job.state is JobState.QUEUED:
        return _("排队等候中，马上开始……")
    if job.state is JobState.DONE:
        return _("已完成")
    if job.state is JobState.FAILED:
        reason = translate(job.message or UNKNOWN_REASON, job.message_params)
        return _("未能完成：%(reason)s", reason=reason)
    if eta is None:
        return _("正在处理：已完成 %(percent)d%%", percent=job.percent)
    minutes, seconds = divmod(round(eta), 60)
    left = _("%(m)d 分 %(s)d 秒", m=minutes, s=seconds) if minutes else _("%(s)d 秒", s=seconds)
    return _("正在处理：已完成 %(percent)d%%，预计还需 %(left)s", percent=job.percent, left=left)


@bp.app_template_global()
def job_title(job: Job) -> str:
    return title_of(job)
