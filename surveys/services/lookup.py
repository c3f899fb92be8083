"""Fetching one object by id, or raising NotFound with a message the user can read."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from surveys.db import Base
from surveys.errors import NotFound
from surveys.i18n import N_

T = TypeVar("T", bound=Base)

_NOT_FOUND = {
    "campaigns": N_("评议活动不存在"),
    "categories": N_("类别不存在"),
    "components": N_("评分组成不存在"),
    "items": N_("测评指标不存在"),
    "levels": N_("评价等级不存在"),
    "questionnaires": N_("测评表不存在"),
    "rater_groups": N_("评议主体不存在"),
    "rounds": N_("评议轮次不存在"),
    "targets": N_("评议对象不存在"),
    "units": N_("单位不存在"),
    "users": N_("用户不存在"),
}


def get(session: Session, model: type[T], object_id: int | None) -> T:
    obj = session.get(model, object_id) if object_id is not None else None
    if obj is None:
        raise NotFound(_NOT_FOUND.get(model.__tablename__, N_("对象不存在")))
    return obj
