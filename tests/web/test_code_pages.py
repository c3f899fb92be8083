"""Organiser pages for codes: issue a batch, download its slips and list, void it, terminals."""

from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest
from sqlalchemy import select

from evalsite.keys import code_keys
from evalsite.views.admin import codes as code_views
from surveys import codes
from surveys.models import BatchScope, Code, CodeBatch, CodeStatus, Role, Terminal
from surveys.services import issuing, rounds
from tests.conftest import NOW
from tests.jobs_support import run_and_follow
from tests.web.support import database_rows, fresh, id_in, location, page_text

KW = {"now": NOW, "actor_id": None}


def issue_form(group_id: int, count: int = 12, **changes) -> dict:
    form = {"group_id": group_id, "count": count, "scope": "round", "unit_id": 0, "target_code": "", "label": ""}
    return form | changes


def issue(client, round_, count: int = 12, **changes) -> int:
    """Issue a batch through the page; returns its id."""
    response = client.post(f"/admin/rounds/{round_.id}/codes", data=issue_form(round_.groups[0].id, count, **changes))
    assert response.status_code == 302, page_text(response)[:500]
    path, _ = location(response)
    return id_in(path, r"^/admin/batches/(\d+)$")


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def batch_codes(session, batch_id: int) -> list[Code]:
    return list(fresh(session).scalars(select(Code).where(Code.batch_id == batch_id)))


def test_an_organiser_issues_a_batch_and_downloads_its_slips_and_list(app, client, session, login, make_campaign):
    login()
    round_ = make_campaign().rounds[0]
    page = client.get(f"/admin/rounds/{round_.id}/codes")
    assert page.status_code == 200 and "发放一批评议码" in page_text(page)

    batch_id = issue(client, round_, 12, label="政务大厅")
    batch = fresh(session).get(CodeBatch, batch_id)
    assert (batch.size, batch.scope, batch.label) == (12, BatchScope.ROUND, "政务大厅")
    assert batch.group_id == round_.groups[0].id
    detail = client.get(f"/admin/batches/{batch_id}")
    assert detail.status_code == 200
    assert f"/admin/batches/{batch_id}/slips.pdf" in detail.get_data(as_text=True)

    pdf = client.get(f"/admin/batches/{batch_id}/slips.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert f"batch-{batch_id}" in pdf.headers["Content-Disposition"]
    assert "no-store" in pdf.headers["Cache-Control"]

    listing = client.get(f"/admin/batches/{batch_id}/codes.csv")
    assert listing.status_code == 200 and listing.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in listing.headers["Cache-Control"]
    header, *rows = read_csv(listing)
    assert header == ["code", "url"] and len(rows) == 12
    base = app.config["PUBLIC_BASE_URL"]
    for grouped, url in rows:
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]", grouped)
        assert url == codes.code_url(base, codes.check_format(grouped))
    with app.app_context():
        lookup = code_keys().lookup
    stored = {code.digest for code in batch_codes(session, batch_id)}
    assert stored == {codes.digest(lookup, grouped) for grouped, _url in rows}


def test_the_turnout_table_counts_codes_per_batch_and_per_group(client, session, login, make_campaign):
    login()
    round_ = make_campaign().rounds[0]
    first, second = issue(client, round_, 10), issue(client, round_, 5)
    client.post(f"/admin/batches/{second}/void")

    text = page_text(client.get(f"/admin/rounds/{round_.id}/codes"))
    assert f"第 {first} 批 服务对象 全部评议对象 10 0 0 0.0%" in text
    assert f"第 {second} 批 已作废 服务对象 全部评议对象 5 0 5 0.0%" in text
    assert "服务对象 15 0 5 0.0%" in text  # the group total


def test_a_batch_can_be_bound_to_one_target_by_its_code_or_to_one_unit(client, session, login, make_campaign):
    login()
    campaign = make_campaign()
    round_, target = campaign.rounds[0], campaign.targets[2]
    by_target = issue(client, round_, 3, scope="target", target_code=target.code)
    by_unit = issue(client, round_, 3, scope="unit", unit_id=target.unit_id)

    assert {c.target_id for c in batch_codes(session, by_target)} == {target.id}
    assert session.get(CodeBatch, by_unit).scope is BatchScope.UNIT
    assert target.name in page_text(client.get(f"/admin/batches/{by_target}"))


@pytest.mark.parametrize(
    "changes",
    [{"count": 0}, {"count": 100_001}, {"scope": "target", "target_code": "NOPE"}, {"scope": "unit", "unit_id": 0}],
    ids=["zero", "too-many", "unknown-target", "no-unit"],
)
def test_a_refused_issue_form_says_why_and_writes_nothing(client, session, login, make_campaign, changes):
    login()
    round_ = make_campaign().rounds[0]
    before = database_rows(session)
    response = client.post(f"/admin/rounds/{round_.id}/codes", data=issue_form(round_.groups[0].id, **changes))
    assert response.status_code == 400
    assert database_rows(session) == before


def test_no_codes_are_issued_in_a_closed_round(client, session, login, make_campaign):
    login()
    round_ = make_campaign().rounds[0]
    rounds.open_round(session, round_.id, **KW)
    rounds.close_round(session, round_.id, **KW)
    session.commit()
    response = client.post(f"/admin/rounds/{round_.id}/codes", data=issue_form(round_.groups[0].id))
    assert response.status_code == 409
    assert fresh(session).scalars(select(CodeBatch)).all() == []


def test_voiding_a_batch_voids_its_codes_and_stops_its_downloads(client, session, login, make_campaign):
    login()
    round_ = make_campaign().rounds[0]
    kept, voided = issue(client, round_, 4), issue(client, round_, 6)

    response = client.post(f"/admin/batches/{voided}/void")
    assert response.status_code == 302 and location(response)[0] == f"/admin/batches/{voided}"
    assert {c.status for c in batch_codes(session, voided)} == {CodeStatus.VOID}
    assert {c.status for c in batch_codes(session, kept)} == {CodeStatus.UNUSED}
    assert session.get(CodeBatch, voided).is_void
    assert client.get(f"/admin/batches/{voided}/slips.pdf").status_code == 409
    assert client.get(f"/admin/batches/{voided}/codes.csv").status_code == 409
    assert client.post(f"/admin/batches/{voided}/void").status_code == 409


def test_a_terminal_token_is_shown_once_and_never_again(client, session, login, make_campaign):
    login()
    campaign = make_campaign()
    round_, target = campaign.rounds[0], campaign.targets[0]
    form = {"name": "3号窗口", "target_code": target.code, "group_id": round_.groups[0].id, "ttl_minutes": 15}

    response = client.post(f"/admin/rounds/{round_.id}/terminals", data=form)
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    token = re.search(r'<code class="token">([^<]+)</code>', response.get_data(as_text=True)).group(1)
    terminal = fresh(session).scalars(select(Terminal)).one()
    assert terminal.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert (terminal.batch.target_id, terminal.batch.ttl_minutes) == (target.id, 15)

    later = client.get(f"/admin/rounds/{round_.id}/codes")
    assert "3号窗口" in page_text(later) and token not in later.get_data(as_text=True)
    assert token not in client.get(f"/admin/batches/{terminal.batch_id}").get_data(as_text=True)
    assert client.get(f"/admin/batches/{terminal.batch_id}/slips.pdf").status_code == 409


def test_a_reloaded_terminal_form_makes_no_second_terminal_of_the_same_name(client, session, login, make_campaign):
    login()
    campaign = make_campaign()
    round_, target = campaign.rounds[0], campaign.targets[0]
    form = {"name": "3号窗口", "target_code": target.code, "group_id": round_.groups[0].id, "ttl_minutes": 15}
    assert client.post(f"/admin/rounds/{round_.id}/terminals", data=form).status_code == 200

    again = client.post(f"/admin/rounds/{round_.id}/terminals", data=form)

    assert again.status_code == 409 and "本轮已有名为“3号窗口”的终端" in page_text(again)
    first = fresh(session).scalars(select(Terminal)).one()
    assert client.post(f"/admin/terminals/{first.id}/revoke").status_code == 302
    assert client.post(f"/admin/rounds/{round_.id}/terminals", data=form).status_code == 200  # its name is free again
    assert len(fresh(session).scalars(select(Terminal)).all()) == 2


def test_a_terminal_needs_a_known_target_code(client, session, login, make_campaign):
    login()
    round_ = make_campaign().rounds[0]
    form = {"name": "3号窗口", "target_code": "NOPE", "group_id": round_.groups[0].id, "ttl_minutes": 15}
    response = client.post(f"/admin/rounds/{round_.id}/terminals", data=form)
    assert response.status_code == 400 and "没有编号为“NOPE”的评议对象" in page_text(response)
    text = page_text(response)  # said at the top, above the batch and terminal lists, not only at the form
    assert text.index("终端未添加：没有编号为“NOPE”的评议对象") < text.index("按评议主体汇总")
    assert fresh(session).scalars(select(Terminal)).all() == []


def test_revoking_a_terminal_from_the_page(client, session, login, make_campaign):
    login()
    campaign = make_campaign()
    round_ = campaign.rounds[0]
    terminal, _token = issuing.create_terminal(
        session, round_.id, round_.groups[0].id, campaign.targets[0].id, "1号窗口", ttl_minutes=30, **KW
    )
    session.commit()
    response = client.post(f"/admin/terminals/{terminal.id}/revoke")
    assert response.status_code == 302 and location(response)[0] == f"/admin/rounds/{round_.id}/codes"
    assert fresh(session).get(Terminal, terminal.id).is_revoked


@pytest.fixture
def code_world(app, session, make_campaign):
    """A round with one printed batch and one terminal; the URLs of every code route."""
    campaign = make_campaign()
    round_ = campaign.rounds[0]
    with app.app_context():
        batch, _codes = issuing.issue_batch(session, round_.id, round_.groups[0].id, 3, code_keys(), **KW)
    terminal, _token = issuing.create_terminal(
        session, round_.id, round_.groups[0].id, campaign.targets[0].id, "1号窗口", ttl_minutes=30, **KW
    )
    session.commit()
    gets = [
        f"/admin/rounds/{round_.id}/codes",
        f"/admin/batches/{batch.id}",
        f"/admin/batches/{batch.id}/slips.pdf",
        f"/admin/batches/{batch.id}/codes.csv",
    ]
    posts = [
        f"/admin/rounds/{round_.id}/codes",
        f"/admin/rounds/{round_.id}/terminals",
        f"/admin/batches/{batch.id}/void",
        f"/admin/terminals/{terminal.id}/revoke",
    ]
    return {"gets": gets, "posts": posts, "group_id": round_.groups[0].id}


@pytest.mark.parametrize("role", [Role.LEADER, Role.UNIT_OFFICER])
def test_leaders_and_unit_officers_are_refused_every_code_route(app, session, sign_in, code_world, role):
    client = app.test_client()
    sign_in(client, role)
    before = database_rows(session)
    form = issue_form(code_world["group_id"]) | {"name": "x", "ttl_minutes": 5}
    for url in code_world["gets"]:
        assert client.get(url).status_code == 403, url
    for url in code_world["posts"]:
        assert client.post(url, data=form).status_code == 403, url
    assert database_rows(session) == before


def test_reading_and_downloading_codes_writes_nothing(client, session, login, code_world):
    login()
    before = database_rows(session)
    for url in code_world["gets"]:
        assert client.get(url).status_code == 200, url
    assert database_rows(session) == before


def test_a_big_batch_is_printed_by_a_background_job(app, client, session, login, make_campaign, monkeypatch):
    monkeypatch.setattr(code_views, "INLINE_SLIPS", 5)
    login()
    batch_id = issue(client, make_campaign().rounds[0], 12)

    detail = client.get(f"/admin/batches/{batch_id}").get_data(as_text=True)
    assert f"/admin/batches/{batch_id}/slips" in detail and "slips.pdf" not in detail
    refused = client.get(f"/admin/batches/{batch_id}/slips.pdf")
    assert refused.status_code == 409 and "生成打印文件" in page_text(refused)
    done = run_and_follow(app, client, client.post(f"/admin/batches/{batch_id}/slips"))
    assert done["state"] == "done" and done["percent"] == 100
    with client.get(done["file_url"]) as pdf:
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.data.count(b"/Type /Page\n") == 2
        assert f"batch-{batch_id}-slips.pdf" in pdf.headers["Content-Disposition"]
    header, *rows = read_csv(client.get(f"/admin/batches/{batch_id}/codes.csv"))
    assert len(rows) == 12  # the list is never split
