"""Leaders' results pages: ranking, charts, target drill-down and turnout (read-only).

Every figure comes from one stored run chosen by ``run_for`` and passes through
``scoring.display.shown`` (anonymity, DESIGN.md section 5). Unit officers see only their own
unit's targets; while a round of the campaign is open, only turnout is shown.

Which run: organisers and admins, who score and freeze, see the newest run whatever its
state; leaders see runs from the moment they are frozen for their sign-off; unit officers
only what a leader has signed off. A withdrawn run is shown to no one as current.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint
from flask_login import current_user
from sqlalchemy.orm import Session

from evalsite.auth import READERS
from evalsite.views.results.cache import shown_run
from surveys.labels import label
from surveys.models import Campaign, Role, RunState, ScoringRun
from surveys.scoring.standings import visible
from surveys.services import listings, results

bp = Blueprint("results", __name__, url_prefix="/results")

#: Who reads results: leaders, organisers and admins (everything), unit officers (own unit).
RESULT_READERS = (*READERS, Role.UNIT_OFFICER)


#: The run states each role may read as a campaign's results (see the module docstring).
_SIGNED_OFF = (RunState.SIGNED, RunState.PUBLISHED)
SHOWN_STATES = {
    Role.ADMIN: (RunState.DRAFT, RunState.FROZEN, *_SIGNED_OFF),
    Role.ORGANISER: (RunState.DRAFT, RunState.FROZEN, *_SIGNED_OFF),
    Role.LEADER: (RunState.FROZEN, *_SIGNED_OFF),
    Role.UNIT_OFFICER: _SIGNED_OFF,
}


def run_for(session: Session, campaign: Campaign, role: Role | None = None) -> ScoringRun | None:
    """The one run the results pages show ``role`` (the current user's) for a campaign: the
    newest in a state `SHOWN_STATES` lets it read. Every results page and chart follows it.
    The result is loaded only when ``cache.shown_run`` does not hold it already."""
    return listings.newest_run_in(session, campaign.id, SHOWN_STATES[role or current_user.role])


@bp.context_processor
def _run_state_label() -> dict:
    return {"run_state_label": label}


def is_shown_to(run: ScoringRun, role: Role) -> bool:
    """Whether ``role`` may read ``run`` (`SHOWN_STATES`)."""
    return run.state in SHOWN_STATES[role]


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
    #: For organisers and admins, when the run shown is not yet signed off: the run that unit
    #: officers see instead (None: they see no results yet).
    signed_run: ScoringRun | None = None


def campaign_view(session: Session, campaign: Campaign) -> CampaignView:
    is_open = results.has_open_round(campaign)
    run = None if is_open else run_for(session, campaign)
    view = shown_run(run) if run else None
    targets = visible(view, visible_codes(session, campaign)) if view else []
    signed = None
    if run is not None and run.state not in _SIGNED_OFF:
        signed = run_for(session, campaign, Role.UNIT_OFFICER)
    return CampaignView(campaign, run, view, targets, is_open, signed)


from evalsite.views.results import assets, charts, pages, turnout  # noqa: E402,F401
