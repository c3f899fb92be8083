"""The digest of a scoring run's inputs: SHA-256 of one canonical JSON text.

The text holds the recorded configuration and every aggregate the run read, keyed by
codes and names (never database ids), every list sorted, floats rounded to six decimals.
The same campaign therefore has the same digest on SQLite and PostgreSQL, before and
after a backup is restored, and whatever order the rows came back in.
"""

from __future__ import annotations

import hashlib
import json

from surveys.enums import Aggregation
from surveys.scoring.config import CampaignConfig, to_dict
from surveys.scoring.inputs import Inputs
from surveys.scoring.results import JSON_DECIMALS
from surveys.scoring.stats import sd_from_squares

FORMAT = "evalsite-scoring-inputs/1"


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
    group_rows = []
    for (round_id, target_id, group_id), t in inputs.groups.items():
        row = [rounds[round_id].name, targets[target_id], groups[group_id], t.n, _num(t.mean)]
        row += [_num(sd_from_squares(t.squared_deviations, t.n)), t.positive, t.valid, t.low_trust]
        if rounds[round_id].aggregation is not Aggregation.MEAN:
            row.append([_num(s) for s in t.scores])
        group_rows.append(row)
    return {
        "format": FORMAT,
        "config": to_dict(config),
        "targets": sorted([t.code, t.name, t.category, t.unit] for t in inputs.targets),
        "groups": sorted(group_rows),
        "items": sorted(
            [rounds[r].name, targets[t], groups[g], items[i], x.n, _num(x.mean), x.positive]
            for (r, t, g, i), x in inputs.items.items()
        ),
        "levels": sorted([rounds[r].name, targets[t], levels[lv], n] for (r, t, lv), n in inputs.levels.items()),
        "imported": sorted(
            [components[c], targets[t], _num(score), _num(top)] for (c, t), (score, top) in inputs.imported.items()
        ),
        "vetoes": sorted([targets[t], reason] for t, reasons in inputs.vetoes.items() for reason in reasons),
    }


def _num(value: float | None) -> float | None:
    return None if value is None else round(float(value), JSON_DECIMALS) + 0.0
