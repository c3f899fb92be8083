"""The statuses and choices scoring shares with the models, in one module that imports no
model, database or service (only the message marker and the state-machine mixin).

The models store them (``surveys.models`` re-exports them) and the pure scoring pipeline
computes with them; they become strings only at the JSON boundary (a run's recorded
configuration and result), where ``.value`` is written and ``Enum(value)`` reads it back.
They are ``StrEnum``s so that a run stored before they were (plain strings in its JSON)
reads back as the same members.
"""

from __future__ import annotations

import enum

from surveys.i18n import N_
from surveys.states import StateMachine


class RoundStatus(StateMachine, enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"

    def moves(self) -> frozenset:
        """Draft → open → closed, and nothing else."""
        return _ROUND_MOVES

    def refusals(self) -> tuple[str, str]:
        return N_("轮次“%(name)s”已经是%(now)s，无需重复操作"), N_("轮次“%(name)s”当前为%(now)s，不能改为%(to)s")


class Aggregation(enum.StrEnum):
    MEAN = "mean"
    MEDIAN = "median"
    TRIMMED = "trimmed"  #: drop the k highest and k lowest ballot scores


class ComponentKind(enum.StrEnum):
    ROUND = "round"  #: the scores of one rating round
    IMPORTED = "imported"  #: an imported score sheet such as 业务考核


class RankScope(enum.StrEnum):
    OVERALL = "overall"  #: bottom-N and top-N over the whole campaign
    CATEGORY = "category"  #: bottom-N and top-N within each category


class TargetStatus(enum.StrEnum):
    RANKED = "ranked"
    VETOED = "vetoed"  #: 一票否决: listed with its reason, takes no rank
    INSUFFICIENT = "insufficient"  #: a component or required group has no score


_ROUND_MOVES = frozenset({(RoundStatus.DRAFT, RoundStatus.OPEN), (RoundStatus.OPEN, RoundStatus.CLOSED)})
