"""Downloads of a scoring run: the XLSX workbook, the PDF report, the anonymous ballots (CSV).

For admins, organisers and leaders; unit officers are refused (a unit's slice would be a
filter that differences results down to a few ballots, DESIGN.md section 5). The run is
``?run=<id>`` under its campaign, else the one the results pages show the user (a leader
reads runs from their freezing on, organisers every run); every figure goes through
``display.shown``. Files are named in Chinese (RFC 5987 ``filename*``) with an ASCII
fallback for old clients.
"""

from __future__ import annotations

import heapq
import io
from urllib.parse import quote

from flask import Blueprint, Response, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from evalsite.auth import READERS, role_required
from evalsite.database import get_session
from evalsite.views.admin import query_int
from evalsite.views.admin.scoring import requested_run
from evalsite.views.results import is_shown_to, run_for
from surveys.cells import csv_writer
from surveys.errors import NotFound
from surveys.i18n import N_
from surveys.models import Campaign, Round, RoundStatus, ScoringRun
from surveys.reports.facts import run_facts, turnout_rows
from surveys.reports.pdf_report import build_pdf
from surveys.reports.workbook import build_workbook
from surveys.scoring.display import shown
from surveys.services.ballot_export import HEADER, ballot_rows
from surveys.services.lookup import get

bp = Blueprint("reports", __name__, url_prefix="/reports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/campaigns/<int:campaign_id>/results.xlsx")
@role_required(*READERS)
def xlsx(campaign_id: int):
    """The run as a workbook: ranking, breakdown per target, item scores, levels, turnout."""
    db = get_session()
    run = _run_or_none(db, campaign_id)
    if run is None:
        return _nothing_scored(campaign_id)
    facts = run_facts(db, run, current_app.config["TIMEZONE"])
    data = build_workbook(facts, shown(run.result), turnout_rows(db, run.campaign_id))
    return attachment(Response(data, mimetype=XLSX), *facts.filename("xlsx"))


@bp.get("/campaigns/<int:campaign_id>/report.pdf")
@role_required(*READERS)
def pdf(campaign_id: int):
    """The run as a printable report: cover, 十佳 and 末位, grades chart, ranking by category."""
    db = get_session()
    run = _run_or_none(db, campaign_id)
    if run is None:
        return _nothing_scored(campaign_id)
    facts = run_facts(db, run, current_app.config["TIMEZONE"])
    return attachment(Response(build_pdf(facts, shown(run.result)), mimetype="application/pdf"), *facts.filename("pdf"))


@bp.get("/campaigns/<int:campaign_id>/ballots.csv")
@role_required(*READERS)
def ballots_csv(campaign_id: int):
    """The anonymous ballots of the campaign's closed rounds (or ``?round=<id>``), by ballot id."""
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
        ballot_rows(db, round_.id)  # refuses a round not closed, before anything is sent
    stream = _csv_text([r.id for r in rounds], current_app.extensions["evalsite.sessions"])
    response = Response(stream, mimetype="text/csv")
    return attachment(response, f"{campaign.name}-评议票.csv", f"campaign-{campaign.id}-ballots.csv")


def _csv_text(round_ids: list[int], sessions):
    """The CSV in pieces: a BOM (Excel on Chinese Windows needs it), the header, then rows.

    The rows are read while the server sends the file, after the request (and its session)
    has ended, so the generator opens a session of its own and closes it when done or
    abandoned. Each round's rows come sorted by ballot id; merged, the file is sorted too.
    """
    with sessions() as db:
        rows = heapq.merge(*(ballot_rows(db, round_id) for round_id in round_ids), key=lambda row: row[0])
        yield from _csv_chunks(rows)


def _csv_chunks(rows):
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
