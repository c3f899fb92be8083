"""Chinese names in the order a Chinese reader looks for them: by pinyin, not by code point.

Every list of Chinese names that is sorted (units in a drop-down, targets on a form) sorts
with `sort_key`; the rating form's search matches `initials` (拼音首字母).
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def sort_key(name: str) -> tuple[str, str]:
    """Pinyin with tone numbers (so 宝鸡 sorts under b, and same-sound names by tone), then the
    name itself, so equal readings still come out in one fixed order."""
    return " ".join(lazy_pinyin(name, style=Style.TONE3)).lower(), name


@lru_cache(maxsize=4096)
def initials(name: str) -> str:
    """The first letter of each character's reading, lower case: 宝鸡市税务局 → bjsswj.

    Latin letters and digits in the name are kept as they are (lower case)."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).replace(" ", "").lower()


def search_text(*parts: str) -> str:
    """What the rating form's search box matches a target by: each part as written, lower case,
    and its 拼音首字母 (张三 · 科长 → "张三 科长 zs kz"), so a rater may type either."""
    words = [part.lower() for part in parts if part]
    return " ".join([*words, *(initials(part) for part in parts if part)])
