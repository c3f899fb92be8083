"""A seeded generator of malformed HTTP requests aimed at the rules of a Flask url map.

Each request is plain data (method, path, query, headers, body) so a failure can be printed
and replayed. Paths come from the app's own url map, so a new public endpoint is fuzzed the
moment it exists; the world's real ids are mixed with absurd ones.
"""

from __future__ import annotations

import json
import random
import re
import string
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

METHODS = ["GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
#: Form fields the views read, so malformed bodies reach past "field missing".
FIELDS = ["code", "username", "password", "lang", "next", "csrf_token", "a-1-1", "c-1", "probe", "current", "new"]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=gbk",
    "multipart/form-data",
    "multipart/form-data; boundary=xyz",
    "application/json",
    "application/json; charset=utf-16",
    "text/plain",
    "application/octet-stream",
    "image/svg+xml",
    "\x00garbage/\xff",
    "",
]
JUNK = [
    "",
    " ",
    "0",
    "-1",
    "99999999999999999999",
    "1e309",
    "NaN",
    "null",
    "../../etc/passwd",
    "%00",
    "%ff%fe",
    "\u202e\u0000\ud800",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "{{7*7}}",
    "javascript:alert(1)",
    "//evil.example/",
    "\r\nSet-Cookie: a=b",
    "K7QM-3XPD-9TRA-5",
    "中文评议码",
    "😀" * 50,
    "A" * 5000,
]


def _escaped(text: str) -> str:
    """Percent-escaped as a client would send it (lone surrogates become invalid UTF-8 bytes)."""
    return quote(text, safe="", errors="surrogatepass")


@dataclass
class FuzzRequest:
    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    remote_addr: str = "127.0.0.1"

    def __str__(self) -> str:
        body = (self.body or b"")[:120]
        return f"{self.method} {self.path}?{self.query[:80]} headers={self.headers!r:.200} body={body!r}"


class RequestFuzzer:
    def __init__(self, seed: int, rules: list[tuple[str, list[str]]], ids: dict[str, int], tokens: list[str]):
        """``rules``: (path template, argument names); ``ids``: real values per argument name;
        ``tokens``: valid CSRF tokens for the client's cookie (sent sometimes, tampered often)."""
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.rules = rules
        self.ids = ids
        self.tokens = tokens

    def text(self, limit: int = 40) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.4:
            return rng.choice(JUNK)
        if kind < 0.7:
            return "".join(rng.choice(string.printable) for _ in range(rng.randrange(limit)))
        return "".join(chr(rng.randrange(0x20, 0x2FFFF)) for _ in range(rng.randrange(limit)))

    def path(self) -> str:
        rng = self.rng
        if rng.random() < 0.05:
            return "/" + "/".join(_escaped(self.text(8)) for _ in range(rng.randrange(1, 4)))
        template, arguments = rng.choice(self.rules)
        path = template
        for name in arguments:
            value = (
                str(self.ids.get(name, 1))
                if rng.random() < 0.6
                else rng.choice(["0", "-5", "2147483648", "x", "1.5", "%2e%2e", "9" * 30])
            )
            path = path.replace(f"<{name}>", value).replace(f"<int:{name}>", value).replace(f"<path:{name}>", value)
        return path

    def query(self) -> str:
        rng = self.rng
        pairs = [
            (rng.choice([*FIELDS, "page", "round", "from", "kind", self.text(6)]), self.text(30))
            for _ in range(rng.randrange(4))
        ]
        return urlencode(pairs, errors="surrogatepass")

    def form(self) -> dict[str, str]:
        rng = self.rng
        form = {
            rng.choice(FIELDS) if rng.random() < 0.7 else self.text(10): self.text() for _ in range(rng.randrange(6))
        }
        if rng.random() < 0.5:
            form["csrf_token"] = self.csrf()
        if rng.random() < 0.2:
            form[f"a-{rng.randrange(1, 50)}-{rng.randrange(1, 50)}"] = str(rng.randrange(-2, 400))
        return form

    def csrf(self) -> str:
        rng = self.rng
        token = rng.choice(self.tokens)
        roll = rng.random()
        if roll < 0.5:
            return token
        if roll < 0.8:
            i = rng.randrange(len(token))
            return token[:i] + rng.choice(string.ascii_letters) + token[i + 1 :]
        return self.text(60)

    def body(self, content_type: str) -> bytes:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return urlencode(self.form(), errors="surrogatepass").encode()
        if roll < 0.6:
            value = {
                self.text(8): rng.choice([self.text(), rng.randrange(-(10**12), 10**12), None, [1, {"a": []}], 1e308])
            }
            return json.dumps(value).encode()
        if roll < 0.75:
            return rng.randbytes(rng.randrange(0, 2000))
        if roll < 0.8:
            return b"x=" + b"A" * rng.randrange(50_000, 80_000)  # above the fuzz app's upload limit
        if roll < 0.9:
            return self.text(300).encode("utf-8", "surrogatepass")
        return b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n' + rng.randbytes(200)

    def headers(self) -> dict[str, str]:
        rng = self.rng
        headers = {}
        if rng.random() < 0.3:
            headers["Authorization"] = rng.choice(
                ["Bearer ", "Bearer x", "Basic YWRtaW46YWRtaW4=", "bearer " + self.text(250), self.text(30)]
            )
        if rng.random() < 0.2:
            headers["Cookie"] = rng.choice(["session=" + self.text(80), "session=.eJwFwQ.x.y", self.text(40)])
        if rng.random() < 0.2:
            headers["Accept-Language"] = self.text(20)
        if rng.random() < 0.1:
            headers["X-Forwarded-For"] = self.text(20)
        if rng.random() < 0.1:
            headers["Referer"] = rng.choice(["http://evil.example/", self.text(30)])
        # As a server hands them over: bytes read as latin-1, no line breaks (they end a header).
        encoded = {k: v.encode("utf-8", "surrogatepass").decode("latin-1") for k, v in headers.items()}
        return {k: re.sub(r"[\r\n]", " ", v) for k, v in encoded.items()}

    def request(self) -> FuzzRequest:
        rng = self.rng
        method = rng.choice(METHODS)
        headers = self.headers()
        body = None
        if method in ("POST", "PUT", "PATCH", "DELETE") and rng.random() < 0.9:
            headers["Content-Type"] = rng.choice(CONTENT_TYPES)
            body = self.body(headers["Content-Type"])
        address = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        path = self.path()
        if path.startswith("//"):  # the test client would read it as a host name
            path = "/%2F" + path[2:]
        return FuzzRequest(method, path, self.query() if rng.random() < 0.5 else "", headers, body, address)
