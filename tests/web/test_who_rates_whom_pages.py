"""Who rates whom on the organiser's pages: a group's selector, and one batch per unit."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from evalsite.keys import code_keys
from surveys.models import CodeBatch, RaterGroup, TargetKind
from surveys.selectors import TargetSelector
from surveys.services import issuing, organisation, rounds
from tests.builders import add_departments
from tests.conftest import NOW
from tests.documents import run, tool
from tests.jobs_support import job_of, running_worker, wait_for
from tests.web.support import database_rows, fresh, location, page_text

KW = {"now": NOW, "actor_id": None}


@pytest.fixture
def campaign(session, make_campaign):
    """The conftest campaign (3 persons of one unit) with two 科长 and a window per department."""
    campaign = make_campaign()
    add_departments(session, campaign)
    session.commit()
    return campaign


def group_form(name: str, *, kind: str = "", category_id="", unit_id="") -> dict:
    return {
        "name": name,
        "weight": "0.3",
        "min_ballots": "5",
        "selector-kind": kind,
        "selector-category_id": str(category_id),
        "selector-unit_id": str(unit_id),
    }


def unit_id(session, name: str) -> int:
    return next(u.id for u in organisation.list_units(session) if u.name == name)


def test_an_organiser_gives_a_group_a_selector_and_sees_it_in_the_group_list(client, session, login, campaign):
    login()
    round_ = campaign.rounds[0]
    page = client.get(f"/admin/rounds/{round_.id}")
    assert "全部类型" in page_text(page) and "全部单位" in page_text(page)
    tax = unit_id(session, "税务局")
    response = client.post(
        f"/admin/rounds/{round_.id}/groups", data=group_form("部门干部职工", kind="person", unit_id=tax)
    )
    assert response.status_code == 302, page_text(response)[:400]
    group = fresh(session).scalar(select(RaterGroup).where(RaterGroup.name == "部门干部职工"))
    assert group.selector == TargetSelector(TargetKind.PERSON, None, tax)
    listed = page_text(client.get(f"/admin/rounds/{round_.id}"))
    assert "部门干部职工 0.3" in listed and "个人 · 税务局" in listed and "全部对象" in listed

    edit = client.get(f"/admin/groups/{group.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{tax}">税务局</option>' in edit


def test_a_group_selector_matching_nothing_is_refused_on_the_same_form_with_what_was_typed(
    client, session, login, campaign
):
    login()
    round_ = campaign.rounds[0]
    general = next(c.id for c in campaign.categories if c.name == "综合管理")
    before = database_rows(session)
    fields = group_form("税务局综合管理", category_id=general, unit_id=unit_id(session, "税务局"))
    response = client.post(f"/admin/rounds/{round_.id}/groups", data=fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "不包含本活动的任何评议对象" in page_text(response)
    assert 'value="税务局综合管理"' in html and f'<option selected value="{general}">综合管理</option>' in html
    assert database_rows(session) == before


def issue_per_unit(client, round_, count: int):
    """Issue ``count`` codes to every unit for the staff group (made a person group)."""
    staff = round_.groups[1]
    fields = group_form(staff.name, kind="person") | {"weight": str(staff.weight)}
    assert client.post(f"/admin/groups/{staff.id}/edit", data=fields).status_code == 302
    issue = {
        "group_id": staff.id,
        "count": str(count),
        "scope": "per_unit",
        "unit_id": "0",
        "target_code": "",
        "label": "部门",
    }
    response = client.post(f"/admin/rounds/{round_.id}/codes", data=issue)
    assert response.status_code == 302, page_text(response)[:400]
    return location(response)


def test_one_batch_per_unit_gives_one_pdf_with_a_separator_page_per_unit_and_one_csv(
    client, session, login, campaign, tmp_path
):
    login()
    round_ = campaign.rounds[0]
    path, query = issue_per_unit(client, round_, 2)
    batches = list(fresh(session).scalars(select(CodeBatch).order_by(CodeBatch.id)))
    assert [b.unit.name for b in batches] == ["2026年度评议-单位", "财政局", "民政局", "税务局"]
    assert query["ids"] == [",".join(str(b.id) for b in batches)]

    summary = page_text(client.get(f"{path}?ids={query['ids'][0]}"))
    assert "4 个单位，每个单位一批，共 8 个评议码" in summary

    pdf = client.get(f"{path}/slips.pdf?ids={query['ids'][0]}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and "no-store" in pdf.headers["Cache-Control"]
    pages = pdf_pages(pdf.data, tmp_path)
    assert len(pages) == 8  # a separator page and one page of two slips, per unit
    for number, batch in enumerate(batches):
        separator, slips = pages[2 * number], pages[2 * number + 1]
        assert batch.unit.name in separator and f"评议码 2 个 · 第 {batch.id} 批" in separator
        assert "评议主体：机关干部" in separator and "评议码" in slips and batch.unit.name in slips

    rows = list(
        csv.reader(io.StringIO(client.get(f"{path}/codes.csv?ids={query['ids'][0]}").get_data(as_text=True)[1:]))
    )
    assert rows[0] == ["unit", "batch", "code", "url"]
    assert [(row[0], int(row[1])) for row in rows[1:]] == [(b.unit.name, b.id) for b in batches for _ in range(2)]

    other = client.get(f"{path}?ids={batches[0].id},999999")
    assert other.status_code == 404


def test_a_large_per_unit_print_runs_as_a_job_and_its_page_offers_the_pdf(
    app, client, session, login, campaign, tmp_path
):
    login()
    round_ = campaign.rounds[0]
    path, query = issue_per_unit(client, round_, 60)  # 4 units, 240 slips: more than a request prints
    ids = query["ids"][0]
    batches = list(fresh(session).scalars(select(CodeBatch).order_by(CodeBatch.id)))
    summary = client.get(f"{path}?ids={ids}")
    assert "评议码条在后台生成" in page_text(summary) and f"{path}/slips?ids=" in summary.get_data(as_text=True)
    assert client.get(f"{path}/slips.pdf?ids={ids}").status_code == 409

    with running_worker(app):
        job_id = job_of(client.post(f"{path}/slips?ids={ids}"))
        page = page_text(client.get(f"/jobs/{job_id}"))
        assert "打印每个单位一批的评议码条（4 个单位，240 张）" in page
        done = wait_for(client, job_id)

    assert done["state"] == "done" and done["percent"] == 100, done["text"]
    offered = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert '<p class="row job-file">' in offered and f'href="{done["file_url"]}"' in offered  # shown, not hidden
    with client.get(done["file_url"]) as pdf:
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        pages = pdf_pages(pdf.data, tmp_path)
    assert len(pages) == 4 * (1 + 8)  # per unit: a separator page, then 60 slips on 8 pages
    for number, batch in enumerate(batches):
        separator, slips = pages[9 * number], pages[9 * number + 1 : 9 * number + 9]
        assert batch.unit.name in separator and f"评议码 60 个 · 第 {batch.id} 批" in separator
        assert all(batch.unit.name in page for page in slips)


def test_a_per_unit_print_whose_batch_was_voided_meanwhile_fails_in_words(app, client, session, login, campaign):
    login()
    round_ = campaign.rounds[0]
    path, query = issue_per_unit(client, round_, 60)
    job_id = job_of(client.post(f"{path}/slips?ids={query['ids'][0]}"))
    first = fresh(session).scalars(select(CodeBatch).order_by(CodeBatch.id)).first()
    issuing.void_batch(session, first.id, **KW)  # before any worker took the job
    session.commit()
    with running_worker(app):
        failed = wait_for(client, job_id)
    assert failed["state"] == "failed" and failed["text"] == "未能完成：该批评议码已作废"
    assert f"{path}?ids=" in client.get(f"/jobs/{job_id}").get_data(as_text=True)  # back to the per-unit page


def test_a_batch_that_would_cover_nothing_is_refused_on_the_issue_form(client, session, login, campaign):
    login()
    round_ = campaign.rounds[0]
    staff = round_.groups[1]
    fields = group_form(staff.name, kind="window") | {"weight": str(staff.weight)}
    assert client.post(f"/admin/groups/{staff.id}/edit", data=fields).status_code == 302
    before = database_rows(session)
    issue = {"group_id": staff.id, "count": "5", "scope": "unit", "unit_id": unit_id(session, "2026年度评议-单位")}
    response = client.post(f"/admin/rounds/{round_.id}/codes", data=issue | {"target_code": "", "label": "大厅"})
    assert response.status_code == 400
    assert "这一批不会覆盖任何评议对象，未发放" in page_text(response)
    assert 'value="大厅"' in response.get_data(as_text=True)
    assert database_rows(session) == before


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    """The text of each page of a PDF, as poppler's pdftotext reads it."""
    path = tmp_path / "slips.pdf"
    path.write_bytes(data)
    return [" ".join(page.split()) for page in run(tool("pdftotext"), "-layout", str(path), "-").split("\f")[:-1]]


def test_the_rating_form_names_each_persons_post_and_department(app, client, session, campaign):
    """Several 政策法规科科长 exist, one per department: the form tells them apart."""
    round_ = campaign.rounds[0]
    rounds.open_round(session, round_.id, **KW)
    with app.app_context():
        keys = code_keys()
    _batch, (code,) = issuing.issue_batch(session, round_.id, round_.groups[0].id, 1, keys, **KW)
    session.commit()
    text = page_text(client.post("/r", data={"code": code}))
    for department in ("税务局", "财政局", "民政局"):
        assert f"{department}0 政策法规科科长 · {department}" in text
    assert "办公室主任 · 税务局" in text
