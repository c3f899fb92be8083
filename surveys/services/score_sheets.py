"""Imported score sheets (业务考核 etc.): one score per target, rescaled to 0–100 when scored."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from surveys.errors import DomainError, ImportRejected, RowProblem
from surveys.i18n import N_
from surveys.imports.tables import read_table
from surveys.models import Component, ComponentKind, ImportedScore, Target
from surveys.services import audit
from surveys.services.lookup import get

#: Accepted headers → column. The template we hand out uses the Chinese ones.
COLUMNS = {
    "编号": "code",
    "code": "code",
    "名称": "name",
    "姓名": "name",
    "name": "name",
    "得分": "score",
    "分数": "score",
    "score": "score",
    "满分": "max_score",
    "max_score": "max_score",
}
REQUIRED = {"code", "score"}
TEMPLATE_HEADER = ["编号", "姓名", "得分", "满分"]
MAX_SCORE = 100_000.0


@dataclass(frozen=True)
class SheetResult:
    scores: int
    replaced: int  #: scores of an earlier sheet that this one replaced


def import_score_sheet(
    session: Session,
    component_id: int,
    filename: str,
    data: bytes,
    *,
    now: datetime,
    actor_id: int | None,
    max_score: float = 100.0,
) -> SheetResult:
    """Replace an imported component's scores with the rows of a CSV or XLSX file, or change nothing.

    Columns: 编号 (target code, required), 得分 (required), 满分 (optional, else
    ``max_score``), 姓名 (optional; when given it must match the target, which catches a
    mistyped code). A file with any bad row is refused whole, every bad row listed by line.
    Targets missing from the sheet get no score, so they are "insufficient" when scored.
    """
    component = get(session, Component, component_id)
    if component.kind is not ComponentKind.IMPORTED:
        raise DomainError(N_("只有“导入评分表”类型的评分组成可以导入得分"))
    if not (math.isfinite(max_score) and 0 < max_score <= MAX_SCORE):
        raise DomainError(N_("满分必须大于 0"))
    rows = read_table(filename, data, COLUMNS, REQUIRED)
    if not rows:
        raise ImportRejected(N_("文件中没有数据行"), [])
    targets = {t.code: t for t in session.scalars(select(Target).where(Target.campaign_id == component.campaign_id))}
    problems: list[RowProblem] = []
    parsed: dict[str, tuple[float, float]] = {}
    first_line: dict[str, int] = {}
    for row in rows:
        problems.extend(_row_problems(row.line, row.values, targets, first_line, parsed, max_score))
    if problems:
        raise ImportRejected(N_("文件中有 %(n)d 处错误，未导入任何数据"), problems, n=len(problems))

    replaced = session.execute(delete(ImportedScore).where(ImportedScore.component_id == component.id)).rowcount
    source = (filename or "")[-200:]
    for code, (score, top) in parsed.items():
        session.add(
            ImportedScore(
                component_id=component.id, target_id=targets[code].id, score=score, max_score=top, source=source
            )
        )
    session.flush()
    audit.record(
        session,
        "scores.import",
        now=now,
        actor_id=actor_id,
        obj=component,
        summary=source[:100],
        rows=len(parsed),
        replaced=replaced,
        missing=sorted(set(targets) - set(parsed)),
    )
    return SheetResult(len(parsed), replaced)


def _row_problems(line, values, targets, first_line, parsed, default_max):
    code = values.get("code", "")
    if not code:
        yield RowProblem(line, N_("缺少%(field)s"), {"field": N_("编号")})
    elif code not in targets:
        yield RowProblem(line, N_("编号 %(code)s 不是本活动的评议对象"), {"code": code[:32]})
    elif code in first_line:
        yield RowProblem(
            line, N_("编号 %(code)s 与第 %(other)d 行重复"), {"code": code[:32], "other": first_line[code]}
        )
    else:
        first_line[code] = line
        name = values.get("name", "")
        if name and name != targets[code].name:
            facts = {"code": code[:32], "name": targets[code].name, "given": name[:50]}
            yield RowProblem(line, N_("编号 %(code)s 对应的是“%(name)s”，不是“%(given)s”"), facts)
    top = _number(values.get("max_score", "")) if values.get("max_score") else default_max
    score = _number(values.get("score", ""))
    if top is None or not 0 < top <= MAX_SCORE:
        yield RowProblem(line, N_("满分“%(value)s”无效"), {"value": values.get("max_score", "")[:20]})
    elif score is None:
        yield RowProblem(line, N_("得分“%(value)s”不是数字"), {"value": values.get("score", "")[:20]})
    elif not 0 <= score <= top:
        yield RowProblem(
            line, N_("得分 %(value)s 不在 0 到满分 %(max)s 之间"), {"value": values["score"], "max": f"{top:g}"}
        )
    elif code in targets and first_line.get(code) == line:
        parsed[code] = (score, top)


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None
