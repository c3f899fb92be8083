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
from surveys.scoring.config import (
    CampaignConfig,
    ComponentConfig,
    ListConfig,
    Rules,
    TargetInfo,
    implicit_list,
    to_dict,
)
from surveys.scoring.digest import input_digest
from surveys.scoring.inputs import Inputs
from surveys.scoring.reasons import Reason
from surveys.scoring.results import ComponentScore, ItemScore, Placement, ScoreResult, TargetResult, TargetStatus

_STATUS_ORDER = {TargetStatus.RANKED: 0, TargetStatus.VETOED: 1, TargetStatus.INSUFFICIENT: 2}


def score(config: CampaignConfig, inputs: Inputs, *, integrity: Sequence[dict] = ()) -> ScoreResult:
    """Score every target of the campaign and rank the ones that can be ranked.

    Targets come out ranked first (by rank, then code), then vetoed, then insufficient
    (each by code). A round still open makes the result provisional.
    """
    priors = _group_means(config, inputs) if config.rules.shrinkage_m else {}
    targets = [_score_target(config, inputs, target, priors) for target in inputs.targets]
    targets, notes, lists = _rank(targets, config)
    targets.sort(key=lambda t: (_STATUS_ORDER[t.status], t.rank or 0, t.code))
    return ScoreResult(
        config=to_dict(config),
        digest=input_digest(config, inputs),
        targets=tuple(targets),
        is_provisional=any(r.status is RoundStatus.OPEN for r in config.rounds),
        integrity=tuple(integrity),
        notes=tuple(notes),
        lists=tuple(lists),
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


def applies(component: ComponentConfig, target: TargetInfo) -> bool:
    """Whether the component scores the target (its selector, resolved to codes, holds it)."""
    return component.applies_to is None or target.code in component.applies_to


def _score_target(config: CampaignConfig, inputs: Inputs, target: TargetInfo, priors) -> TargetResult:
    """The target's components — only those that apply to it — and its total over them.

    The total is the weighted mean over the applying components, weights renormalised
    over those (DESIGN §6a); a target no component applies to has no total.
    """
    components, ballots = [], 0
    applying = [c for c in config.components if applies(c, target)]
    for component in applying:
        if component.round is not None:
            scored = _round_component(component, target, inputs, config.rules, priors)
            ballots += sum(g.n for g in scored.groups if g.is_counted)
        else:
            scored = _imported_component(component, target, inputs)
        components.append(scored)
    total, reasons = combine.campaign_total([(c, s.score) for c, s in zip(applying, components, strict=True)])
    weights = math.fsum(c.weight for c in applying)
    components = [
        replace(s, applied_weight=c.weight / weights if weights else None)
        for c, s in zip(applying, components, strict=True)
    ]
    if not applying:
        reasons = (Reason("no_component"),)
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


def _rank(targets: list[TargetResult], config: CampaignConfig) -> tuple[list[TargetResult], list[Reason], list[dict]]:
    """Ranks and marks within each honour list, and what each list has to say.

    With no list defined, the implicit list of every target gives each target its rank,
    category rank and marks, and its notes are the run's (as before lists existed). With
    lists, each target carries its placement in every list it is in; its own rank and
    category rank are over every ranked target of the campaign, and its marks those it
    has in any list. Returns (targets, the implicit list's notes, one summary per list).
    """
    rules = config.rules
    ranked = [t for t in targets if t.status is TargetStatus.RANKED]
    if not config.lists:
        placed, notes = _place(ranked, implicit_list(rules), rules)
        out = []
        for t in targets:
            p = placed.get(t.code)
            if p is not None:
                t = replace(t, rank=p.rank, category_rank=p.category_rank, is_top=p.is_top, is_bottom=p.is_bottom)
            out.append(t)
        return out, notes, []
    overall, _notes = _place(ranked, ListConfig(name="", top_n=0), rules)
    placements: dict[str, list[Placement]] = {}
    summaries = []
    for lst in config.lists:
        placed, notes = _place([t for t in ranked if lst.members is None or t.code in lst.members], lst, rules)
        for code, p in placed.items():
            placements.setdefault(code, []).append(p)
        members = [t.code for t in targets if lst.members is None or t.code in lst.members]
        summaries.append({"name": lst.name, "targets": len(members), "ranked": len(placed), "notes": notes})
    out = []
    for t in targets:
        mine = tuple(placements.get(t.code, ()))
        in_lists = tuple(lst.name for lst in config.lists if lst.members is None or t.code in lst.members)
        o = overall.get(t.code)
        t = replace(
            t,
            rank=o.rank if o else None,
            category_rank=o.category_rank if o else None,
            is_top=any(p.is_top for p in mine),
            is_bottom=any(p.is_bottom for p in mine),
            placements=mine,
            lists=in_lists,
        )
        out.append(t)
    return out, [], summaries


def marks_for(lst: ListConfig, rules: Rules) -> ranking.Marks:
    """A list's 十佳 / 末位 rules as ``ranking`` takes them (grade bands from the campaign)."""
    return ranking.Marks(
        top_n=lst.top_n,
        bottom_n=lst.bottom_n,
        top_by_category=lst.top_scope is RankScope.CATEGORY,
        bottom_by_category=lst.bottom_scope is RankScope.CATEGORY,
        bottom_threshold=lst.bottom_threshold,
        top_min_ballots=lst.top_min_ballots,
        top_min_grade=lst.top_min_grade,
        grade_bands=rules.grade_bands,
    )


def _place(ranked: list[TargetResult], lst: ListConfig, rules: Rules) -> tuple[dict[str, Placement], list[Reason]]:
    """Ranks and marks of the ranked targets of one list, and its shortfall notes."""
    entries = [ranking.Entry(t.code, t.total_2dp, t.category, t.ballots, t.grade) for t in ranked]
    marks = marks_for(lst, rules)
    placed = ranking.standings(entries, marks)
    sizes: dict[str, int] = {}
    bottoms: dict[str, int] = {}
    for e in entries:
        sizes[e.category] = sizes.get(e.category, 0) + 1
        bottoms[e.category] = bottoms.get(e.category, 0) + placed[e.key].is_bottom
    notes = ranking.shortfalls(sizes, marks, bottoms)
    return {
        code: Placement(lst.name, s.rank, s.category_rank, s.is_top, s.is_bottom) for code, s in placed.items()
    }, notes
