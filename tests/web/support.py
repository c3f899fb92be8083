"""Plain helpers shared by the web tests (fixtures live in conftest.py)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from evalsite import create_app
from surveys import codes
from surveys.db import Base
from surveys.imports.targets import TEMPLATE_HEADER
from surveys.models import (
    Role,
    Round,
)
from tests.conftest import PASSWORD


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


def sign_in_as(client, make_user, role: Role, username: str, unit_id: int | None = None):
    user = make_user(role, username, unit_id=unit_id)
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return user


def row_of(html: str, code: str) -> str:
    """The text of the table row that lists ``code``."""
    rows = [r for r in re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S) if f">{code}<" in r]
    assert len(rows) == 1, f"{code} is in {len(rows)} rows"
    return visible_text(rows[0])


def figures(html: str) -> dict[str, dict]:
    """The figures of a page, by name, from their JSON data blocks."""
    blocks = re.findall(r'<script type="application/json" id="figure-(\w+)">(.*?)</script>', html, flags=re.S)
    return {name: json.loads(body) for name, body in blocks}


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


_SWITCH = re.compile(r'<form method="post" action="/language"[^>]*>(.*?)</form>', re.DOTALL)


_HIDDEN = re.compile(r'<input type="hidden" name="([\w-]+)" value="([^"]*)">')


def ballot_form(code: str, round_: Round, targets, **extra) -> dict[str, str]:
    """What the rating form posts when every item is answered with the first level."""
    questionnaire = round_.questionnaire
    form = {"code": code}
    for target in targets:
        for item in questionnaire.items:
            form[f"a-{target.id}-{item.id}"] = str(questionnaire.levels[0].id)
        form[f"c-{target.id}"] = ""
    return form | extra


def spellings(code: str) -> set[str]:
    """Every way a code may have been written down: canonical and grouped, any case."""
    grouped = codes.display(code)
    return {code, grouped, code.lower(), grouped.lower()}


def token_of(response) -> str:
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, "the page carries no CSRF token"
    return match[1]


def language_switch(response) -> dict[str, str] | None:
    """The hidden fields of the page's language switch, or None when the page has none."""
    match = _SWITCH.search(response.get_data(as_text=True))
    return dict(_HIDDEN.findall(match[1])) if match else None


def choose_language(client, lang: str, page: str = "/r"):
    """Press the language switch on ``page`` as a rater would."""
    return client.post("/language", data=language_switch(client.get(page)) | {"lang": lang})


def held_in_cookie(client) -> dict:
    """What the session cookie holds, decoded; {} without a cookie."""
    app = client.application
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return app.session_interface.get_signing_serializer(app).loads(cookie.value) if cookie else {}
