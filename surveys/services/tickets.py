"""The rating form a code or poster opens, as plain data read in four small queries.

The page needs names and labels, not objects: loading the round, group, targets and
questionnaire as ORM objects (with lazy loads of the items, levels and campaign while the
template ran) cost several times as much as these prepared Core statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from surveys.models import Campaign, Item, Level, RaterGroup, Round, Target, Unit
from surveys.pinyin import search_text

#: A code covering more targets than this gets a search box and a jump list on its form.
SEARCH_FROM = 9


@dataclass(frozen=True)
class FormTarget:
    id: int
    name: str
    title: str
    #: The target's unit: several 政策法规科科长 exist, one per department.
    unit: str

    @property
    def search(self) -> str:
        """Name, post and unit with their pinyin initials, for the form's search box."""
        return search_text(self.name, self.title, self.unit)


@dataclass(frozen=True)
class FormItem:
    id: int
    text: str


@dataclass(frozen=True)
class FormLevel:
    id: int
    label: str
    is_excluded: bool


@dataclass(frozen=True)
class Ticket:
    """What the rating form shows for a code, looked up without writing anything."""

    code: str
    campaign_name: str
    round_name: str
    group_name: str
    targets: list[FormTarget]
    items: list[FormItem]
    levels: list[FormLevel]
    is_low_trust: bool = False

    @property
    def has_unknown_level(self) -> bool:
        return any(level.is_excluded for level in self.levels)

    @property
    def is_searchable(self) -> bool:
        """Whether the form offers a search box and a jump list (a code covering many targets)."""
        return len(self.targets) >= SEARCH_FROM


#: Built once: constructing a statement costs more than running one of these.
_HEADER = (
    select(Campaign.name, Round.name, RaterGroup.name, Round.questionnaire_id)
    .join(Round, Round.campaign_id == Campaign.id)
    .join(RaterGroup, RaterGroup.round_id == Round.id)
    .where(Round.id == bindparam("round_id"), RaterGroup.id == bindparam("group_id"))
)
_TARGETS = (
    select(Target.id, Target.name, Target.title, Unit.name)
    .join(Unit, Unit.id == Target.unit_id)
    .where(Target.id.in_(bindparam("target_ids", expanding=True)))
    .order_by(Target.code)
)
_ITEMS = select(Item.id, Item.text).where(Item.questionnaire_id == bindparam("q")).order_by(Item.position)
_LEVELS = (
    select(Level.id, Level.label, Level.is_excluded)
    .where(Level.questionnaire_id == bindparam("q"))
    .order_by(Level.position)
)


def describe(
    session: Session, code: str, round_id: int, group_id: int, target_ids: Iterable[int], *, is_low_trust: bool
) -> Ticket:
    """The form of ``round_id`` for rater group ``group_id`` and the targets given (in code order)."""
    conn = session.connection()
    campaign_name, round_name, group_name, questionnaire_id = conn.execute(
        _HEADER, {"round_id": round_id, "group_id": group_id}
    ).one()
    targets = conn.execute(_TARGETS, {"target_ids": list(target_ids)})
    items = conn.execute(_ITEMS, {"q": questionnaire_id})
    levels = conn.execute(_LEVELS, {"q": questionnaire_id})
    return Ticket(
        code=code,
        campaign_name=campaign_name,
        round_name=round_name,
        group_name=group_name,
        targets=[FormTarget(*row) for row in targets],
        items=[FormItem(*row) for row in items],
        levels=[FormLevel(*row) for row in levels],
        is_low_trust=is_low_trust,
    )
