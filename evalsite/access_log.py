"""gunicorn's access log without codes (DESIGN.md section 5: no code in any log line).

The rating pages never put a code in a URL — it rides in the QR's fragment, which browsers
do not send, and then in POST bodies, which are not logged. But people type addresses: a
code pasted after ``/r?`` or ``/r/`` would reach the log through the request line, the path,
the query string or a referrer. This logger drops every query string and replaces any path
segment that could be a code (12 or more letters and digits, dashes and spaces aside, and
no dot — file names keep theirs) with ``[redacted]``. Select it with
``logger_class = "evalsite.access_log.CodeFreeLogger"`` (deploy/gunicorn.conf.py does).

The public casting routes (``/r…``, ``/o…``) are logged without the client's address, any
request header, and with the day only: a line "this address posted /r/submit at 10:42:17",
next to the order in which the database wrote ballots, could name who cast which ballot
(DESIGN.md section 5). The rate limits count per address in memory or Redis, not in the log.
"""

from __future__ import annotations

import re
from datetime import datetime

from gunicorn.glogging import Logger

_CODE_LIKE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\- ]{11,}$")
_ALNUM = re.compile(r"[0-9A-Za-z]")
REDACTED = "[redacted]"
#: Where raters cast ballots: the code pages and the open-round (poster) forms.
_CASTING = re.compile(r"^/[ro](/|$)")
#: Atoms that name the client or the moment finer than the day.
_CLIENT_ATOMS = ("h", "a", "u", "l", "f")


def redact_path(path: str) -> str:
    """The path with code-like segments replaced, without its query string."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    return "/".join(
        REDACTED if _CODE_LIKE.match(part) and len(_ALNUM.findall(part)) >= 12 else part for part in path.split("/")
    )


class CodeFreeLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("RAW_URI") or environ.get("PATH_INFO") or "")
        atoms["r"] = f"{environ['REQUEST_METHOD']} {path} {environ['SERVER_PROTOCOL']}"
        atoms["U"] = path
        atoms["q"] = "-"
        referrer = environ.get("HTTP_REFERER")
        atoms["f"] = redact_path(referrer) if referrer else "-"
        is_casting = bool(_CASTING.match(path))
        for name in [key for key in atoms if key.startswith("{") and key.endswith("}i")]:
            if is_casting or name in ("{referer}i", "{cookie}i", "{authorization}i"):
                atoms[name] = "-"
        if is_casting:
            atoms.update(dict.fromkeys(_CLIENT_ATOMS, "-"))
            atoms.update(dict.fromkeys((key for key in atoms if key.startswith("{")), "-"))  # headers, environ
            atoms["t"] = datetime.now().astimezone().strftime("[%d/%b/%Y]")
        return atoms
