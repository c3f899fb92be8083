"""Anonymous ballots (评议票) and their ratings and comments.

Nothing here refers to a code, batch, session, client or a time finer than the day
(DESIGN.md section 5); ids are random and the tables keep no insertion order on SQLite.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from surveys.db import Base, new_uuid


class Ballot(Base):
    __tablename__ = "ballots"
    __repr_fields__ = ("id", "round_id")
    #: A round's ballots in id order. Declared unique (it is: id is the key) so that SQLite
    #: knows each index entry is one ballot and groups a round's ratings per ballot while
    #: reading them, without sorting them first (see surveys.scoring.sql.queries).
    __table_args__ = (Index("ix_ballots_round_id_id", "round_id", "id", unique=True), {"sqlite_with_rowid": False})

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("rater_groups.id", ondelete="RESTRICT"))
    cast_on: Mapped[date]
    #: Cast through an open (poster) round without a code: counted apart and labelled.
    is_low_trust: Mapped[bool] = mapped_column(default=False)

    ratings: Mapped[list[Rating]] = relationship(back_populates="ballot", cascade="all, delete-orphan")


class Rating(Base):
    """One answer: a level chosen for one item about one target."""

    __tablename__ = "ratings"
    __repr_fields__ = ("ballot_id", "target_id", "item_id")
    __table_args__ = {"sqlite_with_rowid": False}

    ballot_id: Mapped[str] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="RESTRICT"), primary_key=True, index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), primary_key=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("levels.id", ondelete="RESTRICT"))

    ballot: Mapped[Ballot] = relationship(back_populates="ratings")


class Comment(Base):
    """A suggestion left about one target; shown in random order, without time."""

    __tablename__ = "comments"
    __repr_fields__ = ("id", "target_id")  # never the text a rater wrote
    __table_args__ = {"sqlite_with_rowid": False}

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    ballot_id: Mapped[str] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="RESTRICT"), index=True)
    text: Mapped[str] = mapped_column(Text)

    ballot = relationship("Ballot")
