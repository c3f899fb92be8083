"""Turnout while a round is open: codes issued and used per rater group and batch."""

from __future__ import annotations

from flask import render_template

from evalsite.auth import READERS, role_required
from evalsite.database import get_session
from evalsite.views.results import bp
from surveys.models import Campaign
from surveys.services import results
from surveys.services.lookup import get


@bp.get("/campaigns/<int:campaign_id>/turnout")
@role_required(*READERS)
def turnout(campaign_id: int):
    """Codes issued / used / void per group and batch, and ballots per group, of each open round."""
    db = get_session()
    campaign = get(db, Campaign, campaign_id)
    return render_template("results/turnout.html", campaign=campaign, rounds=results.turnout(db, campaign))
