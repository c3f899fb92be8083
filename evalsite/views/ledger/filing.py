"""Filing problems: by hand, from raters' comments, from a target's low-scoring items."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from evalsite.auth import ORGANISERS, role_required
from evalsite.database import get_session, local_today
from evalsite.forms.base import choices
from evalsite.forms.ledger import CommentsProblemForm, LowItemProblemForm, ProblemForm
from evalsite.views.admin import query_int
from evalsite.views.ledger import actor, bp
from surveys.errors import DomainError
from surveys.i18n import N_
from surveys.models import Campaign, ProblemSource, Target
from surveys.services import listings, organisation, problem_sources, problems
from surveys.services.lookup import get

#: Items below this mean (on the scale's points) are offered unless the page asks otherwise.
DEFAULT_BELOW = 80.0


@bp.route("/campaigns/<int:campaign_id>/problems/new", methods=["GET", "POST"])
@role_required(*ORGANISERS)
def new_problem(campaign_id: int):
    """File a problem by hand: an inspection, an unannounced visit (暗访), a 12345 call."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    form = ProblemForm()
    form.unit_id.choices = choices([(u.id, u.name) for u in organisation.list_units(db)])
    form.target_id.choices = choices([(0, "—"), *((t.id, f"{t.code} {t.name}") for t in campaign.targets)])
    if form.validate_on_submit():
        problem = problems.file_problem(
            db, campaign.id, _fields(form, unit_id=form.unit_id.data), ProblemSource(form.source.data),
            today=local_today(), **actor(),
        )  # fmt: skip
        db.commit()
        flash(_("整改事项已登记"))
        return redirect(url_for("ledger.problem", problem_id=problem.id))
    status = 400 if form.is_submitted() else 200
    return render_template("ledger/new.html", campaign=campaign, form=form), status


@bp.get("/campaigns/<int:campaign_id>/comments")
@role_required(*ORGANISERS)
def comments(campaign_id: int):
    """Pick a target, then one or several of its comments (closed rounds, enough ballots)."""
    return _comments_page(campaign_id, CommentsProblemForm(formdata=None))


@bp.post("/campaigns/<int:campaign_id>/comments")
@role_required(*ORGANISERS)
def file_from_comments(campaign_id: int):
    """File a problem that quotes the chosen comments."""
    db = get_session()
    form = CommentsProblemForm()
    if not form.validate_on_submit():
        return _comments_page(campaign_id, form, status=400)
    problem = problem_sources.file_from_comments(
        db, campaign_id, form.comment_ids.data or [], _fields(form), today=local_today(), **actor()
    )
    db.commit()
    flash(_("整改事项已登记"))
    return redirect(url_for("ledger.problem", problem_id=problem.id))


@bp.get("/campaigns/<int:campaign_id>/low-items")
@role_required(*ORGANISERS)
def low_items(campaign_id: int):
    """A target's items with the lowest means in the latest stored scoring run."""
    return _low_items_page(campaign_id)


@bp.post("/campaigns/<int:campaign_id>/low-items")
@role_required(*ORGANISERS)
def file_from_low_item(campaign_id: int):
    """File a problem about one low item; its figures are written into the description."""
    db = get_session()
    form = LowItemProblemForm()
    if not form.validate_on_submit():
        return _low_items_page(campaign_id, status=400)
    item = (form.component.data, form.code.data, form.below.data)
    problem = problem_sources.file_from_low_item(db, campaign_id, *item, _fields(form), today=local_today(), **actor())
    db.commit()
    flash(_("整改事项已登记"))
    return redirect(url_for("ledger.problem", problem_id=problem.id))


def _fields(form, unit_id: int | None = None) -> problems.ProblemFields:
    return problems.ProblemFields(
        title=form.title.data,
        description=form.description.data or "",
        deadline_on=form.deadline_on.data,
        unit_id=unit_id,
        target_id=form.target_id.data or None,
    )


def _target(db, campaign: Campaign) -> Target | None:
    """The target chosen with ``?target=``, which must be one of the campaign's."""
    target_id = query_int("target") or request.form.get("target_id", type=int)
    target = db.get(Target, target_id) if target_id and target_id < 2**31 else None
    if target is not None and target.campaign_id != campaign.id:
        raise DomainError(N_("评议对象不属于该评议活动"))
    return target


def _comments_page(campaign_id: int, form: CommentsProblemForm, status: int = 200):
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    target = _target(db, campaign)
    offered = problem_sources.comment_choices(db, campaign.id, target.id) if target else []
    form.target_id.data = target.id if target else None
    page = {"campaign": campaign, "target": target, "targets": listings.target_choices(db, campaign.id)}
    return render_template("ledger/comments.html", comments=offered, form=form, **page), status


def _low_items_page(campaign_id: int, status: int = 200):
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    target = _target(db, campaign)
    below = request.values.get("below", DEFAULT_BELOW, type=float)
    below = below if 0 < below <= 1000 else DEFAULT_BELOW
    items = problem_sources.low_items(db, campaign.id, target.id, below) if target else []
    forms = []
    for item in items:
        form = LowItemProblemForm(formdata=None, component=item.component, code=item.code, below=below)
        form.target_id.data = target.id
        form.title.data = _("%(item)s得分偏低", item=item.text)[:100]
        forms.append((item, form))
    page = {"campaign": campaign, "target": target, "targets": listings.target_choices(db, campaign.id)}
    return render_template("ledger/low_items.html", items=forms, below=below, **page), status
