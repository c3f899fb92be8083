"""A target's totals across campaigns: a target is the same target when its code is.

Which campaigns a trend reaches is ``surveys.scoring.sql.chain``'s."""

from __future__ import annotations

from collections.abc import Collection


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
