"""A campaign's predecessors: a cloned campaign points to the one it was cloned from
(``Campaign.predecessor_id``), which is how a trend reaches across years."""

from __future__ import annotations

from sqlalchemy.orm import Session

from surveys.models import Campaign

#: How many campaigns back a trend reaches.
MAX_CAMPAIGNS = 10


def campaign_chain(session: Session, campaign: Campaign, *, limit: int = MAX_CAMPAIGNS) -> list[Campaign]:
    """The campaign and its predecessors, oldest first; a loop in the chain ends it."""
    chain, seen = [], set()
    current: Campaign | None = campaign
    while current is not None and current.id not in seen and len(chain) < limit:
        chain.append(current)
        seen.add(current.id)
        current = session.get(Campaign, current.predecessor_id) if current.predecessor_id else None
    return chain[::-1]
