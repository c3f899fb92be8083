"""How a table stores a target selector (适用范围): three nullable columns and a property."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from surveys.models.organisation import TargetKind
from surveys.models.types import enum_column

if TYPE_CHECKING:
    from surveys.selectors import TargetSelector


class SelectorColumns:
    """Mixin: the three columns and the `selector` property of a table that has a selector.

    Rater groups, components and honour lists all store their selector this way, so a
    query can join ``Target`` on them and a migration adds the same three columns.
    """

    #: Empty: any kind.
    selector_kind: Mapped[TargetKind | None] = mapped_column(enum_column(TargetKind, "selector_kind"), nullable=True)

    @declared_attr
    def selector_category_id(cls) -> Mapped[int | None]:  # noqa: N805 - declared_attr takes the class
        """Empty: any category."""
        return mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), nullable=True)

    @declared_attr
    def selector_unit_id(cls) -> Mapped[int | None]:  # noqa: N805 - declared_attr takes the class
        """Empty: any unit."""
        return mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), nullable=True)

    @declared_attr
    def selector_category(cls):  # noqa: N805 - declared_attr takes the class
        return relationship("Category", foreign_keys=[cls.selector_category_id])  # type: ignore[list-item]  # mypy reads a declared_attr column on the class as its value

    @declared_attr
    def selector_unit(cls):  # noqa: N805 - declared_attr takes the class
        return relationship("Unit", foreign_keys=[cls.selector_unit_id])  # type: ignore[list-item]  # mypy reads a declared_attr column on the class as its value

    @property
    def selector(self) -> TargetSelector:
        from surveys.selectors import TargetSelector  # here: surveys.selectors imports the models

        return TargetSelector(self.selector_kind, self.selector_category_id, self.selector_unit_id)

    @selector.setter
    def selector(self, value: TargetSelector) -> None:
        self.selector_kind = value.kind
        self.selector_category_id = value.category_id
        self.selector_unit_id = value.unit_id

    @property
    def selector_description(self) -> list[str]:
        """`TargetSelector.describe` with the stored category's and unit's names."""
        category = self.selector_category if self.selector_category_id is not None else None
        unit = self.selector_unit if self.selector_unit_id is not None else None
        return self.selector.describe(category.name if category else None, unit.name if unit else None)

    def selector_copy(self, categories: dict) -> dict:
        """Keyword arguments that give a copy the same selector, in a cloned campaign whose
        categories are ``categories`` (old category id → new Category); units are shared."""
        return {
            "selector_kind": self.selector_kind,
            "selector_category": categories.get(self.selector_category_id),
            "selector_unit_id": self.selector_unit_id,
        }
