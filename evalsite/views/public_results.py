"""The public results page of a campaign: the published run only, no login.

Addressed by an unguessable token (``/public/<token>``, ``surveys.models.PublicPage``)
rather than the campaign id, so outsiders cannot walk campaign ids or see that a campaign
exists before anything is published; an unknown token and "nothing published" give the
same calm 404 page. Everything shown is ``publishing.public_snapshot`` (suppressed).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, make_response, render_template

from evalsite.database import get_session
from evalsite.i18n import error_text
from surveys.errors import NotFound
from surveys.models import Campaign
from surveys.reports import rows
from surveys.scoring.standings import honour_sections
from surveys.services import publishing
from surveys.services.ledger import honour_lists

bp = Blueprint("public_results", __name__, url_prefix="/public")

#: Any short path segment reaches the view, so every miss gets the same public 404 page.
_TOKEN = "string(maxlength=64)"  # noqa: S105  # nosec B105  # a route converter, not a secret


@bp.get(f"/<{_TOKEN}:token>")
def page(token: str):
    """Ranking by category, 十佳 and 末位, and the digest of the published run."""
    db = get_session()
    run = _published(db, token)
    snapshot = publishing.public_snapshot(run)
    return render_template(
        "public/results.html",
        token=token,
        campaign=db.get(Campaign, run.campaign_id),
        run=run,
        view=snapshot,
        categories=rows.by_category(snapshot),
        top=rows.marked(snapshot, "top"),
        bottom=rows.marked(snapshot, "bottom"),
        sections=honour_sections(snapshot),
        total_text=rows.total_text,
        honours=honour_lists(db, run.campaign_id),
    )


@bp.get(f"/<{_TOKEN}:token>/snapshot.json")
def snapshot(token: str):
    """The published run as JSON (suppressed), to check against the digest."""
    run = _published(get_session(), token)
    body = json.dumps(publishing.public_snapshot(run), ensure_ascii=False, indent=2)
    response = Response(body + "\n", mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="results-{run.digest[:12]}.json"'
    return response


def _published(db, token: str):
    """The run published under ``token``, or the same calm 404 page for every miss."""
    try:
        return publishing.published_by_token(db, token)
    except NotFound as error:
        abort(make_response(render_template("public/results_none.html", message=error_text(error)), 404))
