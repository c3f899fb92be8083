"""The ledger's state machine and the attachment checks, without a database."""

from __future__ import annotations

import io
import itertools

import pytest
from PIL import Image

from surveys.errors import Conflict, DomainError
from surveys.labels import label
from surveys.models import ProblemState, Verdict
from surveys.models.problems import TRANSITIONS
from surveys.services import attachments
from surveys.services.attachments import MAX_FILES, Upload, check_uploads, clean_filename, sniff
from tests.ledger_world import PDF, PNG

S = ProblemState
LEGAL = {
    (S.OPEN, S.REPORTED),
    (S.REOPENED, S.REPORTED),
    (S.REPORTED, S.CLOSED),
    (S.REPORTED, S.REOPENED),
    (S.OPEN, S.WITHDRAWN),
    (S.REPORTED, S.WITHDRAWN),
    (S.REOPENED, S.WITHDRAWN),
}
ALL_PAIRS = list(itertools.product(ProblemState, repeat=2))


def test_the_transition_table_is_exactly_the_documented_one():
    assert TRANSITIONS == LEGAL


@pytest.mark.parametrize(("before", "after"), sorted(LEGAL, key=str), ids=str)
def test_a_legal_move_gives_the_new_state(before, after):
    assert before.move_to(after) is after


@pytest.mark.parametrize(("before", "after"), [p for p in ALL_PAIRS if p not in LEGAL], ids=str)
def test_every_other_move_is_refused_with_409(before, after):
    with pytest.raises(Conflict) as refused:
        before.move_to(after)
    assert refused.value.status == 409
    assert str(refused.value) == f"整改事项当前为“{label(before)}”，不能改为“{label(after)}”"


def test_closed_and_withdrawn_are_final_and_nothing_leaves_them():
    for final in (S.CLOSED, S.WITHDRAWN):
        assert final.is_final
        assert not [after for before, after in LEGAL if before is final]


def test_only_unsatisfied_reopens():
    assert [v for v in Verdict if not v.closes] == [Verdict.UNSATISFIED]


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (PDF, "application/pdf"),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),  # a Windows program
        (b"PK\x03\x04", None),  # a zip (docx, xlsx)
        (b"<svg xmlns='http://www.w3.org/2000/svg'>", None),  # scripts can hide in SVG
        (b"<html><script>", None),
        (b"", None),
    ],
)
def test_the_type_is_read_from_the_first_bytes(head, kind):
    assert sniff(head) == kind


def test_a_pdf_named_png_is_stored_as_a_pdf_with_a_pdf_name():
    [attachment] = check_uploads([Upload("照片.png", PDF)], max_bytes=2**20)
    assert attachment.content_type == "application/pdf"
    assert attachment.filename == "照片.png.pdf"
    assert attachment.size == len(PDF)


def test_a_program_named_pdf_is_refused_with_a_chinese_message():
    with pytest.raises(DomainError) as refused:
        check_uploads([Upload("整改报告.pdf", b"MZ\x90\x00" + bytes(100))], max_bytes=2**20)
    assert refused.value.status == 400
    assert "不是图片（PNG、JPEG、GIF、WebP）或 PDF 文件" in refused.value.message
    assert refused.value.params["name"] == "整改报告.pdf"


def test_a_file_over_the_limit_is_refused():
    with pytest.raises(DomainError) as refused:
        check_uploads([Upload("big.png", PNG + bytes(2000))], max_bytes=1024)
    assert refused.value.params["mb"] == "0.000976562"


def test_too_many_files_are_refused_and_blank_fields_are_skipped():
    assert check_uploads([Upload("", b"")] * 3, max_bytes=2**20) == []
    with pytest.raises(DomainError):
        check_uploads([Upload(f"{i}.png", PNG) for i in range(MAX_FILES + 1)], max_bytes=2**20)
    with pytest.raises(DomainError):
        check_uploads([Upload("empty.png", b"")], max_bytes=2**20)


@pytest.mark.parametrize(
    ("name", "kind", "clean"),
    [
        ("../../etc/passwd.png", "image/png", "passwd.png"),
        ("C:\\Users\\张三\\现场照片.JPG", "image/jpeg", "现场照片.JPG"),
        ("报告\r\nX-Evil: 1.pdf", "application/pdf", "报告X-Evil_ 1.pdf"),
        ("", "image/png", "附件.png"),
        ("...", "application/pdf", "附件.pdf"),
        ("照片.jpeg", "image/jpeg", "照片.jpeg"),
        ("a" * 300 + ".webp", "image/webp", "a" * 115 + ".webp"),
    ],
)
def test_file_names_lose_folders_and_control_characters(name, kind, clean):
    assert clean_filename(name, kind) == clean
    assert len(clean_filename(name, kind)) <= 120


def encoded(kind: str, size: tuple[int, int], **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, kind, **options)
    return out.getvalue()


@pytest.mark.parametrize(
    ("kind", "content_type", "options"),
    [
        ("PNG", "image/png", {}),
        ("JPEG", "image/jpeg", {}),
        ("JPEG", "image/jpeg", {"progressive": True, "exif": Image.Exif().tobytes()}),
        ("GIF", "image/gif", {}),
        ("WEBP", "image/webp", {}),
        ("WEBP", "image/webp", {"lossless": True}),
        ("WEBP", "image/webp", {"exif": Image.Exif().tobytes()}),  # the extended (VP8X) form
    ],
)
def test_an_images_size_is_read_from_its_header_as_an_image_library_reads_it(kind, content_type, options):
    data = encoded(kind, (317, 211), **options)
    assert attachments.sniff(data) == content_type
    assert attachments.image_size(data, content_type) == Image.open(io.BytesIO(data)).size == (317, 211)


def test_a_header_cut_short_gives_no_size():
    assert attachments.image_size(encoded("JPEG", (10, 10))[:12], "image/jpeg") is None
    assert attachments.image_size(b"\x89PNG\r\n\x1a\n", "image/png") is None
