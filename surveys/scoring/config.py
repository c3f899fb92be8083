"""The configuration a scoring run uses, as plain frozen dataclasses.

Database ids are carried so the queries can be joined back, but ``to_dict`` leaves them
out: a run's recorded configuration (and its digest) names things by code and name, so the
same campaign gives the same record on any database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from surveys.enums import Aggregation, ComponentKind, RankScope, RoundStatus

#: Default grade bands (等次): a total at or above the bound gets the label.
DEFAULT_GRADE_BANDS: tuple[tuple[float, str], ...] = (
    (85.0, "满意"),
    (75.0, "比较满意"),
    (60.0, "基本满意"),
    (0.0, "不满意"),
)
#: Aggregates over fewer ballots than this are suppressed when shown (never below 3).
DEFAULT_SUPPRESS_BELOW = 5
MIN_SUPPRESS_BELOW = 3
#: Codes of one batch used on one day above this count are listed as a burst.
DEFAULT_BURST_PER_DAY = 200


def _as_members(config, **enums: type) -> None:
    """Turn the named fields of a frozen config into their enum members, so that a value
    given as its string ("mean") is the member (``Aggregation.MEAN``) from then on."""
    for name, enum_cls in enums.items():
        object.__setattr__(config, name, enum_cls(getattr(config, name)))


@dataclass(frozen=True)
class LevelConfig:
    id: int
    position: int
    label: str
    points: float | None  #: None for the excluded level (不了解)
    is_positive: bool
    is_excluded: bool


@dataclass(frozen=True)
class ItemConfig:
    id: int
    code: str
    text: str
    weight: float


@dataclass(frozen=True)
class GroupConfig:
    id: int
    name: str
    weight: float
    min_ballots: int
    is_required: bool
    is_public: bool


@dataclass(frozen=True)
class RoundConfig:
    id: int
    name: str
    status: RoundStatus
    aggregation: Aggregation
    trim_k: int
    is_strict: bool
    levels: tuple[LevelConfig, ...]
    items: tuple[ItemConfig, ...]
    groups: tuple[GroupConfig, ...]

    def __post_init__(self):
        _as_members(self, status=RoundStatus, aggregation=Aggregation)


@dataclass(frozen=True)
class ComponentConfig:
    id: int
    name: str
    kind: ComponentKind
    weight: float
    round: RoundConfig | None = None
    #: The codes of the targets it scores (its selector resolved); None: every target.
    applies_to: frozenset[str] | None = None
    #: Its selector in names (kind, category, unit; None for any), for the record.
    selector: dict | None = None

    def __post_init__(self):
        _as_members(self, kind=ComponentKind)


@dataclass(frozen=True)
class ListConfig:
    """An honour list (排名名单): its targets and its own 十佳 / 末位 rules (DESIGN §6a)."""

    name: str
    #: The codes of the targets it ranks (its selector resolved); None: every target.
    members: frozenset[str] | None = None
    selector: dict | None = None
    top_n: int = 10
    bottom_n: int = 0
    top_scope: RankScope = RankScope.OVERALL  #: 十佳 over the whole list or each category in it
    bottom_scope: RankScope = RankScope.OVERALL  #: 末位 over the whole list or each category in it
    bottom_threshold: float | None = None
    top_min_ballots: int = 0
    top_min_grade: str | None = None

    def __post_init__(self):
        _as_members(self, top_scope=RankScope, bottom_scope=RankScope)


@dataclass(frozen=True)
class Rules:
    """Campaign-wide ranking rules (see ``ranking`` for what each one does)."""

    top_n: int = 10
    bottom_n: int = 0
    rank_scope: RankScope = RankScope.OVERALL
    bottom_threshold: float | None = None
    top_min_ballots: int = 0
    top_min_grade: str | None = None
    grade_bands: tuple[tuple[float, str], ...] = DEFAULT_GRADE_BANDS
    shrinkage_m: float | None = None
    suppress_below: int = DEFAULT_SUPPRESS_BELOW
    burst_per_day: int = DEFAULT_BURST_PER_DAY

    def __post_init__(self):
        _as_members(self, rank_scope=RankScope)


@dataclass(frozen=True)
class TargetInfo:
    id: int
    code: str
    name: str
    category: str
    unit: str = ""


@dataclass(frozen=True)
class CampaignConfig:
    name: str
    year: int
    components: tuple[ComponentConfig, ...]
    rules: Rules = field(default_factory=Rules)
    #: Honour lists; none defined: one implicit list of every target with the rules' 十佳 / 末位.
    lists: tuple[ListConfig, ...] = ()

    @property
    def rounds(self) -> tuple[RoundConfig, ...]:
        return tuple(c.round for c in self.components if c.round is not None)


def implicit_list(rules: Rules) -> ListConfig:
    """The one list of a campaign that defines none: every target, the rules' 十佳 / 末位."""
    return ListConfig(
        name="",
        top_n=rules.top_n,
        bottom_n=rules.bottom_n,
        top_scope=rules.rank_scope,
        bottom_scope=rules.rank_scope,
        bottom_threshold=rules.bottom_threshold,
        top_min_ballots=rules.top_min_ballots,
        top_min_grade=rules.top_min_grade,
    )


def to_dict(config: CampaignConfig) -> dict:
    """The configuration as JSON-ready data, keyed by names and codes (no database ids).

    Selectors and lists appear only where defined, so a campaign without them records
    (and digests) exactly what it did before they existed.
    """
    out = {
        "campaign": {"name": config.name, "year": config.year},
        "components": [_component(c) for c in config.components],
        "rules": _rules(config.rules),
    }
    if config.lists:
        out["lists"] = [list_dict(lst) for lst in config.lists]
    return out


def list_dict(lst: ListConfig) -> dict:
    """A list's rules as recorded: name, selector, members (codes, sorted) and 十佳 / 末位 rules."""
    out = {
        "name": lst.name,
        "top_n": lst.top_n,
        "bottom_n": lst.bottom_n,
        "top_scope": lst.top_scope.value,
        "bottom_scope": lst.bottom_scope.value,
        "bottom_threshold": lst.bottom_threshold,
        "top_min_ballots": lst.top_min_ballots,
        "top_min_grade": lst.top_min_grade,
    }
    if lst.members is not None:
        out["selector"] = lst.selector
        out["targets"] = sorted(lst.members)
    return out


def _component(c: ComponentConfig) -> dict:
    out = {"name": c.name, "kind": c.kind.value, "weight": c.weight}
    if c.applies_to is not None:
        out["selector"] = c.selector
        out["targets"] = sorted(c.applies_to)
    if c.round is not None:
        r = c.round
        out["round"] = {
            "name": r.name,
            "status": r.status.value,
            **round_settings(r.aggregation, r.trim_k, r.is_strict, r.levels, r.items, r.groups),
        }
    return out


def round_settings(aggregation: Aggregation, trim_k: int, is_strict: bool, levels, items, groups) -> dict:
    """A round's scoring settings as plain data: what is frozen when it opens, and what a
    scoring run records. Takes models or config objects alike (same attribute names)."""
    return {
        "aggregation": Aggregation(aggregation).value,
        "trim_k": trim_k,
        "is_strict": is_strict,
        "levels": [
            {"label": lv.label, "points": lv.points, "is_positive": lv.is_positive, "is_excluded": lv.is_excluded}
            for lv in levels
        ],
        "items": [{"code": it.code, "text": it.text, "weight": it.weight} for it in items],
        "groups": [
            {
                "name": g.name,
                "weight": g.weight,
                "min_ballots": g.min_ballots,
                "is_required": g.is_required,
                "is_public": g.is_public,
            }
            for g in groups
        ],
    }


def _rules(rules: Rules) -> dict:
    return {
        "top_n": rules.top_n,
        "bottom_n": rules.bottom_n,
        "rank_scope": rules.rank_scope.value,
        "bottom_threshold": rules.bottom_threshold,
        "top_min_ballots": rules.top_min_ballots,
        "top_min_grade": rules.top_min_grade,
        "grade_bands": [[bound, label] for bound, label in rules.grade_bands],
        "shrinkage_m": rules.shrinkage_m,
        "suppress_below": rules.suppress_below,
        "burst_per_day": rules.burst_per_day,
    }
