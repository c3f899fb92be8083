"""Codes of a round: issue batches, watch turnout, reprint, void; window terminals.

Downloads carry live codes: they are never cached, and no code is ever logged. Reprints
derive the codes again from the configured key. A small batch's slips are made while the
request waits; a bigger one is printed by a background job (``evalsite.jobs``) whose page
shows its progress and then offers the file.
"""

from __future__ import annotations

import io

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from evalsite import jobs
from evalsite.auth import ORGANISERS, role_required
from evalsite.database import get_session
from evalsite.forms.codes import PER_UNIT, IssueForm, TerminalForm
from evalsite.i18n import error_text
from evalsite.jobs.work import printable_batch, printable_unit_batches
from evalsite.keys import code_keys
from evalsite.selectors import selector_label
from evalsite.views.admin import actor, bp
from surveys.batch_prints import (
    batch_slips,
    slips_title,
    unit_batches_title,
    unit_sections,
    write_codes_csv,
    write_unit_codes_csv,
)
from surveys.errors import Conflict, DomainError, NotFound
from surveys.i18n import N_
from surveys.models import BatchScope, CodeBatch, JobKind, Round, RoundStatus, Target, Terminal
from surveys.printing import render_sections, render_slips
from surveys.services import issuing, listings, organisation
from surveys.services.lookup import get

#: The most slips printed while the request waits (25 A4 pages, well under a second on two
#: cores); a bigger batch is printed by a background job.
INLINE_SLIPS = 200
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@bp.get("/rounds/<int:round_id>/codes")
@role_required(*ORGANISERS)
def round_codes(round_id: int):
    """Turnout per batch and per rater group, the issue form, and the round's terminals."""
    return _codes_page(get(get_session(), Round, round_id))


@bp.post("/rounds/<int:round_id>/codes")
@role_required(*ORGANISERS)
def issue_codes(round_id: int):
    """Issue a batch of codes (or one per unit), then go to its page to download the slips."""
    db = get_session()
    round_ = get(db, Round, round_id)
    form = _issue_form(round_)
    is_valid, target = form.validate_on_submit(), None
    per_unit = form.scope.data == PER_UNIT
    scope = None if per_unit or not is_valid else BatchScope(form.scope.data)
    if scope is BatchScope.TARGET:
        target = _target_of(round_, form.target_code)
        is_valid = target is not None
    if not is_valid:
        return _codes_page(round_, issue_form=form), 400
    options = {"label": form.label.data or "", **actor()}
    try:
        if per_unit:
            issued = issuing.issue_batches_per_unit(
                db, round_.id, form.group_id.data, form.count.data, code_keys(), **options
            )
        else:
            issued = [
                issuing.issue_batch(
                    db,
                    round_.id,
                    form.group_id.data,
                    form.count.data,
                    code_keys(),
                    target_id=target.id if target else None,
                    unit_id=form.unit_id.data if scope is BatchScope.UNIT else None,
                    **options,
                )
            ]
    except DomainError as refused:
        db.rollback()
        form.form_errors.append(error_text(refused))
        return _codes_page(round_, issue_form=form), refused.status
    db.commit()
    batches = [batch for batch, _codes in issued]
    flash(_("已发放 %(n)d 个评议码", n=sum(batch.size for batch in batches)))
    if per_unit:
        return redirect(url_for("admin.unit_batches", round_id=round_.id, ids=_ids_text(batches)))
    return redirect(url_for("admin.code_batch", batch_id=batches[0].id))


@bp.get("/rounds/<int:round_id>/batches/per-unit")
@role_required(*ORGANISERS)
def unit_batches(round_id: int):
    """The batches of one "每个单位一批": one per unit, with one PDF and one CSV for all."""
    batches = _unit_batches(round_id)
    total = sum(batch.size for batch in batches)
    return render_template(
        "admin/unit_batches.html",
        round=batches[0].round,
        batches=batches,
        ids=_ids_text(batches),
        total=total,
        is_inline=total <= INLINE_SLIPS,
    )


@bp.get("/rounds/<int:round_id>/batches/per-unit/slips.pdf")
@role_required(*ORGANISERS)
def unit_batches_pdf(round_id: int):
    """The slips of a few per-unit batches as one PDF, a separator page before each unit
    (more slips than a request prints are printed by a job)."""
    batches = _unit_batches(round_id)
    if sum(batch.size for batch in batches) > INLINE_SLIPS:
        raise Conflict(N_("评议码较多，请在本页点击“生成打印文件”，在后台生成"))
    out = io.BytesIO()
    keys, base_url = code_keys(), current_app.config["PUBLIC_BASE_URL"]
    sections = unit_sections(batches, lambda batch: issuing.batch_codes(batch, keys), base_url, _)
    render_sections(sections, out, title=unit_batches_title(batches, _))
    current_app.logger.info("batches %s printed by user %s", _ids_text(batches), current_user.id)
    headers = {"Content-Disposition": f"attachment; filename=round-{round_id}-units.pdf", **NO_STORE}
    return Response(out.getvalue(), mimetype="application/pdf", headers=headers)


@bp.post("/rounds/<int:round_id>/batches/per-unit/slips")
@role_required(*ORGANISERS)
def print_unit_batches(round_id: int):
    """Print per-unit batches' slips in the background; the job's page shows the progress and the file."""
    batches = _unit_batches(round_id)
    return jobs.start(
        JobKind.SLIPS_PDF,
        N_("打印每个单位一批的评议码条（%(units)d 个单位，%(n)d 张）"),
        {"round_id": round_id, "batch_ids": [batch.id for batch in batches]},
        units=len(batches),
        n=sum(batch.size for batch in batches),
    )


@bp.get("/rounds/<int:round_id>/batches/per-unit/codes.csv")
@role_required(*ORGANISERS)
def unit_batches_csv(round_id: int):
    """The codes of per-unit batches as one CSV, with each code's unit and batch."""
    batches = _unit_batches(round_id)
    out = io.StringIO()
    keys = code_keys()
    write_unit_codes_csv(
        batches, lambda batch: issuing.batch_codes(batch, keys), current_app.config["PUBLIC_BASE_URL"], out
    )
    current_app.logger.info("batches %s exported as CSV by user %s", _ids_text(batches), current_user.id)
    headers = {"Content-Disposition": f"attachment; filename=round-{round_id}-units-codes.csv", **NO_STORE}
    return Response(out.getvalue(), mimetype="text/csv", headers=headers)


@bp.get("/batches/<int:batch_id>")
@role_required(*ORGANISERS)
def code_batch(batch_id: int):
    """One batch: what it covers, its turnout, and its downloads."""
    db = get_session()
    batch = _get_batch(batch_id)
    row = next(r for r in issuing.turnout(db, batch.round_id) if r["batch"].id == batch.id)
    return render_template(
        "admin/batch.html", batch=batch, row=row, terminal=_terminal_of(batch), is_inline=is_inline(batch)
    )


@bp.get("/batches/<int:batch_id>/slips.pdf")
@role_required(*ORGANISERS)
def batch_slips_pdf(batch_id: int):
    """Reprint a small batch as PDF sheets of slips (a bigger one is printed by a job)."""
    batch = _printable(batch_id)
    if not is_inline(batch):
        raise Conflict(N_("本批评议码较多，请在批次页面点击“生成打印文件”，在后台生成"))
    out = io.BytesIO()
    codes_ = issuing.batch_codes(batch, code_keys())
    render_slips(batch_slips(batch, codes_, current_app.config["PUBLIC_BASE_URL"]), out, title=slips_title(batch, _))
    # Who reprinted which batch, never which codes.
    current_app.logger.info("batch %d printed by user %s", batch.id, current_user.id)
    headers = {"Content-Disposition": f"attachment; filename=batch-{batch.id}-slips.pdf", **NO_STORE}
    return Response(out.getvalue(), mimetype="application/pdf", headers=headers)


@bp.post("/batches/<int:batch_id>/slips")
@role_required(*ORGANISERS)
def print_batch(batch_id: int):
    """Print a batch's slips in the background; the job's page shows the progress and the file."""
    batch = _printable(batch_id)
    return jobs.start(
        JobKind.SLIPS_PDF, N_("打印第 %(id)d 批评议码条（%(n)d 张）"), {"batch_id": batch.id}, id=batch.id, n=batch.size
    )


def is_inline(batch: CodeBatch) -> bool:
    """Whether the batch is small enough to print while the request waits."""
    return batch.size <= INLINE_SLIPS


@bp.get("/batches/<int:batch_id>/codes.csv")
@role_required(*ORGANISERS)
def batch_codes_csv(batch_id: int):
    """The batch's codes and their QR addresses as CSV (UTF-8 with BOM, for Excel)."""
    batch = _printable(batch_id)
    out = io.StringIO()
    write_codes_csv(issuing.batch_codes(batch, code_keys()), current_app.config["PUBLIC_BASE_URL"], out)
    current_app.logger.info("batch %d exported as CSV by user %s", batch.id, current_user.id)
    headers = {"Content-Disposition": f"attachment; filename=batch-{batch.id}-codes.csv", **NO_STORE}
    return Response(out.getvalue(), mimetype="text/csv", headers=headers)


@bp.post("/batches/<int:batch_id>/void")
@role_required(*ORGANISERS)
def void_batch(batch_id: int):
    """Void a batch: its unused codes stop working at once."""
    db = get_session()
    voided = issuing.void_batch(db, batch_id, **actor())
    db.commit()
    flash(_("已作废，%(n)d 个未使用的评议码已失效", n=voided))
    return redirect(url_for("admin.code_batch", batch_id=batch_id))


@bp.post("/rounds/<int:round_id>/terminals")
@role_required(*ORGANISERS)
def create_terminal(round_id: int):
    """Register a window terminal and show its token, this once only."""
    db = get_session()
    round_ = get(db, Round, round_id)
    form = _terminal_form(round_)
    target = _target_of(round_, form.target_code) if form.validate_on_submit() else None
    if target is None:
        return _codes_page(round_, terminal_form=form), 400
    try:
        terminal, token = issuing.create_terminal(
            db, round_.id, form.group_id.data, target.id, form.name.data, ttl_minutes=form.ttl_minutes.data, **actor()
        )
    except DomainError as refused:
        db.rollback()
        form.form_errors.append(error_text(refused))
        return _codes_page(round_, terminal_form=form), refused.status
    db.commit()
    html = _codes_page(round_, new_terminal=terminal, token=token)
    return html, 200, NO_STORE


@bp.post("/terminals/<int:terminal_id>/revoke")
@role_required(*ORGANISERS)
def revoke_terminal(terminal_id: int):
    """Revoke a terminal's token; codes it already handed out stay valid until they expire."""
    db = get_session()
    terminal = db.get(Terminal, terminal_id)
    if terminal is None:
        raise NotFound(N_("终端不存在"))
    issuing.revoke_terminal(db, terminal.id, **actor())
    db.commit()
    flash(_("终端“%(name)s”已吊销", name=terminal.name))
    return redirect(url_for("admin.round_codes", round_id=terminal.batch.round_id))


# --- helpers --------------------------------------------------------------------------------


def _get_batch(batch_id: int) -> CodeBatch:
    batch = get_session().get(CodeBatch, batch_id)
    if batch is None:
        raise NotFound(N_("评议码批次不存在"))
    return batch


def _printable(batch_id: int) -> CodeBatch:
    """A batch whose slips may be printed: not void, and not a terminal's."""
    return printable_batch(get_session(), batch_id)


def _ids_text(batches: list[CodeBatch]) -> str:
    return ",".join(str(batch.id) for batch in batches)


def _unit_batches(round_id: int) -> list[CodeBatch]:
    """The printable unit batches of the round named by ``?ids=1,2,3``, in that order."""
    text = request.args.get("ids", "")
    try:
        ids = [int(part) for part in text.split(",")] if text else []
    except ValueError:
        ids = []
    return printable_unit_batches(get_session(), round_id, ids)


def _terminal_of(batch: CodeBatch) -> Terminal | None:
    return listings.terminal_of_batch(get_session(), batch.id)


def _target_of(round_: Round, field) -> Target | None:
    """The campaign's target with the code typed in ``field``, or a field error."""
    code = (field.data or "").strip()
    target = listings.target_by_code(get_session(), round_.campaign_id, code)
    if target is None:
        field.errors.append(_("没有编号为“%(code)s”的评议对象", code=code))
    return target


def _group_choices(round_: Round) -> list[SelectChoice]:
    """The round's groups, each with the targets it may rate when that is not every target."""
    return [
        SelectChoice(g.id, g.name if g.selector.is_everything else f"{g.name}（{selector_label(g)}）")
        for g in round_.groups
    ]


def _issue_form(round_: Round, **kwargs) -> IssueForm:
    form = IssueForm(**kwargs)
    form.group_id.choices = _group_choices(round_)
    units = organisation.campaign_units(get_session(), round_.campaign_id)
    form.unit_id.choices = [SelectChoice(0, "—")] + [SelectChoice(u.id, u.name) for u in units]
    return form


def _terminal_form(round_: Round, **kwargs) -> TerminalForm:
    form = TerminalForm(**kwargs)
    form.group_id.choices = _group_choices(round_)
    return form


def _codes_page(round_: Round, *, issue_form=None, terminal_form=None, **context) -> str:
    db = get_session()
    rows = issuing.turnout(db, round_.id)
    terminals = listings.terminals_of_round(db, round_.id)
    terminal_form = terminal_form or _terminal_form(round_, formdata=None)
    if terminal_form.ttl_minutes.data is None:
        terminal_form.ttl_minutes.data = current_app.config["TERMINAL_CODE_MINUTES"]
    return render_template(
        "admin/codes.html",
        round=round_,
        rows=rows,
        totals=_group_totals(rows),
        terminals=terminals,
        terminal_batches={row["batch"].id for row in rows if row["batch"].ttl_minutes is not None},
        issue_form=issue_form or _issue_form(round_, formdata=None),
        terminal_form=terminal_form,
        is_closed=round_.status is RoundStatus.CLOSED,
        target_codes=[(t.code, t.name) for t in round_.campaign.targets],
        api_url=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/api/v1/codes",
        **context,
    )


def _group_totals(rows: list[dict]) -> list[dict]:
    """Issued / used / void summed per rater group, in group order."""
    totals: dict[int, dict] = {}
    for row in rows:
        group = row["batch"].group
        total = totals.setdefault(group.id, {"group": group, "issued": 0, "used": 0, "void": 0})
        for key in ("issued", "used", "void"):
            total[key] += row[key]
    for total in totals.values():
        total["rate"] = total["used"] / total["issued"] if total["issued"] else 0.0
    return [totals[key] for key in sorted(totals)]
