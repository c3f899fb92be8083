"""Ledger actions: the unit reports; the organiser verifies, withdraws, and marks 红黑榜."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from evalsite.auth import ORGANISERS, role_required
from evalsite.database import get_session, local_today
from evalsite.forms.ledger import HonourForm, ReportForm, VerifyForm, WithdrawForm, refusal
from evalsite.views.ledger import actor, attachment_limit, bp, scope
from surveys.i18n import N_
from surveys.models import Honour, Role, Verdict
from surveys.services import problems
from surveys.services.attachments import Upload
from surveys.services.ledger import visible_problem


@bp.post("/problems/<int:problem_id>/report")
@role_required(Role.UNIT_OFFICER)
def report(problem_id: int):
    """The unit's rectification report, with images or PDFs checked by their content."""
    db = get_session()
    visible_problem(db, problem_id, unit_id=scope())  # another unit's: 404 before anything else
    form = ReportForm()
    if not form.validate_on_submit():
        raise refusal(form, N_("请填写整改情况"))
    uploads = [Upload(f.filename or "", f.read()) for f in form.files.data or [] if hasattr(f, "read")]
    problems.report(db, problem_id, form.text.data, uploads, unit_id=scope(), max_bytes=attachment_limit(), **actor())
    db.commit()
    flash(_("整改情况已报送，等待核验"))
    return _back(problem_id)


@bp.post("/problems/<int:problem_id>/verify")
@role_required(*ORGANISERS)
def verify(problem_id: int):
    """Judge a report: 满意 / 基本满意 close the problem (销号); 不满意 reopens it."""
    db = get_session()
    form = VerifyForm()
    if not form.validate_on_submit():
        raise refusal(form, N_("请选择核验结论"))
    verdict = Verdict(form.verdict.data)
    problems.verify(db, problem_id, verdict, form.text.data, form.deadline_on.data, today=local_today(), **actor())
    db.commit()
    flash(_("已销号") if verdict.closes else _("已退回重新整改"))
    return _back(problem_id)


@bp.post("/problems/<int:problem_id>/withdraw")
@role_required(*ORGANISERS)
def withdraw(problem_id: int):
    """Withdraw a problem filed in error; the reason goes to the audit log."""
    db = get_session()
    form = WithdrawForm()
    if not form.validate_on_submit():
        raise refusal(form, N_("请填写撤销理由"))
    problems.withdraw(db, problem_id, form.reason.data, **actor())
    db.commit()
    flash(_("整改事项已撤销"))
    return _back(problem_id)


@bp.post("/problems/<int:problem_id>/honour")
@role_required(*ORGANISERS)
def honour(problem_id: int):
    """Put a rectification on the red or the black list, or take it off."""
    db = get_session()
    form = HonourForm()
    if not form.validate_on_submit():
        raise refusal(form, N_("请选择红榜或黑榜"))
    choice = Honour(form.honour.data) if form.honour.data else None
    problems.set_honour(db, problem_id, choice, form.note.data, **actor())
    db.commit()
    flash(_("红黑榜已更新"))
    return _back(problem_id)


def _back(problem_id: int):
    return redirect(url_for("ledger.problem", problem_id=problem_id))
