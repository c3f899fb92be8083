"""Every scoring rule of DESIGN.md section 6, checked against numbers worked out on paper.

Each test's docstring shows the computation. The scale is the five-level one with 不了解:
非常满意 100, 满意 80, 基本满意 60, 不满意 40, 非常不满意 20 (the first two positive);
items Q1 (weight 1) and Q2 (weight 2), so a ballot scores (p1 + 2·p2) / 3.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from surveys.scoring import combine, ranking, stats
from surveys.scoring.config import (
    CampaignConfig,
    ComponentConfig,
    GroupConfig,
    RoundConfig,
    Rules,
    TargetInfo,
)
from surveys.scoring.evaluate import score
from surveys.scoring.inputs import GroupTally, Inputs
from surveys.scoring.results import GroupFlag, TargetStatus
from surveys.scoring.tally import tally_round

# The ballots' tiny language ("VS S" = 非常满意 on Q1, 满意 on Q2) and the paper campaign live in
# tests/builders.py, which the database and page tests build from too.
from tests.builders import (
    G1,
    PAPER_EXPECTED,
    PAPER_RULES,
    ballots_for,
    make_round,
    paper_config,
    paper_inputs,
)

# --- the paper campaign ---------------------------------------------------------------------


def test_the_paper_campaign_gives_the_hand_computed_totals_ranks_and_marks():
    """Ballot score = (p1 + 2·p2)/3; group score = trimmed mean, k = 1; round = 0.6·G1 + 0.4·G2
    over counted groups (renormalised); total = 0.7·round + 0.3·(sheet/50·100).

    A1  服务对象 100, 80, 80 (Q1 不了解: Q2 alone), 80, 60 → drop 100 and 60 → 80
        机关干部 100, 80, 60 → drop both ends → 80;   round 0.6·80 + 0.4·80 = 80
        sheet 45/50 = 90;  total 0.7·80 + 0.3·90 = 56 + 27 = 83.00            (counted ballots 8)
    A2  服务对象 100, 100, 93.33, 86.67, 80 → drop 100 and 80 → 280/3 = 93.333
        机关干部 one ballot < minimum 2 → left out; round = 93.333 (weights renormalised)
        sheet 40/50 = 80; total 0.7·93.333 + 0.3·80 = 65.333 + 24 = 89.33       (counted 5)
    A3  everything 100 → total 100.00, but vetoed: listed with its reason, no rank, no grade
    B1  服务对象 100, 80, 60 → 80; 机关干部 100, 60: n = 2 ≤ 2k → plain mean (100 + 60)/2 = 80,
        flagged trim_fallback; round 80; sheet 90; total 83.00                (counted 5)
    B2  服务对象 60, 66.67, 73.33 → 66.667; 机关干部 80, 80, 80 → 80
        round 0.6·66.667 + 0.4·80 = 40 + 32 = 72; sheet 30/50 = 60; total 50.4 + 18 = 68.40 (counted 6)
    B3  服务对象 (required) has 2 ballots < 3 → round has no score → insufficient, 外部评议 named
        (its 机关干部 still counts 2 ballots: the figure is the ballots of counted groups)

    Ranks at two decimals: 89.33 → 1; 83.00, 83.00 → 2, 2; 68.40 → 4. Within 综合管理: A2 1, A1 2;
    within 行政执法: B1 1, B2 2. Bottom-1 overall: B2. Top-2 among the eligible (≥ 6 counted
    ballots and at least 比较满意): A2 (5 ballots) and B1 (5) are not eligible, B2 is 基本满意,
    so only A1 — and A1 is top although its overall rank is 2.
    """
    result = score(paper_config(), paper_inputs(paper_config()))

    got = [(t.code, t.status.value, t.total_2dp, t.grade, t.rank, t.category_rank, t.flags) for t in result.targets]
    assert got == PAPER_EXPECTED
    by_code = {t.code: t for t in result.targets}
    assert by_code["A2"].total == pytest.approx(0.7 * 280 / 3 + 24, abs=1e-9)
    assert [t.ballots for t in result.targets] == [5, 8, 5, 6, 5, 2]
    assert [r.to_dict()["text"] for r in by_code["A3"].reasons] == ["一票否决：收受服务对象礼品"]
    assert [r.code for r in by_code["B3"].reasons] == ["missing_component"]
    assert by_code["B3"].reasons[0].params == {"component": "外部评议"}
    (round_part, sheet_part) = by_code["B3"].components
    assert [r.code for r in round_part.reasons] == ["required_group_missing"]
    assert sheet_part.score == pytest.approx(80.0)
    assert result.is_provisional is False


def test_the_paper_campaign_explains_each_group_of_a_target():
    """A1's 服务对象: ballot scores 100, 80, 80, 80, 60 → trimmed 80, mean 80, sd √(800/4) = 14.142;
    answers: 9 valid (the 不了解 is not one), 7 positive (非常满意 or 满意) → 满意率 7/9.
    A2's 机关干部 has 1 ballot, below its minimum of 2: reported, flagged, not counted.
    B1's 机关干部 (n = 2, k = 1) fell back to the mean and says so.
    """
    result = score(paper_config(), paper_inputs(paper_config()))
    by_code = {t.code: t for t in result.targets}

    a1 = by_code["A1"].components[0].groups[0]
    assert (a1.n, a1.score, a1.mean, a1.trimmed) == (5, pytest.approx(80.0), pytest.approx(80.0), 1)
    assert a1.sd == pytest.approx((800 / 4) ** 0.5)
    assert (a1.positive, a1.valid, a1.satisfaction) == (7, 9, pytest.approx(7 / 9))
    assert a1.satisfaction_ci95 == pytest.approx(stats.wilson_interval(7, 9))
    assert [(i.code, i.n, i.mean) for i in a1.items] == [("Q1", 4, 80.0), ("Q2", 5, 80.0)]
    assert dict(by_code["A1"].components[0].levels) == {
        "非常满意": 4, "满意": 7, "基本满意": 4, "不满意": 0, "非常不满意": 0, "不了解": 1,
    }  # fmt: skip

    a2_internal = by_code["A2"].components[0].groups[1]
    assert (a2_internal.n, a2_internal.is_counted) == (1, False)
    assert GroupFlag.BELOW_MINIMUM in a2_internal.flags
    assert a2_internal.reason.params == {"n": 1, "min": 2}

    b1_internal = by_code["B1"].components[0].groups[1]
    assert (b1_internal.score, b1_internal.trimmed) == (pytest.approx(80.0), 0)
    assert GroupFlag.TRIM_FALLBACK in b1_internal.flags


# --- ballots --------------------------------------------------------------------------------


def test_a_ballot_scores_the_weighted_mean_of_its_answered_items():
    """Q1 = 100 (weight 1), Q2 = 70 (weight 2): (1·100 + 2·70) / (1 + 2) = 240 / 3 = 80."""
    assert combine.ballot_score([(1.0, 100.0), (2.0, 70.0)]) == pytest.approx(80.0)


def test_an_unknown_answer_counts_for_nothing_and_leaves_every_denominator():
    """Q1 不了解, Q2 = 80: the weights renormalise over Q2 alone → 80 (not 2·80/3 = 53.33).
    A ballot answering only 不了解 has no score and does not count for the target."""
    assert combine.ballot_score([(1.0, None), (2.0, 80.0)]) == pytest.approx(80.0)
    assert combine.ballot_score([(1.0, None), (2.0, None)]) is None


def test_n_counts_ballots_with_a_valid_answer_and_satisfaction_counts_answers():
    """Three ballots about T: (满意, 不了解), (基本满意, 非常满意), (不了解, 不了解).
    The third counts for nothing: n = 2. Valid answers 3, positive 2 (满意, 非常满意) → 2/3,
    unweighted (a ballot-weighted or item-weighted rate would differ). Ballot scores 80 and
    (60 + 200)/3 = 86.667 → mean 83.333."""
    ballots = ballots_for({"T": {"服务对象": ["S X", "B VS", "X X"]}}, {"T": 7}, (G1,))
    tally = tally_round(make_round(aggregation="mean"), ballots).groups[(31, 7, G1.id)]
    assert (tally.n, tally.positive, tally.valid) == (2, 2, 3)
    assert tally.mean == pytest.approx(250 / 3)


# --- group statistics -----------------------------------------------------------------------


def test_the_median_is_the_middle_score_or_the_mean_of_the_two_middle_ones():
    """[90, 60, 80] → 80; [90, 60, 80, 70] → (70 + 80)/2 = 75."""
    assert stats.median([90, 60, 80]) == 80
    assert stats.median([90, 60, 80, 70]) == 75


def test_the_trimmed_mean_drops_k_highest_and_k_lowest_scores():
    """k = 1 on [100, 60, 90, 70, 80]: drop 100 and 60 → (70 + 80 + 90)/3 = 80.
    k = 2 on [100, 10, 90, 20, 80, 30]: drop 100, 90 and 10, 20 → (30 + 80)/2 = 55."""
    assert stats.trimmed_mean([100, 60, 90, 70, 80], 1) == (pytest.approx(80.0), False)
    assert stats.trimmed_mean([100, 10, 90, 20, 80, 30], 2) == (pytest.approx(55.0), False)


def test_trimmed_mean_falls_back_to_mean_when_too_few_ballots():
    """k = 1: n = 2 ≤ 2k → plain mean (100 + 60)/2 = 80, flagged; n = 3 > 2k → the middle one.
    k = 2: n = 4 ≤ 4 → mean of all four. k = 0 is the mean, never a fallback."""
    assert stats.trimmed_mean([100, 60], 1) == (pytest.approx(80.0), True)
    assert stats.trimmed_mean([100, 60, 70], 1) == (pytest.approx(70.0), False)
    assert stats.trimmed_mean([100, 60, 70, 10], 2) == (pytest.approx(60.0), True)
    assert stats.trimmed_mean([100, 60], 0) == (pytest.approx(80.0), False)


def test_standard_deviation_and_the_95_percent_t_interval():
    """Scores 70, 80, 90: mean 80, sd √((100 + 0 + 100)/2) = 10; t(0.975, 2) = 4.302653;
    half width 4.302653 · 10/√3 = 24.841379; interval 55.158621 … 104.841379. One ballot: no sd, no interval."""
    sd = stats.sample_sd([70, 80, 90])
    assert sd == pytest.approx(10.0)
    low, high = stats.mean_interval(80.0, sd, 3)
    assert (low, high) == (pytest.approx(55.158621, abs=1e-6), pytest.approx(104.841379, abs=1e-6))
    assert stats.sample_sd([70]) is None and stats.mean_interval(70.0, None, 1) is None


def test_t_quantiles_match_published_values():
    """t(0.975): df 1 → 12.706205, 10 → 2.228139, 30 → 2.042272, 31 → 2.039513, 100 → 1.983972,
    1000 → 1.962339 (values from Student's t tables); large df tends to z = 1.959964."""
    expected = {1: 12.706205, 10: 2.228139, 30: 2.042272, 31: 2.039513, 100: 1.983972, 1000: 1.962339}
    for df, value in expected.items():
        assert stats.t_975(df) == pytest.approx(value, abs=2e-6), df
    assert stats.t_975(10**7) == pytest.approx(stats.Z_975, abs=1e-6)


def test_wilson_interval_known_values():
    """Wilson 95% intervals from the literature (Newcombe 1998, table I):
    0/10 → 0 … 0.2775; 5/10 → 0.2366 … 0.7634; 8/10 → 0.4902 … 0.9433; 81/263 → 0.2553 … 0.3662.
    No answers: no interval."""
    assert stats.wilson_interval(0, 10) == (0.0, pytest.approx(0.277533, abs=1e-6))
    assert stats.wilson_interval(5, 10) == (pytest.approx(0.236593, abs=1e-6), pytest.approx(0.763407, abs=1e-6))
    assert stats.wilson_interval(8, 10) == (pytest.approx(0.490162, abs=1e-6), pytest.approx(0.943318, abs=1e-6))
    assert stats.wilson_interval(81, 263) == (pytest.approx(0.2553, abs=1e-4), pytest.approx(0.3662, abs=1e-4))
    assert stats.wilson_interval(0, 0) is None


def test_shrinkage_formula():
    """S* = (n·S + m·μ)/(n + m): S = 90, n = 2, μ = 80, m = 2 → (180 + 160)/4 = 85."""
    assert stats.shrink(90.0, 2, 80.0, 2.0) == pytest.approx(85.0)


def test_shrinkage_pulls_each_target_toward_the_mean_of_all_its_groups_ballots():
    """服务对象 (min 1) rates T1 twice at 90 and T2 six times at 70.
    μ = mean of all 8 ballot scores of the group in the round = (180 + 420)/8 = 75.
    m = 4: T1 → (2·90 + 4·75)/6 = 80; T2 → (6·70 + 4·75)/10 = 72. Raw scores stay reported."""
    group = GroupConfig(21, "服务对象", 1.0, 1, False, False)
    round_ = make_round(aggregation="mean", groups=(group,))
    config = CampaignConfig("c", 2026, (ComponentConfig(41, "r", "round", 1.0, round_),), Rules(shrinkage_m=4.0))
    tallies = {
        (31, 1, 21): GroupTally(2, 90.0, 0.0, 4, 4),
        (31, 2, 21): GroupTally(6, 70.0, 0.0, 0, 12),
    }
    targets = (TargetInfo(1, "T1", "甲", "c"), TargetInfo(2, "T2", "乙", "c"))
    result = {t.code: t for t in score(config, Inputs(targets, tallies)).targets}

    t1 = result["T1"].components[0].groups[0]
    assert (t1.raw_score, t1.score) == (pytest.approx(90.0), pytest.approx(80.0))
    assert GroupFlag.SHRUNK in t1.flags
    assert result["T2"].total == pytest.approx(72.0)


# --- groups into rounds, rounds into totals -------------------------------------------------


def _round_case(round_: RoundConfig, tallies: dict[int, GroupTally]):
    config = CampaignConfig(
        "c", 2026, (ComponentConfig(41, "外部评议", "round", 1.0, round_),), Rules(suppress_below=3)
    )
    inputs = Inputs((TargetInfo(1, "T", "甲", "c"),), {(31, 1, g): t for g, t in tallies.items()})
    return score(config, inputs).targets[0]


def test_round_score_renormalises_weights_over_the_groups_present():
    """服务对象 80 (0.6) and 机关干部 70 (0.4): 0.6·80 + 0.4·70 = 76.
    Without 机关干部 (not required, no ballots) the weights renormalise: 0.6·80/0.6 = 80."""
    both = _round_case(
        make_round(aggregation="mean"), {21: GroupTally(3, 80.0, 0, 0, 6), 22: GroupTally(2, 70.0, 0, 0, 4)}
    )
    alone = _round_case(make_round(aggregation="mean"), {21: GroupTally(3, 80.0, 0, 0, 6)})
    assert both.total == pytest.approx(76.0)
    assert alone.total == pytest.approx(80.0) and alone.status is TargetStatus.RANKED
    assert alone.components[0].groups[1].reason.code == "no_ballots"


def test_a_group_below_its_minimum_is_left_out_and_flagged():
    """机关干部 has 1 ballot (minimum 2): left out, so the round is 服务对象's 80 alone, not
    0.6·80 + 0.4·20 = 56."""
    target = _round_case(
        make_round(aggregation="mean"), {21: GroupTally(3, 80.0, 0, 0, 6), 22: GroupTally(1, 20.0, 0, 0, 2)}
    )
    assert target.total == pytest.approx(80.0)
    group = target.components[0].groups[1]
    assert (group.is_counted, group.score, group.flags) == (
        False,
        pytest.approx(20.0),
        (GroupFlag.BELOW_MINIMUM, GroupFlag.SUPPRESSED),
    )


def test_a_missing_required_group_makes_the_target_insufficient():
    """服务对象 is required and has 2 ballots (minimum 3): the round has no score, so the
    target has no total: status insufficient, the component and the group named."""
    target = _round_case(
        make_round(aggregation="mean"), {21: GroupTally(2, 95.0, 0, 0, 4), 22: GroupTally(5, 90.0, 0, 0, 10)}
    )
    assert (target.status, target.total, target.rank) == (TargetStatus.INSUFFICIENT, None, None)
    assert target.reasons[0].params == {"component": "外部评议"}
    assert target.components[0].reasons[0].params == {"group": "服务对象"}


def test_strict_mode_needs_every_group():
    """Strict round: 机关干部 (not required) is missing → no round score, insufficient;
    with both present: 0.6·80 + 0.4·70 = 76, as in the renormalised mode."""
    strict = make_round(aggregation="mean", is_strict=True)
    missing = _round_case(strict, {21: GroupTally(3, 80.0, 0, 0, 6)})
    present = _round_case(strict, {21: GroupTally(3, 80.0, 0, 0, 6), 22: GroupTally(2, 70.0, 0, 0, 4)})
    assert missing.status is TargetStatus.INSUFFICIENT
    assert [r.code for r in missing.components[0].reasons] == ["strict_group_missing"]
    assert present.total == pytest.approx(76.0)


def test_median_aggregation_uses_the_middle_ballot_score():
    """服务对象 scores 60, 80, 100, 100 → median (80 + 100)/2 = 90 (the mean would be 85)."""
    tally = GroupTally(4, 85.0, 1100.0, 0, 8, scores=(60.0, 80.0, 100.0, 100.0))
    target = _round_case(make_round(aggregation="median", groups=(G1,)), {21: tally})
    assert target.total == pytest.approx(90.0)
    assert target.components[0].groups[0].mean == pytest.approx(85.0)


def test_the_total_is_the_weighted_mean_of_components_with_sheets_rescaled():
    """Round 80 (weight 0.7) and a sheet 45 out of 50 → 90 (weight 0.3): 56 + 27 = 83.
    Weights need not sum to 1: 7 and 3 give the same 83."""
    round_part = ComponentConfig(41, "外部评议", "round", 0.7)
    sheet_part = ComponentConfig(42, "业务考核", "imported", 0.3)
    assert combine.rescale(45.0, 50.0) == pytest.approx(90.0)
    assert combine.campaign_total([(round_part, 80.0), (sheet_part, 90.0)])[0] == pytest.approx(83.0)
    heavier = [(ComponentConfig(41, "a", "round", 7.0), 80.0), (ComponentConfig(42, "b", "imported", 3.0), 90.0)]
    assert combine.campaign_total(heavier)[0] == pytest.approx(83.0)


def test_a_target_without_a_score_in_every_component_is_insufficient_and_the_component_named():
    """T has a round score but no row on the 业务考核 sheet: no total; reason names 业务考核."""
    config = paper_config()
    inputs = paper_inputs(config)
    inputs = Inputs(inputs.targets, inputs.groups, inputs.items, inputs.levels, {}, {})
    a1 = next(t for t in score(config, inputs).targets if t.code == "A1")
    assert (a1.status, a1.total) == (TargetStatus.INSUFFICIENT, None)
    assert [r.to_dict() for r in a1.reasons] == [
        {"code": "missing_component", "component": "业务考核", "text": "缺少评分组成“业务考核”的得分"}
    ]


def _ranked(totals: dict[str, tuple[str, float]], rules: Rules | None = None, vetoes=None, ballots: int = 5):
    """Score targets whose only component is one group with the given mean: total = that mean."""
    return {t.code: t for t in _scored(totals, rules, vetoes, ballots).targets}


def _scored(totals: dict[str, tuple[str, float]], rules: Rules | None = None, vetoes=None, ballots: int = 5):
    group = GroupConfig(21, "服务对象", 1.0, 1, False, False)
    round_ = make_round(aggregation="mean", groups=(group,))
    config = CampaignConfig("c", 2026, (ComponentConfig(41, "r", "round", 1.0, round_),), rules or Rules())
    targets = tuple(TargetInfo(i, code, code, cat) for i, (code, (cat, _t)) in enumerate(totals.items(), start=1))
    tallies = {(31, t.id, 21): GroupTally(ballots, totals[t.code][1], 0.0, 0, 2 * ballots) for t in targets}
    ids = {t.code: t.id for t in targets}
    inputs = Inputs(targets, tallies, vetoes={ids[code]: (why,) for code, why in (vetoes or {}).items()})
    return score(config, inputs)


def test_a_vetoed_target_keeps_its_total_but_takes_no_rank_or_place():
    """Totals V 90 (vetoed), A 80, B 70: V is listed with its reason, no rank, no grade, never
    top or bottom; A and B rank 1 and 2 — the veto leaves no gap — and bottom-1 is B."""
    out = _ranked(
        {"V": ("c", 90.0), "A": ("c", 80.0), "B": ("c", 70.0)}, Rules(bottom_n=1, top_n=1), {"V": "受到党纪处分"}
    )
    assert (out["V"].status, out["V"].total_2dp, out["V"].rank, out["V"].grade) == (
        TargetStatus.VETOED, Decimal("90.00"), None, None,
    )  # fmt: skip
    assert out["V"].flags == [] and out["V"].reasons[0].text == "一票否决：受到党纪处分"
    assert [(out[c].rank, out[c].flags) for c in "AB"] == [(1, ["top"]), (2, ["bottom"])]


def test_a_target_over_fewer_ballots_than_may_be_shown_takes_no_rank_and_leaves_no_gap():
    """The paper campaign with the suppression threshold at 6 counted ballots: A2 (5), B1 (5)
    and B3 (2, already insufficient) fall below it. A2 and B1 become insufficient with the
    reason named — a rank would place a total nobody may see. What is left ranks without a
    gap: A1 83.00 → 1, B2 68.40 → 2; bottom-1 is B2, top-2 needs 比较满意 and ≥ 6: A1."""
    config = paper_config(replace(PAPER_RULES, suppress_below=6))
    result = {t.code: t for t in score(config, paper_inputs(config)).targets}

    for code in ("A2", "B1"):
        assert (result[code].status, result[code].rank, result[code].grade) == (TargetStatus.INSUFFICIENT, None, None)
        assert result[code].reasons[0].text == "有效票少于 6 张，为保护匿名不排名"
    assert [(result[c].rank, result[c].category_rank, result[c].flags) for c in ("A1", "B2")] == [
        (1, 1, ["top"]),
        (2, 1, ["bottom"]),
    ]
    assert result["B3"].reasons[0].code != "too_few_to_rank"  # its required group already failed


# --- ranking --------------------------------------------------------------------------------


def test_totals_are_ranked_at_two_decimals_rounded_half_up():
    """84.995 → 85.00 (half up, not half even to 84.99... nor the float 84.99499999 below it);
    84.994999 → 84.99; 80.004 and 80.001 both show 80.00 and therefore tie."""
    assert ranking.round2(84.995) == Decimal("85.00")
    assert ranking.round2(84.994999) == Decimal("84.99")
    assert ranking.round2(0.125) == Decimal("0.13")
    out = _ranked({"A": ("c", 80.004), "B": ("c", 80.001), "C": ("c", 79.996)})
    assert [(out[c].total_2dp, out[c].rank) for c in "ABC"] == [(Decimal("80.00"), 1)] * 3


def test_equal_totals_share_a_rank_and_the_next_rank_skips():
    """Totals 90, 85, 85, 80 → ranks 1, 2, 2, 4 overall. Categories: x has 90 and 85 → 1, 2;
    y has 85 and 80 → 1, 2."""
    out = _ranked({"A": ("x", 90.0), "B": ("x", 85.0), "C": ("y", 85.0), "D": ("y", 80.0)})
    assert [out[c].rank for c in "ABCD"] == [1, 2, 2, 4]
    assert [out[c].category_rank for c in "ABCD"] == [1, 2, 1, 2]


def test_competition_ranks_count_strictly_better_totals():
    """1 + (number of strictly higher totals): 5, 3, 3, 3, 1 → 1, 2, 2, 2, 5; from the bottom → 5, 2, 2, 2, 1."""
    totals = {k: Decimal(v) for k, v in zip("abcde", ["5", "3", "3", "3", "1"], strict=True)}
    assert list(ranking.competition_ranks(totals).values()) == [1, 2, 2, 2, 5]
    assert list(ranking.competition_ranks(totals, descending=False).values()) == [5, 2, 2, 2, 1]


def test_bottom_n_takes_every_target_tied_at_the_edge():
    """Totals 90, 80, 70, 70, 60 with bottom-2: ranks from the bottom 60 → 1, 70 → 2, 70 → 2,
    80 → 4. Both 70s are at the edge, so three targets are marked, not two."""
    out = _ranked({"A": ("c", 90.0), "B": ("c", 80.0), "C": ("c", 70.0), "D": ("c", 70.0), "E": ("c", 60.0)},
                  Rules(bottom_n=2, top_n=0))  # fmt: skip
    assert {c for c, t in out.items() if t.is_bottom} == {"C", "D", "E"}


def test_bottom_n_only_below_the_threshold_may_mark_fewer():
    """Same totals, bottom-3 but only below 65: of 60, 70, 70 only 60 is below → one target."""
    out = _ranked({"A": ("c", 90.0), "B": ("c", 80.0), "C": ("c", 70.0), "D": ("c", 70.0), "E": ("c", 60.0)},
                  Rules(bottom_n=3, top_n=0, bottom_threshold=65.0))  # fmt: skip
    assert {c for c, t in out.items() if t.is_bottom} == {"E"}


def test_bottom_and_top_per_category():
    """Per category, bottom-1 and top-1: x (90, 80) → top 90, bottom 80; y (85, 60) → top 85,
    bottom 60. Overall it would be top 90 and bottom 60 only."""
    totals = {"A": ("x", 90.0), "B": ("x", 80.0), "C": ("y", 85.0), "D": ("y", 60.0)}
    per_category = _ranked(totals, Rules(top_n=1, bottom_n=1, rank_scope="category"))
    overall = _ranked(totals, Rules(top_n=1, bottom_n=1))
    assert [per_category[c].flags for c in "ABCD"] == [["top"], ["bottom"], ["top"], ["bottom"]]
    assert [overall[c].flags for c in "ABCD"] == [["top"], [], [], ["bottom"]]


def test_top_n_counts_only_eligible_targets():
    """Top-2, at least 6 ballots and at least 比较满意 (≥ 75):
    A 95 with 3 ballots — not eligible, and it does not take a place;
    B 90 and C 88 with 8 ballots — eligible, top-1 and top-2 among the eligible;
    D 86 with 8 ballots — eligible but third; E 70 (基本满意) — below the minimum grade."""
    entries = [
        ranking.Entry("A", Decimal("95"), "c", 3, "满意"),
        ranking.Entry("B", Decimal("90"), "c", 8, "满意"),
        ranking.Entry("C", Decimal("88"), "c", 8, "满意"),
        ranking.Entry("D", Decimal("86"), "c", 8, "满意"),
        ranking.Entry("E", Decimal("70"), "c", 8, "基本满意"),
    ]
    marks = ranking.Marks(top_n=2, top_min_ballots=6, top_min_grade="比较满意", grade_bands=Rules().grade_bands)
    placed = ranking.standings(entries, marks)
    assert {k for k, s in placed.items() if s.is_top} == {"B", "C"}
    assert placed["A"].rank == 1  # still ranked first; only the 十佳 mark depends on eligibility


def test_top_n_takes_every_target_tied_at_the_edge():
    """Top-1 with totals 90, 90, 80: both 90s share rank 1 and both are marked."""
    out = _ranked({"A": ("c", 90.0), "B": ("c", 90.0), "C": ("c", 80.0)}, Rules(top_n=1))
    assert {c for c, t in out.items() if t.is_top} == {"A", "B"}


def test_top_and_bottom_never_meet_bottom_is_designated_first():
    """A category of 8 units (totals 90, 88, …, 76) with 十佳 10 and 末位 3 per category, as
    Zhaoyuan had it: the three lowest (80, 78, 76) are 末位, and 十佳 goes to the other five
    only — no unit is both. The run says in words that the category holds fewer than 10."""
    totals = {f"U{i}": ("综合管理", 90.0 - 2 * i) for i in range(8)}
    result = _scored(totals, Rules(top_n=10, bottom_n=3, rank_scope="category"))
    out = {t.code: t for t in result.targets}
    assert [out[f"U{i}"].flags for i in range(8)] == [["top"]] * 5 + [["bottom"]] * 3
    assert [n.text for n in result.notes] == [
        "类别“综合管理”参与排名的评议对象有 8 个，先定末位 3 个后只剩 5 个，少于十佳名额 10 名"
    ]


def test_a_tie_at_the_bottom_edge_keeps_both_out_of_the_top():
    """Totals 90, 80, 70, 70 with 十佳 3 and 末位 1 overall: 70 and 70 share the bottom rank, both
    are 末位, and 十佳 is the remaining 90 and 80 (fewer than 3, said in words)."""
    totals = {"A": ("c", 90.0), "B": ("c", 80.0), "C": ("c", 70.0), "D": ("c", 70.0)}
    result = _scored(totals, Rules(top_n=3, bottom_n=1))
    out = {t.code: t for t in result.targets}
    assert [out[c].flags for c in "ABCD"] == [["top"], ["top"], ["bottom"], ["bottom"]]
    assert [n.to_dict()["code"] for n in result.notes] == ["top_short"]
    assert result.notes[0].params == {"size": 4, "bottom": 2, "rest": 2, "n": 3}


def test_a_bottom_n_larger_than_the_list_marks_every_target_and_says_so():
    """末位 5 among 3 ranked targets: all three are 末位, none 十佳, and both shortfalls are named."""
    result = _scored({"A": ("c", 90.0), "B": ("c", 80.0), "C": ("c", 70.0)}, Rules(top_n=1, bottom_n=5))
    assert [t.flags for t in result.targets] == [["bottom"]] * 3
    assert [n.text for n in result.notes] == [
        "参与排名的评议对象只有 3 个，少于末位名额 5 名",
        "参与排名的评议对象有 3 个，先定末位 3 个后只剩 0 个，少于十佳名额 1 名",
    ]


def test_rules_that_fit_the_list_leave_no_note():
    """十佳 2 and 末位 1 among 4 targets: nothing to say."""
    totals = {"A": ("c", 90.0), "B": ("c", 80.0), "C": ("c", 70.0), "D": ("c", 60.0)}
    result = _scored(totals, Rules(top_n=2, bottom_n=1))
    assert result.notes == ()


def test_default_grade_bands():
    """≥ 85 满意, ≥ 75 比较满意, ≥ 60 基本满意, below 60 不满意, compared at two decimals:
    84.996 shows as 85.00 and is 满意; 84.99 is 比较满意; 59.99 is 不满意."""
    bands = Rules().grade_bands
    cases = {"100": "满意", "85.00": "满意", "84.99": "比较满意", "75": "比较满意", "74.99": "基本满意",
             "60": "基本满意", "59.99": "不满意", "0": "不满意"}  # fmt: skip
    assert {total: ranking.grade(Decimal(total), bands) for total in cases} == cases
    assert _ranked({"A": ("c", 84.996)})["A"].grade == "满意"


def test_grade_bands_are_configurable():
    """Bands ≥ 90 优秀, ≥ 70 合格, ≥ 0 不合格: 89.99 → 合格, 90 → 优秀, 10 → 不合格."""
    bands = ((90.0, "优秀"), (70.0, "合格"), (0.0, "不合格"))
    assert [ranking.grade(Decimal(x), bands) for x in ("89.99", "90", "10")] == ["合格", "优秀", "不合格"]
