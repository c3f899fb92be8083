"""Issuing, reprinting and voiding batches of single-use codes; window terminals."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from surveys import codes
from surveys.db import claim_write_lock
from surveys.errors import Conflict, DomainError
from surveys.i18n import N_
from surveys.models import (
    BatchScope,
    Code,
    CodeBatch,
    CodeStatus,
    RaterGroup,
    Round,
    RoundStatus,
    Target,
    Terminal,
    Unit,
)
from surveys.selectors import TargetSelector
from surveys.services import audit, ballot_box, organisation
from surveys.services.ballot_forms import batch_coverage
from surveys.services.lookup import get

MAX_BATCH = 100_000


class CoversNothing(DomainError):
    """The batch asked for would cover no target: outside the rater group's selector."""


_INSERT_CHUNK = 5_000


@dataclass(frozen=True)
class CodeKeys:
    """Two keys from configuration, never from the database."""

    derive: bytes  #: turns (batch key, index) into a code
    lookup: bytes  #: turns a code into the digest the database stores


def issue_batch(
    session: Session,
    round_id: int,
    group_id: int,
    count: int,
    keys: CodeKeys,
    *,
    now: datetime,
    actor_id: int | None,
    target_id: int | None = None,
    unit_id: int | None = None,
    label: str = "",
) -> tuple[CodeBatch, list[str]]:
    """Create ``count`` codes for one rater group of a round and return them (canonical form).

    The batch covers one bound target, the targets of one unit, or (neither given) every
    target of the campaign. Only digests are stored.
    """
    if not 1 <= count <= MAX_BATCH:
        raise DomainError(N_("数量必须在 1 到 %(n)d 之间"), n=MAX_BATCH)
    batch = _new_batch(session, round_id, group_id, target_id, unit_id, label, now=now)
    issued = _append_codes(session, batch, count, keys, expires_at=None)
    audit.record(
        session,
        "codes.issue",
        now=now,
        actor_id=actor_id,
        obj=batch,
        summary=f"{batch.round.name} / {batch.group.name}: {count}",
        count=count,
        scope=batch.scope.value,
    )
    return batch, issued


def _new_batch(
    session: Session,
    round_id: int,
    group_id: int,
    target_id: int | None,
    unit_id: int | None,
    label: str,
    *,
    now: datetime,
    ttl_minutes: int | None = None,
) -> CodeBatch:
    round_ = get(session, Round, round_id)
    if round_.status is RoundStatus.CLOSED:
        raise Conflict(N_("轮次已结束，不能再发放评议码"))
    group = get(session, RaterGroup, group_id)
    if group.round_id != round_.id:
        raise DomainError(N_("评议主体不属于该轮次"))
    batch = CodeBatch(
        round=round_,
        group=group,
        scope=_scope(session, round_, group, target_id, unit_id),
        target_id=target_id,
        unit_id=unit_id,
        batch_key=secrets.token_hex(16),
        size=0,
        label=label.strip()[:100],
        ttl_minutes=ttl_minutes,
        created_at=now,
    )
    session.add(batch)
    session.flush()
    return batch


def _scope(
    session: Session, round_: Round, group: RaterGroup, target_id: int | None, unit_id: int | None
) -> BatchScope:
    """The batch's scope, refusing a batch that would cover no target of the group's selector."""
    if target_id is not None and unit_id is not None:
        raise DomainError(N_("只能绑定一个评议对象或一个单位"))
    if target_id is not None:
        target = get(session, Target, target_id)
        if target.campaign_id != round_.campaign_id:
            raise DomainError(N_("评议对象不属于该评议活动"))
        if not group.selector.matches(target):
            raise CoversNothing(
                N_("评议对象 %(code)s 不在评议主体“%(group)s”的评议范围内：这一批不会覆盖任何评议对象，未发放"),
                code=target.code,
                group=group.name,
            )
        return BatchScope.TARGET
    if unit_id is not None:
        unit = get(session, Unit, unit_id)
        if not covered_target_ids(
            session, round_.campaign_id, BatchScope.UNIT, None, batch_coverage(group.selector, unit_id)
        ):
            raise CoversNothing(
                N_(
                    "单位“%(unit)s”在本活动中没有属于评议主体“%(group)s”评议范围的评议对象：这一批不会覆盖任何评议对象，未发放"
                ),
                unit=unit.name,
                group=group.name,
            )
        return BatchScope.UNIT
    if not covered_target_ids(session, round_.campaign_id, BatchScope.ROUND, None, group.selector):
        raise CoversNothing(
            N_("评议主体“%(group)s”的评议范围内没有评议对象：这一批不会覆盖任何评议对象，未发放"), group=group.name
        )
    return BatchScope.ROUND


def _append_codes(
    session: Session, batch: CodeBatch, count: int, keys: CodeKeys, *, expires_at: datetime | None
) -> list[str]:
    start = batch.size
    issued = [codes.derive_code(keys.derive, batch.batch_key, i) for i in range(start, start + count)]
    rows = [
        {
            "digest": codes.digest(keys.lookup, code),
            "batch_id": batch.id,
            "round_id": batch.round_id,
            "group_id": batch.group_id,
            "target_id": batch.target_id,
            "status": CodeStatus.UNUSED,
            "expires_at": expires_at,
        }
        for code in issued
    ]
    for i in range(0, len(rows), _INSERT_CHUNK):
        session.execute(insert(Code), rows[i : i + _INSERT_CHUNK])
    batch.size = start + count
    session.flush()
    return issued


def batch_codes(batch: CodeBatch, keys: CodeKeys) -> Iterator[str]:
    """Derive a batch's codes again, in order, for reprinting."""
    return (codes.derive_code(keys.derive, batch.batch_key, i) for i in range(batch.size))


def covered_target_ids(
    session: Session, campaign_id: int, scope: BatchScope, target_id: int | None, coverage: TargetSelector | None
) -> list[int]:
    """The targets a code rates, in code order: its bound target, or what its batch covers
    (`ballot_forms.batch_coverage`: the group's selector, narrowed to the batch's unit)."""
    if scope is BatchScope.TARGET:
        return [target_id]
    if coverage is None:
        return []
    session.flush()  # the bare statement does not autoflush as the ORM would
    return ballot_box.campaign_targets(session, campaign_id, coverage)


def issue_batches_per_unit(
    session: Session,
    round_id: int,
    group_id: int,
    count: int,
    keys: CodeKeys,
    *,
    now: datetime,
    actor_id: int | None,
    label: str = "",
) -> list[tuple[CodeBatch, list[str]]]:
    """Issue one batch of ``count`` codes per unit of the group's selector (每个单位一批).

    Each batch covers the targets of its unit that the group may rate; the units come in
    pinyin order. Raises DomainError when the group covers no unit, or when all batches
    together would exceed `MAX_BATCH` codes; nothing is issued then.
    """
    group = get(session, RaterGroup, group_id)
    if group.round_id != round_id:
        raise DomainError(N_("评议主体不属于该轮次"))
    units = organisation.campaign_units(session, group.round.campaign_id, group.selector)
    if not units:
        raise CoversNothing(
            N_("评议主体“%(group)s”的评议范围内没有评议对象：这一批不会覆盖任何评议对象，未发放"), group=group.name
        )
    if count * len(units) > MAX_BATCH:
        raise DomainError(
            N_("%(units)d 个单位每个 %(count)d 个，合计超过 %(n)d 个：请减少每个单位的数量"),
            units=len(units),
            count=count,
            n=MAX_BATCH,
        )
    return [
        issue_batch(session, round_id, group.id, count, keys, now=now, actor_id=actor_id, unit_id=unit.id, label=label)
        for unit in units
    ]


def void_batch(session: Session, batch_id: int, *, now: datetime, actor_id: int | None) -> int:
    """Void a batch: its unused codes stop working. Returns how many codes were voided."""
    batch = get(session, CodeBatch, batch_id)
    if batch.is_void:
        raise Conflict(N_("该批评议码已作废"))
    batch.is_void = True
    result = session.execute(
        update(Code).where(Code.batch_id == batch.id, Code.status == CodeStatus.UNUSED).values(status=CodeStatus.VOID)
    )
    audit.record(
        session, "codes.void", now=now, actor_id=actor_id, obj=batch, summary=batch.label, voided=result.rowcount
    )
    session.flush()
    return result.rowcount


def turnout(session: Session, round_id: int) -> list[dict]:
    """Codes issued / used / void per batch (with its group), for the organiser."""
    stmt = (
        select(CodeBatch.id, Code.status, func.count())
        .join(Code, Code.batch_id == CodeBatch.id)
        .where(CodeBatch.round_id == round_id)
        .group_by(CodeBatch.id, Code.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for batch_id, status, n in session.execute(stmt):
        counts.setdefault(batch_id, {})[status.value] = n
    batches = session.scalars(select(CodeBatch).where(CodeBatch.round_id == round_id).order_by(CodeBatch.id))
    rows = []
    for batch in batches:
        c = counts.get(batch.id, {})
        used, void = c.get("used", 0), c.get("void", 0)
        rows.append(
            {
                "batch": batch,
                "issued": batch.size,
                "used": used,
                "void": void,
                "rate": used / batch.size if batch.size else 0.0,
            }
        )
    return rows


# --- window terminals ---------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_terminal(
    session: Session,
    round_id: int,
    group_id: int,
    target_id: int,
    name: str,
    *,
    ttl_minutes: int,
    now: datetime,
    actor_id: int | None,
) -> tuple[Terminal, str]:
    """Register a terminal bound to one target; returns it and its bearer token (shown once)."""
    if not 1 <= ttl_minutes <= 60 * 24 * 30:
        raise DomainError(N_("有效期必须在 1 分钟到 30 天之间"))
    name = name.strip()[:100] or N_("窗口终端")
    # Two live terminals of one name cannot be told apart in the list (nor revoked apart); a
    # reloaded form would make one.
    live = (
        select(Terminal.id)
        .join(CodeBatch, CodeBatch.id == Terminal.batch_id)
        .where(CodeBatch.round_id == round_id, Terminal.name == name, Terminal.is_revoked.is_(False))
    )
    if session.scalar(live.limit(1)) is not None:
        raise Conflict(N_("本轮已有名为“%(name)s”的终端：请换一个名称，或先撤销原来的终端"), name=name)
    batch = _new_batch(session, round_id, group_id, target_id, None, name, now=now, ttl_minutes=ttl_minutes)
    token = secrets.token_urlsafe(32)
    terminal = Terminal(name=name, batch=batch, token_digest=token_digest(token), created_at=now)
    session.add(terminal)
    audit.record(session, "terminal.create", now=now, actor_id=actor_id, obj=terminal, summary=name)
    return terminal, token


def revoke_terminal(session: Session, terminal_id: int, *, now: datetime, actor_id: int | None) -> None:
    terminal = get(session, Terminal, terminal_id)
    terminal.is_revoked = True
    audit.record(session, "terminal.revoke", now=now, actor_id=actor_id, obj=terminal, summary=terminal.name)
    session.flush()


class TerminalRefused(DomainError):
    status = 401


def next_terminal_code(session: Session, token: str, keys: CodeKeys, *, now: datetime) -> tuple[str, CodeBatch]:
    """A fresh code bound to the terminal's target, valid for the terminal's time to live.

    Raises TerminalRefused for an unknown or revoked token, Conflict when the round is not open.
    """
    claim_write_lock(session)
    terminal = session.scalar(select(Terminal).where(Terminal.token_digest == token_digest(token)).with_for_update())
    if terminal is None or terminal.is_revoked:
        raise TerminalRefused(N_("终端令牌无效或已吊销"))
    batch = session.scalar(select(CodeBatch).where(CodeBatch.id == terminal.batch_id).with_for_update())
    if batch.is_void:
        raise Conflict(N_("该批评议码已作废"))
    if batch.round.status is not RoundStatus.OPEN:
        raise Conflict(N_("本轮评议未在进行中"))
    expires_at = now + timedelta(minutes=batch.ttl_minutes or 30)
    (code,) = _append_codes(session, batch, 1, keys, expires_at=expires_at)
    return code, batch
