"""Comparing two runs shows, per target, what a leader would see change."""

from __future__ import annotations

from dataclasses import replace

from surveys.scoring.compare import compare_runs
from surveys.scoring.config import Rules
from surveys.scoring.evaluate import score
from surveys.scoring.results import to_json
from tests.builders import PAPER_RULES, paper_config, paper_inputs


def test_a_run_compared_with_itself_has_no_changes():
    run = to_json(score(paper_config(), paper_inputs(paper_config())))
    assert compare_runs(run, run) == {"same_digest": True, "same_config": True, "changes": []}


def test_changed_rules_show_as_changed_marks_and_a_changed_configuration():
    """Bottom-1 → bottom-3: B2 (68.40) stays bottom; A1 and B1 (83.00, tied for 2nd from the
    bottom) join it, and A1 leaves 十佳: bottom-N is designated first and 十佳 never meets 末位.
    Ranks and totals do not move."""
    before = to_json(score(paper_config(), paper_inputs(paper_config())))
    config = paper_config(replace(PAPER_RULES, bottom_n=3))
    after = to_json(score(config, paper_inputs(config)))

    result = compare_runs(before, after)

    assert (result["same_digest"], result["same_config"]) == (False, False)
    assert result["changes"] == [
        {"code": "A1", "flags": [["top"], ["bottom"]]},
        {"code": "B1", "flags": [[], ["bottom"]]},
    ]


def test_a_target_present_in_one_run_only_is_listed_as_added_or_removed():
    config = paper_config(Rules())
    full = to_json(score(config, paper_inputs(config)))
    fewer = {**full, "targets": [t for t in full["targets"] if t["code"] != "B3"]}

    assert [c["code"] for c in compare_runs(fewer, full)["changes"]] == ["B3"]
    assert compare_runs(fewer, full)["changes"][0]["added"]["status"] == "insufficient"
    assert "removed" in compare_runs(full, fewer)["changes"][0]
