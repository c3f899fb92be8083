"""Integrity figures per round (DESIGN.md section 6, rule 9).

Codes issued / used / void per rater group and batch; coded ballots against used codes
(each used code makes exactly one ballot, so any difference is an alarm); straight-lined
ballots (the same level for every answer); and bursts (more codes of one batch used on
one day than the configured threshold). Ballots of an open (poster) round have no code:
they are counted apart as low-trust and left out of the comparison.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from surveys.models import Ballot, Code, CodeBatch, CodeStatus
from surveys.scoring.config import RoundConfig


def round_integrity(
    session: Session, round_: RoundConfig, *, burst_per_day: int, straight_lined: dict[int, int]
) -> dict:
    """The figures of one round as JSON-ready data; ``alarms`` lists every mismatch found.

    ``straight_lined`` (group id → ballots) comes from the scoring's per-ballot statement,
    which has every ballot's answers at hand already (see ``queries``).
    """
    batches = list(
        session.execute(
            select(CodeBatch.id, CodeBatch.group_id, CodeBatch.label, CodeBatch.is_void)
            .where(CodeBatch.round_id == round_.id)
            .order_by(CodeBatch.id)
        )
    )
    # codes per batch, status and day of use: one pass gives both the counts and the bursts
    codes: dict[int, dict[str, int]] = defaultdict(lambda: {s.value: 0 for s in CodeStatus})
    bursts = []
    stmt = (
        select(Code.batch_id, Code.status, Code.used_on, func.count())
        .where(Code.round_id == round_.id)
        .group_by(Code.batch_id, Code.status, Code.used_on)
    )
    for batch_id, status, used_on, n in session.execute(stmt).all():
        codes[batch_id][status.value] += int(n)
        if status is CodeStatus.USED and n > burst_per_day:
            bursts.append({"batch": batch_id, "day": used_on.isoformat() if used_on else None, "used": int(n)})
    bursts.sort(key=lambda b: (b["batch"], b["day"] or ""))
    ballots: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # coded, low trust
    stmt = select(Ballot.group_id, Ballot.is_low_trust, func.count()).where(Ballot.round_id == round_.id)
    for group_id, is_low_trust, n in session.execute(stmt.group_by(Ballot.group_id, Ballot.is_low_trust)):
        ballots[group_id][1 if is_low_trust else 0] += int(n)
    group_names = {g.id: g.name for g in round_.groups}

    batch_rows, per_group = [], defaultdict(lambda: {"issued": 0, "used": 0, "void": 0})
    for batch_id, group_id, label, is_void in batches:
        c = codes.get(batch_id, {s.value: 0 for s in CodeStatus})
        issued = sum(c.values())
        batch_rows.append(
            {
                "batch": batch_id,
                "label": label,
                "group": group_names.get(group_id, str(group_id)),
                "is_void": bool(is_void),
                "issued": issued,
                "used": c["used"],
                "void": c["void"],
                "unused": c["unused"],
            }
        )
        totals = per_group[group_id]
        totals["issued"] += issued
        totals["used"] += c["used"]
        totals["void"] += c["void"]

    group_rows, alarms = [], []
    for group in round_.groups:
        totals = per_group[group.id]
        coded, low_trust = ballots[group.id]
        row = {
            "group": group.name,
            "codes_issued": totals["issued"],
            "codes_used": totals["used"],
            "codes_void": totals["void"],
            "ballots": coded,
            "low_trust_ballots": low_trust,
            "straight_lined": straight_lined.get(group.id, 0),
            "is_mismatch": coded != totals["used"],
        }
        group_rows.append(row)
        if row["is_mismatch"]:
            alarms.append({"code": "ballots_differ_from_used_codes", "group": group.name, **_pair(coded, totals)})
    return {
        "round": round_.name,
        "groups": group_rows,
        "batches": batch_rows,
        "bursts": bursts,
        "alarms": alarms,
    }


def _pair(coded: int, totals: dict) -> dict:
    return {"ballots": coded, "codes_used": totals["used"]}
