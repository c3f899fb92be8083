"""Comparing two scoring runs (their JSON), for the organiser who re-runs the scoring."""

from __future__ import annotations

#: What a leader would notice changing between two runs.
FIELDS = ("status", "total", "grade", "rank", "category_rank", "flags")


def compare_runs(previous: dict, current: dict) -> dict:
    """What changed per target (by code) between two runs' JSON (``results.to_json``).

    Returns ``{"same_digest": bool, "same_config": bool, "changes": [...]}``; each change
    is ``{"code": ..., field: [before, after], ...}`` for the fields that differ, with
    ``added`` or ``removed`` for a target present in only one run. Equal digests mean the
    same aggregates and the same configuration, so there can be no change.
    """
    before = {t["code"]: t for t in previous["targets"]}
    after = {t["code"]: t for t in current["targets"]}
    changes = []
    for code in sorted(before.keys() | after.keys()):
        old, new = before.get(code), after.get(code)
        if old is None or new is None:
            present = new if old is None else old
            changes.append({"code": code, "added" if old is None else "removed": {f: present[f] for f in FIELDS}})
            continue
        diff = {field: [old[field], new[field]] for field in FIELDS if old[field] != new[field]}
        if diff:
            changes.append({"code": code, **diff})
    return {
        "same_digest": previous["digest"] == current["digest"],
        "same_config": previous["config"] == current["config"],
        "changes": changes,
    }
