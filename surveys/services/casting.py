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
from surveys.db import claim_write_lock, new_uuid
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


@dataclass(frozen=True)
class Grant:
    """What a code (or a poster) lets its holder rate, as plain ids: all casting needs."""

    code: str
    round_id: int
    group_id: int
    target_ids: frozenset[int]
    item_ids: frozenset[int]
    level_ids: frozenset[int]
    has_unknown_level: bool
    is_low_trust: bool = False


def open_ticket(session: Session, code_text: str, keys: CodeKeys, *, now: datetime) -> Ticket:
    """Check a code and describe the form it opens. Raises MalformedCode or CodeRejected."""
    return _ticket(session, _grant(session, code_text, keys, now=now))


def open_poster(session: Session, round_id: int, target_id: int) -> Ticket:
    """The form of an open (poster) round for one target; ballots go to its public group."""
    return _ticket(session, _poster_grant(session, round_id, target_id))


def _grant(session: Session, code_text: str, keys: CodeKeys, *, now: datetime) -> Grant:
    code = codes.check_format(code_text)
    row = session.execute(
        select(
            Code.status,
            Code.expires_at,
            Code.group_id,
            CodeBatch.scope,
            CodeBatch.target_id,
            CodeBatch.unit_id,
            Round.id,
            Round.status,
            Round.campaign_id,
            Round.questionnaire_id,
        )
        .join(CodeBatch, CodeBatch.id == Code.batch_id)
        .join(Round, Round.id == Code.round_id)
        .where(Code.digest == codes.digest(keys.lookup, code))
    ).one_or_none()
    if row is None or row.status is not CodeStatus.UNUSED or (row.expires_at is not None and row.expires_at <= now):
        raise CodeRejected()
    _ensure_open(row[7])
    targets = covered_target_ids(session, row.campaign_id, row.scope, row.target_id, row.unit_id)
    return _with_form(session, code, row[6], row.group_id, targets, row.questionnaire_id, is_low_trust=False)


def _poster_grant(session: Session, round_id: int, target_id: int) -> Grant:
    round_ = session.get(Round, round_id)
    target = session.get(Target, target_id)
    if round_ is None or not round_.is_open_round or target is None or target.campaign_id != round_.campaign_id:
        raise DomainError(N_("该二维码无效"))
    _ensure_open(round_.status)
    group = next(g for g in round_.groups if g.is_public)
    return _with_form(session, "", round_.id, group.id, [target_id], round_.questionnaire_id, is_low_trust=True)


def _with_form(session, code, round_id, group_id, target_ids, questionnaire_id, *, is_low_trust) -> Grant:
    items = session.scalars(select(Item.id).where(Item.questionnaire_id == questionnaire_id))
    levels = session.execute(
        select(Level.id, Level.is_excluded).where(Level.questionnaire_id == questionnaire_id)
    ).all()
    return Grant(
        code,
        round_id,
        group_id,
        frozenset(target_ids),
        frozenset(items),
        frozenset(lv.id for lv in levels),
        any(lv.is_excluded for lv in levels),
        is_low_trust,
    )


def _ticket(session: Session, grant: Grant) -> Ticket:
    round_ = session.get(Round, grant.round_id)
    targets = session.scalars(select(Target).where(Target.id.in_(grant.target_ids)).order_by(Target.code))
    questionnaire = round_.questionnaire
    return Ticket(
        grant.code,
        round_,
        session.get(RaterGroup, grant.group_id),
        list(targets),
        list(questionnaire.items),
        list(questionnaire.levels),
        grant.is_low_trust,
    )


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
    grant = _grant(session, code_text, keys, now=now)
    rows = _ratings(grant, answers)
    texts = _comments(grant, comments)
    open_rounds = select(Round.id).where(Round.status == RoundStatus.OPEN)
    result = session.execute(
        update(Code)
        .where(
            Code.digest == codes.digest(keys.lookup, grant.code),
            Code.status == CodeStatus.UNUSED,
            Code.round_id.in_(open_rounds),
            or_(Code.expires_at.is_(None), Code.expires_at > now),
        )
        .values(status=CodeStatus.USED, used_on=now.date())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise CodeRejected()
    _insert(session, grant, rows, texts, now=now)
    return len(grant.target_ids)


def cast_open_ballot(
    session: Session, round_id: int, target_id: int, answers: Answers, comment: str, *, now: datetime
) -> None:
    """Record a ballot of an open (poster) round: no code, lower trust, rate-limited by the web layer."""
    claim_write_lock(session)
    grant = _poster_grant(session, round_id, target_id)
    _insert(session, grant, _ratings(grant, answers), _comments(grant, {target_id: comment}), now=now)


def _ensure_open(status: RoundStatus) -> None:
    if status is RoundStatus.CLOSED:
        raise RoundNotOpen(N_("本轮评议已经结束，感谢您的关注。"))
    if status is not RoundStatus.OPEN:
        raise RoundNotOpen(N_("本轮评议尚未开始。"))


def _ratings(grant: Grant, answers: Answers) -> list[tuple[int, int, int]]:
    """(target, item, level) rows, checked against the form the code opens."""
    if not set(answers) <= grant.target_ids or any(not set(a) <= grant.item_ids for a in answers.values()):
        raise BallotInvalid(FORM_MISMATCH)
    rows = []
    for target_id in sorted(grant.target_ids):
        given = answers.get(target_id, {})
        if not grant.has_unknown_level and set(given) != grant.item_ids:
            raise BallotInvalid(N_("请完成每一项评价后再提交。"))
        for item_id, level_id in sorted(given.items()):
            if level_id not in grant.level_ids:
                raise BallotInvalid(FORM_MISMATCH)
            rows.append((target_id, item_id, level_id))
    if not rows:
        raise BallotInvalid(N_("请至少评价一项后再提交。"))
    return rows


def _comments(grant: Grant, comments: dict[int, str]) -> dict[int, str]:
    cleaned = {}
    for target_id, text in comments.items():
        text = (text or "").strip()
        if not text:
            continue
        if target_id not in grant.target_ids:
            raise BallotInvalid(FORM_MISMATCH)
        if len(text) > MAX_COMMENT:
            raise BallotInvalid(N_("意见建议不能超过 %(n)d 个字"), n=MAX_COMMENT)
        cleaned[target_id] = text
    return cleaned


def _insert(session: Session, grant: Grant, rows, texts: dict[int, str], *, now: datetime) -> None:
    """Insert the ballot and its rows with Core statements: nothing lingers in the session."""
    ballot_id = new_uuid()
    session.execute(
        insert(Ballot).values(
            id=ballot_id,
            round_id=grant.round_id,
            group_id=grant.group_id,
            cast_on=now.date(),
            is_low_trust=grant.is_low_trust,
        )
    )
    session.execute(
        insert(Rating), [{"ballot_id": ballot_id, "target_id": t, "item_id": i, "level_id": lv} for t, i, lv in rows]
    )
    if texts:
        session.execute(
            insert(Comment),
            [{"ballot_id": ballot_id, "round_id": grant.round_id, "target_id": t, "text": x} for t, x in texts.items()],
        )
