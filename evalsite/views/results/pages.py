"""The campaign list, the ranking and a target's drill-down."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user

from evalsite import charts
from evalsite.auth import role_required
from evalsite.database import get_session
from evalsite.scoring_text import helpers
from evalsite.security import draws_charts
from evalsite.views.results import RESULT_READERS, bp, campaign_view, visible_codes
from evalsite.views.results.charts import target_trend
from surveys.errors import NotFound
from surveys.i18n import N_
from surveys.models import Campaign, Role, Target
from surveys.scoring.standings import SORT_KEYS, marked, standings
from surveys.services import campaigns, listings, results
from surveys.services.ledger import honour_lists, problems_for_target
from surveys.services.lookup import get


@bp.get("/")
@role_required(*RESULT_READERS)
def index():
    """The campaigns whose results the user may read; a unit officer's only where the unit is rated."""
    db = get_session()
    listed = campaigns.list_campaigns(db)
    if current_user.role is Role.UNIT_OFFICER:
        own = listings.campaigns_rating_unit(db, current_user.unit_id) if current_user.unit_id else set()
        listed = [c for c in listed if c.id in own]
    return render_template("results/index.html", campaigns=listed, has_open_round=results.has_open_round)


@bp.get("/campaigns/<int:campaign_id>")
@role_required(*RESULT_READERS)
def ranking(campaign_id: int):
    """The ranking: totals, grades, ranks, 十佳 and 末位, the unranked apart; filter and sort."""
    db = get_session()
    cv = campaign_view(db, get(db, Campaign, campaign_id))
    sort = request.args.get("sort", "rank")
    sort = sort if sort in SORT_KEYS else "rank"
    descending = request.args.get("order") == "desc"
    table = standings(
        cv.targets,
        category=request.args.get("category", ""),
        unit=request.args.get("unit", ""),
        sort=sort,
        descending=descending,
    )
    return render_template(
        "results/ranking.html",
        cv=cv,
        table=table,
        marks=marked(table.ranked),
        sort=sort,
        descending=descending,
        filters={"category": request.args.get("category", ""), "unit": request.args.get("unit", "")},
        target_ids=listings.target_ids_by_code(db, campaign_id),
        honours=honour_lists(db, campaign_id),
        # One url_for, not one per row: the drill-down path is this prefix and the target id.
        target_prefix=url_for("results.target", campaign_id=campaign_id, target_id=1)[:-1],
        **helpers(),
    )


@bp.get("/campaigns/<int:campaign_id>/targets/<int:target_id>")
@role_required(*RESULT_READERS)
@draws_charts
def target(campaign_id: int, target_id: int):
    """A target's breakdown (component → group → item), level shares, trend and comments."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    target = get(db, Target, target_id)
    codes = visible_codes(db, campaign)
    if target.campaign_id != campaign.id or (codes is not None and target.code not in codes):
        raise NotFound(N_("评议对象不存在"))
    cv = campaign_view(db, campaign)
    entry = next((t for t in cv.targets if t["code"] == target.code), None)
    has_comments = entry is not None and entry["ballots"] is not None and entry["ballots"] >= cv.view["suppress_below"]
    points = charts.level_points(cv.run.config) if cv.run else {}
    return render_template(
        "results/target.html",
        cv=cv,
        target=target,
        entry=entry,
        comments=results.comments_on(db, target.id) if has_comments else None,
        levels_figure=charts.level_shares([entry], points) if entry and charts.level_counts(entry) else None,
        trend_figure=target_trend(db, campaign, entry) if entry else None,
        target_problems=problems_for_target(db, target.id),
        **helpers(),
    )
