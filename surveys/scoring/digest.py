"""The digest of a scoring run's inputs: SHA-256 of one canonical JSON text.

The text holds the recorded configuration and the exact aggregates the run read, keyed
by codes and names (never database ids), every list sorted: the counts per (target,
group), per item and per level, the item means computed exactly from the answers per
level × points, the imported scores and the vetoes. Every number is an integer or a
decimal rounded once, half up, to six decimals from its exact value (DESIGN §6).

What the databases compute in floating point is not covered: the group means, standard
deviations and ballot scores come from float sums whose last bits depend on the order
the database added them in, so a mean such as 71.3928125 could round either way. The
same campaign therefore has the same digest on SQLite and PostgreSQL, before and after
a backup is restored, and whatever order the rows came back in.
"""

from __future__ import annotations

import hashlib
import json
import math
from fractions import Fraction

from surveys.scoring.config import CampaignConfig, to_dict
from surveys.scoring.inputs import Inputs
from surveys.scoring.results import JSON_DECIMALS

FORMAT = "evalsite-scoring-inputs/2"


def canonical_json(data) -> str:
    """Sorted keys, no spaces, UTF-8 text, no NaN: one text for one value."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def input_digest(config: CampaignConfig, inputs: Inputs) -> str:
    text = canonical_json(canonical_inputs(config, inputs))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_inputs(config: CampaignConfig, inputs: Inputs) -> dict:
    """Everything a run depends on, as plain sorted data."""
    targets = {t.id: t.code for t in inputs.targets}
    rounds = {r.id: r for r in config.rounds}
    groups = {g.id: g.name for r in config.rounds for g in r.groups}
    items = {it.id: it.code for r in config.rounds for it in r.items}
    levels = {lv.id: lv.position for r in config.rounds for lv in r.levels}
    components = {c.id: c.name for c in config.components}
    group_rows = [
        [rounds[r].name, targets[t], groups[g], x.n, x.positive, x.valid, x.low_trust]
        for (r, t, g), x in inputs.groups.items()
    ]
    return {
        "format": FORMAT,
        "config": to_dict(config),
        "targets": sorted([t.code, t.name, t.category, t.unit] for t in inputs.targets),
        "groups": sorted(group_rows),
        "items": sorted(
            [rounds[r].name, targets[t], groups[g], items[i], x.n, half_up(x.total / x.n), x.positive]
            for (r, t, g, i), x in inputs.items.items()
        ),
        "levels": sorted([rounds[r].name, targets[t], levels[lv], n] for (r, t, lv), n in inputs.levels.items()),
        "imported": sorted(
            [components[c], targets[t], _given(score), _given(top)] for (c, t), (score, top) in inputs.imported.items()
        ),
        "vetoes": sorted([targets[t], reason] for t, reasons in inputs.vetoes.items() for reason in reasons),
    }


def half_up(value: Fraction) -> str:
    """An exact value at six decimals, rounded once, half away from zero: 68.0078125 → "68.007813"."""
    scale = 10**JSON_DECIMALS
    units = math.floor(abs(value) * scale + Fraction(1, 2))
    sign = "-" if value < 0 and units else ""
    return f"{sign}{units // scale}.{units % scale:0{JSON_DECIMALS}d}"


def _given(value: float) -> str:
    """A number stored as given (an imported score), at six decimals, half up."""
    return half_up(Fraction(repr(float(value))))
