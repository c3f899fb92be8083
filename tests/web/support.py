"""Plain helpers shared by the web tests (fixtures live in conftest.py)."""

from __future__ import annotations

import csv
import html
import io
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from evalsite import create_app
from surveys.db import Base
from surveys.imports.targets import TEMPLATE_HEADER


@dataclass(frozen=True)
class Rule:
    """One rule of the url map, as plain data (collected before any test app exists)."""

    endpoint: str
    path: str
    methods: frozenset[str]
    arguments: frozenset[str]

    def __str__(self) -> str:
        return self.endpoint


def rules_of(app: Flask) -> list[Rule]:
    return sorted(
        (
            Rule(rule.endpoint, rule.rule, frozenset(rule.methods or ()), frozenset(rule.arguments))
            for rule in app.url_map.iter_rules()
        ),
        key=lambda rule: rule.path,
    )


def collect_rules() -> list[Rule]:
    """The url map of a throwaway app, for parametrising tests at collection time."""
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "collection-only"})
    try:
        return rules_of(app)
    finally:
        app.extensions["evalsite.engine"].dispose()


def fresh(session: Session) -> Session:
    """The test's session, ready to see what the app committed.

    Ending the transaction matters as much as expiring: on SQLite in WAL mode an open read
    transaction keeps showing the snapshot it started with.
    """
    session.commit()
    session.expire_all()
    return session


def database_rows(session: Session) -> dict[str, list[tuple]]:
    """Every row of every table: two equal results mean nothing was written in between."""
    fresh(session)
    return {
        table.name: sorted((tuple(row) for row in session.execute(select(table))), key=repr)
        for table in Base.metadata.sorted_tables
    }


def page_text(response) -> str:
    """The visible text of an HTML response: tags dropped, entities decoded, spaces collapsed."""
    return visible_text(response.get_data(as_text=True))


def visible_text(page: str) -> str:
    """`page_text` of an HTML string."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def location(response) -> tuple[str, dict[str, list[str]]]:
    """Path and query of a redirect's Location, asserting it stays on this site."""
    parts = urlsplit(response.headers["Location"])
    assert not parts.scheme and not parts.netloc, response.headers["Location"]
    return parts.path, parse_qs(parts.query)


def id_in(url: str, pattern: str) -> int:
    match = re.search(pattern, url)
    assert match, f"{pattern!r} not in {url!r}"
    return int(match.group(1))


DEPARTMENTS = [
    "市行政审批服务局", "市发展和改革委员会", "市教育局", "市公安局", "市民政局", "市财政局",
    "市人力资源和社会保障局", "市自然资源局", "市住房和城乡建设局", "市交通运输局",
    "市卫生健康委员会", "市市场监督管理局",
]  # fmt: skip
CATEGORIES = ["综合管理", "行政执法", "社会服务"]
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明"]


def roster_rows(n: int = 189, prefix: str = "BJ") -> list[list[str]]:
    """A roster like Baoji's 百名科长: code, name, kind, category, unit, title."""
    rows = []
    for i in range(n):
        unit = DEPARTMENTS[i % len(DEPARTMENTS)]
        name = _SURNAMES[i % len(_SURNAMES)] + _GIVEN[i % len(_GIVEN)]
        rows.append([f"{prefix}{i + 1:03d}", name, "个人", CATEGORIES[i % 3], unit, f"第{i % 7 + 1}科科长"])
    return rows


def csv_bytes(rows: list[list[str]], header: list[str] = TEMPLATE_HEADER) -> bytes:
    """A CSV as Excel on Chinese Windows saves it as UTF-8: with a BOM and CRLF."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue().encode("utf-8-sig")


def upload(data: bytes, filename: str) -> dict:
    """Form data for the target import page."""
    return {"file": (io.BytesIO(data), filename)}
