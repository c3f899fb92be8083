"""Every status and choice label lives in surveys.labels, one per enum member, each with an
English translation in the catalogue."""

from __future__ import annotations

from babel.messages.pofile import read_po

from evalsite.forms.admin import ComponentForm
from evalsite.forms.scoring import HonourListForm, RulesForm
from surveys import labels
from surveys.enums import RankScope
from tests.conftest import TRANSLATIONS


def test_every_member_of_every_labelled_enum_has_a_label():
    missing = [f"{enum.__name__}.{m.name}" for enum, table in labels.BY_ENUM.items() for m in enum if m not in table]

    assert missing == []


def test_a_label_table_for_one_context_labels_every_member_of_its_enum():
    for table in labels.IN_CONTEXT:
        (enum,) = {type(member) for member in table}
        assert set(table) == set(enum)


def test_the_forms_offer_every_member_with_its_label():
    assert [(c.value, str(c.label)) for c in ComponentForm.kind.kwargs["choices"]] == [
        ("round", "评议轮次"),
        ("imported", "导入的分数表"),
    ]
    assert [c.value for c in RulesForm.rank_scope.kwargs["choices"]] == [s.value for s in RankScope]
    assert [str(c.label) for c in HonourListForm.top_scope.kwargs["choices"]] == ["整个名单", "名单内各类别分别"]


def test_a_status_read_back_as_text_finds_the_same_label():
    assert labels.TARGET_STATUS["vetoed"] == labels.label(labels.TargetStatus.VETOED) == "一票否决"


def test_every_label_has_an_english_translation():
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="en")
    english = {message.id: message.string for message in catalog if message.id}
    tables = [*labels.BY_ENUM.values(), *labels.IN_CONTEXT]
    every_label = {text for table in tables for text in table.values()}

    assert {text for text in every_label if not english.get(text)} == set()
