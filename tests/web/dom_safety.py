"""Checking a rendered page for markup a stored value injected.

``injected_markup(html)`` parses the page (the standard library's HTML parser, which splits
tags and attributes as a browser's tokenizer does) and lists what no page of ours contains:
tags outside our templates' vocabulary, event-handler or style attributes, scripts not loaded
from our own script paths, and javascript:/data:/vbscript: URLs. ``shown_values(html)`` is the page's text
and attribute values with entities decoded, to check that a payload was shown as text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "evalsite" / "templates"
#: Tags our templates write, plus the SVG a QR code is drawn with.
ALLOWED_TAGS = {
    tag.lower()
    for tag in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)", "".join(p.read_text() for p in TEMPLATES.rglob("*.html")))
} | {"svg", "path"}
#: Where our pages load scripts from: static files, and plotly.js from the installed package.
OUR_SCRIPTS = ("/static/", "/results/assets/plotly.min.js")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcdoc"}
_BAD_URL = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.I)
_INVISIBLE = re.compile(r"[\x00-\x20\u200b-\u200f\u2028-\u202e]")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.values: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            value = value or ""
            self.values.append(value)
            if name.startswith("on") or name == "style":
                self.problems.append(f"{name}= on <{tag}>")
            if name in URL_ATTRIBUTES and _BAD_URL.match(_INVISIBLE.sub("", value)):
                self.problems.append(f"{name}={value[:40]!r} on <{tag}>")
        script = dict(attrs)
        if (
            tag == "script"
            and not (script.get("src") or "").startswith(OUR_SCRIPTS)
            and script.get("type") != "application/json"
        ):
            self.problems.append("<script> not from /static/")
        if tag == "meta" and "http-equiv" in dict(attrs):
            self.problems.append("<meta http-equiv>")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.values.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def injected_markup(html: str) -> list[str]:
    return _parse(html).problems


def shown_values(html: str) -> str:
    return "\n".join(_parse(html).values)
