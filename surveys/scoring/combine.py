"""Combining scores upward: answers → ballot → group → round → campaign total."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from surveys.enums import Aggregation
from surveys.scoring import stats
from surveys.scoring.config import ComponentConfig, GroupConfig, RoundConfig
from surveys.scoring.inputs import GroupTally
from surveys.scoring.reasons import Reason
from surveys.scoring.results import GroupFlag, GroupScore, ItemScore


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Σ wᵢ·xᵢ / Σ wᵢ over (weight, value) pairs: weights are renormalised over what is given.

    None when nothing is given. Weights must be positive.
    """
    pairs = list(pairs)
    if not pairs:
        return None
    if any(w <= 0 for w, _x in pairs):
        raise ValueError("weights must be positive")
    return math.fsum(w * x for w, x in pairs) / math.fsum(w for w, _x in pairs)


def ballot_score(answers: Iterable[tuple[float, float | None]]) -> float | None:
    """A ballot's score for one target: the weighted mean of its answered items.

    ``answers`` are (item weight, points) pairs; points None is 不了解, which counts for
    nothing and is left out of the denominator. None when no answer counts: such a ballot
    does not count for the target.
    """
    return weighted_mean((w, p) for w, p in answers if p is not None)


def group_score(
    group: GroupConfig,
    tally: GroupTally | None,
    *,
    aggregation: Aggregation,
    trim_k: int,
    suppress_below: int,
    shrinkage: tuple[float, float] | None = None,
    items: Sequence[ItemScore] = (),
) -> GroupScore:
    """Score one rater group for one target.

    The group score is the mean, the median, or the trimmed mean of the ballot scores
    (dropping ``trim_k`` from each end; when n ≤ 2k the mean, flagged ``trim_fallback``).
    ``shrinkage`` = (m, μ) moves it toward the group's mean over the round:
    S* = (n·S + m·μ) / (n + m). A group with fewer valid ballots than its minimum is
    reported but not counted (``below_minimum``); one with none has no score at all.
    """
    base = {
        "name": group.name,
        "weight": group.weight,
        "is_required": group.is_required,
        "min_ballots": group.min_ballots,
        "items": tuple(items),
    }
    if tally is None or tally.n == 0:
        return GroupScore(n=0, is_counted=False, reason=Reason("no_ballots"), **base)
    flags: list[GroupFlag] = []
    trimmed = 0
    aggregation = Aggregation(aggregation)
    if aggregation is Aggregation.MEAN:
        raw = tally.mean
    elif aggregation is Aggregation.MEDIAN:
        raw = stats.median(tally.scores)
    elif aggregation is Aggregation.TRIMMED:
        raw, is_fallback = stats.trimmed_mean(tally.scores, trim_k)
        if is_fallback:
            flags.append(GroupFlag.TRIM_FALLBACK)
        else:
            trimmed = trim_k
    else:
        raise ValueError(f"unknown aggregation {aggregation!r}")
    if aggregation is not Aggregation.MEAN and len(tally.scores) != tally.n:
        raise ValueError("the ballot scores do not match the ballot count")
    score = raw
    if shrinkage is not None:
        m, prior_mean = shrinkage
        score = stats.shrink(raw, tally.n, prior_mean, m)
        flags.append(GroupFlag.SHRUNK)
    is_counted = tally.n >= group.min_ballots
    reason = None
    if not is_counted:
        flags.append(GroupFlag.BELOW_MINIMUM)
        reason = Reason("below_minimum", {"n": tally.n, "min": group.min_ballots})
    if tally.n < suppress_below:
        flags.append(GroupFlag.SUPPRESSED)
    if tally.low_trust:
        flags.append(GroupFlag.LOW_TRUST)
    sd = stats.sd_from_squares(tally.squared_deviations, tally.n)
    return GroupScore(
        n=tally.n,
        is_counted=is_counted,
        score=score,
        raw_score=raw,
        mean=tally.mean,
        sd=sd,
        mean_ci95=stats.mean_interval(tally.mean, sd, tally.n),
        positive=tally.positive,
        valid=tally.valid,
        satisfaction=tally.positive / tally.valid if tally.valid else None,
        satisfaction_ci95=stats.wilson_interval(tally.positive, tally.valid),
        low_trust=tally.low_trust,
        trimmed=trimmed,
        flags=tuple(flags),
        reason=reason,
        **base,
    )


def round_score(round_: RoundConfig, groups: Sequence[GroupScore]) -> tuple[float | None, tuple[Reason, ...]]:
    """A target's score in a round: the weighted mean of its counted groups' scores.

    Weights are renormalised over the counted groups. A required group that is not
    counted leaves the round without a score; so does any group in a strict round, and a
    round where no group is counted. Returns (score or None, reasons).
    """
    missing = [
        Reason("strict_group_missing" if round_.is_strict else "required_group_missing", {"group": g.name})
        for g in groups
        if not g.is_counted and (round_.is_strict or g.is_required)
    ]
    counted = [(g.weight, g.score) for g in groups if g.is_counted]
    if missing:
        return None, tuple(missing)
    if not counted:
        return None, (Reason("no_group"),)
    return weighted_mean(counted), ()


def rescale(score: float, max_score: float) -> float:
    """An imported sheet's score on 0–100: score / max score × 100."""
    if max_score <= 0:
        raise ValueError("max score must be positive")
    return score / max_score * 100


def campaign_total(parts: Sequence[tuple[ComponentConfig, float | None]]) -> tuple[float | None, tuple[Reason, ...]]:
    """The campaign total: the weighted mean of every component's score (each on 0–100).

    A target needs a score in every component; otherwise it has no total, and each
    missing component is named. Returns (total or None, reasons).
    """
    missing = tuple(Reason("missing_component", {"component": c.name}) for c, score in parts if score is None)
    if missing or not parts:
        return None, missing
    return weighted_mean((c.weight, score) for c, score in parts), ()
