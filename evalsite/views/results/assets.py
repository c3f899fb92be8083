"""plotly.js from the installed plotly package, served from our own origin (no CDN: many
deployments run on intranets without internet)."""

from __future__ import annotations

from pathlib import Path

import plotly
from flask import send_file

from evalsite.views.results import bp

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: The URL carries the version (``?v=``), so browsers may keep the file for a year.
ONE_YEAR = 365 * 24 * 3600
VERSION = plotly.__version__


@bp.get("/assets/plotly.min.js")
def plotly_js():
    """The plotly.js bundle of the installed plotly package, cached for a year."""
    response = send_file(PLOTLY_JS, mimetype="text/javascript", max_age=ONE_YEAR, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.context_processor
def _plotly_version() -> dict:
    return {"plotly_version": VERSION}
