"""Preset rating scales (评价等级). Points can be edited after a questionnaire is made."""

from __future__ import annotations

from dataclasses import dataclass

from surveys.i18n import N_


@dataclass(frozen=True)
class LevelSpec:
    label: str
    points: float | None
    is_positive: bool = False
    is_excluded: bool = False


#: 不了解: answered, but never counted in any score or denominator.
UNKNOWN = LevelSpec("不了解", None, is_excluded=True)

PRESETS: dict[str, tuple[str, tuple[LevelSpec, ...]]] = {
    "five": (
        N_("五级：非常满意…非常不满意"),
        (
            LevelSpec("非常满意", 100, is_positive=True),
            LevelSpec("满意", 80, is_positive=True),
            LevelSpec("基本满意", 60),
            LevelSpec("不满意", 40),
            LevelSpec("非常不满意", 20),
        ),
    ),
    "three": (
        N_("三级：满意 / 基本满意 / 不满意"),
        (
            LevelSpec("满意", 100, is_positive=True),
            LevelSpec("基本满意", 70, is_positive=True),
            LevelSpec("不满意", 0),
        ),
    ),
}


def preset_levels(preset: str, *, with_unknown: bool) -> list[LevelSpec]:
    """The levels of a preset, with 不了解 appended when asked for."""
    _title, levels = PRESETS[preset]
    return [*levels, UNKNOWN] if with_unknown else list(levels)
