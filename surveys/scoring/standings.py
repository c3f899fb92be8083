"""The ranking as a results page lists it: pure functions over a shown run (``display.shown``).

Filters only pick whole targets (by category, unit, or the codes a viewer may see), so no
filter can form an aggregate over fewer ballots than the run's threshold: every figure a
row carries was suppressed or not on its own, before any filter ran.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

#: Columns a ranking may be sorted by, and the field each reads.
SORT_KEYS = {"rank": "rank", "category_rank": "category_rank", "total": "total", "code": "code", "name": "name"}
SORT_KEYS |= {"category": "category", "unit": "unit"}
DEFAULT_SORT = "rank"


@dataclass(frozen=True)
class Standings:
    """Ranked rows, and the vetoed and insufficient targets listed apart with their reasons."""

    ranked: list[dict]
    unranked: list[dict]
    categories: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)


def visible(view: dict, codes: Collection[str] | None) -> list[dict]:
    """The targets of a shown run a viewer may see: all (``codes`` None) or those codes."""
    return [t for t in view["targets"] if codes is None or t["code"] in codes]


def standings(
    targets: list[dict], *, category: str = "", unit: str = "", sort: str = DEFAULT_SORT, descending: bool = False
) -> Standings:
    """Filter by category and unit (exact names; empty: all), sort, and split by status.

    The choices offered for the filters come from ``targets`` before filtering. Sorting puts
    hidden values (suppressed or absent) last in either direction; ties keep the run's order.
    """
    categories = sorted({t["category"] for t in targets})
    units = sorted({t["unit"] for t in targets})
    rows = [t for t in targets if (not category or t["category"] == category) and (not unit or t["unit"] == unit)]
    key = SORT_KEYS.get(sort, SORT_KEYS[DEFAULT_SORT])
    present = sorted((t for t in rows if t[key] is not None), key=lambda t: t[key], reverse=descending)
    rows = present + [t for t in rows if t[key] is None]
    ranked = [t for t in rows if t["status"] == "ranked"]
    unranked = [t for t in rows if t["status"] != "ranked"]
    return Standings(ranked, unranked, categories, units)


def marked(targets: list[dict]) -> dict[str, list[dict]]:
    """The 十佳 (top) and 末位 (bottom) targets among ``targets``, in rank order."""
    by_rank = sorted((t for t in targets if t["rank"] is not None), key=lambda t: t["rank"])
    return {flag: [t for t in by_rank if flag in t["flags"]] for flag in ("top", "bottom")}


def honour_sections(view: dict, targets: list[dict] | None = None) -> list[dict]:
    """Each honour list of a shown run as its own section, its targets in the list's order.

    A section has the list's ``name``, its ``notes`` (N larger than it holds), ``targets``:
    every target of ``targets`` (default: the run's) in the list, with ``rank``,
    ``category_rank`` and ``flags`` as they are in that list, ranked first by that rank,
    then the unranked; and its ``top`` (十佳) and ``bottom`` (末位) in rank order. A run of
    a campaign with no list (or stored before lists existed) has no section: its ranking
    is the one implicit list.
    """
    rows = view["targets"] if targets is None else targets
    sections = []
    for lst in view.get("lists", []):
        members = []
        for t in rows:
            place = next((p for p in t.get("lists", []) if p["name"] == lst["name"]), None)
            if place is not None:
                members.append({**t, "rank": place["rank"], "category_rank": place["category_rank"],
                                "flags": list(place["flags"])})  # fmt: skip
        ranked = sorted((t for t in members if t["rank"] is not None), key=lambda t: (t["rank"], t["code"]))
        unranked = [t for t in members if t["rank"] is None]
        section = {"name": lst["name"], "notes": lst.get("notes", []), "targets": ranked + unranked}
        sections.append(section | marked(ranked))
    return sections
