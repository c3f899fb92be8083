"""The target selector (适用范围): one rule for matching, narrowing and naming a set of targets."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import pytest

from surveys.errors import DomainError
from surveys.models import TargetKind
from surveys.pinyin import initials, sort_key
from surveys.selectors import TargetSelector


@dataclass
class Row:
    kind: TargetKind
    category_id: int
    unit_id: int


ROWS = [Row(kind, category, unit) for kind, category, unit in product(TargetKind, (1, 2), (10, 20))]


def test_the_empty_selector_matches_every_target():
    assert TargetSelector().is_everything
    assert all(TargetSelector().matches(row) for row in ROWS)


def test_each_given_part_narrows_and_the_parts_combine():
    windows = TargetSelector(kind=TargetKind.WINDOW)
    assert {row.kind for row in ROWS if windows.matches(row)} == {TargetKind.WINDOW}
    narrow = TargetSelector(TargetKind.WINDOW, category_id=2, unit_id=10)
    assert [row for row in ROWS if narrow.matches(row)] == [Row(TargetKind.WINDOW, 2, 10)]
    assert not narrow.is_everything


def test_plain_form_values_make_a_selector_and_empty_means_any():
    assert TargetSelector.of("", 0, None) == TargetSelector()
    assert TargetSelector.of("window", "3", 7) == TargetSelector(TargetKind.WINDOW, 3, 7)
    assert TargetSelector.of(TargetKind.UNIT) == TargetSelector(kind=TargetKind.UNIT)


def test_an_unknown_kind_is_refused_in_words():
    with pytest.raises(DomainError) as refused:
        TargetSelector.of("building")
    assert "窗口、个人 或 单位" in refused.value.message


def test_selectors_are_values_equal_by_their_parts_and_usable_as_keys():
    a, b = TargetSelector(TargetKind.PERSON, 1, None), TargetSelector.of("person", 1, "")
    assert a == b and hash(a) == hash(b)
    assert len({a, b, TargetSelector()}) == 2


def test_narrowing_keeps_what_both_match_and_says_when_they_cannot_meet():
    group = TargetSelector(kind=TargetKind.PERSON, category_id=1)
    assert group.narrowed(TargetSelector(unit_id=20)) == TargetSelector(TargetKind.PERSON, 1, 20)
    assert group.narrowed(TargetSelector()) == group
    assert group.narrowed(TargetSelector(kind=TargetKind.WINDOW)) is None
    assert group.narrowed(TargetSelector(category_id=2)) is None
    for other in [TargetSelector(unit_id=20), TargetSelector(TargetKind.PERSON, 1, 10)]:
        both = group.narrowed(other)
        assert [r for r in ROWS if both.matches(r)] == [r for r in ROWS if group.matches(r) and other.matches(r)]


def test_a_selector_in_words_names_kind_category_and_unit_or_says_every_target():
    assert TargetSelector().describe() == ["全部对象"]
    assert TargetSelector(TargetKind.WINDOW, 2, 7).describe("社会服务", "县税务局") == ["窗口", "社会服务", "县税务局"]
    assert TargetSelector(unit_id=7).describe(unit_name="县税务局") == ["县税务局"]


def test_chinese_names_sort_by_pinyin_and_give_their_initials():
    names = ["中医院", "安监局", "宝鸡市税务局", "长安区", "财政局"]
    assert sorted(names, key=sort_key) == ["安监局", "宝鸡市税务局", "财政局", "长安区", "中医院"]
    assert initials("宝鸡市税务局") == "bjsswj"
    assert initials("3号窗口 A") == "3hcka"
