"""A target's totals across campaigns: a cloned campaign points to its predecessor
(``Campaign.predecessor_id``), and a target is the same target when its code is."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from surveys.models import Campaign

#: How many campaigns back a trend reaches.
MAX_CAMPAIGNS = 10


def campaign_chain(session: Session, campaign: Campaign, *, limit: int = MAX_CAMPAIGNS) -> list[Campaign]:
    """The campaign and its predecessors, oldest first; a loop in the chain ends it."""
    chain, seen = [], set()
    current: Campaign | None = campaign
    while current is not None and current.id not in seen and len(chain) < limit:
        chain.append(current)
        seen.add(current.id)
        current = session.get(Campaign, current.predecessor_id) if current.predecessor_id else None
    return chain[::-1]


def trend_series(points: list[tuple[str, dict | None]], codes: Collection[str]) -> dict[str, list[float | None]]:
    """Each code's total in each (label, shown run) of ``points``; None where the campaign had
    no run, no such target, or the total was hidden or absent. Codes never scored are left out."""
    indexed = [{t["code"]: t for t in view["targets"]} if view else {} for _label, view in points]
    series = {}
    for code in codes:
        totals = [by_code[code]["total"] if code in by_code else None for by_code in indexed]
        if any(total is not None for total in totals):
            series[code] = totals
    return series
