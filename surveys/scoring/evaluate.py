"""The whole scoring of a campaign from its configuration and aggregates: pure, no database.

``score`` applies DESIGN.md section 6 in order: group scores (with minimums, trimming and
shrinkage), round scores, component scores, the campaign total, vetoes, grades, ranks and
the bottom-N / top-N marks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from surveys.enums import ComponentKind, RankScope, RoundStatus
from surveys.scoring import combine, ranking
from surveys.scoring.config import CampaignConfig, ComponentConfig, Rules, TargetInfo, to_dict
from surveys.scoring.digest import input_digest
from surveys.scoring.inputs import Inputs
from surveys.scoring.reasons import Reason
from surveys.scoring.results import ComponentScore, ItemScore, ScoreResult, TargetResult, TargetStatus

_STATUS_ORDER = {TargetStatus.RANKED: 0, TargetStatus.VETOED: 1, TargetStatus.INSUFFICIENT: 2}


def score(config: CampaignConfig, inputs: Inputs, *, integrity: Sequence[dict] = ()) -> ScoreResult:
    """Score every target of the campaign and rank the ones that can be ranked.

    Targets come out ranked first (by rank, then code), then vetoed, then insufficient
    (each by code). A round still open makes the result provisional.
    """
    priors = _group_means(config, inputs) if config.rules.shrinkage_m else {}
    targets = [_score_target(config, inputs, target, priors) for target in inputs.targets]
    targets, notes = _rank(targets, config.rules)
    targets.sort(key=lambda t: (_STATUS_ORDER[t.status], t.rank or 0, t.code))
    return ScoreResult(
        config=to_dict(config),
        digest=input_digest(config, inputs),
        targets=tuple(targets),
        is_provisional=any(r.status is RoundStatus.OPEN for r in config.rounds),
        integrity=tuple(integrity),
        notes=tuple(notes),
    )


def _group_means(config: CampaignConfig, inputs: Inputs) -> dict[tuple[int, int], float]:
    """μ per (round, group): the mean of all ballot scores of the group in the round."""
    sums: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for (round_id, _target_id, group_id), tally in inputs.groups.items():
        sums.setdefault((round_id, group_id), []).append((tally.n, tally.mean))
    return {
        key: math.fsum(n * m for n, m in parts) / sum(n for n, _m in parts)
        for key, parts in sums.items()
        if sum(n for n, _m in parts)
    }


def _score_target(config: CampaignConfig, inputs: Inputs, target: TargetInfo, priors) -> TargetResult:
    components, ballots = [], 0
    for component in config.components:
        if component.round is not None:
            scored = _round_component(component, target, inputs, config.rules, priors)
            ballots += sum(g.n for g in scored.groups if g.is_counted)
        else:
            scored = _imported_component(component, target, inputs)
        components.append(scored)
    total, reasons = combine.campaign_total([(c, s.score) for c, s in zip(config.components, components, strict=True)])
    vetoes = inputs.vetoes.get(target.id, ())
    if vetoes:
        status = TargetStatus.VETOED
        reasons = tuple(Reason("vetoed", {"reason": text}) for text in vetoes) + reasons
    elif total is not None and 0 < ballots < config.rules.suppress_below:
        # Its total is over too few ballots to be shown, and a rank would give it away.
        status = TargetStatus.INSUFFICIENT
        reasons = (Reason("too_few_to_rank", {"min": config.rules.suppress_below}), *reasons)
    else:
        status = TargetStatus.INSUFFICIENT if total is None else TargetStatus.RANKED
    total_2dp = ranking.round2(total) if total is not None else None
    return TargetResult(
        code=target.code,
        name=target.name,
        category=target.category,
        unit=target.unit,
        status=status,
        total=total,
        total_2dp=total_2dp,
        grade=ranking.grade(total_2dp, config.rules.grade_bands) if status is TargetStatus.RANKED else None,
        rank=None,
        category_rank=None,
        ballots=ballots,
        reasons=reasons,
        components=tuple(components),
    )


def _round_component(component: ComponentConfig, target: TargetInfo, inputs: Inputs, rules: Rules, priors):
    round_ = component.round
    groups = []
    for group in round_.groups:
        items = []
        for item in round_.items:
            tally = inputs.items.get((round_.id, target.id, group.id, item.id))
            items.append(ItemScore(item.code, item.weight, tally.n if tally else 0, tally.mean if tally else None))
        prior = priors.get((round_.id, group.id))
        groups.append(
            combine.group_score(
                group,
                inputs.groups.get((round_.id, target.id, group.id)),
                aggregation=round_.aggregation,
                trim_k=round_.trim_k,
                suppress_below=rules.suppress_below,
                shrinkage=(rules.shrinkage_m, prior) if rules.shrinkage_m and prior is not None else None,
                items=items,
            )
        )
    score, reasons = combine.round_score(round_, groups)
    levels = tuple((lv.label, inputs.levels.get((round_.id, target.id, lv.id), 0)) for lv in round_.levels)
    return ComponentScore(component.name, ComponentKind.ROUND, component.weight, score, reasons, tuple(groups), levels)


def _imported_component(component: ComponentConfig, target: TargetInfo, inputs: Inputs) -> ComponentScore:
    pair = inputs.imported.get((component.id, target.id))
    if pair is None:
        return ComponentScore(
            component.name, ComponentKind.IMPORTED, component.weight, None, (Reason("no_imported_score"),)
        )
    return ComponentScore(
        component.name, ComponentKind.IMPORTED, component.weight, combine.rescale(*pair), imported=pair
    )


def marks_for(rules: Rules) -> ranking.Marks:
    """The bottom-N / top-N rules of a campaign as ``ranking`` takes them."""
    return ranking.Marks(
        top_n=rules.top_n,
        bottom_n=rules.bottom_n,
        by_category=rules.rank_scope is RankScope.CATEGORY,
        bottom_threshold=rules.bottom_threshold,
        top_min_ballots=rules.top_min_ballots,
        top_min_grade=rules.top_min_grade,
        grade_bands=rules.grade_bands,
    )


def _rank(targets: list[TargetResult], rules: Rules) -> tuple[list[TargetResult], list[Reason]]:
    """Ranks and marks, and the notes where N is larger than the list or a category holds."""
    entries = [
        ranking.Entry(t.code, t.total_2dp, t.category, t.ballots, t.grade)
        for t in targets
        if t.status is TargetStatus.RANKED
    ]
    marks = marks_for(rules)
    placed = ranking.standings(entries, marks)
    sizes: dict[str, int] = {}
    bottoms: dict[str, int] = {}
    for e in entries:
        scope = ranking.scope_name(e, marks)
        sizes[scope] = sizes.get(scope, 0) + 1
        bottoms[scope] = bottoms.get(scope, 0) + placed[e.key].is_bottom
    notes = ranking.shortfalls(sizes, marks, bottoms)
    out = []
    for t in targets:
        s = placed.get(t.code)
        if s is not None:
            t = replace(t, rank=s.rank, category_rank=s.category_rank, is_top=s.is_top, is_bottom=s.is_bottom)
        out.append(t)
    return out, notes
