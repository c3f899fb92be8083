"""Summary statistics of ballot scores: location, spread, intervals and shrinkage.

Sums use ``math.fsum`` (correctly rounded), so a result never depends on the order of its
inputs: permuting the ballots of a group cannot move its score by even the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: The 0.975 quantile of the standard normal distribution.
Z_975 = 1.959963984540054
#: The 0.975 quantile of Student's t for 1–30 degrees of freedom (to six decimals).
_T_975 = (
    12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
    2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
    2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
)  # fmt: skip


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean; raises ValueError for no values."""
    if not values:
        raise ValueError("mean of no values")
    return math.fsum(values) / len(values)


def median(values: Sequence[float]) -> float:
    """The middle value of the sorted values; the mean of the two middle ones when n is even."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[half]
    return (ordered[half - 1] + ordered[half]) / 2


def trimmed_mean(values: Sequence[float], k: int) -> tuple[float, bool]:
    """Drop the k highest and k lowest values and average the rest (去掉最高分和最低分).

    Returns ``(value, is_fallback)``. When n ≤ 2k nothing would be left, so the plain
    mean of all values is returned and ``is_fallback`` is True. With k = 0 this is the mean.
    """
    if k < 0:
        raise ValueError("k must not be negative")
    n = len(values)
    if k == 0:
        return mean(values), False
    if n <= 2 * k:
        return mean(values), True
    return mean(sorted(values)[k : n - k]), False


def sample_sd(values: Sequence[float]) -> float | None:
    """The sample standard deviation (divisor n − 1), computed in two passes; None when n < 2."""
    if len(values) < 2:
        return None
    centre = mean(values)
    return sd_from_squares(math.fsum((v - centre) ** 2 for v in values), len(values))


def sd_from_squares(squared_deviations: float, n: int) -> float | None:
    """The sample standard deviation from Σ(s − mean)² and n; None when n < 2."""
    if n < 2:
        return None
    return math.sqrt(max(squared_deviations, 0.0) / (n - 1))


def t_975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom.

    Tabulated for 1–30; above that the Cornish–Fisher expansion in 1/df, which agrees with
    the exact quantile to better than 1e-6 there and tends to the normal quantile.
    """
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df <= len(_T_975):
        return _T_975[df - 1]
    z, v = Z_975, float(df)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )


def mean_interval(centre: float, sd: float | None, n: int) -> tuple[float, float] | None:
    """The 95% t interval of a mean: centre ± t(0.975, n − 1) · sd / √n; None when n < 2."""
    if sd is None or n < 2:
        return None
    half = t_975(n - 1) * sd / math.sqrt(n)
    return centre - half, centre + half


def wilson_interval(successes: int, trials: int, z: float = Z_975) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (95% by default); None when there are no trials.

    centre = (p + z²/2n) / (1 + z²/n), half width = z / (1 + z²/n) · √(p(1 − p)/n + z²/4n²).
    Unlike p ± z·√(p(1 − p)/n) it stays within [0, 1] and is not empty at p = 0 or 1.
    """
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError("successes must lie between 0 and trials")
    n, p = float(trials), successes / trials
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def shrink(score: float, n: int, prior_mean: float, m: float) -> float:
    """Empirical-Bayes shrinkage toward the group mean: S* = (n·S + m·μ) / (n + m).

    ``prior_mean`` (μ) is the mean of all ballot scores of the rater group in the round,
    ``m`` the prior strength: with n = m the score moves halfway toward μ.
    """
    if m <= 0:
        raise ValueError("prior strength must be positive")
    return (n * score + m * prior_mean) / (n + m)
