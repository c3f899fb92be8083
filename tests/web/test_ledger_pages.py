"""The ledger's pages for each role: organisers file and verify, unit officers report, leaders
read; uploads checked by content; the XLSX export; overdue flags; audit of web actions."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select, update

from surveys.models import Attachment, AuditEntry, Comment, Problem, ProblemSource, ProblemState, Role
from surveys.services import problems
from tests.builders import LATER, TODAY, open_problem
from tests.jobs_support import export, run_and_follow
from tests.ledger_world import A01_COMMENTS, KW, PDF, PNG, build_ledger
from tests.web.support import database_rows, fresh, location, page_text, sign_in_as


@pytest.fixture
def world(session, make_campaign):
    return build_ledger(session, make_campaign)


def test_an_organiser_files_a_problem_by_hand_and_sees_it_on_the_ledger(client, session, make_user, world):
    sign_in_as(client, make_user, Role.ORGANISER, "jfb")
    cid = world["campaign_id"]
    assert client.get(f"/ledger/campaigns/{cid}/problems/new").status_code == 200
    form = {"source": "hotline", "unit_id": world["unit_b"], "target_id": 0, "title": "12345 反映办证难",
            "description": "市民来电", "deadline_on": LATER}  # fmt: skip
    response = client.post(f"/ledger/campaigns/{cid}/problems/new", data=form)
    assert response.status_code == 302
    problem = fresh(session).scalar(select(Problem).where(Problem.title == "12345 反映办证难"))
    assert location(response)[0] == f"/ledger/problems/{problem.id}"
    assert (problem.source, problem.unit_id, problem.target_id) == (ProblemSource.HOTLINE, world["unit_b"], None)
    assert session.scalar(
        select(AuditEntry).where(AuditEntry.action == "problem.file", AuditEntry.object_id == problem.id)
    ).actor_id
    ledger_page = page_text(client.get(f"/ledger/campaigns/{cid}"))
    assert "12345 反映办证难" in ledger_page and "12345热线" in ledger_page


def test_a_past_deadline_is_refused_in_chinese_and_nothing_is_written(client, session, make_user, world):
    sign_in_as(client, make_user, Role.ORGANISER, "jfb")
    before = database_rows(session)
    form = {"source": "other", "unit_id": world["unit_b"], "target_id": 0, "title": "x",
            "deadline_on": (TODAY - timedelta(days=2)).isoformat()}  # fmt: skip
    response = client.post(f"/ledger/campaigns/{world['campaign_id']}/problems/new", data=form)
    assert response.status_code == 400
    assert "整改期限不能早于今天" in page_text(response)
    assert database_rows(session) == before


def test_comments_are_shown_without_time_or_ballot_and_become_a_quoted_problem(client, session, make_user, world):
    sign_in_as(client, make_user, Role.ORGANISER, "jfb")
    cid, a01 = world["campaign_id"], world["targets"]["A01"]
    page = client.get(f"/ledger/campaigns/{cid}/comments?target={a01}")
    html = page.get_data(as_text=True)
    assert all(text in html for text in A01_COMMENTS)
    comments = fresh(session).scalars(select(Comment).where(Comment.target_id == a01)).all()
    assert not any(c.ballot_id in html for c in comments)
    assert TODAY.isoformat() not in html and "2026-03-01" not in html
    chosen = [c.id for c in comments if c.text in ("态度生硬", "排队时间太长")]
    form = {"target_id": a01, "comment_ids": chosen, "title": "窗口服务态度", "deadline_on": LATER}
    response = client.post(f"/ledger/campaigns/{cid}/comments", data=form)
    assert response.status_code == 302
    problem = fresh(session).scalar(select(Problem).where(Problem.source == ProblemSource.COMMENT))
    assert problem.quote == "态度生硬\n排队时间太长"
    detail = page_text(client.get(location(response)[0]))
    assert "群众意见摘录" in detail and "态度生硬" in detail


def test_the_low_items_page_offers_the_weakest_item_of_the_latest_run(client, session, make_user, world):
    sign_in_as(client, make_user, Role.ORGANISER, "jfb")
    cid, a01 = world["campaign_id"], world["targets"]["A01"]
    assert "还没有保存的计分结果" in page_text(client.get(f"/ledger/campaigns/{cid}/low-items?target={a01}"))
    assert (
        run_and_follow(client.application, client, client.post(f"/admin/campaigns/{cid}/scoring/run"))["state"]
        == "done"
    )
    page = page_text(client.get(f"/ledger/campaigns/{cid}/low-items?target={a01}"))
    assert "服务态度" in page and "平均 40.00 分，5 条有效评价" in page and "办事效率" not in page
    form = {
        "target_id": a01,
        "component": "群众评议",
        "code": "Q1",
        "below": 80,
        "title": "服务态度得分偏低",
        "deadline_on": LATER,
    }
    assert client.post(f"/ledger/campaigns/{cid}/low-items", data=form).status_code == 302
    problem = fresh(session).scalar(select(Problem).where(Problem.source == ProblemSource.LOW_ITEM))
    assert problem.description.startswith("【群众评议】服务态度（Q1）平均 40.00 分")
    drill = page_text(client.get(f"/admin/campaigns/{cid}/runs/targets/{a01}"))
    assert "整改事项" in drill and "服务态度得分偏低" in drill and "窗口午休无人值守" in drill


def test_a_unit_officer_reports_with_files_checked_by_content(client, session, make_user, world):
    sign_in_as(client, make_user, Role.UNIT_OFFICER, "officer_a", world["unit_a"])
    pid = open_problem(session, world)
    response = client.get("/ledger/")
    assert location(response)[0] == f"/ledger/units/{world['unit_a']}"
    assert "大厅无障碍通道被占用" in page_text(client.get(f"/ledger/units/{world['unit_a']}"))
    assert "报送整改情况" in page_text(client.get(f"/ledger/problems/{pid}"))
    before = database_rows(session)
    bad = {"text": "已清理", "files": [(io.BytesIO(b"MZ\x90\x00" + bytes(200)), "整改报告.pdf")]}
    refused = client.post(f"/ledger/problems/{pid}/report", data=bad, content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "附件“整改报告.pdf”不是图片（PNG、JPEG、GIF、WebP）或 PDF 文件，已拒绝" in page_text(refused)
    assert database_rows(session) == before
    good = {"text": "已清理通道并设专人巡查", "files": [(io.BytesIO(PNG), "现场.png"), (io.BytesIO(PDF), "制度.png")]}
    response = client.post(f"/ledger/problems/{pid}/report", data=good, content_type="multipart/form-data")
    assert response.status_code == 302
    problem = fresh(session).get(Problem, pid)
    assert problem.state is ProblemState.REPORTED
    image, pdf = problem.steps[0].attachments
    assert (image.content_type, pdf.content_type, pdf.filename) == ("image/png", "application/pdf", "制度.png.pdf")
    served = client.get(f"/ledger/attachments/{image.id}")
    assert (served.status_code, served.mimetype, served.data) == (200, "image/png", PNG)
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert not served.headers.get("Content-Disposition", "").startswith("attachment")
    served = client.get(f"/ledger/attachments/{pdf.id}")
    assert served.mimetype == "application/pdf" and served.headers["Content-Disposition"].startswith("attachment")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    served.close()


def test_a_file_over_the_configured_size_is_refused(app, client, session, make_user, world):
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    sign_in_as(client, make_user, Role.UNIT_OFFICER, "officer_a", world["unit_a"])
    pid = open_problem(session, world)
    data = {"text": "见附件", "files": [(io.BytesIO(PNG + bytes(2048)), "big.png")]}
    response = client.post(f"/ledger/problems/{pid}/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 400 and "超过" in page_text(response)
    assert fresh(session).get(Problem, pid).state is ProblemState.OPEN


def png_bomb(width: int, height: int) -> bytes:
    """A real black-and-white PNG of ``width`` × ``height`` pixels: a few hundred KB that
    unpack to gigabytes of bitmap in the browser of whoever opens the attachment."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer, row = zlib.compressobj(9), bytes(1 + (width + 7) // 8)  # filter byte, then all-zero pixels
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_an_image_that_unpacks_to_a_huge_bitmap_is_refused_by_its_pixel_count(client, session, make_user, world):
    sign_in_as(client, make_user, Role.UNIT_OFFICER, "officer_a", world["unit_a"])
    pid = open_problem(session, world)
    bomb = png_bomb(30_000, 30_000)
    assert len(bomb) < 2 * 2**20  # under the size limit: only the pixel count gives it away
    data = {"text": "见附件", "files": [(io.BytesIO(bomb), "现场.png")]}
    response = client.post(f"/ledger/problems/{pid}/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "附件“现场.png”的图片尺寸过大（30000×30000 像素），请缩小到 50 百万像素以内再上传" in page_text(response)
    assert fresh(session).get(Problem, pid).state is ProblemState.OPEN

    photo = io.BytesIO()
    Image.new("RGB", (4000, 3000), (90, 120, 60)).save(photo, "JPEG")  # a 12-megapixel phone photo
    data = {"text": "见附件", "files": [(io.BytesIO(photo.getvalue()), "现场.jpg")]}
    response = client.post(f"/ledger/problems/{pid}/report", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert fresh(session).get(Problem, pid).state is ProblemState.REPORTED


def test_overdue_problems_are_flagged_for_the_organiser_and_the_unit(client, session, make_user, world):
    pid = open_problem(session, world)
    session.execute(update(Problem).where(Problem.id == pid).values(deadline_on=TODAY - timedelta(days=3)))
    session.commit()
    sign_in_as(client, make_user, Role.UNIT_OFFICER, "officer_a", world["unit_a"])
    unit_page = client.get(f"/ledger/units/{world['unit_a']}").get_data(as_text=True)
    assert 'data-count="overdue">1<' in unit_page and "有 1 项整改已逾期" in unit_page
    assert "overdue-row" in unit_page
    client.post("/logout")
    sign_in_as(client, make_user, Role.ORGANISER, "jfb")
    ledger_page = client.get(f"/ledger/campaigns/{world['campaign_id']}").get_data(as_text=True)
    assert 'data-count="overdue">1<' in ledger_page and 'data-count="in_progress">2<' in ledger_page
    only_late = page_text(client.get(f"/ledger/campaigns/{world['campaign_id']}?overdue=1"))
    assert "大厅无障碍通道被占用" in only_late and "窗口午休无人值守" not in only_late
    assert "逾期" in page_text(client.get(f"/ledger/problems/{pid}"))


def test_the_organiser_rejects_with_a_new_deadline_then_closes(client, session, make_user, world):
    organiser = sign_in_as(client, make_user, Role.ORGANISER, "jfb")
    pid = world["problem_a"]
    assert "提交核验" in page_text(client.get(f"/ledger/problems/{pid}"))
    refused = client.post(f"/ledger/problems/{pid}/verify", data={"verdict": "unsatisfied"})
    assert refused.status_code == 400 and "请填写整改期限" in page_text(refused)
    client.post(
        f"/ledger/problems/{pid}/verify", data={"verdict": "unsatisfied", "text": "照片模糊", "deadline_on": LATER}
    )
    assert fresh(session).get(Problem, pid).state is ProblemState.REOPENED
    again = client.post(f"/ledger/problems/{pid}/verify", data={"verdict": "satisfied"})
    assert again.status_code == 409 and "整改事项当前为“重新整改”，不能改为“已销号”" in page_text(again)
    problems.report(session, pid, "重新拍照", [], unit_id=world["unit_a"], max_bytes=2**20, **KW)
    session.commit()
    client.post(f"/ledger/problems/{pid}/verify", data={"verdict": "satisfied", "text": "整改到位"})
    problem = fresh(session).get(Problem, pid)
    assert (problem.state, problem.closed_by) == (ProblemState.CLOSED, organiser.id)
    page = page_text(client.get(f"/ledger/problems/{pid}"))
    assert "已销号" in page and "核验：不满意" in page and "核验：满意" in page and "jfb" in page
    assert client.post(f"/ledger/problems/{pid}/honour", data={"honour": "red", "note": "整改迅速"}).status_code == 302
    honours = page_text(client.get(f"/ledger/campaigns/{world['campaign_id']}/honours"))
    assert "红榜" in honours and "整改迅速" in honours


def test_a_leader_reads_the_ledger_and_lists_but_cannot_act(client, session, make_user, world):
    problems.set_honour(session, world["problem_b"], problems.Honour.BLACK, "一拖再拖", **KW)
    session.commit()
    sign_in_as(client, make_user, Role.LEADER, "leader")
    assert client.get(f"/ledger/campaigns/{world['campaign_id']}").status_code == 200
    honours = page_text(client.get(f"/ledger/campaigns/{world['campaign_id']}/honours"))
    assert "黑榜：整改不力" in honours and "一拖再拖" in honours
    detail = page_text(client.get(f"/ledger/problems/{world['problem_a']}"))
    assert "提交核验" not in detail and "撤销此整改事项" not in detail
    assert (
        client.post(f"/ledger/problems/{world['problem_a']}/verify", data={"verdict": "satisfied"}).status_code == 403
    )


def test_the_xlsx_export_has_one_row_per_problem_in_chinese(client, session, make_user, world):
    problems.verify(session, world["problem_a"], problems.Verdict.SATISFIED, "", None, today=TODAY, **KW)
    session.commit()
    sign_in_as(client, make_user, Role.LEADER, "leader")
    response = export(client, f"/ledger/campaigns/{world['campaign_id']}/ledger.xlsx")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=") and "filename*=UTF-8''" in disposition
    assert "整改台账" in unquote(disposition.split("filename*=UTF-8''")[1])
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "整改台账"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("序号", "问题标题", "状态", "是否逾期")
    body = {row[1]: row for row in rows[2:]}
    assert set(body) == {"窗口午休无人值守", "物业维修基金申领慢"}
    closed = body["窗口午休无人值守"]
    assert closed[2] == "已销号" and closed[3] == "否" and closed[11] == "满意" and closed[13] is not None
    assert body["物业维修基金申领慢"][2] == "待核验" and body["物业维修基金申领慢"][4] == "市住房和城乡建设局"
    filtered = export(client, f"/ledger/campaigns/{world['campaign_id']}/ledger.xlsx?state=closed")
    assert len(list(load_workbook(io.BytesIO(filtered.data)).active.iter_rows())) == 3


def ledger_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("ledger.") and rule.arguments]


def test_a_unit_officer_cannot_see_or_touch_another_unit_s_problems(app, client, session, make_user, world):
    """Every ledger route with an id, as unit A's officer, aimed at unit B: 403 or 404, no write."""
    sign_in_as(client, make_user, Role.UNIT_OFFICER, "officer_a", world["unit_a"])
    b_problem = open_problem(session, world, "unit_b")  # waiting for a report: the report route is live
    ids = {"problem_id": b_problem, "attachment_id": world["attachment_b"], "unit_id": world["unit_b"],
           "campaign_id": world["campaign_id"]}  # fmt: skip
    form = {"text": "越权报送", "verdict": "satisfied", "reason": "x", "honour": "black", "title": "x",
            "deadline_on": LATER, "target_id": world["targets"]["A01"], "unit_id": world["unit_b"],
            "source": "other"}  # fmt: skip
    before = database_rows(session)
    walked = []
    for rule in ledger_rules(app):
        url = rule.build({name: ids[name] for name in rule.arguments})[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            data = dict(form, files=(io.BytesIO(PNG), "a.png")) if method == "POST" else None
            response = client.open(url, method=method, data=data)
            walked.append(f"{method} {url}")
            assert response.status_code in (403, 404), f"{method} {url}: {response.status_code}"
            assert "现场.png" not in response.get_data(as_text=True)
            response.close()
    assert database_rows(session) == before
    assert len(walked) >= 15
    assert "物业维修基金申领慢" not in page_text(client.get(f"/ledger/units/{world['unit_a']}"))


def test_attachments_are_served_only_to_who_may_see_the_problem(client, session, make_user, world):
    sign_in_as(client, make_user, Role.UNIT_OFFICER, "officer_b", world["unit_b"])
    assert client.get(f"/ledger/attachments/{world['attachment_b']}").status_code == 200
    assert client.get(f"/ledger/attachments/{world['attachment_a']}").status_code == 404
    assert client.get(f"/ledger/problems/{world['problem_a']}").status_code == 404
    missing = fresh(session).scalar(select(Attachment.id).order_by(Attachment.id.desc())) + 1
    assert client.get(f"/ledger/attachments/{missing}").status_code == 404


def test_the_ledger_speaks_english_on_request(client, session, make_user, world):
    sign_in_as(client, make_user, Role.ORGANISER, "jfb")
    client.post("/language", data={"lang": "en", "next": "/"})
    page = page_text(client.get(f"/ledger/problems/{world['problem_a']}"))
    assert "Awaiting verification" in page and "Unannounced inspection" in page and "Submit verdict" in page
    ledger_page = page_text(client.get(f"/ledger/campaigns/{world['campaign_id']}"))
    assert "Rectification ledger" in ledger_page and "Overdue" in ledger_page


def test_a_stranger_posting_to_the_ledger_without_a_token_gets_the_csrf_page_not_a_server_error(make_app):
    """The CSRF refusal is rendered inside the ledger blueprint, whose page context asks
    whether the user is an organiser: a stranger is not (found by the fuzz test)."""
    client = make_app(WTF_CSRF_ENABLED=True).test_client()

    response = client.post("/ledger/problems/1/verify", data={"verdict": "satisfied"})

    assert response.status_code == 400
