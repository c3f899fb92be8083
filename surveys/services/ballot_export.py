"""The anonymous ballot export of one round: only a closed round's ballots leave the database.

The rows and their anonymity (no time, code or batch; sorted by the random ballot id) are
``surveys.scoring.sql.ballot_export``'s; this module says which rounds may be exported.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from surveys.errors import Conflict
from surveys.i18n import N_
from surveys.models import Round, RoundStatus
from surveys.scoring.sql.ballot_export import HEADER, rating_rows
from surveys.services.lookup import get

__all__ = ["HEADER", "ballot_rows"]


def ballot_rows(session: Session, round_id: int) -> Iterator[tuple[str, ...]]:
    """Every rating of a closed round as text fields, in ballot id order (then target, item).

    The round is checked at once (NotFound, Conflict); the rows are then fetched in chunks
    as the caller iterates, inside the session's transaction. Refused while the round is
    open or a draft (no live per-target data, DESIGN.md section 5).
    """
    round_ = get(session, Round, round_id)
    if round_.status is not RoundStatus.CLOSED:
        raise Conflict(N_("轮次“%(name)s”尚未结束，不能导出评议票"), name=round_.name)
    return rating_rows(session, round_)
