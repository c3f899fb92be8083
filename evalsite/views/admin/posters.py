"""Posters for open rounds: one QR per target, leading to the form without a code."""

from __future__ import annotations

from flask import current_app, render_template, url_for

from evalsite.auth import ORGANISERS, role_required
from evalsite.database import get_session
from evalsite.qr import qr_svg
from evalsite.views.admin import bp
from surveys.models import Round
from surveys.services.lookup import get


@bp.get("/rounds/<int:round_id>/posters")
@role_required(*ORGANISERS)
def round_posters(round_id: int):
    """Printable posters (one a page) for every target of an open round."""
    round_ = get(get_session(), Round, round_id)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    posters = []
    for target in round_.campaign.targets if round_.is_open_round else []:
        url = base + url_for("public.poster", round_id=round_.id, target_id=target.id)
        posters.append({"target": target, "url": url, "svg": qr_svg(url)})
    return render_template("admin/posters.html", round=round_, posters=posters)
