"""Organiser pages: campaigns, targets, questionnaires, rounds, units, users, audit log."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from evalsite.database import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")


def actor() -> dict:
    """The ``now`` and ``actor_id`` every audited service call takes."""
    return {"now": utcnow(), "actor_id": current_user.id}


def render_form(form, title: str, **context):
    """The generic one-form page; 400 when a submitted form was refused."""
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("admin/form.html", form=form, title=title, **context), status


from evalsite.views.admin import campaigns, questionnaires, rounds, targets, users  # noqa: E402,F401
