"""The charts page: score bars, level shares, item heatmap, internal/external gap, trends."""

from __future__ import annotations

from flask import render_template, request

from evalsite import charts
from evalsite.auth import role_required
from evalsite.database import get_session
from evalsite.security import draws_charts
from evalsite.views.results import RESULT_READERS, bp, campaign_view, run_for
from evalsite.views.results.cache import shown_run
from surveys.models import Campaign
from surveys.scoring.sql.chain import campaign_chain
from surveys.scoring.standings import marked, standings
from surveys.scoring.trend import trend_series
from surveys.services import results
from surveys.services.lookup import get

#: Trend lines drawn at most (the filtered targets, else the 十佳 and 末位).
MAX_TREND_LINES = 12


@bp.get("/campaigns/<int:campaign_id>/charts")
@role_required(*RESULT_READERS)
@draws_charts
def campaign_charts(campaign_id: int):
    """The campaign's charts over the targets the user may see, filtered by category and unit."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    cv = campaign_view(db, campaign)
    filters = {"category": request.args.get("category", ""), "unit": request.args.get("unit", "")}
    table = standings(cv.targets, **filters)
    rows = table.ranked + table.unranked
    figures = {}
    if cv.view:
        items = _items(cv.run.config)
        figures = {
            "bars": charts.score_bars(rows),
            "levels": charts.level_shares(rows, charts.level_points(cv.run.config)),
            "heatmap": charts.item_heatmap(rows, items) if items else None,
            "gap": charts.gap_bars(rows, results.component_round_kinds(db, campaign.id)),
            "trend": _trend(db, campaign, rows),
        }
    return render_template(
        "results/charts.html", cv=cv, table=table, filters=filters, figures=figures, max_rows=charts.MAX_ROWS
    )


def _items(config: dict) -> list[tuple[str, str]]:
    """Item codes and texts over the run's round components, first appearance first."""
    items = {}
    for component in config["components"]:
        for item in (component.get("round") or {}).get("items", []):
            items.setdefault(item["code"], item["text"])
    return list(items.items())


def _trend(db, campaign: Campaign, rows: list[dict]) -> dict | None:
    chosen = rows if len(rows) <= MAX_TREND_LINES else [t for ts in marked(rows).values() for t in ts]
    return _trend_figure(db, campaign, chosen[:MAX_TREND_LINES])


def target_trend(db, campaign: Campaign, entry: dict) -> dict | None:
    """One target's total across the campaign and its predecessors (matched by code)."""
    return _trend_figure(db, campaign, [entry])


def _trend_figure(db, campaign: Campaign, rows: list[dict]) -> dict | None:
    """Totals of ``rows`` (targets the user may see) in each campaign of the chain."""
    chain = campaign_chain(db, campaign)
    if len(chain) < 2 or not rows:
        return None
    points = []
    for c in chain:
        run = None if results.has_open_round(c) else run_for(db, c)
        points.append((c.name, shown_run(run) if run else None))
    series = trend_series(points, [r["code"] for r in rows])
    if not series:
        return None
    return charts.trend_lines([label for label, _view in points], series, {r["code"]: r["name"] for r in rows})
