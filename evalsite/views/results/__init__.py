"""Leaders' results pages: ranking, charts, target drill-down and turnout (read-only).

Every figure comes from one stored run chosen by ``run_for`` and passes through
``scoring.display.shown`` (anonymity, DESIGN.md section 5). Unit officers see only their own
unit's targets; while a round of the campaign is open, only turnout is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from evalsite.auth import READERS
from evalsite.views.results.cache import shown_run
from surveys.models import Campaign, Role, ScoringRun
from surveys.scoring.standings import visible
from surveys.services import results

bp = Blueprint("results", __name__, url_prefix="/results")

#: Who reads results: leaders, organisers and admins (everything), unit officers (own unit).
RESULT_READERS = (*READERS, Role.UNIT_OFFICER)


def run_for(session: Session, campaign: Campaign) -> ScoringRun | None:
    """The one run the results pages show for a campaign.

    For now the latest stored run; once runs are signed off (publishing), this becomes the
    signed-off run, and every results page and chart follows. The result is loaded only
    when ``cache.shown_run`` does not hold it already.
    """
    stmt = (
        select(ScoringRun)
        .options(defer(ScoringRun.result))
        .where(ScoringRun.campaign_id == campaign.id)
        .order_by(ScoringRun.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def visible_codes(session: Session, campaign: Campaign) -> set[str] | None:
    """The target codes the current user may see: all (None), or a unit officer's own unit's."""
    if current_user.role is Role.UNIT_OFFICER:
        return results.unit_codes(session, campaign.id, current_user.unit_id)
    return None


@dataclass(frozen=True)
class CampaignView:
    """What every results page of one campaign starts from."""

    campaign: Campaign
    run: ScoringRun | None
    view: dict | None  #: the run as shown (suppressed); None without a run or while a round is open
    targets: list[dict]  #: the targets of ``view`` the user may see
    is_open: bool  #: a round is open: turnout only


def campaign_view(session: Session, campaign: Campaign) -> CampaignView:
    is_open = results.has_open_round(campaign)
    run = None if is_open else run_for(session, campaign)
    view = shown_run(run) if run else None
    targets = visible(view, visible_codes(session, campaign)) if view else []
    return CampaignView(campaign, run, view, targets, is_open)


from evalsite.views.results import assets, charts, pages, turnout  # noqa: E402,F401
