"""Organiser pages: campaigns, targets, questionnaires, rounds, units, users, audit log."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from evalsite.database import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")


def actor() -> dict:
    """The ``now`` and ``actor_id`` every audited service call takes."""
    return {"now": utcnow(), "actor_id": current_user.id}


MAX_ID = 2**31 - 1


def query_int(name: str, default: int | None = None, *, high: int = MAX_ID) -> int | None:
    """A whole-number query parameter in 1..high; anything else counts as absent."""
    value = request.args.get(name, type=int)
    return value if value is not None and 1 <= value <= high else default


def page_number() -> int:
    return query_int("page", 1, high=100_000)


def render_form(form, title: str, **context):
    """The generic one-form page; 400 when a submitted form was refused."""
    status = 400 if form.is_submitted() and form.errors else 200
    return render_template("admin/form.html", form=form, title=title, **context), status


from evalsite.views.admin import (  # noqa: E402,F401
    campaigns,
    codes,
    honour_lists,
    posters,
    questionnaires,
    rounds,
    scoring,
    targets,
    users,
)
