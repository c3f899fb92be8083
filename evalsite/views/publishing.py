"""Publishing pages: runs awaiting sign-off, a campaign's runs and their states, and the moves.

Organisers (and admins) freeze, publish and withdraw; leaders sign off. Each move is one
service call (``surveys.services.publishing``), refused with a 409 page when the run's
state does not allow it. Runs are named in the form (``run_id``), under their campaign.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from evalsite.auth import ORGANISERS, READERS, role_required
from evalsite.database import get_session
from evalsite.forms.publishing import RunForm, WithdrawForm
from evalsite.scoring_text import helpers
from evalsite.views.admin import actor, query_int
from surveys.db import claim_write_lock
from surveys.errors import NotFound
from surveys.i18n import N_
from surveys.labels import label
from surveys.models import Campaign, Role, RunState, ScoringRun
from surveys.reports.facts import run_facts
from surveys.scoring.display import shown
from surveys.services import listings, publishing
from surveys.services.lookup import get

bp = Blueprint("publishing", __name__, url_prefix="/publishing")


@bp.get("/")
@role_required(*READERS)
def index():
    """Runs awaiting a leader's sign-off, runs signed but not yet public, and what is public."""
    db = get_session()
    return render_template(
        "publishing/index.html",
        awaiting=publishing.runs_in_state(db, RunState.FROZEN),
        signed=publishing.runs_in_state(db, RunState.SIGNED),
        published=publishing.runs_in_state(db, RunState.PUBLISHED),
        pages={p.campaign_id: p.token for p in publishing.public_pages(db)},
        facts=lambda run: run_facts(db, run, current_app.config["TIMEZONE"]),
        state_label=label,
    )


@bp.get("/campaigns/<int:campaign_id>")
@role_required(*READERS)
def campaign(campaign_id: int):
    """A campaign's runs with their states; one run's ranking and the moves open to the reader."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    runs = listings.runs_of(db, campaign.id)
    run = _chosen(runs)
    page = publishing.public_page(db, campaign.id)
    return render_template(
        "publishing/campaign.html",
        campaign=campaign,
        runs=runs,
        run=run,
        view=shown(run.result) if run else None,
        facts=run_facts(db, run, current_app.config["TIMEZONE"]) if run else None,
        public_token=page.token if page and publishing.published_run(db, campaign.id) else None,
        can_organise=current_user.role in ORGANISERS,
        can_sign=current_user.role is Role.LEADER,
        RunState=RunState,
        **helpers(),
    )


def _chosen(runs: list[ScoringRun]) -> ScoringRun | None:
    """``?run=<id>`` if it is one of the campaign's, else the newest run past draft, else the newest."""
    run_id = query_int("run")
    if run_id is not None:
        run = next((r for r in runs if r.id == run_id), None)
        if run is None:
            raise NotFound(N_("对象不存在"))
        return run
    moved = [r for r in runs if r.state is not RunState.DRAFT]
    return (moved or runs or [None])[-1]


@bp.post("/campaigns/<int:campaign_id>/freeze")
@role_required(*ORGANISERS)
def freeze(campaign_id: int):
    """Freeze a run for sign-off; its figures can never change after this."""
    run = _move(campaign_id, RunForm(), publishing.freeze_run)
    flash(_("第 %(id)d 次计分已冻结，等待领导签发", id=run.number))
    return _back(run)


@bp.post("/campaigns/<int:campaign_id>/sign")
@role_required(Role.LEADER)
def sign(campaign_id: int):
    """A leader signs off a frozen run (签发)."""
    run = _move(campaign_id, RunForm(), publishing.sign_run)
    flash(_("已签发第 %(id)d 次计分", id=run.number))
    return _back(run)


@bp.post("/campaigns/<int:campaign_id>/publish")
@role_required(*ORGANISERS)
def publish(campaign_id: int):
    """Publish a signed run on the campaign's public results page."""
    run = _move(campaign_id, RunForm(), publishing.publish_run)
    flash(_("第 %(id)d 次计分已公布", id=run.number))
    return _back(run)


@bp.post("/campaigns/<int:campaign_id>/withdraw")
@role_required(*ORGANISERS)
def withdraw(campaign_id: int):
    """Take the published run off the public page, with a reason kept on record."""
    form = WithdrawForm()
    run = _move(campaign_id, form, lambda db, run_id, **kw: publishing.withdraw_run(db, run_id, form.reason.data, **kw))
    flash(_("第 %(id)d 次计分已撤回，公开页面不再显示", id=run.number))
    return _back(run)


def _move(campaign_id: int, form: RunForm, move) -> ScoringRun:
    """Check the form, make one move on a run of the campaign, commit; 400/404/409 otherwise."""
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    db.rollback()  # end the request's read (the login check); the move starts as a writer (SQLite)
    claim_write_lock(db)
    campaign = get(db, Campaign, campaign_id)
    run = db.get(ScoringRun, form.run_id.data)
    if run is None or run.campaign_id != campaign.id:
        raise NotFound(N_("计分结果不存在"))
    move(db, run.id, **actor())
    db.commit()
    return run


def _back(run: ScoringRun):
    return redirect(url_for("publishing.campaign", campaign_id=run.campaign_id, run=run.id))
