"""Properties of the evaluation matrix (DESIGN §6a) over random campaigns (hypothesis).

Random targets of three kinds in three categories; one to four imported components, each
for every target or for one kind, with a score for most of the targets it applies to;
zero to three honour lists with random selectors and random 十佳 / 末位 rules.
"""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.scoring import ranking
from surveys.scoring.config import CampaignConfig, ComponentConfig, ListConfig, Rules, TargetInfo
from surveys.scoring.evaluate import score
from surveys.scoring.inputs import Inputs
from surveys.scoring.results import TargetStatus

KINDS = ("unit", "window", "person")
CATEGORIES = ("综合管理", "行政执法", "社会服务")
SCOPES = ("overall", "category")


@st.composite
def campaigns(draw, *, with_lists: bool = True):
    n = draw(st.integers(2, 24))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=n, max_size=n))
    categories = draw(st.lists(st.sampled_from(CATEGORIES), min_size=n, max_size=n))
    # The pure part never sees a kind (selectors arrive resolved to codes): the kind rides
    # in the unit's place only so that the components and lists below can pick by it.
    targets = tuple(TargetInfo(i + 1, f"T{i:02d}", f"对象{i}", categories[i], kinds[i]) for i in range(n))
    by_kind = {kind: frozenset(t.code for t in targets if t.unit == kind) for kind in KINDS}

    def members(choice):
        return None if choice is None else by_kind[choice]

    components = []
    for index in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from((None, *KINDS)))
        weight = draw(st.floats(0.1, 10, allow_nan=False))
        selector = None if kind is None else {"kind": kind, "category": None, "unit": None}
        components.append(ComponentConfig(index + 1, f"组成{index}", "imported", weight, None, members(kind), selector))
    imported = {}
    for c in components:
        for t in targets:
            if (c.applies_to is None or t.code in c.applies_to) and draw(st.integers(0, 9)) > 0:
                imported[(c.id, t.id)] = (draw(st.sampled_from((0, 37.5, 60, 72.25, 80, 85, 99.99, 100))), 100.0)
    lists = []
    for index in range(draw(st.integers(0, 3)) if with_lists else 0):
        kind = draw(st.sampled_from((None, *KINDS)))
        lists.append(
            ListConfig(
                name=f"名单{index}",
                members=members(kind),
                selector=None if kind is None else {"kind": kind, "category": None, "unit": None},
                top_n=draw(st.integers(0, 12)),
                bottom_n=draw(st.integers(0, 12)),
                top_scope=draw(st.sampled_from(SCOPES)),
                bottom_scope=draw(st.sampled_from(SCOPES)),
                bottom_threshold=draw(st.sampled_from((None, 60.0, 80.0))),
                top_min_ballots=0,
            )
        )
    rules = Rules(
        top_n=draw(st.integers(0, 12)),
        bottom_n=draw(st.integers(0, 12)),
        rank_scope=draw(st.sampled_from(SCOPES)),
        bottom_threshold=draw(st.sampled_from((None, 70.0))),
    )
    config = CampaignConfig("随机", 2026, tuple(components), rules, tuple(lists))
    return config, Inputs(targets, imported=imported)


@settings(max_examples=150, deadline=None)
@given(campaigns())
def test_top_and_bottom_never_meet_in_any_list(case):
    config, inputs = case
    result = score(config, inputs)

    for t in result.targets:
        assert not (t.is_top and t.is_bottom and not config.lists)
        for placement in t.placements:
            assert not (placement.is_top and placement.is_bottom), (t.code, placement)


@settings(max_examples=150, deadline=None)
@given(campaigns())
def test_every_total_is_the_renormalised_weighted_mean_over_its_applicable_components(case):
    config, inputs = case
    result = score(config, inputs)
    by_code = {t.code: t for t in inputs.targets}

    for t in result.targets:
        target = by_code[t.code]
        applying = [c for c in config.components if c.applies_to is None or t.code in c.applies_to]
        assert [c.name for c in t.components] == [c.name for c in applying]
        scores = [inputs.imported.get((c.id, target.id)) for c in applying]
        if not applying or any(s is None for s in scores):
            assert t.total is None and t.status is TargetStatus.INSUFFICIENT
            continue
        expected = math.fsum(c.weight * s[0] for c, s in zip(applying, scores, strict=True)) / math.fsum(
            c.weight for c in applying
        )
        assert math.isclose(t.total, expected, rel_tol=1e-12, abs_tol=1e-9)
        assert math.isclose(math.fsum(c.applied_weight for c in t.components), 1.0)


def _before_lists(entries: list[ranking.Entry], rules: Rules) -> dict[str, tuple[int, int, bool, bool]]:
    """The ranking as it was before this change: 十佳 and 末位 chosen independently."""
    scopes: dict[str, dict[str, Decimal]] = {}
    for e in entries:
        scopes.setdefault(e.category if rules.rank_scope == "category" else "", {})[e.key] = e.total
    overall = ranking.competition_ranks({e.key: e.total for e in entries})
    within = {}
    for category in {e.category for e in entries}:
        within |= ranking.competition_ranks({e.key: e.total for e in entries if e.category == category})
    top, bottom = set(), set()
    threshold = None if rules.bottom_threshold is None else Decimal(repr(rules.bottom_threshold))
    for scope in scopes.values():
        if rules.bottom_n > 0:
            bottom |= {
                k
                for k, r in ranking.competition_ranks(scope, descending=False).items()
                if r <= rules.bottom_n and (threshold is None or scope[k] < threshold)
            }
        if rules.top_n > 0:
            top |= {k for k, r in ranking.competition_ranks(scope).items() if r <= rules.top_n}
    return {e.key: (overall[e.key], within[e.key], e.key in top, e.key in bottom) for e in entries}


@settings(max_examples=150, deadline=None)
@given(campaigns(with_lists=False))
def test_a_campaign_with_no_lists_ranks_as_before_and_only_where_top_met_bottom_does_top_change(case):
    config, inputs = case
    result = score(config, inputs)
    ranked = [t for t in result.targets if t.status is TargetStatus.RANKED]
    before = _before_lists(
        [ranking.Entry(t.code, t.total_2dp, t.category, t.ballots, t.grade) for t in ranked], config.rules
    )

    for t in ranked:
        rank, category_rank, was_top, was_bottom = before[t.code]
        assert (t.rank, t.category_rank, t.is_bottom) == (rank, category_rank, was_bottom)
        assert t.is_top == (was_top and not was_bottom)
    assert all(t.rank is None and not t.flags for t in result.targets if t.status is not TargetStatus.RANKED)
