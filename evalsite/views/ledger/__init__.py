"""The rectification ledger (整改台账): organisers file and verify, units report, leaders read.

Who sees what: organisers and admins everything; leaders read every campaign's ledger and
its red and black lists; a unit officer reads and reports on exactly their own unit's
problems, and anything else answers 404 (``surveys.services.ledger``).
"""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user

from evalsite.auth import READERS
from evalsite.database import local_today, utcnow
from evalsite.sizes import size_text
from surveys.labels import HONOUR, PROBLEM_SOURCE, PROBLEM_STATE, VERDICT
from surveys.models import Role
from surveys.services.attachments import MAX_FILES

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

#: Everyone who may open a ledger page; unit officers are then held to their own unit.
LEDGER_ROLES = (*READERS, Role.UNIT_OFFICER)


def scope() -> int | None:
    """The unit a unit officer is held to (0, matching nothing, if they have none); None for
    readers, who see every unit."""
    return (current_user.unit_id or 0) if current_user.role is Role.UNIT_OFFICER else None


def is_organiser() -> bool:
    return current_user.is_authenticated and current_user.role in (Role.ADMIN, Role.ORGANISER)


def actor() -> dict:
    """The ``now`` and ``actor_id`` every audited service call takes."""
    return {"now": utcnow(), "actor_id": current_user.id}


def attachment_limit() -> int:
    return current_app.config["ATTACHMENT_MAX_BYTES"]


def upload_limits() -> dict:
    """What one report may carry, for its form's hint: the size per file and per request
    (``MAX_CONTENT_LENGTH``, which answers 413 when exceeded), and the number of files."""
    return {
        "each": size_text(attachment_limit()),
        "total": size_text(current_app.config["MAX_CONTENT_LENGTH"]),
        "count": MAX_FILES,
    }


@bp.record_once
def _template_globals(state) -> None:
    """Labels and today's date for the ledger's partials, which other pages include too."""
    state.app.jinja_env.globals.update(
        ledger_labels={
            "state": PROBLEM_STATE,
            "source": PROBLEM_SOURCE,
            "verdict": VERDICT,
            "honour": HONOUR,
        },
        ledger_today=local_today,
    )


@bp.context_processor
def _ledger_context() -> dict:
    return {"today": local_today(), "is_organiser": is_organiser()}


from evalsite.views.ledger import actions, filing, pages  # noqa: E402,F401
