"""Bulk import of targets (a roster of section chiefs, windows or units) from CSV or XLSX."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from surveys.errors import ImportRejected, RowProblem
from surveys.i18n import N_
from surveys.imports.tables import read_table
from surveys.models import Campaign, Target, TargetKind, Unit
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
    rows = read_table(filename, data, COLUMNS, REQUIRED)
    if not rows:
        raise ImportRejected(N_("文件中没有数据行"), [])
    existing = set(session.scalars(select(Target.code).where(Target.campaign_id == campaign.id)))
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    for row in rows:
        problems.extend(_row_problems(row.line, row.values, existing, first_line))
    if problems:
        raise ImportRejected(N_("文件中有 %(n)d 处错误，未导入任何数据"), problems, n=len(problems))

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
