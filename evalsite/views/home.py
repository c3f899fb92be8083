"""The landing page after login, and the language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from evalsite.auth import ORGANISERS, is_safe_next
from evalsite.database import get_session
from evalsite.i18n import LANGUAGES
from surveys.models import Role, Unit
from surveys.services import campaigns, organisation

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """Send organisers to their workspace; show leaders and unit officers what they may read."""
    if current_user.role in ORGANISERS:
        return redirect(url_for("admin.campaigns"))
    db = get_session()
    unit = db.get(Unit, current_user.unit_id) if current_user.role is Role.UNIT_OFFICER else None
    return render_template(
        "home/index.html",
        campaigns=campaigns.list_campaigns(db),
        unit=unit,
        own_targets=organisation.targets_of_unit(db, unit.id) if unit else [],
    )


@bp.post("/language")
def set_language():
    """Remember the chosen UI language for this browser session."""
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("home.index"))
