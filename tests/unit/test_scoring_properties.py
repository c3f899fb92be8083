"""Properties of scoring that must hold for any campaign, checked on generated ones."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.scoring import stats
from surveys.scoring.config import (
    CampaignConfig,
    ComponentConfig,
    GroupConfig,
    ItemConfig,
    LevelConfig,
    RoundConfig,
    Rules,
    TargetInfo,
)
from surveys.scoring.digest import canonical_inputs, input_digest
from surveys.scoring.evaluate import score
from surveys.scoring.inputs import Inputs
from surveys.scoring.results import to_json
from surveys.scoring.tally import BallotInput, tally_round

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
POINTS = (100.0, 80.0, 60.0, 40.0, 20.0)
LEVELS = tuple(LevelConfig(i + 1, i, f"L{i}", p, p >= 80, False) for i, p in enumerate(POINTS)) + (
    LevelConfig(6, 5, "不了解", None, False, True),
)
weights = st.sampled_from([0.1, 0.25, 0.3, 0.5, 1.0, 1.5, 2.0, 3.0])


@st.composite
def campaigns(draw):
    """A campaign of 1–6 targets in 1–2 categories, one round (1–3 groups, 1–3 items, any
    aggregation) and optionally an imported sheet, with 0–40 ballots (不了解 included)."""
    n_targets = draw(st.integers(1, 6))
    targets = tuple(
        TargetInfo(i + 1, f"T{i}", f"对象{i}", draw(st.sampled_from(["甲", "乙"]))) for i in range(n_targets)
    )
    items = tuple(ItemConfig(11 + i, f"Q{i}", "", draw(weights)) for i in range(draw(st.integers(1, 3))))
    groups = tuple(
        GroupConfig(21 + i, f"G{i}", draw(weights), draw(st.integers(0, 3)), draw(st.booleans()), False)
        for i in range(draw(st.integers(1, 3)))
    )
    aggregation = draw(st.sampled_from(["mean", "median", "trimmed"]))
    round_ = RoundConfig(
        31, "R", "closed", aggregation, draw(st.integers(0, 2)), draw(st.booleans()), LEVELS, items, groups
    )
    components = [ComponentConfig(41, "R", "round", draw(weights), round_)]
    imported = {}
    if draw(st.booleans()):
        components.append(ComponentConfig(42, "S", "imported", draw(weights)))
        for t in targets:
            if draw(st.integers(0, 9)):  # now and then a target is missing from the sheet
                imported[(42, t.id)] = (float(draw(st.integers(0, 50))), 50.0)
    rules = Rules(
        top_n=draw(st.integers(0, 3)),
        bottom_n=draw(st.integers(0, 3)),
        rank_scope=draw(st.sampled_from(["overall", "category"])),
        shrinkage_m=draw(st.sampled_from([None, 1.0, 5.0])),
        suppress_below=3,
    )
    ballots = []
    for b in range(draw(st.integers(0, 40))):
        rated = draw(st.lists(st.sampled_from(targets), min_size=1, max_size=n_targets, unique=True))
        ratings = tuple(
            (t.id, item.id, draw(st.integers(1, 6)))
            for t in rated
            for item in items
            if draw(st.integers(0, 5))  # some items left unanswered
        )
        if ratings:
            ballots.append(BallotInput(f"b{b:03d}", draw(st.sampled_from(groups)).id, ratings))
    vetoes = {targets[0].id: ("否决",)} if draw(st.booleans()) else {}
    config = CampaignConfig("c", 2026, tuple(components), rules)
    return config, targets, ballots, imported, vetoes


def run(config, targets, ballots, imported, vetoes):
    tallies = tally_round(config.components[0].round, ballots)
    return score(config, Inputs(targets, tallies.groups, tallies.items, tallies.levels, imported, vetoes))


def outcome(result) -> list:
    return [(t.code, t.status, t.total_2dp, t.grade, t.rank, t.category_rank, t.flags) for t in result.targets]


@SETTINGS
@given(campaigns(), st.randoms(use_true_random=False))
def test_permuting_ballots_and_their_answers_changes_nothing(campaign, rng):
    config, targets, ballots, imported, vetoes = campaign
    shuffled = [replace(b, ratings=tuple(rng.sample(b.ratings, len(b.ratings)))) for b in ballots]
    rng.shuffle(shuffled)

    before = run(config, targets, ballots, imported, vetoes)
    after = run(config, targets, shuffled, imported, vetoes)

    assert to_json(after) == to_json(before)  # every figure, the digest included


@st.composite
def decimal_points(draw):
    """The campaigns above, on a scale whose points are given to two decimals (e.g. 71.39)."""
    config, targets, ballots, imported, vetoes = draw(campaigns())
    points = [draw(st.integers(0, 10_000)) / 100 for _ in POINTS]
    levels = tuple(replace(lv, points=p) for lv, p in zip(LEVELS, points, strict=False)) + LEVELS[len(POINTS) :]
    round_ = replace(config.components[0].round, levels=levels)
    components = (replace(config.components[0], round=round_), *config.components[1:])
    return replace(config, components=components), targets, ballots, imported, vetoes


def noisy(inputs: Inputs, rng) -> Inputs:
    """The same tallies with the last-bit noise a database's float sums may carry."""

    def jiggle(value: float) -> float:
        return math.nextafter(value, rng.choice([-math.inf, math.inf]))

    groups = {
        key: replace(
            t,
            mean=jiggle(t.mean),
            squared_deviations=jiggle(t.squared_deviations),
            scores=tuple(jiggle(v) for v in t.scores),
        )
        for key, t in inputs.groups.items()
    }
    return replace(inputs, groups=groups)


@SETTINGS
@given(decimal_points(), st.randoms(use_true_random=False))
def test_the_digest_depends_on_the_inputs_not_on_summation_order_or_float_noise(campaign, rng):
    """Ballots in any order, float sums off in the last bit: one digest. Each item mean in it
    is the exact mean (Decimal arithmetic on the points as given), rounded once, half up."""
    config, targets, ballots, imported, vetoes = campaign
    round_ = config.components[0].round
    shuffled = [replace(b, ratings=tuple(rng.sample(b.ratings, len(b.ratings)))) for b in ballots]
    rng.shuffle(shuffled)
    tallies = tally_round(round_, ballots)
    inputs = Inputs(targets, tallies.groups, tallies.items, tallies.levels, imported, vetoes)
    again = tally_round(round_, shuffled)

    reordered = Inputs(targets, again.groups, again.items, again.levels, imported, vetoes)
    assert input_digest(config, noisy(reordered, rng)) == input_digest(config, inputs)
    points = {lv.id: Decimal(repr(lv.points)) for lv in round_.levels if lv.points is not None}
    answered: dict[tuple, list[Decimal]] = {}
    for b in ballots:
        for target_id, item_id, level_id in b.ratings:
            if level_id in points:
                answered.setdefault((targets_code(targets, target_id), item_id, b.group_id), []).append(
                    points[level_id]
                )
    codes = {it.id: it.code for it in round_.items}
    names = {g.id: g.name for g in round_.groups}
    expected = sorted(
        [
            round_.name,
            t,
            names[g],
            codes[i],
            len(p),
            f"{(sum(p) / len(p)).quantize(Decimal('0.000001'), ROUND_HALF_UP)}",
        ]
        for (t, i, g), p in answered.items()
    )
    assert [row[:6] for row in canonical_inputs(config, inputs)["items"]] == expected


def targets_code(targets, target_id: int) -> str:
    return next(t.code for t in targets if t.id == target_id)


def scaled(config: CampaignConfig, factor: float) -> CampaignConfig:
    round_ = config.components[0].round
    round_ = replace(
        round_,
        items=tuple(replace(i, weight=i.weight * factor) for i in round_.items),
        groups=tuple(replace(g, weight=g.weight * factor) for g in round_.groups),
    )
    components = [replace(c, weight=c.weight * factor) for c in config.components]
    components[0] = replace(components[0], round=round_)
    return replace(config, components=tuple(components))


@SETTINGS
@given(campaigns(), st.sampled_from([0.125, 0.5, 2.0, 64.0]))
def test_scaling_all_weights_by_a_power_of_two_changes_no_result(campaign, factor):
    """Powers of two scale floats exactly, so every total, rank and mark is bit-for-bit the same."""
    config, *rest = campaign
    assert outcome(run(scaled(config, factor), *rest)) == outcome(run(config, *rest))


@SETTINGS
@given(campaigns(), st.floats(min_value=0.01, max_value=100.0))
def test_scaling_all_weights_by_any_positive_constant_keeps_every_total(campaign, factor):
    config, *rest = campaign
    before, after = run(config, *rest), run(scaled(config, factor), *rest)
    for old, new in zip(before.targets, after.targets, strict=True):
        assert (new.code, new.status) == (old.code, old.status)
        assert (new.total is None) == (old.total is None)
        if old.total is not None:
            assert math.isclose(new.total, old.total, rel_tol=1e-12, abs_tol=1e-9)


@SETTINGS
@given(campaigns(), st.randoms(use_true_random=False))
def test_raising_one_rating_never_lowers_that_targets_total(campaign, rng):
    config, targets, ballots, imported, vetoes = campaign
    counted = [
        (b, r) for b, ballot in enumerate(ballots) for r, rating in enumerate(ballot.ratings) if 1 < rating[2] <= 5
    ]
    if not counted:
        return
    b, r = rng.choice(counted)
    target_id, item_id, level_id = ballots[b].ratings[r]
    better = rng.randint(1, level_id - 1)  # a lower level id is a level with more points
    raised = list(ballots)
    ratings = list(raised[b].ratings)
    ratings[r] = (target_id, item_id, better)
    raised[b] = replace(raised[b], ratings=tuple(ratings))

    code = next(t.code for t in targets if t.id == target_id)
    before = next(t for t in run(config, targets, ballots, imported, vetoes).targets if t.code == code)
    after = next(t for t in run(config, targets, raised, imported, vetoes).targets if t.code == code)

    assert after.status == before.status
    if before.total is not None:
        assert after.total >= before.total - 1e-9


@SETTINGS
@given(st.lists(st.floats(min_value=0, max_value=1000, allow_nan=False), min_size=1, max_size=60), st.integers(0, 10))
def test_trimmed_mean_lies_between_min_and_max(values, k):
    value, is_fallback = stats.trimmed_mean(values, k)
    assert min(values) - 1e-9 <= value <= max(values) + 1e-9
    assert is_fallback == (k > 0 and len(values) <= 2 * k)


@SETTINGS
@given(campaigns())
def test_ranks_are_competition_ranks_and_totals_stay_on_the_scale(campaign):
    result = run(*campaign)
    ranked = [t for t in result.targets if t.rank is not None]
    for t in ranked:
        assert t.rank == 1 + sum(o.total_2dp > t.total_2dp for o in ranked)
        assert 0 <= t.total <= 100 + 1e-9


def test_the_generated_campaigns_exercise_every_status_and_aggregation():
    """A guard on the generator: the properties above are not vacuous."""
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(campaigns())
    def collect(campaign):
        seen.update(t.status.value for t in run(*campaign).targets)
        seen.add(campaign[0].components[0].round.aggregation)

    collect()
    assert seen == {"ranked", "vetoed", "insufficient", "mean", "median", "trimmed"}
