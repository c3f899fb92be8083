"""What a batch's codes let their holders rate, remembered per process while its round is open.

Casting checks every ballot against the form its code opens: the round and rater group, the
items and the levels of the round's questionnaire, and the targets the batch covers. All but
the targets are fixed once the round has opened, so they are read once per process and kept
under the batch's ``batch_key``:

- a batch's round, group, scope, bound target and unit never change after it is issued;
- an open round's questionnaire cannot be swapped, and a questionnaire used by a round that
  is no longer a draft cannot be edited (``rounds.ensure_draft``, ``questionnaires.ensure_editable``);
- a round never goes back to draft (draft → open → closed);
- ``batch_key`` is a random salt unique to its batch and never reused, unlike row ids (SQLite
  hands out a deleted row's id again), so a new batch can never hit an old entry.

What may still change while a round is open is not kept here: the round's status (checked by
the conditional UPDATE that redeems the code, in the casting transaction) and the targets a
unit- or campaign-wide batch covers (organisers may add a target or move it to another unit;
read again for every ballot). Only call `batch_form` for a batch whose round the caller's own
transaction has just seen open.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.models import BatchScope, CodeBatch, Item, Level, RaterGroup, Round
from surveys.selectors import TargetSelector

#: Entries kept per process before the cache starts afresh (one per batch ever redeemed).
MAX_ENTRIES = 4096


@dataclass(frozen=True)
class BatchForm:
    """The fixed part of the form a batch's codes open, as plain ids."""

    batch_key: str
    round_id: int
    group_id: int
    campaign_id: int
    scope: BatchScope
    target_id: int | None
    unit_id: int | None
    #: What a unit- or campaign-wide code covers: its group's selector narrowed to the batch's
    #: unit (fixed too: a group's selector cannot change once it has batches or its round opened).
    coverage: TargetSelector | None
    item_ids: frozenset[int]
    level_ids: frozenset[int]
    has_unknown_level: bool


_forms: dict[str, BatchForm] = {}
_lock = threading.Lock()


def batch_form(session: Session, batch_id: int, batch_key: str) -> BatchForm:
    """The form of batch ``batch_id`` (whose key is ``batch_key``), from memory when known."""
    form = _forms.get(batch_key)
    if form is None:
        form = _load(session, batch_id)
        if form.batch_key != batch_key:
            raise LookupError("batch key does not match the batch id")  # a caller's bug, never data
        with _lock:
            if len(_forms) >= MAX_ENTRIES:
                _forms.clear()
            _forms[batch_key] = form
    return form


def batch_coverage(group_selector: TargetSelector, unit_id: int | None) -> TargetSelector | None:
    """What a code of a unit-wide (``unit_id``) or campaign-wide batch of a group covers;
    None when the unit lies outside the group's selector (issuing refuses such a batch)."""
    if unit_id is None:
        return group_selector
    return group_selector.narrowed(TargetSelector(unit_id=unit_id))


def forget_all() -> None:
    """Empty this process's cache (tests, and anyone who must rule it out)."""
    with _lock:
        _forms.clear()


def _load(session: Session, batch_id: int) -> BatchForm:
    batch = session.execute(
        select(
            CodeBatch.batch_key,
            CodeBatch.round_id,
            CodeBatch.group_id,
            CodeBatch.scope,
            CodeBatch.target_id,
            CodeBatch.unit_id,
            Round.campaign_id,
            Round.questionnaire_id,
            RaterGroup.selector_kind,
            RaterGroup.selector_category_id,
            RaterGroup.selector_unit_id,
        )
        .join(Round, Round.id == CodeBatch.round_id)
        .join(RaterGroup, RaterGroup.id == CodeBatch.group_id)
        .where(CodeBatch.id == batch_id)
    ).one()
    items = session.scalars(select(Item.id).where(Item.questionnaire_id == batch.questionnaire_id))
    levels = session.execute(
        select(Level.id, Level.is_excluded).where(Level.questionnaire_id == batch.questionnaire_id)
    ).all()
    return BatchForm(
        batch_key=batch.batch_key,
        round_id=batch.round_id,
        group_id=batch.group_id,
        campaign_id=batch.campaign_id,
        scope=batch.scope,
        target_id=batch.target_id,
        unit_id=batch.unit_id,
        coverage=batch_coverage(
            TargetSelector(batch.selector_kind, batch.selector_category_id, batch.selector_unit_id), batch.unit_id
        ),
        item_ids=frozenset(items),
        level_ids=frozenset(level.id for level in levels),
        has_unknown_level=any(level.is_excluded for level in levels),
    )
