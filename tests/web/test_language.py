"""The UI language: a complete English catalog, the switch between Chinese and English, and
translated domain errors."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from evalsite.i18n import language_next
from surveys.models import Role
from surveys.services import rounds
from tests import conftest
from tests.conftest import NOW, TRANSLATIONS, compile_translations
from tests.web.support import location, page_text

CATALOG = Path(__file__).resolve().parents[2] / "evalsite" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
#: One printf-style conversion: optional ``(name)``, flags, width, precision, type; ``%%`` is a literal.
PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[diouxXeEfFgGcrsa%])")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
KW = {"now": NOW, "actor_id": None}
#: An anonymous page in the site layout (the 404 page), to see which language is in force.
PROBE = "/no-such-page"


def placeholders(text: str) -> list[tuple[str, str]]:
    """The conversions of a format string, as sorted (name, type) pairs; positional ones have name ''."""
    return sorted((match["name"] or "", match["type"]) for match in PLACEHOLDER.finditer(text) if match["type"] != "%")


def english_messages() -> list:
    with CATALOG.open("rb") as f:
        catalog = read_po(f, locale="en")
    return [message for message in catalog if message.id]


def message_key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def catalog_faults(message) -> list[str]:
    """What is wrong with one catalog entry: untranslated, fuzzy, other placeholders, or a stray ``%``."""
    key = message_key(message)
    ids = (message.id,) if isinstance(message.id, str) else message.id
    strings = (message.string,) if isinstance(message.string, str) else message.string
    if not all(s and s.strip() for s in strings):
        return [f"untranslated: {key!r}"]
    faults = [f"fuzzy translations are not used at runtime: {key!r}"] if message.fuzzy else []
    expected = placeholders(ids[-1])
    for string in strings:
        if placeholders(string) != expected:
            faults.append(f"{key!r} → {string!r}: placeholders {placeholders(string)} instead of {expected}")
            continue
        try:
            formatted(string)  # templates format every message, even one without placeholders
        except (TypeError, ValueError, KeyError) as error:
            faults.append(f"{key!r} → {string!r}: {error}")
    return faults


def test_every_message_has_an_english_translation_with_the_same_placeholders():
    faults = [fault for message in english_messages() for fault in catalog_faults(message)]
    assert not faults, "\n".join(faults)


def test_each_kind_of_bad_catalog_entry_is_reported():
    good = Message("共 %(n)d 项", "%(n)d items")
    assert catalog_faults(good) == []
    assert catalog_faults(Message("共 %(n)d 项", "")) == ["untranslated: '共 %(n)d 项'"]
    assert catalog_faults(Message("共 %(n)d 项", "%(n)d items", flags=["fuzzy"])) == [
        "fuzzy translations are not used at runtime: '共 %(n)d 项'"
    ]
    assert "placeholders" in catalog_faults(Message("共 %(n)d 项", "%(count)d items"))[0]
    assert catalog_faults(Message("完成 95%%", "95%")) == ["'完成 95%%' → '95%': incomplete format"]
    assert catalog_faults(Message(("%(n)d 项", "%(n)d 项"), ("%(n)d item", ""))) == ["untranslated: '%(n)d 项'"]


def formatted(text: str) -> str:
    """``text`` formatted as Jinja's new-style gettext does (always with ``%``): a stray ``%``
    raises here rather than on the page (``95%`` must be written ``95%%``)."""
    samples = {"d": 1, "i": 1, "f": 1.5, "s": "x"}
    return text % {name: samples.get(kind, "x") for name, kind in placeholders(text)}


def test_the_catalog_is_not_empty():
    assert len(english_messages()) > 100


def switch_language(client, lang: str, next_path: str):
    return client.post("/language", data={"lang": lang, "next": next_path})


def test_login_page_is_chinese_by_default_and_english_on_request(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "作风评议系统" in page_text(page)
    assert "登录" in page_text(page)

    response = switch_language(client, "en", "/login")
    assert response.status_code == 302
    assert location(response)[0] == "/login"

    page = client.get("/login")
    html, text = page.get_data(as_text=True), page_text(page)
    assert '<html lang="en">' in html
    assert "Work-Style Evaluation" in text
    assert "Log in" in text
    assert "登录" not in text
    assert not CJK.search(text.replace("简体中文", ""))  # only the way back is Chinese


def test_campaigns_page_follows_the_chosen_language(client, login):
    login(Role.ORGANISER)

    page = client.get("/admin/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.get_data(as_text=True)
    assert "评议活动" in page_text(page)
    assert "English" in page_text(page)  # the switch offers the other language

    response = switch_language(client, "en", "/admin/")
    assert location(response)[0] == "/admin/"

    page = client.get("/admin/")
    html, text = page.get_data(as_text=True), page_text(page)
    assert '<html lang="en">' in html
    assert "Campaigns" in text
    assert "New campaign" in text
    assert "评议活动" not in text
    assert "简体中文" in text

    switch_language(client, "zh_CN", "/admin/")
    page = client.get("/admin/")
    assert '<html lang="zh-CN">' in page.get_data(as_text=True)
    assert "评议活动" in page_text(page)
    assert "Campaigns" not in page_text(page)


def test_an_unknown_language_keeps_the_current_one(client):
    switch_language(client, "en", PROBE)
    switch_language(client, "fr", PROBE)
    page = client.get(PROBE)
    assert page.status_code == 404
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Page not found." in page_text(page)


def test_a_round_that_is_not_ready_is_refused_in_english(client, login, make_campaign, session):
    campaign = make_campaign()
    round_ = campaign.rounds[0]
    for group in list(round_.groups):
        rounds.delete_group(session, group.id, **KW)
    session.commit()
    login(Role.ORGANISER)

    chinese = page_text(client.post(f"/admin/rounds/{round_.id}/open"))
    assert "轮次还不能开放" in chinese
    assert "没有评议主体" in chinese

    switch_language(client, "en", "/admin/")
    response = client.post(f"/admin/rounds/{round_.id}/open")
    assert response.status_code == 400
    text = page_text(response)
    assert "The round cannot be opened yet" in text
    assert "No rater groups" in text
    assert "轮次还不能开放" not in text
    assert "没有评议主体" not in text


def test_a_refused_status_change_translates_its_parameters(client, login, make_campaign):
    round_ = make_campaign().rounds[0]
    login(Role.ORGANISER)
    switch_language(client, "en", "/admin/")

    response = client.post(f"/admin/rounds/{round_.id}/close")  # a draft cannot be closed
    assert response.status_code == 409
    text = page_text(response)
    assert "is currently Draft and cannot be changed to Closed" in text  # the status labels are msgids
    assert "当前为" not in text


def test_names_typed_by_organisers_are_never_translated_even_when_they_match_a_message(client, login, make_campaign):
    """make_campaign's round is named 外部评议, which is also a catalog entry ("External evaluation")."""
    round_ = make_campaign().rounds[0]
    assert round_.name == "外部评议"
    login(Role.ORGANISER)
    switch_language(client, "en", "/admin/")

    text = page_text(client.post(f"/admin/rounds/{round_.id}/close"))

    assert "Round “外部评议”" in text
    assert "External evaluation" not in text


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "//evil.example/admin/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_the_language_switch_only_returns_to_local_pages(client, target):
    response = switch_language(client, "en", target)
    assert response.status_code == 302
    assert location(response)[0] == "/"
    assert '<html lang="en">' in client.get(PROBE).get_data(as_text=True)  # the choice still counts


def language_next_of(page: str) -> str:
    match = re.search(r'<input type="hidden" name="next" value="([^"]*)">', page)
    assert match, "no language switch on the page"
    return match[1].replace("&amp;", "&")


def test_the_language_switch_returns_to_the_same_page_with_its_filters(client, login):
    login(Role.ORGANISER)

    page = client.get("/results/?category=%E7%BB%BC%E5%90%88&unit=3").get_data(as_text=True)

    assert language_next_of(page) == "/results/?category=%E7%BB%BC%E5%90%88&unit=3"
    assert location(switch_language(client, "en", language_next_of(page))) == (
        "/results/",
        {"category": ["综合"], "unit": ["3"]},
    )


def test_after_a_form_sent_to_a_post_only_address_the_switch_returns_to_the_form_page(app):
    with app.test_request_context("/language", method="POST", headers={"Referer": "http://localhost/admin/x?y=1"}):
        assert language_next() == "/admin/x?y=1"
    with app.test_request_context("/language", method="POST", headers={"Referer": "http://evil.example/a"}):
        assert language_next() == "/"


def test_a_checkout_without_compiled_translations_gets_them_compiled_by_the_test_run(tmp_path, make_app):
    """A fresh clone has only the .po files: the run compiles them, and again when a .po is newer."""
    copy = tmp_path / "translations"
    shutil.copytree(TRANSLATIONS, copy, ignore=shutil.ignore_patterns("*.mo"))
    compiled = copy / "en" / "LC_MESSAGES" / "messages.mo"
    assert not compiled.exists()

    assert compile_translations(copy) == [compiled]
    assert compile_translations(copy) == []  # up to date: left alone
    client = make_app(BABEL_TRANSLATION_DIRECTORIES=str(copy)).test_client()
    switch_language(client, "en", "/login")
    assert "Log in" in page_text(client.get("/login"))

    edited = compiled.stat().st_mtime + 10
    os.utime(compiled.with_suffix(".po"), (edited, edited))
    assert compile_translations(copy) == [compiled]


def test_this_run_compiled_the_catalogs_it_reads():
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime


def test_a_run_that_cannot_compile_the_catalogs_stops_at_once_with_one_sentence(tmp_path, monkeypatch):
    broken = tmp_path / "translations" / "en" / "LC_MESSAGES"
    (broken / "messages.mo" / "in-the-way").mkdir(parents=True)  # a folder where the file must go
    shutil.copy(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po", broken)
    monkeypatch.setattr(conftest, "TRANSLATIONS", tmp_path / "translations")

    with pytest.raises(pytest.exit.Exception) as stopped:
        conftest.pytest_sessionstart(None)

    assert "run `make translations` first" in str(stopped.value)
    assert stopped.value.returncode == 4
