"""Downloads of a scoring run: the XLSX workbook, the PDF report, the anonymous ballots (CSV).

Each is made by a background job (``evalsite.jobs``): the button posts here, the request
checks what may be exported and queues the job, and the job's page shows the progress and
then offers the file to the same user under the same rule.

For admins, organisers and leaders; unit officers are refused (a unit's slice would be a
filter that differences results down to a few ballots, DESIGN.md section 5). The run is
``?run=<id>`` under its campaign, else the one the results pages show the user (a leader
reads runs from their freezing on, organisers every run); every figure goes through
``display.shown``. Files are named in Chinese (RFC 5987 ``filename*``) with an ASCII
fallback for old clients.
"""

from __future__ import annotations

import io
from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from evalsite import jobs
from evalsite.auth import READERS, role_required
from evalsite.database import get_session
from evalsite.views.admin import query_int
from evalsite.views.admin.scoring import requested_run
from evalsite.views.results import is_shown_to, run_for
from surveys.cells import csv_writer
from surveys.errors import NotFound
from surveys.i18n import N_
from surveys.models import Campaign, JobKind, Round, RoundStatus, ScoringRun
from surveys.services.ballot_export import HEADER, ballot_rows
from surveys.services.lookup import get

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.post("/campaigns/<int:campaign_id>/results.xlsx")
@role_required(*READERS)
def xlsx(campaign_id: int):
    """Export the run as a workbook: ranking, breakdown per target, item scores, levels, turnout."""
    run = _run_or_none(get_session(), campaign_id)
    if run is None:
        return _nothing_scored(campaign_id)
    title = N_("导出第 %(id)d 次计分（Excel）")
    return jobs.start(JobKind.RESULTS_XLSX, title, {"campaign_id": campaign_id, "run_id": run.id}, id=run.id)


@bp.post("/campaigns/<int:campaign_id>/report.pdf")
@role_required(*READERS)
def pdf(campaign_id: int):
    """Export the run as a printable report: cover, 十佳 and 末位, grades chart, ranking by category."""
    run = _run_or_none(get_session(), campaign_id)
    if run is None:
        return _nothing_scored(campaign_id)
    title = N_("导出第 %(id)d 次计分（PDF 报告）")
    return jobs.start(JobKind.RESULTS_PDF, title, {"campaign_id": campaign_id, "run_id": run.id}, id=run.id)


@bp.post("/campaigns/<int:campaign_id>/ballots.csv")
@role_required(*READERS)
def ballots_csv(campaign_id: int):
    """Export the anonymous ballots of the campaign's closed rounds (or ``?round=<id>``), by ballot id."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    round_id = query_int("round")
    if round_id is not None:
        round_ = db.get(Round, round_id)
        if round_ is None or round_.campaign_id != campaign.id:
            raise NotFound(N_("对象不存在"))
        rounds = [round_]
    else:
        rounds = [r for r in campaign.rounds if r.status is RoundStatus.CLOSED]
    if not rounds:
        flash(_("还没有已结束的轮次，暂无评议票可导出"), "error")
        return redirect(url_for("publishing.campaign", campaign_id=campaign.id))
    for round_ in rounds:
        ballot_rows(db, round_.id)  # refuses a round not closed, before the job is queued
    params = {"campaign_id": campaign.id, "round_ids": [r.id for r in rounds]}
    return jobs.start(JobKind.BALLOTS_CSV, N_("导出匿名评议票：%(name)s"), params, name=campaign.name)


def csv_chunks(rows):
    """The ballots CSV in pieces: a BOM (Excel on Chinese Windows needs it), the header, then rows."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % 2000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def attachment(response: Response, filename: str, fallback: str) -> Response:
    """A download named ``filename`` (UTF-8, RFC 5987) with an ASCII ``fallback`` name."""
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _run_or_none(db, campaign_id: int) -> ScoringRun | None:
    """The run asked for with ``?run=``, else the one the results pages show; a run the
    user's role may not read yet (a draft for a leader) is not found."""
    campaign = get(db, Campaign, campaign_id)
    run = requested_run(db, campaign.id) if query_int("run") is not None else run_for(db, campaign)
    if run is not None and not is_shown_to(run, current_user.role):
        raise NotFound(N_("对象不存在"))
    return run


def _nothing_scored(campaign_id: int):
    flash(_("该评议活动尚无计分结果，暂无报表可下载"), "error")
    return redirect(url_for("publishing.campaign", campaign_id=campaign_id))
