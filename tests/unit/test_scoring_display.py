"""What ``shown`` lets pages and exports show of a stored run (anonymity, DESIGN.md section 5)."""

from __future__ import annotations

from surveys.scoring.display import shown


def group(name: str, n: int, *, items: tuple[int, ...] = ()) -> dict:
    figures = {"score": 80.0, "raw_score": 80.0, "mean": 80.0, "sd": 5.0, "positive": n, "valid": 2 * n}
    return {
        "name": name,
        "n": n,
        **figures,
        "satisfaction": 0.5,
        "mean_ci95": [70.0, 90.0],
        "satisfaction_ci95": [0.3, 0.7],
        "items": [{"code": f"Q{i + 1}", "weight": 1.0, "n": k, "mean": 75.0} for i, k in enumerate(items)],
    }


def target(code: str, ballots: int, groups: list[dict], **fields) -> dict:
    levels = [{"label": "满意", "count": 2 * ballots}, {"label": "不满意", "count": 1}]
    round_part = {"name": "外部评议", "kind": "round", "weight": 0.7, "score": 81.0, "groups": groups, "levels": levels}
    sheet = {"name": "业务考核", "kind": "imported", "weight": 0.3, "score": 90.0, "imported": {"score": 45, "max": 50}}
    base = {"code": code, "status": "ranked", "total": 83.7, "total_unrounded": 83.7, "grade": "比较满意"}
    return {**base, "rank": 1, "category_rank": 1, "flags": ["bottom"], "ballots": ballots}, [round_part, sheet], fields


def run(*targets, below: int = 5) -> dict:
    built = [{**t, "components": c, **f} for t, c, f in targets]
    return {"config": {"rules": {"suppress_below": below}}, "targets": built}


def test_a_target_with_fewer_ballots_than_the_threshold_shows_nothing_derived_from_them():
    view = shown(run(target("A1", 4, [group("服务对象", 3, items=(3, 3)), group("机关干部", 1, items=(1, 1))])))

    (a1,) = view["targets"]
    assert a1["suppressed"] is True
    assert [a1[k] for k in ("total", "total_unrounded", "grade", "rank", "category_rank", "ballots")] == [None] * 6
    assert a1["flags"] == []
    round_part, sheet = a1["components"]
    assert round_part["score"] is None
    assert all(g["n"] is None and g["score"] is None and g["satisfaction"] is None for g in round_part["groups"])
    assert all(i["n"] is None and i["mean"] is None for g in round_part["groups"] for i in g["items"])
    assert [lv["count"] for lv in round_part["levels"]] == [None, None]
    assert sheet["score"] == 90.0  # an imported sheet holds no ballots
    assert a1["status"] == "ranked" and a1["code"] == "A1"


def test_a_target_at_the_threshold_keeps_its_total_and_hides_only_its_small_groups():
    view = shown(run(target("A2", 5, [group("服务对象", 5, items=(5, 4)), group("机关干部", 2)])))

    (a2,) = view["targets"]
    assert a2["suppressed"] is False
    assert (a2["total"], a2["rank"], a2["ballots"], a2["flags"]) == (83.7, 1, 5, ["bottom"])
    big, small = a2["components"][0]["groups"]
    assert (big["suppressed"], big["score"], big["n"]) == (False, 80.0, 5)
    assert (small["suppressed"], small["score"], small["n"]) == (True, None, 2)


def test_an_item_answered_fewer_times_than_the_threshold_is_hidden_inside_a_shown_group():
    view = shown(run(target("A3", 9, [group("服务对象", 9, items=(9, 4))])))

    q1, q2 = view["targets"][0]["components"][0]["groups"][0]["items"]
    assert (q1["n"], q1["mean"], q1["suppressed"]) == (9, 75.0, False)
    assert (q2["n"], q2["mean"], q2["suppressed"]) == (None, None, True)


def test_a_target_without_ballots_scored_only_from_sheets_keeps_its_total():
    view = shown(run(target("C1", 0, [])))

    assert view["targets"][0]["suppressed"] is False
    assert view["targets"][0]["total"] == 83.7


def test_the_threshold_is_the_runs_own():
    four = target("A1", 4, [group("服务对象", 4)])

    assert shown(run(four, below=3))["targets"][0]["total"] == 83.7
    assert shown(run(four, below=5))["targets"][0]["total"] is None
    assert shown(run(four, below=3))["suppress_below"] == 3
