"""Campaign pages: list, create, edit, clone, and the components of the total."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from evalsite.auth import ORGANISERS, role_required
from evalsite.database import get_session
from evalsite.forms.admin import CampaignForm, CloneForm, ComponentForm
from evalsite.forms.base import choices, edit_form
from evalsite.i18n import error_text
from evalsite.selectors import fill_selector_choices, selector_from
from evalsite.views.admin import actor, bp, render_form
from surveys.errors import DomainError
from surveys.labels import label
from surveys.models import Campaign, Component, ComponentKind
from surveys.services import campaigns, organisation
from surveys.services.lookup import get


@bp.get("/", endpoint="campaigns")
@role_required(*ORGANISERS)
def list_campaigns():
    """List every campaign, newest year first."""
    return render_template("admin/campaigns.html", campaigns=campaigns.list_campaigns(get_session()))


@bp.route("/campaigns/new", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def new_campaign():
    """Create an empty campaign."""
    form = CampaignForm()
    if form.validate_on_submit():
        db = get_session()
        campaign = campaigns.save_campaign(db, form.name.data, form.year.data, form.description.data, **actor())
        db.commit()
        flash(_("评议活动已创建"))
        return redirect(url_for("admin.campaign", campaign_id=campaign.id))
    return render_form(form, _("新建评议活动"))


@bp.get("/campaigns/<int:campaign_id>")
@role_required(*ORGANISERS)
def campaign(campaign_id: int):
    """A campaign's configuration at a glance: rounds, questionnaires, components, targets."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    form = ComponentForm()
    form.round_id.choices = choices([(r.id, r.name) for r in campaign.rounds])
    fill_selector_choices(form.selector, db, campaign.id)
    return render_template(
        "admin/campaign.html",
        campaign=campaign,
        target_count=organisation.count_targets(db, campaign.id),
        component_form=form,
        status_label=label,
    )


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def edit_campaign(campaign_id: int):
    """Rename a campaign or change its year and description."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    form = edit_form(CampaignForm, campaign)
    if form.validate_on_submit():
        campaigns.save_campaign(
            db, form.name.data, form.year.data, form.description.data, campaign_id=campaign.id, **actor()
        )
        db.commit()
        flash(_("已保存"))
        return redirect(url_for("admin.campaign", campaign_id=campaign.id))
    return render_form(form, _("编辑评议活动"))


@bp.route("/campaigns/<int:campaign_id>/clone", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def clone_campaign(campaign_id: int):
    """Copy a past campaign's configuration as next year's draft."""
    db = get_session()
    source = get(db, Campaign, campaign_id)
    form = CloneForm()
    if not form.is_submitted():
        form.year.data = source.year + 1
        form.name.data = source.name.replace(str(source.year), str(source.year + 1))
    if form.validate_on_submit():
        copy = campaigns.clone_campaign(db, source.id, form.name.data, form.year.data, **actor())
        db.commit()
        flash(_("已复制为新的评议活动（全部轮次为草稿）"))
        return redirect(url_for("admin.campaign", campaign_id=copy.id))
    return render_form(form, _("复制评议活动：%(name)s", name=source.name))


@bp.post("/campaigns/<int:campaign_id>/components")
@role_required(*ORGANISERS)
def add_component(campaign_id: int):
    """Add a weighted component of the campaign total."""
    return _save_component(campaign_id, None)


@bp.route("/components/<int:component_id>/edit", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def edit_component(component_id: int):
    """Change a component's name, source or weight."""
    component = get(get_session(), Component, component_id)
    return _save_component(component.campaign_id, component)


@bp.post("/components/<int:component_id>/delete")
@role_required(*ORGANISERS)
def delete_component(component_id: int):
    """Remove a component from the total."""
    db = get_session()
    campaign_id = get(db, Component, component_id).campaign_id
    campaigns.delete_component(db, component_id, **actor())
    db.commit()
    flash(_("已删除"))
    return redirect(url_for("admin.campaign", campaign_id=campaign_id))


def _save_component(campaign_id: int, component: Component | None):
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    form = edit_form(
        ComponentForm,
        component,
        kind=component.kind.value if component else "round",
        round_id=component.round_id or 0 if component else 0,
    )
    form.round_id.choices = choices([(0, "—")] + [(r.id, r.name) for r in campaign.rounds])
    fill_selector_choices(form.selector, db, campaign.id)
    if form.validate_on_submit():
        fields = {
            "name": form.name.data,
            "kind": ComponentKind(form.kind.data),
            "round_id": form.round_id.data or None,
            "weight": form.weight.data,
        }
        try:
            campaigns.save_component(
                db,
                campaign.id,
                fields,
                component_id=component.id if component else None,
                selector=selector_from(form.selector),
                **actor(),
            )
        except DomainError as refused:  # said on the same form, with what was typed
            db.rollback()
            page, _status = render_form(form, _("评分组成"), refusal=error_text(refused))
            return page, refused.status
        db.commit()
        flash(_("已保存"))
        return redirect(url_for("admin.campaign", campaign_id=campaign.id))
    return render_form(form, _("评分组成"))
