"""Re-importing a corrected roster in 更新 mode: a preview first, then the update."""

from __future__ import annotations

import re

from sqlalchemy import select

from surveys.models import Target, TargetKind
from surveys.services import casting, issuing, rounds
from tests.builders import KEYS, answers_for
from tests.conftest import NOW
from tests.web.support import csv_bytes, database_rows, fresh, page_text, upload

KW = {"now": NOW, "actor_id": None}
HEADER_ROWS = [
    ["A01", "张三", "个人", "综合管理", "2026年度评议-单位", ""],  # unchanged
    ["A02", "李四（更正）", "窗口", "行政执法", "新单位", "科长"],  # name, kind, title, category, unit change
    ["B01", "王五", "窗口", "行政执法", "2026年度评议-单位", ""],  # has ballots: its kind stays 个人
    ["C01", "赵六", "个人", "社会服务", "2026年度评议-单位", "股长"],  # new
]


def post_update(client, campaign_id, rows):
    data = {**upload(csv_bytes(rows), "更正名单.csv"), "mode": "update"}
    return client.post(f"/admin/campaigns/{campaign_id}/targets/import", data=data, content_type="multipart/form-data")


def test_a_corrected_roster_is_previewed_then_updates_the_targets_it_names(client, session, login, make_campaign):
    login()
    campaign = make_campaign()
    round_ = campaign.rounds[0]
    b01 = next(t for t in campaign.targets if t.code == "B01")
    rounds.open_round(session, round_.id, **KW)
    _batch, (code,) = issuing.issue_batch(session, round_.id, round_.groups[0].id, 1, KEYS, target_id=b01.id, **KW)
    answers = answers_for(round_, [b01])
    session.commit()
    casting.cast_ballot(session, code, answers, {}, KEYS, now=NOW)
    session.commit()

    before = database_rows(session)
    preview = post_update(client, campaign.id, HEADER_ROWS)
    assert preview.status_code == 200
    text = page_text(preview)
    assert "新增 1 个，修改 2 个，不变 1 个。" in text and "确认之前不会写入任何数据" in text
    assert (
        "名称：李四 → 李四（更正）" in text
        and "类型：个人 → 窗口" in text
        and "单位：2026年度评议-单位 → 新单位" in text
    )
    assert "（已有评议票，类型保持不变）" in text
    assert database_rows(session) == before

    html = preview.get_data(as_text=True)
    fields = dict(re.findall(r'name="(content|filename|digest)" type="hidden" value="([^"]*)"', html))
    assert set(fields) == {"content", "filename", "digest"}
    done = client.post(f"/admin/campaigns/{campaign.id}/targets/import/confirm", data=fields)
    assert done.status_code == 302
    targets = {t.code: t for t in fresh(session).scalars(select(Target).where(Target.campaign_id == campaign.id))}
    assert set(targets) == {"A01", "A02", "B01", "C01"}
    assert (targets["A02"].name, targets["A02"].kind, targets["A02"].unit.name) == (
        "李四（更正）",
        TargetKind.WINDOW,
        "新单位",
    )
    assert targets["B01"].kind is TargetKind.PERSON and targets["B01"].id == b01.id

    again = client.post(f"/admin/campaigns/{campaign.id}/targets/import/confirm", data=fields)
    assert again.status_code == 409 and "请重新上传并确认" in page_text(again)


def test_an_update_row_with_an_unknown_kind_is_refused_by_line_and_nothing_is_written(
    client, session, login, make_campaign
):
    login()
    campaign = make_campaign()
    before = database_rows(session)
    response = post_update(client, campaign.id, [HEADER_ROWS[0], ["A09", "某", "大楼", "综合管理", "某单位", ""]])
    assert response.status_code == 400
    assert "第 3 行：类型“大楼”无效，应为 窗口、个人 或 单位" in page_text(response)
    assert database_rows(session) == before
