"""Field checks shared by the services; each raises DomainError with a readable message."""

from __future__ import annotations

import math

from surveys.errors import DomainError
from surveys.i18n import N_


def required_text(value: str | None, max_length: int, label: str) -> str:
    """Stripped text, not empty, at most ``max_length`` characters; ``label`` is a msgid."""
    value = (value or "").strip()
    if not value:
        raise DomainError(N_("%(field)s不能为空"), field=label)
    if len(value) > max_length:
        raise DomainError(N_("%(field)s不能超过 %(n)d 个字符"), field=label, n=max_length)
    return value


def positive_weight(weight: float | None) -> float:
    if weight is None or not math.isfinite(float(weight)) or not (0 < float(weight) <= 1000):
        raise DomainError(N_("权重必须大于 0 且不超过 1000"))
    return float(weight)


def level_points(value: float | None) -> float:
    if value is None or not math.isfinite(float(value)) or not (0 <= float(value) <= 1000):
        raise DomainError(N_("分值必须在 0 到 1000 之间"))
    return float(value)
