"""Statuses and choices are enum members inside scoring and plain strings in a run's JSON."""

from __future__ import annotations

import json
from pathlib import Path

from surveys import enums
from surveys.enums import Aggregation, ComponentKind, RankScope, RoundStatus, TargetStatus
from surveys.scoring.config import (
    CampaignConfig,
    ComponentConfig,
    GroupConfig,
    ItemConfig,
    LevelConfig,
    RoundConfig,
    Rules,
    TargetInfo,
    to_dict,
)
from surveys.scoring.digest import input_digest
from surveys.scoring.evaluate import score
from surveys.scoring.inputs import Inputs
from surveys.scoring.results import to_json
from tests.import_graph import imported_modules

LEVELS = (LevelConfig(1, 0, "满意", 100.0, True, False), LevelConfig(2, 1, "不了解", None, False, True))
ITEMS = (ItemConfig(11, "Q1", "服务态度", 1.0),)
GROUPS = (GroupConfig(21, "服务对象", 1.0, 1, True, False),)


def config(status, aggregation, kind, rank_scope) -> CampaignConfig:
    round_ = RoundConfig(31, "外部评议", status, aggregation, 0, False, LEVELS, ITEMS, GROUPS)
    return CampaignConfig(
        "c", 2026, (ComponentConfig(41, "外部评议", kind, 1.0, round_),), Rules(rank_scope=rank_scope)
    )


def test_the_enum_module_imports_no_model_database_or_service():
    source = Path(enums.__file__).read_text(encoding="utf-8")

    assert set(imported_modules(source)) == {"__future__", "enum", "surveys.i18n", "surveys.states"}


def test_a_configuration_given_strings_holds_enum_members():
    built = config("closed", "trimmed", "round", "category")

    assert built.components[0].round.status is RoundStatus.CLOSED
    assert built.components[0].round.aggregation is Aggregation.TRIMMED
    assert built.components[0].kind is ComponentKind.ROUND
    assert built.rules.rank_scope is RankScope.CATEGORY


def test_members_and_strings_give_the_same_recorded_configuration_and_digest():
    from_strings = config("closed", "median", "round", "overall")
    from_members = config(RoundStatus.CLOSED, Aggregation.MEDIAN, ComponentKind.ROUND, RankScope.OVERALL)
    inputs = Inputs(targets=(TargetInfo(1, "A1", "甲", "综合管理"),))

    assert json.dumps(to_dict(from_members), sort_keys=True) == json.dumps(to_dict(from_strings), sort_keys=True)
    assert input_digest(from_members, inputs) == input_digest(from_strings, inputs)


def test_a_run_writes_plain_strings_into_its_json():
    built = config(RoundStatus.CLOSED, Aggregation.MEAN, ComponentKind.ROUND, RankScope.OVERALL)
    result = to_json(score(built, Inputs(targets=(TargetInfo(1, "A1", "甲", "综合管理"),))))
    recorded = to_dict(built)

    assert type(result["targets"][0]["status"]) is str
    assert result["targets"][0]["status"] == TargetStatus.INSUFFICIENT.value
    assert type(result["targets"][0]["components"][0]["kind"]) is str
    assert [type(recorded["components"][0][k]) for k in ("kind",)] == [str]
    assert {type(recorded["components"][0]["round"][k]) for k in ("status", "aggregation")} == {str}
    assert type(recorded["rules"]["rank_scope"]) is str


def test_a_status_read_back_from_an_old_run_is_the_member():
    assert TargetStatus(json.loads('"vetoed"')) is TargetStatus.VETOED
    assert Aggregation("trimmed") is Aggregation.TRIMMED
