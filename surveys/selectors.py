"""Target selectors (适用范围): a set of a campaign's targets by kind, category and unit.

One value object names the targets of a rater group (who rates whom), of a component (what
counts for whom) and of an honour list (DESIGN §6a). Each of its three parts is optional;
an empty part means "any", so the empty selector is every target of the campaign.

The rule lives here once: `TargetSelector.matches` for targets in memory, its `clause` for
`select(Target)`; `surveys.models.selector.SelectorColumns` is how every table that has a
selector stores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.orm import Session

from surveys.errors import DomainError
from surveys.i18n import N_, MsgId
from surveys.labels import TARGET_KIND
from surveys.models.campaign import Category
from surveys.models.organisation import Target, TargetKind

#: The kinds in the order a selector names them, with their words.
KIND_LABELS: dict[TargetKind, MsgId] = {
    kind: TARGET_KIND[kind] for kind in (TargetKind.UNIT, TargetKind.WINDOW, TargetKind.PERSON)
}
EVERY_TARGET = N_("全部对象")


class HasSelectorParts(Protocol):
    """What a selector looks at: a Target, or any row of plain data with these three."""

    kind: TargetKind
    category_id: int
    unit_id: int


@dataclass(frozen=True)
class TargetSelector:
    """Targets of one kind, category and unit; None in a part means any."""

    kind: TargetKind | None = None
    category_id: int | None = None
    unit_id: int | None = None

    @classmethod
    def of(cls, kind: TargetKind | str | None = None, category_id=None, unit_id=None) -> TargetSelector:
        """A selector from plain values, e.g. a form's: "", 0 and None all mean any.

        Raises DomainError for a kind that is not one of TargetKind's values.
        """
        if isinstance(kind, str):
            text = kind
            try:
                kind = TargetKind(text) if text else None
            except ValueError:
                raise DomainError(N_("类型“%(value)s”无效，应为 窗口、个人 或 单位"), value=text[:20]) from None
        return cls(kind or None, int(category_id) if category_id else None, int(unit_id) if unit_id else None)

    @property
    def is_everything(self) -> bool:
        return self.kind is None and self.category_id is None and self.unit_id is None

    def matches(self, target: HasSelectorParts) -> bool:
        """Whether ``target`` is one of the selected targets (of whichever campaign it is in)."""
        return (
            (self.kind is None or target.kind is self.kind)
            and (self.category_id is None or target.category_id == self.category_id)
            and (self.unit_id is None or target.unit_id == self.unit_id)
        )

    def clause(self, target=Target) -> ColumnElement[bool]:
        """The same rule as `matches`, as a WHERE clause on ``target`` (Target or an alias of it)."""
        parts = []
        if self.kind is not None:
            parts.append(target.kind == self.kind)
        if self.category_id is not None:
            parts.append(target.category_id == self.category_id)
        if self.unit_id is not None:
            parts.append(target.unit_id == self.unit_id)
        return and_(true(), *parts)

    def narrowed(self, other: TargetSelector) -> TargetSelector | None:
        """The targets both selectors match, as one selector; None when they cannot meet.

        E.g. a rater group's selector narrowed by a batch's unit.
        """
        merged = {}
        for part in ("kind", "category_id", "unit_id"):
            mine, theirs = getattr(self, part), getattr(other, part)
            if mine is not None and theirs is not None and mine != theirs:
                return None
            merged[part] = mine if mine is not None else theirs
        return TargetSelector(**merged)

    def columns(self) -> dict:
        """The selector as the three columns of ``SelectorColumns`` (to set and audit them)."""
        return {"selector_kind": self.kind, "selector_category_id": self.category_id, "selector_unit_id": self.unit_id}

    def describe(self, category_name: str | None = None, unit_name: str | None = None) -> list[str]:
        """The selector in words, as parts to join with " · ": msgids for the kind and for
        "every target", the organiser's names for the category and the unit as they are."""
        parts: list[str] = []
        if self.kind is not None:
            parts.append(KIND_LABELS[self.kind])
        if self.category_id is not None:
            parts.append(category_name or f"#{self.category_id}")
        if self.unit_id is not None:
            parts.append(unit_name or f"#{self.unit_id}")
        return parts or [EVERY_TARGET]


def select_targets(campaign_id: int, selector: TargetSelector) -> Select:
    """``select(Target)`` of the campaign's targets the selector matches, in code order."""
    return select(Target).where(Target.campaign_id == campaign_id, selector.clause()).order_by(Target.code)


def count_targets(session: Session, campaign_id: int, selector: TargetSelector) -> int:
    statement = select(func.count()).select_from(Target).where(Target.campaign_id == campaign_id, selector.clause())
    return session.scalar(statement) or 0


class SelectorMatchesNothing(DomainError):
    """A selector that matches none of the campaign's targets; the form shows it by the selector."""


def targets_per_category(session: Session, campaign_id: int, selector: TargetSelector) -> dict[str, int]:
    """How many of the campaign's targets the selector matches in each category (by name)."""
    statement = (
        select(Category.name, func.count(Target.id))
        .join(Category, Category.id == Target.category_id)
        .where(Target.campaign_id == campaign_id, selector.clause())
        .group_by(Category.name)
    )
    return dict(session.execute(statement).all())


def require_targets(session: Session, campaign_id: int, selector: TargetSelector) -> int:
    """How many of the campaign's targets the selector matches; refuses a selector matching none.

    A category or unit of another campaign matches none of this one's targets, so this one
    check also refuses a selector that points outside the campaign. The empty selector is
    always accepted: it means every target, also before the roster is imported.
    """
    count = count_targets(session, campaign_id, selector)
    if count == 0 and not selector.is_everything:
        raise SelectorMatchesNothing(N_("适用范围（类型、类别、单位）不包含本活动的任何评议对象，请放宽条件"))
    return count
