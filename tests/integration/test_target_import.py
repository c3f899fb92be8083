"""Bulk import of targets from CSV and XLSX files: all rows or none."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from surveys.errors import DomainError, ImportRejected, NotFound, RowProblem
from surveys.imports.targets import TEMPLATE_HEADER, import_targets
from surveys.models import AuditEntry, Campaign, Category, Target, TargetKind, Unit
from surveys.services import organisation
from tests.conftest import NOW

UNITS = [
    "市发展和改革委员会",
    "市教育局",
    "市公安局",
    "市民政局",
    "市财政局",
    "市人力资源和社会保障局",
    "市自然资源局",
    "市生态环境局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市卫生健康委员会",
    "市市场监督管理局",
]
CATEGORIES = ["综合管理", "行政执法", "社会服务"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明"]


def roster(n: int = 189) -> list[list[str]]:
    """A roster like Baoji's 百名科长: code, name, kind, category, unit, title."""
    rows = []
    for i in range(n):
        unit = UNITS[i % len(UNITS)]
        rows.append(
            [
                f"BJ{i + 1:03d}",
                SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)],
                "个人",
                CATEGORIES[i % len(CATEGORIES)],
                unit,
                f"{unit}第{i % 7 + 1}科科长",
            ]
        )
    return rows


def csv_file(rows: list[list], header: list[str] = TEMPLATE_HEADER, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


def xlsx_file(rows: list[list], header: list[str] = TEMPLATE_HEADER) -> bytes:
    """An XLSX workbook; a row given as None is left out of the sheet entirely (a blank line)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "评议对象"
    for line, row in enumerate([header, *rows], start=1):
        for column, value in enumerate(row or [], start=1):
            sheet.cell(row=line, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_member(data: bytes, member_prefix: str, change) -> bytes:
    """The same zip archive with the members whose names start with ``member_prefix`` changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, change(content) if info.filename.startswith(member_prefix) else content)
    return out.getvalue()


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def row_counts(session) -> dict[str, int]:
    return {
        "targets": count(session, Target),
        "units": count(session, Unit),
        "categories": count(session, Category),
        "audit": count(session, AuditEntry),
    }


def imported(session, campaign_id: int) -> set[tuple]:
    targets = session.scalars(select(Target).where(Target.campaign_id == campaign_id))
    return {(t.code, t.name, t.kind, t.category.name, t.unit.name, t.title) for t in targets}


def expected(rows: list[list[str]]) -> set[tuple]:
    return {(code, name, TargetKind.PERSON, category, unit, title) for code, name, _kind, category, unit, title in rows}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_189_row_roster_csv_imports_in_one_go(session, make_campaign, encoding):
    campaign = make_campaign()
    rows = roster()
    data = csv_file(rows, encoding=encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")  # the file really needs the GB18030 fallback
    else:
        assert data.startswith(b"\xef\xbb\xbf")

    result = import_targets(session, campaign.id, "百名科长.csv", data, now=NOW, actor_id=None)
    session.commit()

    assert result.targets == 189
    assert {t for t in imported(session, campaign.id) if t[0].startswith("BJ")} == expected(rows)
    assert count(session, Target, Target.campaign_id == campaign.id) == 3 + 189


def test_the_same_roster_as_xlsx_imports_in_one_go(session, make_campaign):
    campaign = make_campaign()
    rows = roster()

    result = import_targets(session, campaign.id, "百名科长.xlsx", xlsx_file(rows), now=NOW, actor_id=None)
    session.commit()

    assert result.targets == 189
    assert {t for t in imported(session, campaign.id) if t[0].startswith("BJ")} == expected(rows)


@pytest.mark.parametrize("filename", ["roster.csv", "ROSTER.CSV", "roster.xlsx"])
def test_english_headers_in_any_case_and_english_kinds_are_accepted(session, make_campaign, filename):
    campaign = make_campaign()
    header = ["Code", "NAME", "kind", "Category", "unit", "Title"]
    rows = [
        ["W01", "不动产登记窗口", "Window", "社会服务", "市自然资源局", ""],
        ["P01", "赵六", "person", "综合管理", "市教育局", "办公室主任"],
        ["U01", "市民政局", "UNIT", "社会服务", "市民政局", ""],
    ]
    data = xlsx_file(rows, header) if filename.endswith("xlsx") else csv_file(rows, header)

    import_targets(session, campaign.id, filename, data, now=NOW, actor_id=None)

    kinds = {t.code: (t.kind, t.name, t.title) for t in session.scalars(select(Target))}
    assert kinds["W01"] == (TargetKind.WINDOW, "不动产登记窗口", "")
    assert kinds["P01"] == (TargetKind.PERSON, "赵六", "办公室主任")
    assert kinds["U01"] == (TargetKind.UNIT, "市民政局", "")


def test_alternative_chinese_headers_are_accepted_and_unknown_columns_ignored(session, make_campaign):
    campaign = make_campaign()
    header = ["序号", "编号", "名称", "类型", "类别", "所属单位", "备注"]
    rows = [["1", "C01", "户籍窗口", "窗口", "社会服务", "市公安局", "一楼大厅"]]

    import_targets(session, campaign.id, "t.csv", csv_file(rows, header), now=NOW, actor_id=None)

    target = session.scalar(select(Target).where(Target.code == "C01"))
    assert (target.name, target.kind, target.unit.name, target.title) == ("户籍窗口", TargetKind.WINDOW, "市公安局", "")


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        (["编号", "姓名", "类型", "单位", "职务"], "类别"),
        (["编号", "姓名", "类型", "职务"], "类别、单位"),
        (["姓名", "类型", "类别", "单位"], "编号"),
    ],
)
def test_a_file_without_a_required_column_is_refused_naming_the_column(session, make_campaign, header, missing):
    campaign = make_campaign()
    before = row_counts(session)
    rows = [["X"] * len(header)]

    with pytest.raises(DomainError) as refused:
        import_targets(session, campaign.id, "t.csv", csv_file(rows, header), now=NOW, actor_id=None)

    assert refused.value.message == "文件缺少必需的列：%(columns)s"
    assert refused.value.params == {"columns": missing}
    session.rollback()
    assert row_counts(session) == before


def test_a_file_with_bad_rows_is_refused_whole_and_nothing_is_written(session, make_campaign):
    campaign = make_campaign()  # already holds targets A01, A02 and B01
    before = row_counts(session)
    rows = [
        ["K001", "张一", "个人", "综合管理", "新单位甲", ""],  # line 2, fine
        ["K002", "", "个人", "综合管理", "新单位甲", ""],  # line 3, no name
        ["K003", "张三", "科室", "综合管理", "新单位甲", ""],  # line 4, invalid kind
        ["K004", "张四", "窗口", "新类别", "新单位乙", ""],  # line 5, fine, new unit and category
        ["K001", "张五", "个人", "综合管理", "新单位甲", ""],  # line 6, repeats line 2
        ["A01", "张六", "个人", "综合管理", "新单位甲", ""],  # line 7, already in the campaign
        ["K007", "张" * 101, "个人", "综合管理", "新单位甲", ""],  # line 8, name too long
        [],  # line 9, blank: skipped, still counted
        ["K" * 33, "张九", "个人", "综合管理", "新单位甲", ""],  # line 10, code too long
        ["K011", "张十", "个人", "综合管理", "单" * 101, "科长"],  # line 11, unit too long
        ["K001", "张十一", "个人", "综合管理", "新单位甲", ""],  # line 12, repeats line 2 again
    ]

    with pytest.raises(ImportRejected) as refused:
        import_targets(session, campaign.id, "roster.csv", csv_file(rows), now=NOW, actor_id=None)

    assert refused.value.problems == [
        RowProblem(3, "缺少%(field)s", {"field": "名称"}),
        RowProblem(4, "类型“%(value)s”无效，应为 窗口、个人 或 单位", {"value": "科室"}),
        RowProblem(6, "编号 %(code)s 与第 %(other)d 行重复", {"code": "K001", "other": 2}),
        RowProblem(7, "编号 %(code)s 已存在于本活动", {"code": "A01"}),
        RowProblem(8, "%(field)s超过 %(n)d 个字符", {"field": "名称", "n": 100}),
        RowProblem(10, "%(field)s超过 %(n)d 个字符", {"field": "编号", "n": 32}),
        RowProblem(11, "%(field)s超过 %(n)d 个字符", {"field": "单位", "n": 100}),
        RowProblem(12, "编号 %(code)s 与第 %(other)d 行重复", {"code": "K001", "other": 2}),
    ]
    assert refused.value.params == {"n": 8}
    assert row_counts(session) == before  # nothing pending in this transaction either
    session.rollback()
    assert row_counts(session) == before
    assert not session.scalars(select(Unit).where(Unit.name.in_(["新单位甲", "新单位乙"]))).all()


def test_one_row_with_several_faults_lists_each_fault_on_the_same_line(session, make_campaign):
    campaign = make_campaign()
    rows = [["", "", "", "", "", ""], ["", "李四", "岗位", "", "市教育局", ""]]

    with pytest.raises(ImportRejected) as refused:
        import_targets(session, campaign.id, "t.csv", csv_file(rows), now=NOW, actor_id=None)

    # line 2 is blank and skipped; line 3 lacks code and category and has a bad kind
    assert [(p.line, p.reason, p.params) for p in refused.value.problems] == [
        (3, "缺少%(field)s", {"field": "编号"}),
        (3, "缺少%(field)s", {"field": "类别"}),
        (3, "类型“%(value)s”无效，应为 窗口、个人 或 单位", {"value": "岗位"}),
    ]


def test_bad_rows_in_an_xlsx_are_reported_by_the_line_the_spreadsheet_shows(session, make_campaign):
    campaign = make_campaign()
    rows = [
        ["X01", "甲", "个人", "综合管理", "市教育局", ""],  # line 2
        None,  # line 3, an empty spreadsheet row
        None,  # line 4
        ["X01", "乙", "个人", "综合管理", "市教育局", ""],  # line 5
        ["X06", "丙", "部门", "综合管理", "市教育局", ""],  # line 6
    ]

    with pytest.raises(ImportRejected) as refused:
        import_targets(session, campaign.id, "t.xlsx", xlsx_file(rows), now=NOW, actor_id=None)

    assert [(p.line, p.reason) for p in refused.value.problems] == [
        (5, "编号 %(code)s 与第 %(other)d 行重复"),
        (6, "类型“%(value)s”无效，应为 窗口、个人 或 单位"),
    ]
    assert refused.value.problems[0].params == {"code": "X01", "other": 2}


def test_blank_lines_and_lines_of_empty_cells_are_skipped(session, make_campaign):
    campaign = make_campaign()
    text = (
        "编号,姓名,类型,类别,单位\r\n"
        "\r\n"
        "S01,孙一,个人,综合管理,市财政局\r\n"
        ",,,,\r\n"
        "   ,  ,,,\r\n"
        "S02,孙二,个人,综合管理,市财政局\r\n"
        "\r\n"
    )

    result = import_targets(session, campaign.id, "t.csv", text.encode("utf-8"), now=NOW, actor_id=None)

    assert result.targets == 2
    assert {t.code for t in session.scalars(select(Target).where(Target.code.like("S%")))} == {"S01", "S02"}


@pytest.mark.parametrize("filename", ["roster.xls", "roster.txt", "roster", "roster.csv.exe", ""])
def test_a_file_that_is_neither_csv_nor_xlsx_is_refused(session, make_campaign, filename):
    campaign = make_campaign()

    with pytest.raises(DomainError) as refused:
        import_targets(session, campaign.id, filename, csv_file(roster(3)), now=NOW, actor_id=None)

    assert refused.value.message == "只支持 CSV 或 XLSX 文件"
    assert count(session, Target) == 3


def _valid_xlsx() -> bytes:
    return xlsx_file(roster(30))


def _zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return out.getvalue()


def _damaged_deflate_stream() -> bytes:
    """A valid archive whose compressed sheet data has a few bytes overwritten (a bad download)."""
    data = bytearray(_valid_xlsx())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 20, start + 28):
        data[offset] ^= 0xFF
    return bytes(data)


CORRUPT_XLSX = {
    "random bytes": lambda: b"this is not a spreadsheet at all",
    "truncated download": lambda: _valid_xlsx()[:2000],
    "zip that is not a workbook": _zip_without_workbook,
    "csv renamed to xlsx": lambda: csv_file(roster(3)),
    "malformed workbook xml": lambda: rewrite_member(_valid_xlsx(), "xl/workbook.xml", lambda _: b"<workbook"),
    "malformed sheet xml": lambda: rewrite_member(
        _valid_xlsx(), "xl/worksheets/", lambda _: b"<worksheet><sheetData><row"
    ),
    "damaged compressed sheet": _damaged_deflate_stream,
}


@pytest.mark.parametrize("make_bytes", CORRUPT_XLSX.values(), ids=CORRUPT_XLSX.keys())
def test_a_corrupt_xlsx_is_refused_with_a_domain_error_not_a_crash(session, make_campaign, make_bytes):
    campaign = make_campaign()
    before = row_counts(session)

    with pytest.raises(DomainError) as refused:
        import_targets(session, campaign.id, "roster.xlsx", make_bytes(), now=NOW, actor_id=None)

    assert refused.value.message == "XLSX 文件无法打开，请确认文件未损坏"
    session.rollback()
    assert row_counts(session) == before


@pytest.mark.parametrize(
    ("filename", "data"),
    [("empty.csv", b""), ("bom-only.csv", b"\xef\xbb\xbf"), ("empty.xlsx", xlsx_file([], header=[]))],
    ids=["empty csv", "csv with only a BOM", "xlsx with an empty sheet"],
)
def test_an_empty_file_is_refused_as_empty(session, make_campaign, filename, data):
    campaign = make_campaign()

    with pytest.raises(DomainError) as refused:
        import_targets(session, campaign.id, filename, data, now=NOW, actor_id=None)

    assert refused.value.message == "文件是空的"


@pytest.mark.parametrize("filename", ["header-only.csv", "header-only.xlsx"])
def test_a_file_with_only_a_header_is_refused_as_having_no_rows(session, make_campaign, filename):
    campaign = make_campaign()
    before = row_counts(session)
    data = xlsx_file([[None] * 6, []]) if filename.endswith("xlsx") else csv_file([["", "", "", "", "", ""]])

    with pytest.raises(ImportRejected) as refused:
        import_targets(session, campaign.id, filename, data, now=NOW, actor_id=None)

    assert refused.value.message == "文件中没有数据行"
    assert refused.value.problems == []
    assert row_counts(session) == before


def test_new_units_and_categories_are_created_and_reported_and_existing_ones_reused(session, make_campaign):
    campaign = make_campaign()  # unit "2026年度评议-单位"; categories 综合管理, 行政执法
    other = make_campaign("另一活动")  # its categories belong to it alone
    organisation.find_or_create_category(session, other, "社会服务")
    existing_unit = organisation.save_unit(session, "市税务局", None, now=NOW, actor_id=None)
    session.commit()
    rows = [
        ["N01", "甲", "个人", "综合管理", "2026年度评议-单位", ""],
        ["N02", "乙", "个人", "社会服务", "市审计局", ""],
        ["N03", "丙", "窗口", "社会服务", "市税务局", ""],
        ["N04", "丁", "个人", "专项治理", "市统计局", ""],
        ["N05", "戊", "个人", "行政执法", "市审计局", ""],
    ]

    result = import_targets(session, campaign.id, "t.csv", csv_file(rows), now=NOW, actor_id=None)
    session.commit()

    assert result.targets == 5
    assert result.new_units == ["市审计局", "市统计局"]
    assert result.new_categories == ["社会服务", "专项治理"]
    names = [c.name for c in session.get(Campaign, campaign.id).categories]
    assert names == ["综合管理", "行政执法", "社会服务", "专项治理"]
    assert count(session, Unit, Unit.name == "市审计局") == 1
    by_code = {t.code: t for t in session.scalars(select(Target).where(Target.campaign_id == campaign.id))}
    assert by_code["N03"].unit_id == existing_unit.id
    assert by_code["N02"].unit is by_code["N05"].unit
    assert by_code["N02"].category.campaign_id == campaign.id
    assert [c.name for c in session.get(Campaign, other.id).categories] == ["综合管理", "行政执法", "社会服务"]


def test_numbers_typed_in_excel_cells_come_out_as_plain_text(session, make_campaign):
    campaign = make_campaign()
    rows = [
        [12, "甲", "个人", "综合管理", "市教育局", 2024],
        [13, "乙", "个人", "综合管理", "市教育局", ""],
        ["0014", "丙", "个人", "综合管理", "市教育局", ""],
    ]

    def as_float(xml: bytes) -> bytes:
        # Excel writes some whole numbers as 13.0; openpyxl then reads them as floats
        assert b"<v>13</v>" in xml
        return xml.replace(b"<v>13</v>", b"<v>13.0</v>")

    data = rewrite_member(xlsx_file(rows), "xl/worksheets/sheet1.xml", as_float)

    import_targets(session, campaign.id, "t.xlsx", data, now=NOW, actor_id=None)

    targets = {t.name: t for t in session.scalars(select(Target).where(Target.unit.has(name="市教育局")))}
    assert (targets["甲"].code, targets["甲"].title) == ("12", "2024")
    assert targets["乙"].code == "13"
    assert targets["丙"].code == "0014"


def test_codes_are_compared_after_trimming_spaces(session, make_campaign):
    campaign = make_campaign()
    rows = [[" A01 ", "甲", "个人", "综合管理", "市教育局", ""]]

    with pytest.raises(ImportRejected) as refused:
        import_targets(session, campaign.id, "t.csv", csv_file(rows), now=NOW, actor_id=None)

    assert refused.value.problems == [RowProblem(2, "编号 %(code)s 已存在于本活动", {"code": "A01"})]


def test_a_successful_import_writes_one_target_import_audit_entry(session, make_campaign, make_user):
    organiser = make_user()
    campaign = make_campaign()
    audit_before = count(session, AuditEntry)
    rows = roster(20)

    import_targets(session, campaign.id, "百名科长.csv", csv_file(rows), now=NOW, actor_id=organiser.id)
    session.commit()

    assert count(session, AuditEntry) == audit_before + 1
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id, entry.at) == ("target.import", organiser.id, NOW)
    assert (entry.object_type, entry.object_id, entry.summary) == ("campaigns", campaign.id, "百名科长.csv")
    assert entry.detail == {"rows": 20, "new_units": UNITS, "new_categories": ["社会服务"]}


def test_importing_into_a_campaign_that_does_not_exist_is_refused(session):
    with pytest.raises(NotFound):
        import_targets(session, 999999, "t.csv", csv_file(roster(2)), now=NOW, actor_id=None)
    assert count(session, Unit) == 0
