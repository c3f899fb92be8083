"""The public rating pages: light, self-contained, strict about input, forgetful about the rater."""

from __future__ import annotations

import html
import logging
import re
import threading
from dataclasses import dataclass
from http.cookiejar import CookieJar
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from evalsite import limits
from surveys import codes
from surveys.models import Ballot, Comment, Round, Target
from surveys.services import issuing, rounds
from tests.builders import HOSTILE, KW, add_departments, keys_of, open_first_round
from tests.conftest import REDIS_URI
from tests.web.support import (
    _SWITCH,
    _TOKEN,
    ballot_form,
    choose_language,
    database_rows,
    fresh,
    held_in_cookie,
    language_switch,
    page_text,
    spellings,
    token_of,
)

MAX_PAGE_BYTES = 60 * 1024
_REFERENCE = re.compile(r"""(?:src|href|action)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_OTHER_HOST = re.compile(r"(?:https?:)?//[\w.-]+", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")


@pytest.fixture
def campaign(make_campaign):
    return make_campaign()


@pytest.fixture
def round_(session, campaign) -> Round:
    return open_first_round(session, campaign)


@pytest.fixture
def issue(session, round_):
    """Issue codes of the first group, covering every target, under ``app``'s keys."""

    def do(app, count: int = 1) -> list[str]:
        _batch, issued = issuing.issue_batch(session, round_.id, round_.groups[0].id, count, keys_of(app), **KW)
        session.commit()
        return issued

    return do


def ballots(session) -> int:
    return fresh(session).scalar(select(func.count()).select_from(Ballot))


def references(body: str) -> list[str]:
    return _REFERENCE.findall(body)


# --- the page itself -----------------------------------------------------------------------


def test_the_code_page_weighs_under_60_kb_with_its_css_and_script(client):
    page = client.get("/r")
    total = len(page.data)
    assets = [url for url in references(page.get_data(as_text=True)) if url.startswith("/static/")]

    for url in assets:
        with client.get(url) as asset:
            assert asset.status_code == 200, url
            total += len(asset.data)

    assert page.status_code == 200
    assert {"/static/public.css", "/static/r.js"} <= {url.split("?")[0] for url in assets}
    assert total < MAX_PAGE_BYTES


def test_the_code_page_and_the_form_reference_no_other_host(client, round_, issue, app):
    (code,) = issue(app)
    pages = [client.get("/r").get_data(as_text=True), client.post("/r", data={"code": code}).get_data(as_text=True)]
    assets = {}
    for url in {url for page in pages for url in references(page)}:
        assert url.startswith("/") and not url.startswith("//"), url
        if url.startswith("/static/"):
            with client.get(url) as asset:
                assets[url] = asset.get_data(as_text=True)

    assert set(assets) == {"/static/public.css", "/static/r.js", "/static/favicon.svg"}
    for text in [*pages, assets["/static/public.css"]]:  # in JS, "//" starts a comment
        assert not _OTHER_HOST.search(text), _OTHER_HOST.search(text)
    css = assets["/static/public.css"]
    assert "@import" not in css and all(url.startswith(("/", "data:")) for url in _CSS_URL.findall(css))
    assert not re.search(r"https?:|fetch\(|XMLHttpRequest|import\(", assets["/static/r.js"])


def test_the_qr_script_exists_and_is_served_from_our_static_folder(client, app):
    page = client.get("/r").get_data(as_text=True)

    assert '<script src="/static/r.js"' in page
    assert Path(app.static_folder, "r.js").is_file()
    with client.get("/static/r.js") as script:
        assert script.status_code == 200
        assert script.mimetype in {"text/javascript", "application/javascript"}
        assert "location.hash" in script.get_data(as_text=True)


def test_a_good_code_opens_a_form_with_radios_for_every_item_of_every_target(client, app, round_, campaign, issue):
    (code,) = issue(app)

    page = client.post("/r", data={"code": codes.display(code).lower()})

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'<input type="hidden" name="code" value="{code}">' in body
    level_ids = {str(level.id) for level in round_.questionnaire.levels}
    for target in campaign.targets:
        assert html.escape(target.name) in body
        for item in round_.questionnaire.items:
            radios = re.findall(rf'type="radio" name="a-{target.id}-{item.id}" value="(\d+)"', body)
            assert sorted(radios) == sorted(level_ids), (target.code, item.code)
    assert body.count('type="radio"') == len(campaign.targets) * len(round_.questionnaire.items) * len(level_ids)


# --- refusals --------------------------------------------------------------------------------


def _malformed_code(ctx):
    return "/r", {"code": "K7QM-3XPD-9TRA-U"}, 400


def _malformed_code_on_submit(ctx):
    return "/r/submit", ballot_form("not a code", ctx.round_, ctx.targets), 400


def _unknown_code(ctx):
    return "/r", {"code": codes.derive_code(b"some-other-key", "batch", 0)}, 403


def _unknown_code_on_submit(ctx):
    return "/r/submit", ballot_form(codes.derive_code(b"some-other-key", "batch", 0), ctx.round_, ctx.targets), 403


def _used_code(ctx):
    return "/r", {"code": ctx.used}, 403


def _used_code_on_submit(ctx):
    return "/r/submit", ballot_form(ctx.used, ctx.round_, ctx.targets), 403


def _unknown_item(ctx):
    return "/r/submit", ballot_form(ctx.code, ctx.round_, ctx.targets, **{f"a-{ctx.targets[0].id}-999": "1"}), 400


def _literal_a_1_999(ctx):
    return "/r/submit", ballot_form(ctx.code, ctx.round_, ctx.targets, **{"a-1-999": "1"}), 400


def _answer(ctx, value: str):
    field = f"a-{ctx.targets[0].id}-{ctx.round_.questionnaire.items[0].id}"
    return "/r/submit", ballot_form(ctx.code, ctx.round_, ctx.targets, **{field: value}), 400


def _level_abc(ctx):
    return _answer(ctx, "abc")


def _level_ten_to_the_twelve(ctx):
    return _answer(ctx, str(10**12))


def _level_of_no_questionnaire(ctx):
    return _answer(ctx, "999999")


def _negative_level(ctx):
    return _answer(ctx, "-1")


def _foreign_target(ctx):
    field = f"a-{ctx.stranger.id}-{ctx.round_.questionnaire.items[0].id}"
    level = str(ctx.round_.questionnaire.levels[0].id)
    return "/r/submit", ballot_form(ctx.code, ctx.round_, ctx.targets, **{field: level}), 400


def _comment_of_501_characters(ctx):
    return "/r/submit", ballot_form(ctx.code, ctx.round_, ctx.targets, **{f"c-{ctx.targets[0].id}": "差" * 501}), 400


def _comment_about_a_foreign_target(ctx):
    return "/r/submit", ballot_form(ctx.code, ctx.round_, ctx.targets, **{f"c-{ctx.stranger.id}": "评论"}), 400


BAD_INPUTS = [
    _malformed_code,
    _malformed_code_on_submit,
    _unknown_code,
    _unknown_code_on_submit,
    _used_code,
    _used_code_on_submit,
    _unknown_item,
    _literal_a_1_999,
    _level_abc,
    _level_ten_to_the_twelve,
    _level_of_no_questionnaire,
    _negative_level,
    _foreign_target,
    _comment_of_501_characters,
    _comment_about_a_foreign_target,
]


@dataclass(frozen=True)
class Context:
    """What a bad input is made from."""

    round_: Round
    targets: list[Target]  #: what the codes rate
    code: str  #: unused
    used: str  #: already cast
    stranger: Target  #: a target of another campaign


@pytest.fixture
def context(app, client, session, round_, campaign, issue, make_campaign) -> Context:
    code, used = issue(app, 2)
    cast = client.post("/r/submit", data=ballot_form(used, round_, campaign.targets))
    assert cast.status_code == 302
    stranger = make_campaign("另一活动").targets[0]
    return Context(round_, campaign.targets, code, used, stranger)


@pytest.mark.parametrize("bad_input", BAD_INPUTS, ids=lambda f: f.__name__[1:])
def test_a_bad_input_gets_a_4xx_and_writes_nothing(client, session, context, bad_input):
    path, form, status = bad_input(context)
    before = database_rows(session)

    response = client.post(path, data=form)

    assert response.status_code == status
    assert database_rows(session) == before


def test_a_refused_answer_leaves_the_code_usable(client, session, context):
    client.post("/r/submit", data=_level_abc(context)[1])

    response = client.post("/r/submit", data=ballot_form(context.code, context.round_, context.targets))

    assert response.status_code == 302
    assert ballots(session) == 2


def test_a_hostile_comment_is_escaped_when_the_form_is_shown_again_and_stored_verbatim(client, session, context):
    target = context.targets[0]
    level_field = f"a-{target.id}-{context.round_.questionnaire.items[0].id}"
    hostile = ballot_form(context.code, context.round_, context.targets, **{f"c-{target.id}": HOSTILE})

    again = client.post("/r/submit", data=hostile | {level_field: "abc"})
    assert again.status_code == 400
    body = again.get_data(as_text=True)
    assert 'id="rate-form"' in body  # the form is shown again, with its message
    assert "<script>alert" not in body and "<img src=x" not in body

    cast = client.post("/r/submit", data=hostile)
    assert cast.status_code == 302
    assert fresh(session).scalar(select(Comment.text)) == HOSTILE


def test_a_hostile_code_is_not_echoed_into_the_page(client):
    response = client.post("/r", data={"code": '"><script>alert(1)</script>'})

    assert response.status_code == 400
    assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_target_names_are_escaped_on_the_form(client, app, session, round_, campaign, issue):
    target = campaign.targets[0]
    target.name = "<b onmouseover=alert(1)>张三</b>"
    session.commit()
    (code,) = issue(app)

    body = client.post("/r", data={"code": code}).get_data(as_text=True)

    assert "<b onmouseover" not in body and "&lt;b onmouseover=alert(1)&gt;张三&lt;/b&gt;" in body


def test_a_code_covering_many_targets_gets_a_search_box_with_pinyin_initials_per_target(
    client, app, session, make_campaign
):
    campaign = make_campaign()
    add_departments(session, campaign)  # 3 + 9 targets, several 政策法规科科长 in three departments
    round_ = open_first_round(session, campaign)
    _batch, (code,) = issuing.issue_batch(session, round_.id, round_.groups[0].id, 1, keys_of(app), **KW)
    session.commit()

    body = client.post("/r", data={"code": code}).get_data(as_text=True)

    finds = re.findall(r'<section class="card step"[^>]* data-find="([^"]*)"', body)
    assert len(finds) == 12 == body.count('class="card step"')
    assert "税务局0 政策法规科科长 税务局 swj0 zcfgkkz swj" in finds  # name, post, unit, then their initials
    assert "财政局1 办公室主任 财政局 czj1 bgszr czj" in finds
    assert any(find.startswith("张三 ") and " zs " in find for find in finds)  # no post: name, unit, initials
    assert re.search(r'<label for="find">[^<]+</label>\s*<input type="search" id="find"', body)
    assert '<label for="jump">' in body
    jump = re.search(r'<select id="jump">(.*?)</select>', body, re.DOTALL)[1]
    assert re.findall(r'<option value="(\d*)">', jump) == ["", *(str(i) for i in range(1, 13))]
    assert "全部 12 位，请选择" in jump and "· 政策法规科科长 · 民政局</option>" in jump
    assert " style=" not in body and "<script>" not in body  # the CSP allows neither


@pytest.mark.parametrize("scope", ["target", "round"])
def test_a_code_covering_a_handful_of_targets_has_no_search_box(client, app, session, round_, campaign, scope):
    target_id = campaign.targets[0].id if scope == "target" else None
    _batch, (code,) = issuing.issue_batch(
        session, round_.id, round_.groups[0].id, 1, keys_of(app), target_id=target_id, **KW
    )
    session.commit()

    body = client.post("/r", data={"code": code}).get_data(as_text=True)

    assert body.count('class="card step"') == (1 if scope == "target" else 3)
    assert "data-find" not in body and 'id="finder"' not in body and 'id="jump"' not in body


# --- CSRF, redirects and the session cookie --------------------------------------------------


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_without_its_csrf_token_a_ballot_is_refused_and_nothing_written(csrf_app, session, round_, campaign, issue):
    client = csrf_app.test_client()
    (code,) = issue(csrf_app)
    client.get("/r")
    before = database_rows(session)

    opened = client.post("/r", data={"code": code})
    cast = client.post("/r/submit", data=ballot_form(code, round_, campaign.targets))
    forged = client.post("/r/submit", data=ballot_form(code, round_, campaign.targets, csrf_token="forged"))

    assert (opened.status_code, cast.status_code, forged.status_code) == (400, 400, 400)
    assert database_rows(session) == before


def cast_with_tokens(client, code: str, round_, targets):
    """The real sequence: open /r, post the code with its token, post the form with its token.

    While the form is open the session holds the CSRF token (and Flask-Login's freshness
    flag, and the language if one was chosen), never the code.
    """
    entry = client.get("/r")
    form = client.post("/r", data={"code": code, "csrf_token": token_of(entry)})
    assert form.status_code == 200
    app = client.application
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    held = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert set(held) <= {"csrf_token", "_fresh", "lang"} and not any(s in repr(held) for s in spellings(code))
    return client.post("/r/submit", data=ballot_form(code, round_, targets, csrf_token=token_of(form)))


def test_after_a_cast_the_rater_is_sent_to_thanks_and_the_session_cookie_is_emptied(
    csrf_app, session, round_, campaign, issue
):
    client = csrf_app.test_client()
    (code,) = issue(csrf_app)
    name = csrf_app.config["SESSION_COOKIE_NAME"]
    serializer = csrf_app.session_interface.get_signing_serializer(csrf_app)

    cast = cast_with_tokens(client, code, round_, campaign.targets)

    assert cast.status_code == 302
    assert cast.headers["Location"] == "/r/thanks"
    headers = "\n".join(f"{header}: {value}" for header, value in cast.headers.items())
    assert not any(spelling in headers for spelling in spellings(code))
    cookies = SimpleCookie()
    for header in cast.headers.getlist("Set-Cookie"):
        cookies.load(header)
    assert name in cookies, "the session holding the CSRF token must be cleared, not left behind"
    value = cookies[name].value
    assert (serializer.loads(value) if value else {}) == {}
    assert client.get_cookie(name) is None
    thanks = client.get("/r/thanks")
    assert thanks.status_code == 200 and client.get_cookie(name) is None
    assert ballots(session) == 1


def test_no_log_record_holds_the_code_in_any_spelling(csrf_app, session, round_, campaign, issue, caplog):
    (code, second) = issue(csrf_app, 2)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="werkzeug")
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    server = make_server("127.0.0.1", 0, csrf_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def fetch(path: str, data: dict | None = None) -> tuple[int, str]:
        body = urlencode(data).encode() if data is not None else None
        request = Request(base + path, data=body)  # noqa: S310 - our own http://127.0.0.1 server
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except HTTPError as error:
            with error:
                return error.code, error.read().decode()

    try:
        for spelled in (code, second):
            status, entry = fetch("/r")
            token = _TOKEN.search(entry)[1]
            assert fetch("/r", {"code": codes.display(spelled).lower(), "csrf_token": token})[0] == 200
            wrong = ballot_form(spelled, round_, campaign.targets, csrf_token=token)
            wrong[f"a-{campaign.targets[0].id}-999"] = "1"
            assert fetch("/r/submit", wrong)[0] == 400
            status, thanks = fetch("/r/submit", ballot_form(spelled, round_, campaign.targets, csrf_token=token))
            assert status == 200 and "感谢" in thanks  # the redirect to /r/thanks was followed
        _status, entry = fetch("/r")
        token = _TOKEN.search(entry)[1]
        assert fetch("/r", {"code": second, "csrf_token": token})[0] == 403
        assert fetch("/r", {"code": code[:-1] + "U", "csrf_token": token})[0] == 400
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

    assert any(record.name == "werkzeug" for record in caplog.records), "the access log was not captured"
    assert any(record.name.startswith("sqlalchemy.engine") for record in caplog.records), "SQL was not captured"
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''} {record.stack_info or ''}"
        for record in caplog.records
    )
    for spelled in (code, second):
        for spelling in spellings(spelled):
            assert spelling not in logged and spelling not in caplog.text


# --- the rater's language --------------------------------------------------------------------


def test_the_code_page_offers_the_other_language_and_leads_back_to_itself(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/r")

    fields = language_switch(page)
    assert fields is not None and fields["next"] == "/r" and fields["csrf_token"]
    assert '<button name="lang" value="en"' in page.get_data(as_text=True)

    switched = choose_language(client, "en")

    assert switched.status_code == 302 and switched.headers["Location"] == "/r"
    english = client.get("/r").get_data(as_text=True)
    assert '<html lang="en">' in english and '<button name="lang" value="zh_CN"' in english


def test_the_switch_on_a_codes_form_leads_back_to_the_code_page_and_never_carries_the_code(client, app, round_, issue):
    (code,) = issue(app)

    form = client.post("/r", data={"code": code})

    assert form.status_code == 200
    switch = _SWITCH.search(form.get_data(as_text=True))[0]
    assert language_switch(form)["next"] == "/r"
    assert not any(spelling in switch for spelling in spellings(code))


def test_a_rater_who_chose_english_is_thanked_in_english_and_the_cookie_keeps_only_the_language(
    csrf_app, session, round_, campaign, issue
):
    client = csrf_app.test_client()
    (code,) = issue(csrf_app)
    assert choose_language(client, "en").status_code == 302

    cast = cast_with_tokens(client, code, round_, campaign.targets)

    assert cast.status_code == 302
    assert held_in_cookie(client) == {"lang": "en"}
    thanks = client.get(cast.headers["Location"])
    assert '<html lang="en">' in thanks.get_data(as_text=True)
    assert "Thank you for your evaluation!" in page_text(thanks)
    # Flask-Login marks any session without a login `_fresh: False`: a constant, nothing of the visit.
    assert held_in_cookie(client) in ({"lang": "en"}, {"lang": "en", "_fresh": False})
    assert ballots(session) == 1


def test_the_thanks_page_has_no_switch_so_that_no_new_token_lands_in_the_cookie(client):
    assert language_switch(client.get("/r/thanks")) is None


# --- rate limits -----------------------------------------------------------------------------


@pytest.fixture
def limited_app(make_app):
    """An app with rate limits on, counting in ``storage``.

    The limiter is module-level, so each app re-initialises the same one: an in-memory store
    is reset first, as the RECIPES say. A Redis store is not: Redis is shared by every test
    run on this machine, and resetting it would wipe theirs (see `redis_client_address`).
    """

    def make(storage: str):
        app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage)
        if storage.startswith("memory://"):
            limits.limiter.reset()
        return app

    return make


def fail(client) -> int:
    return client.post("/r", data={"code": "K7QM-3XPD-9TRA-U"}).status_code


def test_ten_failed_attempts_a_minute_are_allowed_and_a_success_does_not_reset_the_count(
    limited_app, session, round_, campaign, issue
):
    app = limited_app("memory://")
    client = app.test_client()
    (code,) = issue(app)

    statuses = [fail(client) for _ in range(5)]
    opened = client.post("/r", data={"code": code})
    cast = client.post("/r/submit", data=ballot_form(code, round_, campaign.targets))
    statuses += [fail(client) for _ in range(5)]

    assert statuses == [400] * 10
    assert (opened.status_code, cast.status_code) == (200, 302)
    assert fail(client) == 429
    assert client.post("/r", data={"code": code}).status_code == 429
    assert client.get("/r").status_code == 200  # the entry page itself is never limited


def test_with_redis_the_failure_count_is_shared_by_two_app_instances(limited_app, redis_store, redis_client_address):
    app_a = limited_app(REDIS_URI)
    client_a = app_a.test_client()
    client_a.environ_base["REMOTE_ADDR"] = redis_client_address
    statuses = [fail(client_a) for _ in range(6)]
    # A second app re-initialises the module-level limiter with a new storage object: in
    # memory that would start from zero, so only a shared store keeps A's six failures.
    app_b = limited_app(REDIS_URI)
    client_b = app_b.test_client()
    client_b.environ_base["REMOTE_ADDR"] = redis_client_address
    statuses += [fail(client_b) for _ in range(4)]

    assert statuses == [400] * 10
    assert any(f"/{redis_client_address}/".encode() in key for key in redis_store.scan_iter("LIMITS*"))
    assert fail(client_b) == 429
    assert fail(client_a) == 429


def test_server_errors_never_count_as_failed_code_attempts(
    limited_app, make_app, redis_store, redis_client_address, round_, issue
):
    """During a database outage every phone retries; once the database is back it must not
    find itself locked out. Only a refused code counts."""
    (code,) = issue(limited_app(REDIS_URI))
    outage = make_app(
        PROPAGATE_EXCEPTIONS=False,  # answer 500 as in production, rather than raise into the test
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=REDIS_URI,
        DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:9/gone?connect_timeout=2",  # nothing listens
    ).test_client()
    outage.environ_base["REMOTE_ADDR"] = redis_client_address
    during = [outage.post(path, data={"code": code}).status_code for path in ("/r", "/r/submit") * 6]
    assert set(during) == {500}

    back = limited_app(REDIS_URI).test_client()
    back.environ_base["REMOTE_ADDR"] = redis_client_address
    assert [fail(back) for _ in range(10)] == [400] * 10
    assert fail(back) == 429


def test_open_round_posters_are_rate_limited_too(limited_app, session, campaign):
    round_ = campaign.rounds[0]
    group = round_.groups[0]
    rounds.save_group(
        session, round_.id, {"name": group.name, "weight": 0.6, "is_public": True}, group_id=group.id, **KW
    )
    open_first_round(session, campaign, is_open_round=True)
    target = campaign.targets[0]
    app = limited_app("memory://")
    client = app.test_client()
    path = f"/o/{round_.id}/{target.id}"
    form = ballot_form("", round_, [target])
    del form["code"]

    statuses = [client.post(path, data=form).status_code for _ in range(6)]

    assert statuses == [302] * 5 + [429]
    assert client.get(path).status_code == 200
    assert ballots(session) == 5
