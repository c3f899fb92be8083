"""Targets of a campaign: list, add, edit, delete, and bulk import from CSV / XLSX."""

from __future__ import annotations

import base64
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from evalsite.auth import ORGANISERS, role_required
from evalsite.database import get_session
from evalsite.forms.admin import ConfirmImportForm, ImportForm, TargetForm
from evalsite.forms.base import choices, edit_form
from evalsite.i18n import error_text, translate
from evalsite.views.admin import actor, bp, page_number, query_int, render_form
from surveys.cells import csv_writer
from surveys.errors import Conflict, DomainError
from surveys.i18n import N_
from surveys.imports.targets import TEMPLATE_HEADER, apply_update, import_targets, plan_update
from surveys.models import Campaign, Target, TargetKind
from surveys.selectors import KIND_LABELS, TargetSelector, select_targets
from surveys.services import listings, organisation
from surveys.services.lookup import get

PAGE_SIZE = 50


@bp.get("/campaigns/<int:campaign_id>/targets")
@role_required(*ORGANISERS)
def targets(campaign_id: int):
    """List a campaign's targets, filterable by kind, category and unit, 50 a page."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    kind = request.args.get("kind", "")
    kind = TargetKind(kind) if kind in {k.value for k in TargetKind} else None
    category_id = query_int("category")
    unit_id = query_int("unit")
    selector = TargetSelector(kind, category_id, unit_id)
    page = page_number()
    stmt = select_targets(campaign.id, selector).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
    rows = list(db.scalars(stmt))
    units = organisation.campaign_units(db, campaign.id)
    return render_template(
        "admin/targets.html",
        campaign=campaign,
        targets=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        units=units,
        kinds=KIND_LABELS,
        kind=kind,
        category_id=category_id,
        unit_id=unit_id,
        total=organisation.count_targets(db, campaign.id),
    )


@bp.route("/campaigns/<int:campaign_id>/targets/new", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def new_target(campaign_id: int):
    """Add one target by hand."""
    return _save_target(campaign_id, None)


@bp.route("/targets/<int:target_id>/edit", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def edit_target(target_id: int):
    """Edit a target."""
    target = get(get_session(), Target, target_id)
    return _save_target(target.campaign_id, target)


@bp.post("/targets/<int:target_id>/delete")
@role_required(*ORGANISERS)
def delete_target(target_id: int):
    """Remove a target from its campaign."""
    db = get_session()
    campaign_id = get(db, Target, target_id).campaign_id
    organisation.delete_target(db, target_id, **actor())
    db.commit()
    flash(_("已删除"))
    return redirect(url_for("admin.targets", campaign_id=campaign_id))


def _save_target(campaign_id: int, target: Target | None):
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    if target is None:
        form = edit_form(TargetForm)
    else:
        form = edit_form(TargetForm, target, kind=target.kind.value, category=target.category.name)
    form.unit_id.choices = choices([(u.id, u.name) for u in organisation.list_units(db)])
    if form.validate_on_submit():
        fields = {k: getattr(form, k).data for k in ("code", "name", "title", "category", "unit_id")}
        fields["kind"] = TargetKind(form.kind.data)
        organisation.save_target(db, campaign.id, fields, target_id=target.id if target else None, **actor())
        db.commit()
        flash(_("已保存"))
        return redirect(url_for("admin.targets", campaign_id=campaign.id))
    title = _("编辑评议对象") if target else _("添加评议对象")
    return render_form(form, title, campaign=campaign, datalist=listings.category_names(db, campaign.id))


@bp.route("/campaigns/<int:campaign_id>/targets/import", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def upload_targets(campaign_id: int):
    """Import a roster file: every row is added, or — if any row is bad — none."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    form = ImportForm()
    problems, message = [], None
    if form.validate_on_submit():
        upload = form.file.data
        filename, data = upload.filename or "", upload.read()
        try:
            if form.mode.data == "update":
                return _preview(campaign, filename, data)
            result = import_targets(db, campaign.id, filename, data, **actor())
        except DomainError as rejected:
            db.rollback()
            message = error_text(rejected)
            problems = [(p.line, translate(p.reason, p.params)) for p in getattr(rejected, "problems", [])]
        else:
            db.commit()
            flash(_("已导入 %(n)d 个评议对象", n=result.targets))
            if result.new_units:
                flash(_("新建单位：%(names)s", names="、".join(result.new_units)))
            return redirect(url_for("admin.targets", campaign_id=campaign.id))
    status = 400 if form.is_submitted() else 200
    html = render_template("admin/import.html", campaign=campaign, form=form, problems=problems, message=message)
    return html, status


@bp.post("/campaigns/<int:campaign_id>/targets/import/confirm")
@role_required(*ORGANISERS)
def confirm_target_update(campaign_id: int):
    """Carry out a previewed 更新 import; refused (and previewed again) if anything changed."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    form = ConfirmImportForm()
    try:
        data = base64.b64decode(form.content.data or "", validate=True)
    except ValueError:
        data = b""
    if not form.validate_on_submit() or not data:
        raise DomainError(N_("确认的内容不完整，请重新上传文件"))
    filename = form.filename.data or ""
    try:
        plan = apply_update(db, campaign.id, filename, data, digest=form.digest.data, **actor())
    except Conflict as changed:
        db.rollback()
        return _preview(campaign, filename, data, notice=error_text(changed), status=409)
    db.commit()
    flash(_("已更新：新增 %(new)d 个，修改 %(changed)d 个", new=len(plan.new), changed=len(plan.changed)))
    return redirect(url_for("admin.targets", campaign_id=campaign.id))


def _preview(campaign: Campaign, filename: str, data: bytes, *, notice: str | None = None, status: int = 200):
    """The 更新 preview: N new, M changed (each field old → new), K unchanged; nothing written."""
    plan = plan_update(get_session(), campaign.id, filename, data)
    confirm = ConfirmImportForm(
        formdata=None, content=base64.b64encode(data).decode(), filename=filename, digest=plan.digest
    )
    html = render_template(
        "admin/import_preview.html", campaign=campaign, plan=plan, confirm=confirm, notice=notice, kinds=KIND_LABELS
    )
    return html, status


@bp.get("/targets/template.csv")
@role_required(*ORGANISERS)
def target_template():
    """A CSV template with the expected columns and one example row."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(TEMPLATE_HEADER)
    writer.writerow(["KZ001", "张三", "个人", "综合管理", "市行政审批服务局", "行政审批科科长"])
    data = "\ufeff" + out.getvalue()  # BOM: Excel on Windows then reads UTF-8 correctly
    return Response(
        data,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=targets-template.csv"},
    )
