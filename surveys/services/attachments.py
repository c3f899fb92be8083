"""Files attached to rectification reports: checked by their content, kept in the database.

A file's type is what its first bytes say, never what its name says: a PDF renamed
``.png`` is stored as a PDF (and served as one), a program renamed ``.pdf`` is refused. An
image is refused by its pixel count, read from its header before anything decodes it: a
small file can unpack into a bitmap of gigabytes in the browser of whoever opens it.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from dataclasses import dataclass

from surveys.errors import DomainError
from surveys.i18n import N_
from surveys.models import Attachment

#: At most this many files to one report.
MAX_FILES = 5
#: At most this many pixels to an image (a 50-megapixel photo; phones save 12 to 50).
MAX_PIXELS = 50_000_000

#: (content type, test on the first bytes, extension used when a name has none that fits)
_SIGNATURES = (
    ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"), ".png"),
    ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff"), ".jpg"),
    ("image/gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a"), ".gif"),
    ("image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP", ".webp"),
    ("application/pdf", lambda head: head.startswith(b"%PDF-"), ".pdf"),
)
_EXTENSIONS = {
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}


@dataclass(frozen=True)
class Upload:
    """A file as the web layer received it."""

    filename: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """The content type the file's first bytes announce, or None if it is none we accept."""
    head = data[:16]
    return next((kind for kind, test, _ext in _SIGNATURES if test(head)), None)


def image_size(data: bytes, content_type: str) -> tuple[int, int] | None:
    """(width, height) as the image's header states them, without decoding anything; None
    when the header is cut short or the file is no image."""
    try:
        if content_type == "image/png":
            return struct.unpack(">II", data[16:24])
        if content_type == "image/gif":
            return struct.unpack("<HH", data[6:10])
        if content_type == "image/webp":
            return _webp_size(data)
        if content_type == "image/jpeg":
            return _jpeg_size(data)
    except struct.error:
        return None
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":  # extended: canvas size, 24 bits each, minus one
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    if chunk == b"VP8L":  # lossless: 14 bits each, minus one, after a signature byte
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":  # lossy: after the frame tag and start code, 14 bits each
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """The size in the first start-of-frame segment (SOF0–SOF15 but DHT, JPG and DAC)."""
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            at += 2
            continue
        at += 2 + struct.unpack(">H", data[at + 2 : at + 4])[0]
    return None


def clean_filename(name: str, content_type: str) -> str:
    """The uploader's name without folders or control characters, at most 120 characters,
    ending in an extension that matches the checked content type."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;]', "_", name).strip(" .") or "附件"
    extensions = _EXTENSIONS[content_type]
    if not name.lower().endswith(extensions):
        name += extensions[0]
    stem, dot, ext = name.rpartition(".")
    return f"{stem[: 119 - len(ext)]}{dot}{ext}"


def check_uploads(uploads: list[Upload], *, max_bytes: int) -> list[Attachment]:
    """Attachments for the uploads, or DomainError (400) naming the first refused file.

    Empty uploads (a file field left blank) are skipped. Nothing is added to a session.
    """
    uploads = [u for u in uploads if u.data or u.filename]
    if len(uploads) > MAX_FILES:
        raise DomainError(N_("每次最多上传 %(n)d 个附件"), n=MAX_FILES)
    attachments = []
    for upload in uploads:
        if not upload.data:
            raise DomainError(N_("附件“%(name)s”是空文件"), name=upload.filename[:60])
        if len(upload.data) > max_bytes:
            raise DomainError(
                N_("附件“%(name)s”超过 %(mb)s MB 的上限"), name=upload.filename[:60], mb=f"{max_bytes / 2**20:g}"
            )
        content_type = sniff(upload.data)
        if content_type is None:
            raise DomainError(
                N_("附件“%(name)s”不是图片（PNG、JPEG、GIF、WebP）或 PDF 文件，已拒绝"), name=upload.filename[:60]
            )
        size = image_size(upload.data, content_type)
        if size and size[0] * size[1] > MAX_PIXELS:
            raise DomainError(
                N_("附件“%(name)s”的图片尺寸过大（%(width)d×%(height)d 像素），请缩小到 %(mp)d 百万像素以内再上传"),
                name=upload.filename[:60],
                width=size[0],
                height=size[1],
                mp=MAX_PIXELS // 1_000_000,
            )
        attachments.append(
            Attachment(
                filename=clean_filename(upload.filename, content_type),
                content_type=content_type,
                size=len(upload.data),
                data=upload.data,
            )
        )
    return attachments
