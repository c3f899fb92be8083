"""Round pages: settings, rater groups and weights, and the draft → open → closed lifecycle."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from evalsite.auth import ORGANISERS, role_required
from evalsite.database import get_session
from evalsite.forms.admin import GroupForm, RoundForm
from evalsite.forms.base import choices, edit_form
from evalsite.selectors import fill_selector_choices, selector_from, show_refusal
from evalsite.views.admin import actor, bp, render_form
from surveys.db import truncate_wal
from surveys.errors import DomainError
from surveys.labels import label
from surveys.models import Aggregation, Campaign, RaterGroup, Round, RoundKind
from surveys.services import rounds
from surveys.services.lookup import get

_ROUND_FIELDS = (
    "name",
    "kind",
    "questionnaire_id",
    "opens_on",
    "closes_on",
    "is_open_round",
    "aggregation",
    "trim_k",
    "is_strict",
)


@bp.route("/campaigns/<int:campaign_id>/rounds/new", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def new_round(campaign_id: int):
    """Create a draft round."""
    return _save_round(get(get_session(), Campaign, campaign_id), None)


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def edit_round(round_id: int):
    """Edit a round's settings (only the closing date once it is open)."""
    round_ = get(get_session(), Round, round_id)
    return _save_round(round_.campaign, round_)


@bp.get("/rounds/<int:round_id>")
@role_required(*ORGANISERS)
def round_detail(round_id: int):
    """A round's settings, rater groups with weights, and what still stops it from opening."""
    round_ = get(get_session(), Round, round_id)
    return render_template(
        "admin/round.html",
        round=round_,
        group_form=_group_form(round_, formdata=None),
        problems=rounds.configuration_problems(round_) if round_.is_draft else [],
        status_label=label,
        total_weight=sum(g.weight for g in round_.groups),
    )


@bp.post("/rounds/<int:round_id>/open")
@role_required(*ORGANISERS)
def open_round(round_id: int):
    """Open a round and freeze its questionnaire, scale, groups and weights."""
    db = get_session()
    rounds.open_round(db, round_id, **actor())
    db.commit()
    flash(_("轮次已开放，配置已冻结"))
    return redirect(url_for("admin.round_detail", round_id=round_id))


@bp.post("/rounds/<int:round_id>/close")
@role_required(*ORGANISERS)
def close_round(round_id: int):
    """Close a round; no more ballots are taken."""
    db = get_session()
    rounds.close_round(db, round_id, **actor())
    db.commit()
    truncate_wal(db)
    flash(_("轮次已关闭"))
    return redirect(url_for("admin.round_detail", round_id=round_id))


@bp.post("/rounds/<int:round_id>/groups")
@role_required(*ORGANISERS)
def add_group(round_id: int):
    """Add a rater group."""
    return _save_group(get(get_session(), Round, round_id), None)


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def edit_group(group_id: int):
    """Edit a rater group's weight, minimum or flags."""
    group = get(get_session(), RaterGroup, group_id)
    return _save_group(group.round, group)


@bp.post("/groups/<int:group_id>/delete")
@role_required(*ORGANISERS)
def delete_group(group_id: int):
    """Remove a rater group from a draft round."""
    db = get_session()
    round_id = get(db, RaterGroup, group_id).round_id
    rounds.delete_group(db, group_id, **actor())
    db.commit()
    flash(_("已删除"))
    return redirect(url_for("admin.round_detail", round_id=round_id))


def _save_round(campaign: Campaign, round_: Round | None):
    db = get_session()
    if round_ is None:
        form = edit_form(RoundForm, opens_on=date(campaign.year, 1, 1), closes_on=date(campaign.year, 12, 31))
    else:
        form = edit_form(
            RoundForm,
            round_,
            kind=round_.kind.value,
            aggregation=round_.aggregation.value,
            questionnaire_id=round_.questionnaire_id or 0,
        )
    form.questionnaire_id.choices = choices([(0, "—")] + [(q.id, q.name) for q in campaign.questionnaires])
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in _ROUND_FIELDS}
        fields["kind"], fields["aggregation"] = RoundKind(form.kind.data), Aggregation(form.aggregation.data)
        saved = rounds.save_round(db, campaign.id, fields, round_id=round_.id if round_ else None, **actor())
        db.commit()
        flash(_("已保存"))
        return redirect(url_for("admin.round_detail", round_id=saved.id))
    return render_form(form, _("编辑轮次") if round_ else _("新建轮次"))


def _group_form(round_: Round, group: RaterGroup | None = None, **kwargs) -> GroupForm:
    """The rater group form, its selector offering the campaign's categories and units."""
    form = GroupForm(**kwargs) if kwargs else edit_form(GroupForm, group)
    fill_selector_choices(form.selector, get_session(), round_.campaign_id)
    return form


def _save_group(round_: Round, group: RaterGroup | None):
    db = get_session()
    form = _group_form(round_, group)
    title = _("评议主体：%(round)s", round=round_.name)
    if form.validate_on_submit():
        fields = {
            name: getattr(form, name).data for name in ("name", "weight", "min_ballots", "is_required", "is_public")
        }
        fields["selector"] = selector_from(form.selector)
        try:
            rounds.save_group(db, round_.id, fields, group_id=group.id if group else None, **actor())
        except DomainError as refused:
            db.rollback()
            show_refusal(form, refused)
            return render_form(form, title)[0], refused.status
        db.commit()
        flash(_("已保存"))
        return redirect(url_for("admin.round_detail", round_id=round_.id))
    return render_form(form, title)
