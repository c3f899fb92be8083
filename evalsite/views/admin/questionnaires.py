"""Questionnaire pages: items with weights, and the points of the scale."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from evalsite.auth import ORGANISERS, role_required
from evalsite.database import get_session
from evalsite.forms.admin import ItemForm, QuestionnaireForm
from evalsite.forms.base import edit_form
from evalsite.views.admin import actor, bp, render_form
from surveys.errors import DomainError
from surveys.i18n import N_
from surveys.models import Campaign, Item, Questionnaire
from surveys.services import questionnaires
from surveys.services.lookup import get


@bp.route("/campaigns/<int:campaign_id>/questionnaires/new", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def new_questionnaire(campaign_id: int):
    """Create a questionnaire with a preset scale."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    form = QuestionnaireForm()
    if form.validate_on_submit():
        questionnaire = questionnaires.create_questionnaire(
            db, campaign.id, form.name.data, form.preset.data, with_unknown=form.with_unknown.data, **actor()
        )
        db.commit()
        flash(_("测评表已创建，请添加测评指标"))
        return redirect(url_for("admin.questionnaire", questionnaire_id=questionnaire.id))
    return render_form(form, _("新建测评表"), campaign=campaign)


@bp.get("/questionnaires/<int:questionnaire_id>")
@role_required(*ORGANISERS)
def questionnaire(questionnaire_id: int):
    """Items, weights and scale of one questionnaire; editable while no round using it is open."""
    questionnaire = get(get_session(), Questionnaire, questionnaire_id)
    return render_template(
        "admin/questionnaire.html",
        questionnaire=questionnaire,
        is_frozen=questionnaires.is_frozen(questionnaire),
        item_form=ItemForm(formdata=None),
        total_weight=sum(item.weight for item in questionnaire.items),
    )


@bp.post("/questionnaires/<int:questionnaire_id>/items")
@role_required(*ORGANISERS)
def add_item(questionnaire_id: int):
    """Add an item."""
    return _save_item(get(get_session(), Questionnaire, questionnaire_id), None)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def edit_item(item_id: int):
    """Edit an item's code, text or weight."""
    item = get(get_session(), Item, item_id)
    return _save_item(item.questionnaire, item)


@bp.post("/items/<int:item_id>/delete")
@role_required(*ORGANISERS)
def delete_item(item_id: int):
    """Remove an item."""
    db = get_session()
    questionnaire_id = get(db, Item, item_id).questionnaire_id
    questionnaires.delete_item(db, item_id, **actor())
    db.commit()
    flash(_("已删除"))
    return redirect(url_for("admin.questionnaire", questionnaire_id=questionnaire_id))


@bp.post("/questionnaires/<int:questionnaire_id>/levels")
@role_required(*ORGANISERS)
def set_levels(questionnaire_id: int):
    """Save the points of the scale's levels."""
    db = get_session()
    questionnaire = get(db, Questionnaire, questionnaire_id)
    points = {}
    for level in questionnaire.levels:
        if level.is_excluded:
            continue
        raw = request.form.get(f"points-{level.id}", "")
        try:
            points[level.id] = float(raw)
        except ValueError:
            raise DomainError(N_("“%(label)s”的分值必须是数字"), label=level.label) from None
    questionnaires.set_level_points(db, questionnaire.id, points, **actor())
    db.commit()
    flash(_("分值已保存"))
    return redirect(url_for("admin.questionnaire", questionnaire_id=questionnaire.id))


def _save_item(questionnaire: Questionnaire, item: Item | None):
    db = get_session()
    form = edit_form(ItemForm, item)
    if form.validate_on_submit():
        questionnaires.save_item(
            db,
            questionnaire.id,
            form.code.data,
            form.text.data,
            form.weight.data,
            item_id=item.id if item else None,
            **actor(),
        )
        db.commit()
        flash(_("已保存"))
        return redirect(url_for("admin.questionnaire", questionnaire_id=questionnaire.id))
    return render_form(form, _("测评指标：%(name)s", name=questionnaire.name))
