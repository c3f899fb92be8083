"""Every status and choice label lives in surveys.labels, one per enum member, each with an
English translation in the catalogue."""

from __future__ import annotations

from babel.messages.pofile import read_po

from surveys import labels
from tests.conftest import TRANSLATIONS


def test_every_member_of_every_labelled_enum_has_a_label():
    missing = [f"{enum.__name__}.{m.name}" for enum, table in labels.BY_ENUM.items() for m in enum if m not in table]

    assert missing == []


def test_a_status_read_back_as_text_finds_the_same_label():
    assert labels.TARGET_STATUS["vetoed"] == labels.label(labels.TargetStatus.VETOED) == "一票否决"


def test_every_label_has_an_english_translation():
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="en")
    english = {message.id: message.string for message in catalog if message.id}
    every_label = {text for table in labels.BY_ENUM.values() for text in table.values()}

    assert {text for text in every_label if not english.get(text)} == set()
