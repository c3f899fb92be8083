"""Bad input gets a clear message and a 4xx, never a 500, and nothing is half-written."""

from __future__ import annotations

import pytest
from flask import url_for

from evalsite.keys import code_keys
from surveys.models import Role, RoundStatus
from surveys.services import issuing, rounds
from tests.conftest import NOW, PASSWORD
from tests.web.support import collect_rules, csv_bytes, database_rows, id_in, page_text, roster_rows, upload

FIELD_ERROR = 'class="field-error"'
WEIGHT_RULE = "权重必须大于 0 且不超过 1000"


@pytest.fixture
def organiser(client, login):
    login(Role.ORGANISER)
    return client


@pytest.fixture
def refused(session):
    """``refused(send, status, *messages)``: call ``send()`` and check that it was answered
    with ``status`` and every message, and that the database is exactly as it was before."""

    def check(send, status: int, *messages: str):
        before = database_rows(session)
        response = send()
        text = page_text(response)
        assert response.status_code == status, f"{response.status_code}: {text[:400]}"
        for message in messages:
            assert message in text
        assert database_rows(session) == before, "a refused request wrote to the database"
        return response

    return check


def import_file(client, campaign_id: int, data: bytes, filename: str):
    return client.post(
        f"/admin/campaigns/{campaign_id}/targets/import",
        data=upload(data, filename),
        content_type="multipart/form-data",
    )


# --- importing targets ------------------------------------------------------------------------


def test_a_csv_with_bad_rows_lists_each_by_line_and_reason_and_imports_nothing(organiser, make_campaign, refused):
    campaign = make_campaign()  # has targets A01, A02, B01
    rows = [
        ["BJ001", "王伟", "个人", "综合管理", "新成立的局", "科长"],  # line 2: fine, and names a new unit
        ["BJ002", "", "个人", "综合管理", "市教育局", "科长"],  # line 3: no name
        ["BJ003", "李芳", "科室", "行政执法", "市教育局", ""],  # line 4: no such kind
        ["BJ001", "张娜", "个人", "社会服务", "市教育局", ""],  # line 5: repeats line 2
        ["A01", "刘敏", "窗口", "社会服务", "市教育局", ""],  # line 6: already in the campaign
    ]
    # Refused whole: no target, no 新成立的局, no audit entry.
    response = refused(
        lambda: import_file(organiser, campaign.id, csv_bytes(rows), "名单.csv"),
        400,
        "文件中有 4 处错误，未导入任何数据",
        "第 3 行：缺少名称",
        "第 4 行：类型“科室”无效，应为 窗口、个人 或 单位",
        "第 5 行：编号 BJ001 与第 2 行重复",
        "第 6 行：编号 A01 已存在于本活动",
    )
    assert "第 2 行：" not in page_text(response)


@pytest.mark.parametrize("filename", ["名单.txt", "名单.csv.exe", "名单"])
def test_an_upload_that_is_not_csv_or_xlsx_is_refused(organiser, make_campaign, refused, filename):
    campaign = make_campaign()
    data = csv_bytes(roster_rows(3))
    refused(lambda: import_file(organiser, campaign.id, data, filename), 400, "只支持 CSV 或 XLSX 文件")


def test_an_import_without_a_file_is_refused(organiser, make_campaign, refused):
    url = f"/admin/campaigns/{make_campaign().id}/targets/import"
    response = refused(lambda: organiser.post(url, data={"other": "x"}, content_type="multipart/form-data"), 400)
    assert FIELD_ERROR in response.text


@pytest.fixture
def small_upload_app(make_app):
    return make_app(MAX_CONTENT_LENGTH=4096)


def test_an_upload_above_the_size_limit_is_refused_with_413(small_upload_app, make_user, make_campaign, refused):
    campaign = make_campaign()
    client = small_upload_app.test_client()
    user = make_user(Role.ORGANISER)
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302
    data = csv_bytes(roster_rows(189))
    assert len(data) > 4096
    refused(
        lambda: import_file(client, campaign.id, data, "名单.csv"),
        413,
        "上传的内容太大：一次提交的所有文件合计不能超过 4 KB。",
    )
    # The same file, small enough, goes through.
    assert import_file(client, campaign.id, csv_bytes(roster_rows(20)), "名单.csv").status_code == 302


# --- weights ------------------------------------------------------------------------------------

BAD_WEIGHTS = {
    "-1": WEIGHT_RULE,
    "0": WEIGHT_RULE,
    "1000.5": WEIGHT_RULE,
    "NaN": WEIGHT_RULE,
    "nan": WEIGHT_RULE,
    "inf": WEIGHT_RULE,
    "-inf": WEIGHT_RULE,
    "1e400": WEIGHT_RULE,
    "abc": FIELD_ERROR,
    "0,5": FIELD_ERROR,
    "": FIELD_ERROR,
}


WEIGHT_FORMS = ["add item", "edit item", "add group", "edit group", "add component", "edit component"]


def weight_forms(campaign) -> dict[str, tuple[str, dict]]:
    """Every form with a weight: its URL and its other fields, filled in correctly."""
    questionnaire, round_ = campaign.questionnaires[0], campaign.rounds[0]
    item, group, component = questionnaire.items[0], round_.groups[0], campaign.components[0]
    item_fields = {"code": "Q9", "text": "窗口环境"}
    group_fields = {"name": "人大代表", "min_ballots": "5"}
    imported = {"name": "业务考核", "kind": "imported", "round_id": "0"}
    return {
        "add item": (f"/admin/questionnaires/{questionnaire.id}/items", item_fields),
        "edit item": (f"/admin/items/{item.id}/edit", {"code": item.code, "text": item.text}),
        "add group": (f"/admin/rounds/{round_.id}/groups", group_fields),
        "edit group": (f"/admin/groups/{group.id}/edit", {"name": group.name, "min_ballots": "5"}),
        "add component": (f"/admin/campaigns/{campaign.id}/components", imported),
        "edit component": (
            f"/admin/components/{component.id}/edit",
            {"name": component.name, "kind": "round", "round_id": str(round_.id)},
        ),
    }


@pytest.mark.parametrize("form", WEIGHT_FORMS)
@pytest.mark.parametrize("weight", list(BAD_WEIGHTS))
def test_a_weight_that_is_not_a_positive_number_is_refused(organiser, make_campaign, refused, form, weight):
    url, fields = weight_forms(make_campaign())[form]
    response = refused(lambda: organiser.post(url, data={**fields, "weight": weight}), 400)
    assert BAD_WEIGHTS[weight] in response.text


@pytest.mark.parametrize("form", WEIGHT_FORMS)
def test_the_same_forms_accept_a_good_weight(organiser, make_campaign, form):
    """The refusals above are about the weight, not about the other fields."""
    url, fields = weight_forms(make_campaign())[form]
    response = organiser.post(url, data={**fields, "weight": "0.35"})
    assert response.status_code == 302, page_text(response)[:400]


# --- dates and lifecycle ------------------------------------------------------------------------


def round_fields(campaign, **changes) -> dict:
    fields = {
        "name": "内部评议",
        "kind": "internal",
        "questionnaire_id": str(campaign.questionnaires[0].id),
        "opens_on": "2026-04-01",
        "closes_on": "2026-04-30",
        "aggregation": "mean",
        "trim_k": "0",
    }
    return {**fields, **changes}


@pytest.mark.parametrize("page", ["new", "edit"])
def test_a_round_cannot_close_before_it_opens(organiser, make_campaign, refused, page):
    campaign = make_campaign()
    url = (
        f"/admin/campaigns/{campaign.id}/rounds/new" if page == "new" else f"/admin/rounds/{campaign.rounds[0].id}/edit"
    )
    data = round_fields(campaign, opens_on="2026-04-30", closes_on="2026-04-01")
    refused(lambda: organiser.post(url, data=data), 400, "结束日期不能早于开始日期")


@pytest.mark.parametrize("value", ["2026-02-30", "30/04/2026", "明天", ""])
def test_a_date_that_is_not_a_date_is_refused(organiser, make_campaign, refused, value):
    campaign = make_campaign()
    url, data = f"/admin/campaigns/{campaign.id}/rounds/new", round_fields(campaign, opens_on=value)
    response = refused(lambda: organiser.post(url, data=data), 400)
    assert FIELD_ERROR in response.text


def set_status(session, round_, status: RoundStatus) -> None:
    if status is not RoundStatus.DRAFT:
        rounds.open_round(session, round_.id, now=NOW, actor_id=None)
    if status is RoundStatus.CLOSED:
        rounds.close_round(session, round_.id, now=NOW, actor_id=None)
    session.commit()


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (RoundStatus.CLOSED, "open", "轮次“外部评议”当前为已结束，不能改为进行中"),
        (RoundStatus.OPEN, "open", "轮次“外部评议”已经是进行中，无需重复操作"),
        (RoundStatus.DRAFT, "close", "轮次“外部评议”当前为草稿，不能改为已结束"),
        (RoundStatus.CLOSED, "close", "轮次“外部评议”已经是已结束，无需重复操作"),
    ],
)
def test_an_illegal_lifecycle_move_is_refused_with_409(
    organiser, make_campaign, session, refused, status, action, message
):
    round_ = make_campaign().rounds[0]
    set_status(session, round_, status)
    refused(lambda: organiser.post(f"/admin/rounds/{round_.id}/{action}"), 409, message)


def test_a_round_that_is_not_ready_is_not_opened_and_the_page_says_what_is_missing(organiser, make_campaign, refused):
    campaign = make_campaign()
    fields = round_fields(campaign, questionnaire_id="0")
    made = organiser.post(f"/admin/campaigns/{campaign.id}/rounds/new", data=fields)
    round_id = id_in(made.headers["Location"], r"/admin/rounds/(\d+)$")
    missing = ("轮次还不能开放：", "未选择测评表", "没有评议主体")
    refused(lambda: organiser.post(f"/admin/rounds/{round_id}/open"), 400, *missing)


def test_a_closed_round_cannot_be_edited(organiser, make_campaign, session, refused):
    campaign = make_campaign()
    set_status(session, campaign.rounds[0], RoundStatus.CLOSED)
    url, data = f"/admin/rounds/{campaign.rounds[0].id}/edit", round_fields(campaign)
    refused(lambda: organiser.post(url, data=data), 409, "轮次“外部评议”已结束，不能再修改")


# --- level points -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "message"),
    [
        (["100", "八十", "60", "40", "20"], "“满意”的分值必须是数字"),
        (["100", "", "60", "40", "20"], "“满意”的分值必须是数字"),
        (["100", "NaN", "60", "40", "20"], "分值必须在 0 到 1000 之间"),
        (["100", "inf", "60", "40", "20"], "分值必须在 0 到 1000 之间"),
        (["100", "80", "60", "40", "-20"], "分值必须在 0 到 1000 之间"),
        (["100", "80", "80", "40", "20"], "等级分值必须从高到低严格递减"),
    ],
)
def test_level_points_that_are_not_falling_numbers_are_refused(organiser, make_campaign, refused, points, message):
    questionnaire = make_campaign().questionnaires[0]
    counted = [level for level in questionnaire.levels if not level.is_excluded]
    data = {f"points-{level.id}": value for level, value in zip(counted, points, strict=True)}
    refused(lambda: organiser.post(f"/admin/questionnaires/{questionnaire.id}/levels", data=data), 400, message)


def test_level_points_with_a_level_missing_are_refused(organiser, make_campaign, refused):
    questionnaire = make_campaign().questionnaires[0]
    url, data = f"/admin/questionnaires/{questionnaire.id}/levels", {f"points-{questionnaire.levels[0].id}": "90"}
    refused(lambda: organiser.post(url, data=data), 400, "分值必须是数字")


# --- unknown ids --------------------------------------------------------------------------------

#: Organiser and admin pages that take ids. (The public poster page answers an unknown round
#: or target with one deliberately vague 400, 该二维码无效, like any other bad QR.)
ID_RULES = [
    rule
    for rule in collect_rules()
    if rule.path.startswith("/admin/") and any(arg.endswith("_id") for arg in rule.arguments)
]


@pytest.mark.parametrize("rule", ID_RULES, ids=str)
def test_an_unknown_id_is_a_404_on_every_page_that_takes_one(app, client, login, make_campaign, rule):
    login(Role.ADMIN)  # allowed everywhere, so the id is the only thing wrong
    make_campaign()
    values = {arg: 999_999 for arg in rule.arguments}
    with app.test_request_context():
        url = url_for(rule.endpoint, **values)
    for method in sorted(rule.methods & {"GET", "POST"}):
        response = client.open(url, method=method, data={"probe": "1"} if method == "POST" else None)
        assert response.status_code == 404, f"{method} {url}: {response.status_code}"


@pytest.mark.parametrize("huge", [2**31, 2**63, 10**20])
@pytest.mark.parametrize(
    "path", ["/admin/campaigns/{}", "/admin/rounds/{}", "/admin/questionnaires/{}", "/admin/rounds/{}/open"]
)
def test_an_id_too_big_for_the_database_is_a_404_not_a_500(organiser, path, huge):
    method = "POST" if path.endswith("/open") else "GET"
    response = organiser.open(path.format(huge), method=method)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "query", ["page=99999999999999999999", "page=184467440737095516", "category=99999999999999999999"]
)
def test_a_page_number_or_filter_too_big_for_the_database_is_not_a_500(organiser, make_campaign, query):
    campaign = make_campaign()
    response = organiser.get(f"/admin/campaigns/{campaign.id}/targets?{query}")
    assert response.status_code in (200, 400, 404)


def test_a_huge_audit_page_number_is_not_a_500(client, login):
    login(Role.ADMIN)
    response = client.get("/admin/audit?page=99999999999999999999")
    assert response.status_code in (200, 400, 404)


# --- forms posted without their fields ------------------------------------------------------------


def test_a_target_edit_posted_without_its_fields_is_a_400_not_a_500(organiser, make_campaign, refused):
    """A partial post (a script, a truncated request) must be refused field by field."""
    url = f"/admin/targets/{make_campaign().targets[0].id}/edit"
    response = refused(lambda: organiser.post(url, data={"name": "新名字"}), 400)
    assert FIELD_ERROR in response.text


# --- deleting what codes depend on ----------------------------------------------------------------


@pytest.fixture
def issued(app, session, make_campaign):
    """A campaign whose round has a batch of codes for its first group and its first target."""
    campaign = make_campaign()
    round_ = campaign.rounds[0]
    with app.app_context():
        keys = code_keys()
    issuing.issue_batch(
        session, round_.id, round_.groups[0].id, 5, keys, now=NOW, actor_id=None, target_id=campaign.targets[0].id
    )
    session.commit()
    return campaign


def test_a_rater_group_with_codes_issued_cannot_be_deleted_and_says_why(organiser, issued, refused):
    group = issued.rounds[0].groups[0]
    refused(lambda: organiser.post(f"/admin/groups/{group.id}/delete"), 409, "评议码")


def test_a_target_with_codes_bound_to_it_cannot_be_deleted_and_says_why(organiser, issued, refused):
    target = issued.targets[0]
    refused(lambda: organiser.post(f"/admin/targets/{target.id}/delete"), 409, "评议码")
