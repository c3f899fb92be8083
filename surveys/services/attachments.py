"""Files attached to rectification reports: checked by their content, kept in the database.

A file's type is what its first bytes say, never what its name says: a PDF renamed
``.png`` is stored as a PDF (and served as one), a program renamed ``.pdf`` is refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from surveys.errors import DomainError
from surveys.i18n import N_
from surveys.models import Attachment

#: At most this many files to one report.
MAX_FILES = 5

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
        attachments.append(
            Attachment(
                filename=clean_filename(upload.filename, content_type),
                content_type=content_type,
                size=len(upload.data),
                data=upload.data,
            )
        )
    return attachments
