"""One problem's page and its forms: refusals that name the field at fault, a verdict that
starts unchosen, confirmation before 销号 and 撤销, the withdrawal shown with its reason, and
an upload hint that states the limits the app enforces."""

from __future__ import annotations

import io
import re

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from surveys.models import Problem, ProblemState, Role, Verdict
from surveys.services import problems
from tests.builders import LATER, open_problem
from tests.ledger_world import KW, PNG, build_ledger
from tests.web.support import database_rows, fresh, page_text, sign_in_as

MiB = 2**20


@pytest.fixture
def world(session, make_campaign):
    return build_ledger(session, make_campaign)


@pytest.mark.parametrize(
    ("action", "form", "message"),
    [
        ("verify", {"verdict": "satisfied", "deadline_on": "2026-13-45"}, "新的整改期限不是有效的日期"),
        ("verify", {"verdict": "unsatisfied", "deadline_on": "2026-02-30"}, "新的整改期限不是有效的日期"),
        ("verify", {"verdict": "satisfied", "text": "核" * 5001}, "核验意见不能超过 5000 个字符"),
        ("verify", {"text": "整改到位"}, "请选择核验结论"),
        ("verify", {"verdict": "", "text": "整改到位"}, "请选择核验结论"),
        ("withdraw", {"reason": "撤" * 301}, "撤销理由不能超过 300 个字符"),
        ("withdraw", {"reason": "  "}, "请填写撤销理由"),
        ("honour", {"honour": "black", "note": "榜" * 201}, "上榜理由不能超过 200 个字符"),
    ],
)
def test_an_organiser_s_refused_form_names_the_field_at_fault_and_writes_nothing(
    client, session, make_user, world, action, form, message
):
    sign_in_as(client, make_user, Role.ORGANISER, "jfb")
    before = database_rows(session)

    response = client.post(f"/ledger/problems/{world['problem_a']}/{action}", data=form)

    assert response.status_code == 400
    assert message in page_text(response)
    assert database_rows(session) == before


@pytest.mark.parametrize(
    ("form", "message"),
    [({"text": "改" * 5001}, "整改情况不能超过 5000 个字符"), ({"text": " "}, "请填写整改情况")],
)
def test_a_unit_s_refused_report_names_the_fault_and_writes_nothing(client, session, make_user, world, form, message):
    sign_in_as(client, make_user, Role.UNIT_OFFICER, "officer_a", world["unit_a"])
    pid = open_problem(session, world)
    before = database_rows(session)

    response = client.post(f"/ledger/problems/{pid}/report", data=form, content_type="multipart/form-data")

    assert response.status_code == 400
    assert message in page_text(response)
    assert database_rows(session) == before


def form_tag(html: str, action: str) -> str:
    match = re.search(rf'<form[^>]*action="[^"]*/{action}"[^>]*>', html)
    assert match, f"no form posting to {action}"
    return match.group(0)


def test_the_verdict_starts_unchosen_and_closing_or_withdrawing_asks_first(client, session, make_user, world):
    sign_in_as(client, make_user, Role.ORGANISER, "jfb")

    html = client.get(f"/ledger/problems/{world['problem_a']}").get_data(as_text=True)

    select = re.search(r'<select[^>]*name="verdict"[^>]*>.*?</select>', html, re.S).group(0)
    assert "required" in select.split(">", 1)[0]
    assert " selected" not in select
    assert re.search(r'<option[^>]*value=""[^>]*>请选择</option>', select)
    assert "销号" in form_tag(html, "verify").split('data-confirm="', 1)[1]
    assert "撤销" in form_tag(html, "withdraw").split('data-confirm="', 1)[1]


def test_a_withdrawn_problem_shows_why_who_and_when(client, session, make_user, world):
    sign_in_as(client, make_user, Role.ORGANISER, "jfb")
    pid = world["problem_a"]

    response = client.post(f"/ledger/problems/{pid}/withdraw", data={"reason": "与第 3 项重复登记"})

    assert response.status_code == 302
    assert fresh(session).get(Problem, pid).state is ProblemState.WITHDRAWN
    page = page_text(client.get(f"/ledger/problems/{pid}"))
    assert "已撤销" in page and "撤销理由 与第 3 项重复登记" in page
    assert re.search(r"撤销记录 jfb · \d{4}-\d{2}-\d{2} \d{2}:\d{2}", page)


def test_a_problem_that_is_not_withdrawn_shows_no_withdrawal(client, session, make_user, world):
    problems.verify(session, world["problem_a"], Verdict.SATISFIED, "", None, today=KW["now"].date(), **KW)
    session.commit()
    sign_in_as(client, make_user, Role.LEADER, "leader")

    assert "撤销理由" not in page_text(client.get(f"/ledger/problems/{world['problem_a']}"))


def test_the_upload_hint_states_the_per_file_and_the_total_limit_from_config(make_app, session, make_user, world):
    client = make_app(ATTACHMENT_MAX_BYTES=3 * MiB, MAX_CONTENT_LENGTH=int(7.25 * MiB)).test_client()
    sign_in_as(client, make_user, Role.UNIT_OFFICER, "officer_a", world["unit_a"])
    pid = open_problem(session, world)

    page = page_text(client.get(f"/ledger/problems/{pid}"))

    assert "每个附件不超过 3 MB，最多 5 个，合计不超过 7.2 MB" in page


def test_the_default_upload_hint_matches_the_default_limits(client, session, make_user, world):
    sign_in_as(client, make_user, Role.UNIT_OFFICER, "officer_a", world["unit_a"])
    pid = open_problem(session, world)

    assert "每个附件不超过 5 MB，最多 5 个，合计不超过 10 MB" in page_text(client.get(f"/ledger/problems/{pid}"))


def test_files_each_within_the_limit_but_over_the_stated_total_are_refused_whole(make_app, session, make_user, world):
    """The reviewer's case scaled down: three files each under the per-file limit, together
    over the request limit the hint states. Werkzeug answers 413 before the view runs."""
    client = make_app(ATTACHMENT_MAX_BYTES=MiB // 2, MAX_CONTENT_LENGTH=MiB).test_client()
    sign_in_as(client, make_user, Role.UNIT_OFFICER, "officer_a", world["unit_a"])
    pid = open_problem(session, world)
    assert "每个附件不超过 512 KB，最多 5 个，合计不超过 1 MB" in page_text(client.get(f"/ledger/problems/{pid}"))
    before = database_rows(session)
    files = [FileStorage(io.BytesIO(PNG + bytes(400_000)), f"现场{n}.png") for n in range(3)]
    boundary, body = encode_multipart(MultiDict([("text", "见附件"), *(("files", f) for f in files)]))

    response = client.post(
        f"/ledger/problems/{pid}/report", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )  # a body built in memory: the test client would spool this one to a file it never closes

    assert response.status_code == 413 and "一次提交的所有文件合计不能超过 1 MB" in page_text(response)
    assert database_rows(session) == before


def test_a_rejected_then_corrected_verify_still_closes(client, session, make_user, world):
    """After a refused form, a well-formed one goes through: nothing of the refusal lingers."""
    sign_in_as(client, make_user, Role.ORGANISER, "jfb")
    pid = world["problem_a"]
    assert client.post(f"/ledger/problems/{pid}/verify", data={"deadline_on": LATER}).status_code == 400

    assert client.post(f"/ledger/problems/{pid}/verify", data={"verdict": "basically_satisfied"}).status_code == 302
    assert fresh(session).get(Problem, pid).state is ProblemState.CLOSED
