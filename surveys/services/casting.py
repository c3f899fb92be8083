"""Casting a ballot: redeem a single-use code and record its ratings in one transaction.

Anonymity (DESIGN.md section 5): the ballot keeps no reference to the code, and no time
finer than the day; the code keeps only the day it was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from surveys import codes
from surveys.db import claim_write_lock
from surveys.errors import DomainError
from surveys.i18n import N_
from surveys.models import (
    Ballot,
    Code,
    CodeBatch,
    CodeStatus,
    Comment,
    Item,
    Level,
    RaterGroup,
    Rating,
    Round,
    RoundStatus,
    Target,
)
from surveys.services.issuing import CodeKeys, covered_target_ids

MAX_COMMENT = 500
FORM_MISMATCH = N_("提交的内容与评议表不符，请重新打开评议页面。")
#: Target id → item id → level id.
Answers = dict[int, dict[int, int]]


class CodeRejected(DomainError):
    """Unknown, used, void, expired or otherwise unusable: one calm message for all."""

    status = 403

    def __init__(self):
        super().__init__(N_("此评议码无法使用：可能已经使用过、已作废或已过期。如有疑问，请联系发放评议码的单位。"))


class RoundNotOpen(DomainError):
    status = 403


class BallotInvalid(DomainError):
    """The submitted answers do not fit the form (tampered or incomplete)."""

    status = 400


@dataclass(frozen=True)
class Ticket:
    """What the rating form shows for a code, looked up without writing anything."""

    code: str
    round: Round
    group: RaterGroup
    targets: list[Target]
    items: list[Item]
    levels: list[Level]
    is_low_trust: bool = False

    @property
    def has_unknown_level(self) -> bool:
        return any(level.is_excluded for level in self.levels)


def open_ticket(session: Session, code_text: str, keys: CodeKeys, *, now: datetime) -> Ticket:
    """Check a code and describe the form it opens. Raises MalformedCode or CodeRejected."""
    code = codes.check_format(code_text)
    row = session.get(Code, codes.digest(keys.lookup, code))
    if row is None or row.status is not CodeStatus.UNUSED or _is_expired(row, now):
        raise CodeRejected()
    round_ = session.get(Round, row.round_id)
    _ensure_open(round_)
    batch = session.get(CodeBatch, row.batch_id)
    target_ids = covered_target_ids(session, round_.campaign_id, batch.scope, batch.target_id, batch.unit_id)
    return _ticket(session, code, round_, session.get(RaterGroup, row.group_id), target_ids)


def open_poster(session: Session, round_id: int, target_id: int) -> Ticket:
    """The form of an open (poster) round for one target; ballots go to its public group."""
    round_ = session.get(Round, round_id)
    target = session.get(Target, target_id)
    if round_ is None or not round_.is_open_round or target is None or target.campaign_id != round_.campaign_id:
        raise DomainError(N_("该二维码无效"))
    _ensure_open(round_)
    group = next(g for g in round_.groups if g.is_public)
    return _ticket(session, "", round_, group, [target_id], is_low_trust=True)


def _ticket(session, code, round_, group, target_ids, *, is_low_trust=False) -> Ticket:
    targets = list(session.scalars(select(Target).where(Target.id.in_(target_ids)).order_by(Target.code)))
    questionnaire = round_.questionnaire
    return Ticket(code, round_, group, targets, list(questionnaire.items), list(questionnaire.levels), is_low_trust)


def cast_ballot(
    session: Session, code_text: str, answers: Answers, comments: dict[int, str], keys: CodeKeys, *, now: datetime
) -> int:
    """Redeem the code and record its ballot; returns the number of targets rated.

    One transaction: the code is marked used only if it is still unused, unexpired, of an
    open round, and exactly one row changes; then the ballot, its ratings and comments are
    inserted. Any refusal raises before the view commits, so nothing is written.
    """
    codes.check_format(code_text)  # a mistyped code is refused before it takes the write lock
    claim_write_lock(session)
    ticket = open_ticket(session, code_text, keys, now=now)
    rows = _ratings(ticket, answers)
    texts = _comments(ticket, comments)
    open_rounds = select(Round.id).where(Round.status == RoundStatus.OPEN)
    result = session.execute(
        update(Code)
        .where(
            Code.digest == codes.digest(keys.lookup, ticket.code),
            Code.status == CodeStatus.UNUSED,
            Code.round_id.in_(open_rounds),
            or_(Code.expires_at.is_(None), Code.expires_at > now),
        )
        .values(status=CodeStatus.USED, used_on=now.date())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise CodeRejected()
    _insert(session, ticket, rows, texts, now=now)
    return len(ticket.targets)


def cast_open_ballot(
    session: Session, round_id: int, target_id: int, answers: Answers, comment: str, *, now: datetime
) -> None:
    """Record a ballot of an open (poster) round: no code, lower trust, rate-limited by the web layer."""
    claim_write_lock(session)
    ticket = open_poster(session, round_id, target_id)
    _insert(session, ticket, _ratings(ticket, answers), _comments(ticket, {target_id: comment}), now=now)


def _ensure_open(round_: Round) -> None:
    if round_.status is RoundStatus.CLOSED:
        raise RoundNotOpen(N_("本轮评议已经结束，感谢您的关注。"))
    if round_.status is not RoundStatus.OPEN:
        raise RoundNotOpen(N_("本轮评议尚未开始。"))


def _is_expired(code: Code, now: datetime) -> bool:
    return code.expires_at is not None and code.expires_at <= now


def _ratings(ticket: Ticket, answers: Answers) -> list[tuple[int, int, int]]:
    """(target, item, level) rows, checked against the form the code opens."""
    target_ids = {t.id for t in ticket.targets}
    item_ids = {i.id for i in ticket.items}
    level_ids = {lv.id for lv in ticket.levels}
    if not set(answers) <= target_ids or any(not set(a) <= item_ids for a in answers.values()):
        raise BallotInvalid(FORM_MISMATCH)
    rows = []
    for target_id in sorted(target_ids):
        given = answers.get(target_id, {})
        if not ticket.has_unknown_level and set(given) != item_ids:
            raise BallotInvalid(N_("请完成每一项评价后再提交。"))
        for item_id, level_id in sorted(given.items()):
            if level_id not in level_ids:
                raise BallotInvalid(FORM_MISMATCH)
            rows.append((target_id, item_id, level_id))
    if not rows:
        raise BallotInvalid(N_("请至少评价一项后再提交。"))
    return rows


def _comments(ticket: Ticket, comments: dict[int, str]) -> dict[int, str]:
    target_ids = {t.id for t in ticket.targets}
    cleaned = {}
    for target_id, text in comments.items():
        text = (text or "").strip()
        if not text:
            continue
        if target_id not in target_ids:
            raise BallotInvalid(FORM_MISMATCH)
        if len(text) > MAX_COMMENT:
            raise BallotInvalid(N_("意见建议不能超过 %(n)d 个字"), n=MAX_COMMENT)
        cleaned[target_id] = text
    return cleaned


def _insert(session: Session, ticket: Ticket, rows, texts: dict[int, str], *, now: datetime) -> None:
    ballot = Ballot(
        round_id=ticket.round.id, group_id=ticket.group.id, cast_on=now.date(), is_low_trust=ticket.is_low_trust
    )
    session.add(ballot)
    session.flush()
    session.execute(
        insert(Rating), [{"ballot_id": ballot.id, "target_id": t, "item_id": i, "level_id": lv} for t, i, lv in rows]
    )
    if texts:
        session.execute(
            insert(Comment),
            [
                {"ballot_id": ballot.id, "round_id": ticket.round.id, "target_id": t, "text": x}
                for t, x in texts.items()
            ],
        )
    session.expunge(ballot)  # nothing of the ballot lingers in the session after the cast
