"""Ledger pages that read: overview, per campaign, per unit, one problem, lists, files, export."""

from __future__ import annotations

import io

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from evalsite import jobs
from evalsite.auth import READERS, role_required
from evalsite.database import get_session, local_today
from evalsite.forms.ledger import HonourForm, ReportForm, VerifyForm, WithdrawForm
from evalsite.views.ledger import LEDGER_ROLES, bp, scope, upload_limits
from surveys.i18n import N_
from surveys.models import Campaign, JobKind, ProblemSource, ProblemState, Role, Unit
from surveys.services import campaigns, ledger, organisation, problems
from surveys.services.lookup import get


@bp.get("/")
@role_required(*LEDGER_ROLES)
def index():
    """Every campaign's counts for readers; a unit officer goes to their own unit's ledger."""
    if current_user.role is Role.UNIT_OFFICER:
        if current_user.unit_id is None:
            abort(403)
        return redirect(url_for("ledger.unit", unit_id=current_user.unit_id))
    db = get_session()
    return render_template(
        "ledger/index.html",
        campaigns=campaigns.list_campaigns(db),
        counts=ledger.count_by_campaign(db, today=local_today()),
    )


@bp.get("/campaigns/<int:campaign_id>")
@role_required(*READERS)
def campaign(campaign_id: int):
    """A campaign's ledger: counts, filters and one row per problem, overdue ones flagged."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    filters = _filters()
    return render_template(
        "ledger/campaign.html",
        campaign=campaign,
        counts=ledger.count_problems(db, today=local_today(), campaign_id=campaign.id),
        problems=ledger.list_problems(db, today=local_today(), campaign_id=campaign.id, filters=filters),
        filters=filters,
        units=organisation.ledger_units(db, campaign.id),
    )


@bp.get("/units/<int:unit_id>")
@role_required(*LEDGER_ROLES)
def unit(unit_id: int):
    """One unit's problems over all campaigns; a unit officer may open only their own unit."""
    if scope() is not None and scope() != unit_id:
        abort(404)
    db = get_session()
    unit = get(db, Unit, unit_id)
    asked = _filters()
    filters = ledger.Filters(unit_id=unit.id, state=asked.state, is_overdue=asked.is_overdue)
    return render_template(
        "ledger/unit.html",
        unit=unit,
        counts=ledger.count_problems(db, today=local_today(), unit_id=unit.id),
        problems=ledger.list_problems(db, today=local_today(), filters=filters),
        filters=filters,
    )


@bp.get("/problems/<int:problem_id>")
@role_required(*LEDGER_ROLES)
def problem(problem_id: int):
    """One problem: what, whose, by when, the quoted comments, reports with files, verdicts."""
    db = get_session()
    problem = ledger.visible_problem(db, problem_id, unit_id=scope())
    return render_template(
        "ledger/problem.html",
        problem=problem,
        report_form=ReportForm(formdata=None),
        verify_form=VerifyForm(formdata=None),
        withdraw_form=WithdrawForm(formdata=None),
        honour_form=HonourForm(
            formdata=None, honour=problem.honour.value if problem.honour else "", note=problem.honour_note
        ),
        withdrawal=problems.withdrawal(db, problem),
        upload_limits=upload_limits(),
    )


@bp.get("/campaigns/<int:campaign_id>/honours")
@role_required(*READERS)
def honours(campaign_id: int):
    """The campaign's red and black lists (红黑榜) of rectifications."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    red, black = ledger.honour_lists(db, campaign.id)
    return render_template("ledger/honours.html", campaign=campaign, red=red, black=black)


@bp.post("/campaigns/<int:campaign_id>/ledger.xlsx")
@role_required(*READERS)
def export(campaign_id: int):
    """Export the campaign's ledger, as filtered on its page, as a workbook (a background job)."""
    campaign = get(get_session(), Campaign, campaign_id)
    filters = _filters()
    params = {
        "campaign_id": campaign.id,
        "today": local_today().isoformat(),
        "filters": {
            "state": filters.state.value if filters.state else None,
            "source": filters.source.value if filters.source else None,
            "unit_id": filters.unit_id,
            "is_overdue": filters.is_overdue,
        },
    }
    return jobs.start(JobKind.LEDGER_XLSX, N_("导出整改台账：%(name)s"), params, name=campaign.name)


@bp.get("/attachments/<int:attachment_id>")
@role_required(*LEDGER_ROLES)
def attachment(attachment_id: int):
    """A report's file, with the type its content was checked as; PDFs always download."""
    db = get_session()
    file = ledger.visible_attachment(db, attachment_id, unit_id=scope())
    response = send_file(
        io.BytesIO(file.data),
        mimetype=file.content_type,
        as_attachment=file.content_type == "application/pdf",
        download_name=file.filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _filters() -> ledger.Filters:
    """The list's filters from the query string; unknown values mean no filter."""
    state = request.args.get("state", "")
    source = request.args.get("source", "")
    unit_id = request.args.get("unit", type=int)
    return ledger.Filters(
        state=ProblemState(state) if state in {s.value for s in ProblemState} else None,
        source=ProblemSource(source) if source in {s.value for s in ProblemSource} else None,
        unit_id=unit_id if unit_id and 0 < unit_id < 2**31 else None,
        is_overdue=request.args.get("overdue") == "1",
    )
