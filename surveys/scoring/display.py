"""A stored scoring run as pages and exports may show it (anonymity, DESIGN.md section 5).

Stored runs hold unsuppressed figures (``run.save_run``); everything shown or exported goes
through ``shown`` first. Three rules, all with the run's own threshold ``suppress_below``:

- a target whose counted ballots are fewer (but not none: a target scored only from
  imported sheets has no ballots to protect) shows nothing derived from them: no total,
  grade, rank, marks, ballot count, component score, group or item figure, level count;
- a group with fewer ballots shows its n but no figure;
- an item answered fewer times, or a component's level counts over fewer ballots, show none.
"""

from __future__ import annotations

#: Group and item figures hidden below the suppression threshold (``results._group``).
HIDDEN_FIGURES = ("score", "raw_score", "mean", "sd", "mean_ci95", "positive", "valid", "satisfaction")
#: Target fields hidden when the whole target is below the threshold.
HIDDEN_TARGET_FIELDS = ("total", "total_unrounded", "grade", "rank", "category_rank", "ballots")


def shown(result: dict) -> dict:
    """A stored result as a page or export may show it; every target gets ``suppressed``
    (True when the whole target is hidden) and the result gets ``suppress_below``."""
    below = result["config"]["rules"]["suppress_below"]
    return {**result, "targets": [_target_shown(t, below) for t in result["targets"]], "suppress_below": below}


def is_target_hidden(target: dict, below: int) -> bool:
    """Too few ballots to show anything of this target (0 < ballots < threshold)."""
    return 0 < target["ballots"] < below


def _target_shown(target: dict, below: int) -> dict:
    if is_target_hidden(target, below):
        hidden = {key: None for key in HIDDEN_TARGET_FIELDS}
        components = [_component_hidden(c) for c in target["components"]]
        lists = [{**p, "rank": None, "category_rank": None, "flags": []} for p in target.get("lists", [])]
        shown = {**target, **hidden, "flags": [], "components": components, "suppressed": True}
        return shown | ({"lists": lists} if "lists" in target else {})
    components = [_component_shown(c, below) for c in target["components"]]
    return {**target, "components": components, "suppressed": False}


def _component_shown(component: dict, below: int) -> dict:
    if "groups" not in component:
        return component
    groups = [_group_shown(g, below) for g in component["groups"]]
    answered = sum(g["n"] for g in component["groups"])
    is_hidden = answered < below and any(lv["count"] for lv in component.get("levels", []))
    levels = [{**lv, "count": None if is_hidden else lv["count"]} for lv in component.get("levels", [])]
    return {**component, "groups": groups, "levels": levels}


def _component_hidden(component: dict) -> dict:
    """A component of a hidden target: an imported sheet's score stays (no ballots in it)."""
    if "groups" not in component:
        return component
    groups = [{**_figures_hidden(g), "n": None} for g in component["groups"]]
    levels = [{**lv, "count": None} for lv in component.get("levels", [])]
    return {**component, "score": None, "groups": groups, "levels": levels}


def _group_shown(group: dict, below: int) -> dict:
    if 0 < group["n"] < below:
        return _figures_hidden(group)
    items = [_item_shown(item, below) for item in group.get("items", [])]
    return {**group, "items": items, "suppressed": False}


def _item_shown(item: dict, below: int) -> dict:
    if item["n"] is not None and 0 < item["n"] < below:
        return {**item, "n": None, "mean": None, "suppressed": True}
    return {**item, "suppressed": False}


def _figures_hidden(group: dict) -> dict:
    hidden = {key: None for key in HIDDEN_FIGURES}
    items = [{**item, "n": None, "mean": None, "suppressed": True} for item in group.get("items", [])]
    return {**group, **hidden, "mean_ci95": None, "satisfaction_ci95": None, "items": items, "suppressed": True}
