"""Printed slip sheets, checked the way a printer and a phone see them: poppler renders the
page, zbar reads the QR codes back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from surveys import codes, printing
from surveys.codes import MalformedCode
from surveys.printing import Slip, render_slips
from tests.documents import run, tool

KEY = b"derivation-key-for-tests"
BASE_URL = "https://pingyi.example.gov.cn"
CAMPAIGN = "2026年度万名群众评议百名科长"


def make_slips(count: int, target: str = "") -> list[Slip]:
    found = [codes.derive_code(KEY, "batch-1", i) for i in range(count)]
    return [Slip(code, codes.code_url(BASE_URL, code), CAMPAIGN, target) for code in found]


@pytest.fixture(scope="module")
def sheet(tmp_path_factory) -> tuple[Path, list[Slip], int]:
    """A rendered 10-slip PDF, its slips, and the page count render_slips returned."""
    slips = make_slips(10, target="市行政审批服务局 · 3号窗口")
    path = tmp_path_factory.mktemp("slips") / "slips.pdf"
    with path.open("wb") as out:
        pages = render_slips(slips, out, title="测试批次 1–10")
    return path, slips, pages


def test_ten_slips_fill_two_pages(sheet):
    path, _, pages = sheet
    assert pages == 2
    assert "Pages:           2" in run(tool("pdfinfo"), str(path))


def test_the_chinese_fonts_are_embedded_and_no_other_font_is_used(sheet):
    path, _, _ = sheet
    rows = run(tool("pdffonts"), str(path)).splitlines()[2:]
    assert rows, "the PDF lists no fonts"
    names = [row.split()[0] for row in rows]
    assert any("WenQuanYiMicroHei" in name for name in names)
    for row in rows:
        embedded = row.split()[-5]  # columns: name type encoding emb sub uni object ID
        assert embedded == "yes", row


def test_qr_codes_are_vector_paths_not_images(sheet):
    path, _, _ = sheet
    listing = run(tool("pdfimages"), "-list", str(path)).splitlines()
    assert listing[2:] == []


def test_page_one_scans_to_the_first_eight_urls_and_each_code_checks(sheet, tmp_path):
    path, slips, _ = sheet
    run(tool("pdftoppm"), "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page"))
    (png,) = tmp_path.glob("page*.png")
    decoded = run(tool("zbarimg"), "--nodbus", "-q", str(png)).splitlines()

    urls = [line.removeprefix("QR-Code:") for line in decoded]
    assert sorted(urls) == sorted(slip.url for slip in slips[:8])
    for url in urls:
        base, _, fragment = url.partition("#")
        assert base == f"{BASE_URL}/r"
        assert fragment == codes.display(fragment)  # grouped, as printed
        codes.check_format(fragment)


def test_the_sheet_carries_the_campaign_target_grouped_code_instruction_and_address(sheet):
    path, slips, _ = sheet
    text = run(tool("pdftotext"), "-f", "1", "-l", "1", "-layout", str(path), "-")
    assert CAMPAIGN in text
    assert "评议对象：市行政审批服务局" in text
    assert codes.display(slips[0].code) in text
    assert "请用手机扫描二维码" in text.replace(" ", "")  # the instruction wraps after a few words
    assert f"网址：{BASE_URL}/r" in text


def test_progress_is_reported_after_each_page_with_the_slips_done():
    seen = []
    pages = render_slips(make_slips(19), io.BytesIO(), title="t", progress=seen.append)
    assert pages == 3
    assert seen == [8, 16, 19]


def test_slips_are_consumed_lazily_from_any_iterable():
    pages = render_slips(iter(make_slips(4)), io.BytesIO(), title="t", per_page=2)
    assert pages == 2


def test_a_slip_with_an_invalid_code_is_refused():
    slip = Slip("K7QM3XPD9TRA0", f"{BASE_URL}/r#K7QM-3XPD-9TRA-0", CAMPAIGN)
    with pytest.raises(MalformedCode):
        render_slips([slip], io.BytesIO(), title="t")


def test_no_slips_or_an_unusable_page_size_is_a_value_error():
    with pytest.raises(ValueError, match="no slips"):
        render_slips([], io.BytesIO(), title="t")
    with pytest.raises(ValueError, match="per_page"):
        render_slips(make_slips(1), io.BytesIO(), title="t", per_page=0)
    with pytest.raises(ValueError, match="per_page"):
        render_slips(make_slips(1), io.BytesIO(), title="t", per_page=11)


def test_a_missing_font_says_which_package_to_install(monkeypatch):
    monkeypatch.setattr(printing, "_FONT_FILES", (Path("/nonexistent/wqy-microhei.ttc"),))
    with pytest.raises(RuntimeError, match="apt-get install fonts-wqy-microhei"):
        printing.register_fonts.__wrapped__()


def test_long_campaign_names_and_instructions_still_render():
    slip = make_slips(1, target="很长的评议对象名称" * 8)[0]
    slip = Slip(slip.code, slip.url, "很长的评议活动名称" * 10, slip.target)
    assert render_slips([slip], io.BytesIO(), title="t", instruction="很长的说明" * 40) == 1


def test_qr_matrix_is_deterministic_for_a_url():
    url = make_slips(1)[0].url
    assert printing.qr_matrix(url) == printing.qr_matrix(url)
