"""Bulk import of targets (a roster of section chiefs, windows or units) from CSV or XLSX."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.errors import Conflict, ImportRejected, RowProblem
from surveys.i18n import N_
from surveys.imports.tables import read_table
from surveys.models import Campaign, Rating, Target, TargetKind, Unit
from surveys.selectors import KIND_LABELS
from surveys.services import audit
from surveys.services.lookup import get
from surveys.services.organisation import find_or_create_category

#: Accepted headers → column. The template we hand out uses the Chinese ones.
COLUMNS = {
    "编号": "code",
    "code": "code",
    "名称": "name",
    "姓名": "name",
    "name": "name",
    "类型": "kind",
    "kind": "kind",
    "类别": "category",
    "category": "category",
    "单位": "unit",
    "所属单位": "unit",
    "unit": "unit",
    "职务": "title",
    "title": "title",
}
REQUIRED = {"code", "name", "kind", "category", "unit"}
TEMPLATE_HEADER = ["编号", "姓名", "类型", "类别", "单位", "职务"]

KINDS = {
    "窗口": TargetKind.WINDOW,
    "window": TargetKind.WINDOW,
    "个人": TargetKind.PERSON,
    "人员": TargetKind.PERSON,
    "person": TargetKind.PERSON,
    "单位": TargetKind.UNIT,
    "unit": TargetKind.UNIT,
}
_LIMITS = {"code": 32, "name": 100, "category": 50, "unit": 100, "title": 100}
_LABELS = {
    "code": N_("编号"),
    "name": N_("名称"),
    "kind": N_("类型"),
    "category": N_("类别"),
    "unit": N_("单位"),
    "title": N_("职务"),
}


@dataclass(frozen=True)
class ImportResult:
    targets: int
    new_units: list[str]
    new_categories: list[str]


def import_targets(
    session: Session,
    campaign_id: int,
    filename: str,
    data: bytes,
    *,
    now: datetime,
    actor_id: int | None,
) -> ImportResult:
    """Add every row of the file as a target of the campaign, or none of them.

    A file with any bad row is refused whole (ImportRejected lists each bad row by line
    and reason). Units and categories named in the file that do not exist yet are created.
    """
    campaign = get(session, Campaign, campaign_id)
    existing = set(session.scalars(select(Target.code).where(Target.campaign_id == campaign.id)))
    rows = _checked_rows(filename, data, existing)

    units = {u.name: u for u in session.scalars(select(Unit))}
    new_units, old_categories = [], {c.name for c in campaign.categories}
    for row in rows:
        unit_name = row.values["unit"]
        if unit_name not in units:
            units[unit_name] = Unit(name=unit_name)
            session.add(units[unit_name])
            new_units.append(unit_name)
        campaign.targets.append(
            Target(
                code=row.values["code"],
                name=row.values["name"],
                kind=KINDS[row.values["kind"].lower()],
                title=row.values.get("title", ""),
                category=find_or_create_category(session, campaign, row.values["category"]),
                unit=units[unit_name],
            )
        )
    new_categories = [c.name for c in campaign.categories if c.name not in old_categories]
    session.flush()
    audit.record(
        session,
        "target.import",
        now=now,
        actor_id=actor_id,
        obj=campaign,
        summary=filename[:100],
        rows=len(rows),
        new_units=new_units,
        new_categories=new_categories,
    )
    return ImportResult(len(rows), new_units, new_categories)


def _row_problems(line: int, values: dict[str, str], existing: set[str], first_line: dict[str, int]):
    for key in sorted(REQUIRED, key=list(_LABELS).index):
        if not values.get(key):
            yield RowProblem(line, N_("缺少%(field)s"), {"field": _LABELS[key]})
    for key, limit in _LIMITS.items():
        if len(values.get(key, "")) > limit:
            yield RowProblem(line, N_("%(field)s超过 %(n)d 个字符"), {"field": _LABELS[key], "n": limit})
    kind = values.get("kind", "")
    if kind and kind.lower() not in KINDS:
        yield RowProblem(line, N_("类型“%(value)s”无效，应为 窗口、个人 或 单位"), {"value": kind[:20]})
    code = values.get("code", "")
    if code in existing:
        yield RowProblem(line, N_("编号 %(code)s 已存在于本活动"), {"code": code[:32]})
    elif code and code in first_line:
        yield RowProblem(
            line, N_("编号 %(code)s 与第 %(other)d 行重复"), {"code": code[:32], "other": first_line[code]}
        )
    elif code:
        first_line[code] = line


# --- 更新 mode: a corrected roster updates the targets it names -----------------------------

#: The fields an update compares, with their words; the code is the key and never changes.
_COMPARED = ("name", "kind", "title", "category", "unit")


@dataclass(frozen=True)
class FieldChange:
    field: str  #: a msgid from `_LABELS`
    old: str
    new: str
    is_kept: bool = False  #: the target has ballots: the old value stays (its kind)

    @property
    def is_kind(self) -> bool:
        """Old and new are kinds, given as msgids (单位 / 窗口 / 个人)."""
        return self.field == _LABELS["kind"]


@dataclass(frozen=True)
class TargetChange:
    line: int
    code: str
    name: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class UpdatePlan:
    """What importing a corrected roster in 更新 mode would do; nothing is written by a plan."""

    new: tuple[str, ...]  #: codes of rows that add a target
    changed: tuple[TargetChange, ...]
    unchanged: int
    #: Identifies the file and what it would change: confirming a plan that no longer holds is refused.
    digest: str


def plan_update(session: Session, campaign_id: int, filename: str, data: bytes) -> UpdatePlan:
    """Compare a roster with the campaign's targets: new codes, changed fields, unchanged rows.

    Rows are checked as on a plain import, except that a code already in the campaign is an
    update of that target, not an error. A target that has ballots keeps its kind (its
    ballots were cast for it as it was); the plan says so. Raises ImportRejected for bad rows.
    """
    campaign = get(session, Campaign, campaign_id)
    rows = _checked_rows(filename, data, set())
    current = {t.code: t for t in campaign.targets}
    rated = set(
        session.scalars(select(Rating.target_id).join(Target).where(Target.campaign_id == campaign.id).distinct())
    )
    new, changed, unchanged = [], [], 0
    for row in rows:
        target = current.get(row.values["code"])
        if target is None:
            new.append(row.values["code"])
            continue
        changes = tuple(_changes(target, row.values, is_rated=target.id in rated))
        if changes:
            changed.append(TargetChange(row.line, target.code, target.name, changes))
        else:
            unchanged += 1
    fingerprint = hashlib.sha256(data)
    fingerprint.update(repr((new, changed, unchanged)).encode())
    return UpdatePlan(tuple(new), tuple(changed), unchanged, fingerprint.hexdigest())


def apply_update(
    session: Session, campaign_id: int, filename: str, data: bytes, *, digest: str, now: datetime, actor_id: int | None
) -> UpdatePlan:
    """Carry out the plan the organiser confirmed (``digest``): add the new targets, change
    the changed fields (a rated target keeps its kind). Raises Conflict when the file or the
    targets changed since the preview; nothing is written then."""
    plan = plan_update(session, campaign_id, filename, data)
    if plan.digest != digest:
        raise Conflict(N_("预览之后评议对象已有变化，请重新上传并确认"))
    campaign = get(session, Campaign, campaign_id)
    rows = {row.values["code"]: row for row in _checked_rows(filename, data, set())}
    units = {u.name: u for u in session.scalars(select(Unit))}
    current = {t.code: t for t in campaign.targets}
    for code in plan.new:
        campaign.targets.append(Target(code=code, **_target_values(session, campaign, units, rows[code].values)))
    for change in plan.changed:
        target = current[change.code]
        values = _target_values(session, campaign, units, rows[change.code].values)
        if any(c.is_kept for c in change.changes):
            values.pop("kind")
        for field, value in values.items():
            setattr(target, field, value)
    session.flush()
    audit.record(
        session,
        "target.import",
        now=now,
        actor_id=actor_id,
        obj=campaign,
        summary=filename[:100],
        mode="update",
        new=len(plan.new),
        changed=[c.code for c in plan.changed],
        unchanged=plan.unchanged,
    )
    return plan


def _checked_rows(filename: str, data: bytes, existing: set[str]):
    """The file's rows, or ImportRejected listing every bad one (a code in ``existing`` too)."""
    rows = read_table(filename, data, COLUMNS, REQUIRED)
    if not rows:
        raise ImportRejected(N_("文件中没有数据行"), [])
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    for row in rows:
        problems.extend(_row_problems(row.line, row.values, existing, first_line))
    if problems:
        raise ImportRejected(N_("文件中有 %(n)d 处错误，未导入任何数据"), problems, n=len(problems))
    return rows


def _changes(target: Target, values: dict[str, str], *, is_rated: bool):
    now_values = {
        "name": target.name,
        "kind": target.kind,
        "title": target.title,
        "category": target.category.name,
        "unit": target.unit.name,
    }
    wanted = {**values, "kind": KINDS[values["kind"].lower()], "title": values.get("title", "")}
    for field in _COMPARED:
        old, new = now_values[field], wanted[field]
        if old != new:
            if field == "kind":
                yield FieldChange(_LABELS[field], KIND_LABELS[old], KIND_LABELS[new], is_kept=is_rated)
            else:
                yield FieldChange(_LABELS[field], old, new)


def _target_values(session: Session, campaign: Campaign, units: dict[str, Unit], values: dict[str, str]) -> dict:
    unit_name = values["unit"]
    if unit_name not in units:
        units[unit_name] = Unit(name=unit_name)
        session.add(units[unit_name])
    return {
        "name": values["name"],
        "kind": KINDS[values["kind"].lower()],
        "title": values.get("title", ""),
        "category": find_or_create_category(session, campaign, values["category"]),
        "unit": units[unit_name],
    }
