"""Honour lists (排名名单) of a campaign: create, change, delete (DESIGN §6a).

A refused list comes back on the same form with what was typed and the reason, as a 4xx,
and nothing is written.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from evalsite.auth import ORGANISERS, role_required
from evalsite.database import get_session
from evalsite.forms.base import edit_form
from evalsite.forms.scoring import HonourListForm
from evalsite.i18n import error_text
from evalsite.selectors import fill_selector_choices, selector_from
from evalsite.views.admin import actor, bp, render_form
from surveys.errors import DomainError, NotFound
from surveys.i18n import N_
from surveys.models import Campaign, HonourList, RankScope
from surveys.services import honour_lists
from surveys.services.lookup import get
from surveys.services.scoring_runs import load_rules


@bp.route("/campaigns/<int:campaign_id>/lists/new", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def new_honour_list(campaign_id: int):
    """Add an honour list with its selector and its 十佳 / 末位 rules."""
    return _save(get(get_session(), Campaign, campaign_id), None)


@bp.route("/campaigns/<int:campaign_id>/lists/<int:list_id>/edit", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def edit_honour_list(campaign_id: int, list_id: int):
    """Change an honour list; it applies from the next scoring run."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    return _save(campaign, _own(db, campaign, list_id))


@bp.post("/campaigns/<int:campaign_id>/lists/<int:list_id>/delete")
@role_required(*ORGANISERS)
def delete_honour_list(campaign_id: int, list_id: int):
    """Remove an honour list; stored runs keep it, the next run ranks without it."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    honour_lists.delete_list(db, _own(db, campaign, list_id).id, **actor())
    db.commit()
    flash(_("排名名单已删除，下次计分时生效"))
    return redirect(url_for("admin.scoring", campaign_id=campaign.id, _anchor="lists"))


def _own(db, campaign: Campaign, list_id: int) -> HonourList:
    row = get(db, HonourList, list_id)
    if row.campaign_id != campaign.id:
        raise NotFound(N_("排名名单不属于该评议活动"))
    return row


def _save(campaign: Campaign, row: HonourList | None):
    db = get_session()
    initial = {"top_scope": row.top_scope.value, "bottom_scope": row.bottom_scope.value} if row else {}
    form = edit_form(HonourListForm, row, **initial)
    fill_selector_choices(form.selector, db, campaign.id)
    title = _("排名名单")
    if not form.validate_on_submit():
        return render_form(form, title)
    fields = {name: field.data for name, field in form._fields.items() if name not in ("csrf_token", "selector")}
    fields["top_scope"], fields["bottom_scope"] = RankScope(form.top_scope.data), RankScope(form.bottom_scope.data)
    try:
        honour_lists.save_list(
            db,
            campaign.id,
            fields,
            selector_from(form.selector),
            rules=load_rules(db, campaign.id),
            list_id=row.id if row else None,
            **actor(),
        )
    except DomainError as refused:
        db.rollback()
        page, _status = render_form(form, title, refusal=error_text(refused))
        return page, refused.status
    db.commit()
    flash(_("排名名单已保存，下次计分时生效"))
    return redirect(url_for("admin.scoring", campaign_id=campaign.id, _anchor="lists"))
