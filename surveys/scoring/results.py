"""What a scoring run produces, as plain frozen dataclasses, and its JSON form."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from surveys.enums import ComponentKind, TargetStatus
from surveys.scoring.reasons import Reason

#: Floats in the JSON are rounded to this many decimals (ranks use two-decimal totals).
JSON_DECIMALS = 6


class GroupFlag(enum.Enum):
    BELOW_MINIMUM = "below_minimum"  #: fewer valid ballots than the group's minimum: left out
    TRIM_FALLBACK = "trim_fallback"  #: n ≤ 2k: the plain mean was used instead of the trimmed mean
    SHRUNK = "shrunk"  #: the score was shrunk toward the group mean
    SUPPRESSED = "suppressed"  #: too few ballots to be shown (anonymity); still counted if above minimum
    LOW_TRUST = "low_trust"  #: includes ballots of an open (poster) round


@dataclass(frozen=True)
class ItemScore:
    code: str
    weight: float
    n: int  #: valid answers
    mean: float | None  #: mean points, unweighted


@dataclass(frozen=True)
class GroupScore:
    name: str
    weight: float
    is_required: bool
    min_ballots: int
    n: int
    is_counted: bool
    score: float | None = None  #: what enters the round score (after shrinkage, if on)
    raw_score: float | None = None  #: mean, median or trimmed mean, before shrinkage
    mean: float | None = None  #: plain mean of the ballot scores
    sd: float | None = None
    mean_ci95: tuple[float, float] | None = None  #: 95% t interval of the mean ballot score
    positive: int = 0
    valid: int = 0
    satisfaction: float | None = None  #: positive answers / valid answers
    satisfaction_ci95: tuple[float, float] | None = None  #: Wilson interval
    low_trust: int = 0
    trimmed: int = 0  #: ballot scores dropped from each end
    flags: tuple[GroupFlag, ...] = ()
    reason: Reason | None = None
    items: tuple[ItemScore, ...] = ()


@dataclass(frozen=True)
class ComponentScore:
    name: str
    kind: ComponentKind
    weight: float
    score: float | None
    reasons: tuple[Reason, ...] = ()
    groups: tuple[GroupScore, ...] = ()
    #: (level label, answers), 不了解 included; round components only.
    levels: tuple[tuple[str, int], ...] = ()
    #: (score, max score) as imported, before rescaling to 0–100; imported components only.
    imported: tuple[float, float] | None = None
    #: Its weight in this target's total: renormalised over the components that apply to it.
    applied_weight: float | None = None


@dataclass(frozen=True)
class Placement:
    """A ranked target's place in one honour list: ranks within the list and its marks."""

    list: str
    rank: int
    category_rank: int
    is_top: bool
    is_bottom: bool

    @property
    def flags(self) -> list[str]:
        return [name for name, on in (("top", self.is_top), ("bottom", self.is_bottom)) if on]


@dataclass(frozen=True)
class TargetResult:
    code: str
    name: str
    category: str
    unit: str
    status: TargetStatus
    total: float | None  #: unrounded weighted mean of the component scores
    total_2dp: Decimal | None  #: the total as ranked and shown: two decimals, half up
    grade: str | None
    rank: int | None
    category_rank: int | None
    ballots: int  #: valid ballots of the counted groups, over all round components
    is_top: bool = False
    is_bottom: bool = False
    reasons: tuple[Reason, ...] = ()
    #: The components that apply to it (its total is over these only).
    components: tuple[ComponentScore, ...] = ()
    #: The honour lists it is in (names, list order); empty when the campaign defines none.
    lists: tuple[str, ...] = ()
    #: Its rank and marks in each of those lists where it is ranked.
    placements: tuple[Placement, ...] = ()

    @property
    def flags(self) -> list[str]:
        return [name for name, on in (("top", self.is_top), ("bottom", self.is_bottom)) if on]


@dataclass(frozen=True)
class ScoreResult:
    config: dict  #: the configuration used, as recorded (``config.to_dict``)
    digest: str  #: SHA-256 of the canonical JSON of the inputs and the configuration
    targets: tuple[TargetResult, ...]
    #: True when a component round was still open: never saved, never published.
    is_provisional: bool = False
    integrity: tuple[dict, ...] = ()
    #: Where N is larger than the list or a category holds (``ranking.shortfalls``).
    notes: tuple[Reason, ...] = ()
    #: Per honour list defined: name, targets in it, ranked in it, notes (``evaluate._rank``).
    lists: tuple[dict, ...] = ()
    #: The campaign's database id, for storing the run; not part of the JSON.
    campaign_id: int | None = None


def to_json(result: ScoreResult) -> dict:
    """The result as JSON-ready data, every list in a fixed order, every figure in it.

    This is what a run stores. Nothing here is suppressed: whatever is shown or exported
    (pages, workbooks, PDF, ``flask score --json``) goes through ``display.shown`` first, the
    one place that decides what may be shown (anonymity, DESIGN.md section 5).
    """
    has_lists = bool(result.lists)
    return {
        "format": "evalsite-scoring/1",
        "digest": result.digest,
        "is_provisional": result.is_provisional,
        "ranking_rule": "totals rounded half up to two decimals; equal totals share a rank (1, 2, 2, 4)",
        "config": result.config,
        "targets": [_target(t, has_lists) for t in result.targets],
        "integrity": list(result.integrity),
        "notes": [r.to_dict() for r in result.notes],
        "lists": [{**lst, "notes": [r.to_dict() for r in lst["notes"]]} for lst in result.lists],
    }


def _target(t: TargetResult, has_lists: bool) -> dict:
    out = {
        "code": t.code,
        "name": t.name,
        "category": t.category,
        "unit": t.unit,
        "status": t.status.value,
        "total": float(t.total_2dp) if t.total_2dp is not None else None,
        "total_unrounded": _num(t.total),
        "grade": t.grade,
        "rank": t.rank,
        "category_rank": t.category_rank,
        "flags": t.flags,
        "ballots": t.ballots,
        "reasons": [r.to_dict() for r in t.reasons],
        "components": [_component(c) for c in t.components],
    }
    if has_lists:
        placed = {p.list: p for p in t.placements}
        out["lists"] = [_placement(name, placed.get(name)) for name in t.lists]
    return out


def _placement(name: str, p: Placement | None) -> dict:
    if p is None:
        return {"name": name, "rank": None, "category_rank": None, "flags": []}
    return {"name": name, "rank": p.rank, "category_rank": p.category_rank, "flags": p.flags}


def _component(c: ComponentScore) -> dict:
    out = {
        "name": c.name,
        "kind": c.kind.value,
        "weight": _num(c.weight),
        "applied_weight": _num(c.applied_weight),
        "score": _num(c.score),
        "reasons": [r.to_dict() for r in c.reasons],
    }
    if c.kind is ComponentKind.IMPORTED:
        out["imported"] = None if c.imported is None else {"score": _num(c.imported[0]), "max": _num(c.imported[1])}
        return out
    out["groups"] = [_group(g) for g in c.groups]
    out["levels"] = [{"label": label, "count": count} for label, count in c.levels]
    return out


def _group(g: GroupScore) -> dict:
    out = {
        "name": g.name,
        "weight": _num(g.weight),
        "is_required": g.is_required,
        "min_ballots": g.min_ballots,
        "n": g.n,
        "is_counted": g.is_counted,
        "flags": [f.value for f in g.flags],
        "reason": g.reason.to_dict() if g.reason else None,
        "trimmed_each_end": g.trimmed,
        "low_trust": g.low_trust,
    }
    figures = {
        "score": _num(g.score),
        "raw_score": _num(g.raw_score),
        "mean": _num(g.mean),
        "sd": _num(g.sd),
        "mean_ci95": _pair(g.mean_ci95),
        "positive": g.positive,
        "valid": g.valid,
        "satisfaction": _num(g.satisfaction),
        "satisfaction_ci95": _pair(g.satisfaction_ci95),
        "items": [{"code": i.code, "weight": _num(i.weight), "n": i.n, "mean": _num(i.mean)} for i in g.items],
    }
    return {**out, **figures}


def _num(value: float | None) -> float | None:
    if value is None:
        return None
    rounded = round(float(value), JSON_DECIMALS)
    return rounded + 0.0  # -0.0 → 0.0


def _pair(pair: tuple[float, float] | None) -> list[float] | None:
    return None if pair is None else [_num(pair[0]), _num(pair[1])]
