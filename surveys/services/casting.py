"""Casting a ballot: redeem a single-use code and record its ratings in one transaction.

Anonymity (DESIGN.md section 5): the ballot keeps no reference to the code, and no time
finer than the day; the code keeps only the day it was used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from surveys import codes
from surveys.db import claim_write_lock
from surveys.errors import DomainError
from surveys.i18n import N_
from surveys.models import (
    Code,
    CodeBatch,
    CodeStatus,
    Item,
    Level,
    Round,
    RoundStatus,
    Target,
)
from surveys.services import ballot_box, ballot_forms, tickets
from surveys.services.issuing import CodeKeys, covered_target_ids
from surveys.services.tickets import Ticket

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


#: A code with its batch and round, for the checks of `_grant` (built once).
_CODE = (
    select(
        Code.status,
        Code.expires_at,
        Code.group_id,
        CodeBatch.id.label("batch_id"),
        CodeBatch.batch_key,
        CodeBatch.scope,
        CodeBatch.target_id,
        CodeBatch.unit_id,
        Round.campaign_id,
        Round.status.label("round_status"),
    )
    .join(CodeBatch, CodeBatch.id == Code.batch_id)
    .join(Round, Round.id == Code.round_id)
    .where(Code.digest == bindparam("code_digest"))
)


def _grant(session: Session, code_text: str, keys: CodeKeys, *, now: datetime) -> Grant:
    code = codes.check_format(code_text)
    row = session.connection().execute(_CODE, {"code_digest": codes.digest(keys.lookup, code)}).one_or_none()
    if row is None or row.status is not CodeStatus.UNUSED or (row.expires_at is not None and row.expires_at <= now):
        raise CodeRejected()
    _ensure_open(row.round_status)
    form = ballot_forms.batch_form(session, row.batch_id, row.batch_key)  # the round is open: fixed
    targets = covered_target_ids(session, row.campaign_id, row.scope, row.target_id, form.coverage)
    return _from_form(code, form, targets)


def _from_form(code: str, form: ballot_forms.BatchForm, target_ids) -> Grant:
    return Grant(
        code,
        form.round_id,
        form.group_id,
        frozenset(target_ids),
        form.item_ids,
        form.level_ids,
        form.has_unknown_level,
    )


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
    return tickets.describe(
        session, grant.code, grant.round_id, grant.group_id, grant.target_ids, is_low_trust=grant.is_low_trust
    )


def cast_ballot(
    session: Session, code_text: str, answers: Answers, comments: dict[int, str], keys: CodeKeys, *, now: datetime
) -> int:
    """Redeem the code and record its ballot; returns the number of targets rated.

    One transaction: the code is marked used only if it is still unused, unexpired, of an
    open round, and exactly one row changes; then the ballot, its ratings and comments are
    inserted. Any refusal raises before the view commits, so nothing is written (the caller
    rolls back: answers that do not fit the form are found after the conditional UPDATE).

    The hot path is a handful of statements on the bare driver (`ballot_box`): the UPDATE
    returns the code's batch, whose fixed form comes from `ballot_forms` (read once per
    process), and only the targets a unit- or campaign-wide batch covers are read again,
    since they may change while the round is open.
    """
    code = codes.check_format(code_text)  # a mistyped code is refused before it takes the write lock
    claim_write_lock(session)
    redeemed = ballot_box.redeem(session, codes.digest(keys.lookup, code), now=now)
    if redeemed is None:
        _grant(session, code, keys, now=now)  # raises the refusal that fits (closed round, used code...)
        raise CodeRejected()
    form = ballot_forms.batch_form(session, redeemed.batch_id, redeemed.batch_key)
    # A unit's or the campaign's targets may change while the round is open: read in this
    # transaction, never cached.
    target_ids = covered_target_ids(session, form.campaign_id, form.scope, form.target_id, form.coverage)
    grant = _from_form(code, form, target_ids)
    _insert(session, grant, _ratings(grant, answers), _comments(grant, comments), now=now)
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
    ballot_box.drop_in(
        session,
        round_id=grant.round_id,
        group_id=grant.group_id,
        is_low_trust=grant.is_low_trust,
        ratings=rows,
        comments=texts,
        today=now.date(),
    )
