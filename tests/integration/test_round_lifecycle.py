"""Rounds move draft → open → closed; opening freezes their configuration."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from surveys.errors import Conflict, DomainError
from surveys.models import Aggregation, Item, Level, Questionnaire, RaterGroup, Round, RoundStatus
from surveys.services import campaigns, organisation, questionnaires, rounds
from tests.conftest import NOW

KW = {"now": NOW, "actor_id": None}


def first_round(campaign) -> Round:
    return campaign.rounds[0]


def round_fields(round_: Round, **changes) -> dict:
    """The form a round edit submits: every field as it stands, with ``changes`` applied."""
    fields = {
        "name": round_.name,
        "kind": round_.kind.value,
        "questionnaire_id": round_.questionnaire_id,
        "opens_on": round_.opens_on,
        "closes_on": round_.closes_on,
        "is_open_round": round_.is_open_round,
        "aggregation": round_.aggregation.value,
        "trim_k": round_.trim_k,
        "is_strict": round_.is_strict,
    }
    return {**fields, **changes}


def configuration(session, round_id: int) -> dict:
    """What the database holds for a round's configuration, read afresh."""
    session.expire_all()
    round_ = session.get(Round, round_id)
    questionnaire = round_.questionnaire
    return {
        "round": round_fields(round_) | {"status": round_.status},
        "items": [(i.position, i.code, i.text, i.weight) for i in questionnaire.items] if questionnaire else None,
        "levels": [(lv.label, lv.points) for lv in questionnaire.levels] if questionnaire else None,
        "groups": [(g.name, g.weight, g.min_ballots, g.is_required, g.is_public) for g in round_.groups],
    }


def test_a_complete_draft_round_opens_and_then_closes(session, make_campaign):
    round_ = first_round(make_campaign())
    assert round_.status is RoundStatus.DRAFT and round_.frozen_config is None

    rounds.open_round(session, round_.id, **KW)
    session.commit()
    session.expire_all()
    assert session.get(Round, round_.id).status is RoundStatus.OPEN

    rounds.close_round(session, round_.id, **KW)
    session.commit()
    session.expire_all()
    assert session.get(Round, round_.id).status is RoundStatus.CLOSED


def test_round_status_moves_only_from_draft_to_open_and_from_open_to_closed():
    allowed = {(RoundStatus.DRAFT, RoundStatus.OPEN), (RoundStatus.OPEN, RoundStatus.CLOSED)}
    for here, there in itertools.product(RoundStatus, repeat=2):
        assert here.can_move_to(there) is ((here, there) in allowed), (here, there)


def test_a_closed_round_cannot_be_reopened(session, make_campaign):
    round_ = first_round(make_campaign())
    rounds.open_round(session, round_.id, **KW)
    rounds.close_round(session, round_.id, **KW)
    session.commit()

    with pytest.raises(Conflict):
        rounds.open_round(session, round_.id, **KW)

    session.rollback()
    assert session.get(Round, round_.id).status is RoundStatus.CLOSED


def test_a_draft_round_cannot_be_closed_without_opening(session, make_campaign):
    round_ = first_round(make_campaign())

    with pytest.raises(Conflict):
        rounds.close_round(session, round_.id, **KW)

    session.rollback()
    assert session.get(Round, round_.id).status is RoundStatus.DRAFT


def test_an_open_round_cannot_be_opened_again_nor_its_snapshot_retaken(session, make_campaign):
    round_ = first_round(make_campaign())
    rounds.open_round(session, round_.id, **KW)
    session.commit()
    snapshot = dict(round_.frozen_config)

    with pytest.raises(Conflict):
        rounds.open_round(session, round_.id, **KW)

    session.rollback()
    session.expire_all()
    stored = session.get(Round, round_.id)
    assert (stored.status, stored.frozen_config) == (RoundStatus.OPEN, snapshot)


def test_a_round_with_nothing_configured_cannot_open_and_every_gap_is_listed(session, make_user):
    campaign = campaigns.save_campaign(session, "空活动", 2026, "", **KW)
    round_ = rounds.save_round(
        session,
        campaign.id,
        {"name": "内部评议", "kind": "internal", "opens_on": date(2026, 3, 1), "closes_on": date(2026, 3, 31)},
        **KW,
    )
    session.commit()

    with pytest.raises(DomainError) as refused:
        rounds.open_round(session, round_.id, **KW)

    assert refused.value.details == ["未选择测评表", "没有评议主体", "评议活动还没有评议对象"]
    session.rollback()
    stored = session.get(Round, round_.id)
    assert (stored.status, stored.frozen_config) == (RoundStatus.DRAFT, None)


def test_a_round_whose_questionnaire_has_no_items_cannot_open(session, make_campaign):
    campaign = make_campaign()
    round_ = first_round(campaign)
    empty = questionnaires.create_questionnaire(session, campaign.id, "空表", "three", with_unknown=False, **KW)
    rounds.save_round(session, campaign.id, round_fields(round_, questionnaire_id=empty.id), round_id=round_.id, **KW)

    with pytest.raises(DomainError) as refused:
        rounds.open_round(session, round_.id, **KW)

    assert refused.value.details == ["测评表没有测评指标"]
    assert round_.status is RoundStatus.DRAFT


def test_a_round_without_rater_groups_cannot_open(session, make_campaign):
    round_ = first_round(make_campaign())
    for group in list(round_.groups):
        rounds.delete_group(session, group.id, **KW)

    with pytest.raises(DomainError) as refused:
        rounds.open_round(session, round_.id, **KW)

    assert refused.value.details == ["没有评议主体"]


@pytest.mark.parametrize("public_groups", [0, 2])
def test_an_open_poster_round_needs_exactly_one_public_group(session, make_campaign, public_groups):
    campaign = make_campaign()
    round_ = first_round(campaign)
    rounds.save_round(session, campaign.id, round_fields(round_, is_open_round=True), round_id=round_.id, **KW)
    for index, group in enumerate(round_.groups):
        fields = {"name": group.name, "weight": group.weight, "is_public": index < public_groups}
        rounds.save_group(session, round_.id, fields, group_id=group.id, **KW)

    with pytest.raises(DomainError) as refused:
        rounds.open_round(session, round_.id, **KW)

    assert refused.value.details == ["开放式轮次需要且只能有一个公众评议主体"]


def test_an_open_poster_round_with_one_public_group_opens(session, make_campaign):
    campaign = make_campaign()
    round_ = first_round(campaign)
    rounds.save_round(session, campaign.id, round_fields(round_, is_open_round=True), round_id=round_.id, **KW)
    group = round_.groups[0]
    rounds.save_group(
        session, round_.id, {"name": group.name, "weight": 0.6, "is_public": True}, group_id=group.id, **KW
    )

    rounds.open_round(session, round_.id, **KW)

    assert round_.status is RoundStatus.OPEN
    assert [g["is_public"] for g in round_.frozen_config["groups"]] == [True, False]


def test_a_round_of_a_campaign_without_targets_cannot_open(session):
    campaign = campaigns.save_campaign(session, "无对象活动", 2026, "", **KW)
    q = questionnaires.create_questionnaire(session, campaign.id, "测评表", "five", with_unknown=True, **KW)
    questionnaires.save_item(session, q.id, "Q1", "服务态度", 1.0, **KW)
    round_ = rounds.save_round(
        session,
        campaign.id,
        {
            "name": "外部评议",
            "kind": "external",
            "questionnaire_id": q.id,
            "opens_on": date(2026, 3, 1),
            "closes_on": date(2026, 3, 31),
        },
        **KW,
    )
    rounds.save_group(session, round_.id, {"name": "服务对象", "weight": 1.0}, **KW)
    session.commit()

    with pytest.raises(DomainError) as refused:
        rounds.open_round(session, round_.id, **KW)

    assert refused.value.details == ["评议活动还没有评议对象"]


def test_a_round_cannot_open_once_the_last_target_was_deleted_in_the_same_session(session, make_campaign):
    # Regression: delete_target once left the deleted target in the loaded campaign.targets,
    # which configuration_problems reads.
    campaign = make_campaign()
    for target in list(campaign.targets):
        organisation.delete_target(session, target.id, **KW)
    session.commit()

    with pytest.raises(DomainError) as refused:
        rounds.open_round(session, first_round(campaign).id, **KW)

    assert refused.value.details == ["评议活动还没有评议对象"]


def _other_questionnaire(session, campaign) -> int:
    other = questionnaires.create_questionnaire(session, campaign.id, "另一张表", "three", with_unknown=False, **KW)
    questionnaires.save_item(session, other.id, "Z1", "总体评价", 1.0, **KW)
    return other.id


FROZEN_EDITS = {
    "add an item": lambda s, r: questionnaires.save_item(s, r.questionnaire_id, "Q3", "廉洁自律", 1.0, **KW),
    "reweight an item": lambda s, r: questionnaires.save_item(
        s, r.questionnaire_id, "Q1", "服务态度", 3.0, item_id=r.questionnaire.items[0].id, **KW
    ),
    "reword an item": lambda s, r: questionnaires.save_item(
        s, r.questionnaire_id, "Q1", "服务态度和作风", 1.0, item_id=r.questionnaire.items[0].id, **KW
    ),
    "delete an item": lambda s, r: questionnaires.delete_item(s, r.questionnaire.items[0].id, **KW),
    "change level points": lambda s, r: questionnaires.set_level_points(
        s,
        r.questionnaire_id,
        {lv.id: p for lv, p in zip(r.questionnaire.levels[:5], [95, 85, 70, 50, 10], strict=True)},
        **KW,
    ),
    "add a group": lambda s, r: rounds.save_group(s, r.id, {"name": "人大代表", "weight": 0.2}, **KW),
    "reweight a group": lambda s, r: rounds.save_group(
        s, r.id, {"name": "服务对象", "weight": 0.5, "min_ballots": 5}, group_id=r.groups[0].id, **KW
    ),
    "raise a group's minimum": lambda s, r: rounds.save_group(
        s, r.id, {"name": "服务对象", "weight": 0.6, "min_ballots": 30}, group_id=r.groups[0].id, **KW
    ),
    "delete a group": lambda s, r: rounds.delete_group(s, r.groups[1].id, **KW),
    "swap the questionnaire": lambda s, r: rounds.save_round(
        s, r.campaign_id, round_fields(r, questionnaire_id=_other_questionnaire(s, r.campaign)), round_id=r.id, **KW
    ),
    "change the aggregation": lambda s, r: rounds.save_round(
        s, r.campaign_id, round_fields(r, aggregation="trimmed", trim_k=1), round_id=r.id, **KW
    ),
    "make it strict": lambda s, r: rounds.save_round(
        s, r.campaign_id, round_fields(r, is_strict=True), round_id=r.id, **KW
    ),
    "move its opening day": lambda s, r: rounds.save_round(
        s, r.campaign_id, round_fields(r, opens_on=date(2026, 3, 2)), round_id=r.id, **KW
    ),
    "move both dates": lambda s, r: rounds.save_round(
        s, r.campaign_id, round_fields(r, opens_on=date(2026, 3, 2), closes_on=date(2026, 4, 30)), round_id=r.id, **KW
    ),
}


@pytest.mark.parametrize("status", [RoundStatus.OPEN, RoundStatus.CLOSED])
@pytest.mark.parametrize("edit", FROZEN_EDITS.values(), ids=FROZEN_EDITS.keys())
def test_an_open_or_closed_round_refuses_every_configuration_change(session, make_campaign, edit, status):
    round_ = first_round(make_campaign())
    rounds.open_round(session, round_.id, **KW)
    if status is RoundStatus.CLOSED:
        rounds.close_round(session, round_.id, **KW)
    session.commit()
    before = configuration(session, round_.id)

    with pytest.raises(Conflict):
        edit(session, session.get(Round, round_.id))

    assert configuration(session, round_.id) == before  # nothing changed in this transaction
    session.rollback()
    assert configuration(session, round_.id) == before


def test_an_open_round_may_be_renamed_a_closed_one_may_not(session, make_campaign):
    """The name is not part of what scoring freezes; a closed round's record stays as it was."""
    round_ = first_round(make_campaign())
    rounds.open_round(session, round_.id, **KW)
    rounds.save_round(session, round_.campaign_id, round_fields(round_, name="群众评议"), round_id=round_.id, **KW)
    assert session.get(Round, round_.id).name == "群众评议"
    rounds.close_round(session, round_.id, **KW)

    with pytest.raises(Conflict):
        rounds.save_round(session, round_.campaign_id, round_fields(round_, name="改名"), round_id=round_.id, **KW)


def test_a_questionnaire_shared_with_an_open_round_is_frozen_for_its_draft_rounds_too(session, make_campaign):
    campaign = make_campaign()
    open_one = first_round(campaign)
    draft = rounds.save_round(session, campaign.id, round_fields(open_one, name="内部评议", kind="internal"), **KW)
    rounds.open_round(session, open_one.id, **KW)
    session.commit()
    session.expire_all()  # as the next request would see it

    with pytest.raises(Conflict):
        questionnaires.save_item(session, draft.questionnaire_id, "Q9", "新增", 1.0, **KW)
    assert session.get(Round, draft.id).is_draft
    rounds.save_group(session, draft.id, {"name": "机关干部", "weight": 1.0}, **KW)  # its own groups are free


def test_a_questionnaire_is_frozen_as_soon_as_its_round_opens_in_the_same_session(session, make_campaign):
    # Regression: is_frozen reads questionnaire.rounds, which save_round once left stale (it
    # set questionnaire_id only) and the session kept across commits (expire_on_commit=False).
    round_ = first_round(make_campaign())
    rounds.open_round(session, round_.id, **KW)
    session.commit()

    with pytest.raises(Conflict):
        questionnaires.save_item(session, round_.questionnaire_id, "Q3", "廉洁自律", 1.0, **KW)

    assert [i.code for i in session.get(Questionnaire, round_.questionnaire_id).items] == ["Q1", "Q2"]


def _open_from_february(session, campaign) -> Round:
    """The campaign's round, opened on 1 February; NOW is 1 March."""
    round_ = first_round(campaign)
    rounds.save_round(session, campaign.id, round_fields(round_, opens_on=date(2026, 2, 1)), round_id=round_.id, **KW)
    rounds.open_round(session, round_.id, **KW)
    session.commit()
    return round_


@pytest.mark.parametrize("new_close", [date(2026, 4, 30), NOW.date(), date(2026, 3, 15)])
def test_while_open_the_closing_day_can_move_to_today_or_later(session, make_campaign, new_close):
    campaign = make_campaign()
    round_ = _open_from_february(session, campaign)
    snapshot = round_.frozen_config

    rounds.save_round(session, campaign.id, round_fields(round_, closes_on=new_close), round_id=round_.id, **KW)
    session.commit()

    session.expire_all()
    stored = session.get(Round, round_.id)
    assert (stored.closes_on, stored.status, stored.frozen_config) == (new_close, RoundStatus.OPEN, snapshot)


def test_while_open_the_closing_day_cannot_move_before_today(session, make_campaign):
    campaign = make_campaign()
    round_ = _open_from_february(session, campaign)

    with pytest.raises(DomainError) as refused:
        rounds.save_round(
            session,
            campaign.id,
            round_fields(round_, closes_on=NOW.date() - timedelta(days=1)),
            round_id=round_.id,
            **KW,
        )

    assert refused.value.message == "结束日期不能早于今天"
    session.rollback()
    assert session.get(Round, round_.id).closes_on == date(2026, 3, 31)


def test_while_open_moving_the_closing_day_with_another_change_is_refused_whole(session, make_campaign):
    campaign = make_campaign()
    round_ = _open_from_february(session, campaign)
    before = configuration(session, round_.id)

    with pytest.raises(Conflict):
        rounds.save_round(
            session,
            campaign.id,
            round_fields(round_, closes_on=date(2026, 4, 30), aggregation="median"),
            round_id=round_.id,
            **KW,
        )

    assert configuration(session, round_.id) == before


def test_a_closed_round_cannot_even_have_its_closing_day_moved(session, make_campaign):
    campaign = make_campaign()
    round_ = _open_from_february(session, campaign)
    rounds.close_round(session, round_.id, **KW)
    session.commit()

    with pytest.raises(Conflict) as refused:
        rounds.save_round(
            session, campaign.id, round_fields(round_, closes_on=date(2026, 4, 30)), round_id=round_.id, **KW
        )

    assert refused.value.message == "轮次“%(name)s”已结束，不能再修改"
    session.rollback()
    assert session.get(Round, round_.id).closes_on == date(2026, 3, 31)


def test_opening_records_the_configuration_as_it_stood_at_that_moment(session, make_campaign):
    campaign = make_campaign()
    round_ = first_round(campaign)
    q = round_.questionnaire
    # last-minute draft edits are part of the snapshot
    questionnaires.save_item(session, q.id, "Q2", "办事效率", 2.5, item_id=q.items[1].id, **KW)
    rounds.save_group(
        session,
        round_.id,
        {"name": "服务对象", "weight": 0.7, "min_ballots": 8, "is_required": True},
        group_id=round_.groups[0].id,
        **KW,
    )
    rounds.save_round(
        session, campaign.id, round_fields(round_, aggregation="trimmed", trim_k=1), round_id=round_.id, **KW
    )

    rounds.open_round(session, round_.id, **KW)
    session.commit()
    session.expire_all()

    assert session.get(Round, round_.id).frozen_config == {
        "aggregation": "trimmed",
        "trim_k": 1,
        "is_strict": False,
        "levels": [
            {"label": "非常满意", "points": 100, "is_positive": True, "is_excluded": False},
            {"label": "满意", "points": 80, "is_positive": True, "is_excluded": False},
            {"label": "基本满意", "points": 60, "is_positive": False, "is_excluded": False},
            {"label": "不满意", "points": 40, "is_positive": False, "is_excluded": False},
            {"label": "非常不满意", "points": 20, "is_positive": False, "is_excluded": False},
            {"label": "不了解", "points": None, "is_positive": False, "is_excluded": True},
        ],
        "items": [
            {"code": "Q1", "text": "服务态度", "weight": 1.0},
            {"code": "Q2", "text": "办事效率", "weight": 2.5},
        ],
        "groups": [
            {"name": "服务对象", "weight": 0.7, "min_ballots": 8, "is_required": True, "is_public": False},
            {"name": "机关干部", "weight": 0.4, "min_ballots": 5, "is_required": False, "is_public": False},
        ],
    }


def test_the_snapshot_survives_closing_unchanged(session, make_campaign):
    round_ = first_round(make_campaign())
    rounds.open_round(session, round_.id, **KW)
    session.commit()
    at_opening = session.get(Round, round_.id).frozen_config

    rounds.close_round(session, round_.id, **KW)
    session.commit()
    session.expire_all()

    assert session.get(Round, round_.id).frozen_config == at_opening


def _counted_levels(session, questionnaire_id: int) -> list[Level]:
    return [lv for lv in session.get(Questionnaire, questionnaire_id).levels if not lv.is_excluded]


def test_level_points_can_be_set_when_they_fall_strictly(session, make_campaign):
    q_id = first_round(make_campaign()).questionnaire_id
    levels = _counted_levels(session, q_id)

    questionnaires.set_level_points(
        session, q_id, dict(zip([lv.id for lv in levels], [100, 85, 70, 55, 0], strict=True)), **KW
    )
    session.commit()
    session.expire_all()

    assert [lv.points for lv in session.get(Questionnaire, q_id).levels] == [100, 85, 70, 55, 0, None]


@pytest.mark.parametrize(
    "points",
    [
        [100, 80, 80, 40, 20],
        [100, 80, 60, 70, 20],
        [20, 40, 60, 80, 100],
        [100, 80, 60, 40, -1],
        [1001, 80, 60, 40, 20],
    ],
    ids=["a tie", "a rise in the middle", "rising", "negative", "above 1000"],
)
def test_level_points_that_do_not_fall_strictly_within_range_are_refused(session, make_campaign, points):
    q_id = first_round(make_campaign()).questionnaire_id
    levels = _counted_levels(session, q_id)

    with pytest.raises(DomainError):
        questionnaires.set_level_points(session, q_id, dict(zip([lv.id for lv in levels], points, strict=True)), **KW)

    assert [lv.points for lv in _counted_levels(session, q_id)] == [100, 80, 60, 40, 20]


def test_level_points_must_be_given_for_exactly_the_counted_levels(session, make_campaign):
    q_id = first_round(make_campaign()).questionnaire_id
    levels = session.get(Questionnaire, q_id).levels
    counted = {lv.id: p for lv, p in zip(levels[:5], [100, 80, 60, 40, 20], strict=True)}

    with pytest.raises(DomainError) as missing:
        questionnaires.set_level_points(session, q_id, dict(list(counted.items())[:4]), **KW)
    with pytest.raises(DomainError) as with_unknown:
        questionnaires.set_level_points(session, q_id, counted | {levels[5].id: 0}, **KW)

    assert missing.value.message == with_unknown.value.message == "请为每个计分等级填写分值"
    assert session.get(Level, levels[5].id).points is None


def test_a_draft_round_accepts_configuration_changes(session, make_campaign):
    campaign = make_campaign()
    round_ = first_round(campaign)

    questionnaires.save_item(session, round_.questionnaire_id, "Q3", "廉洁自律", 1.0, **KW)
    rounds.save_group(session, round_.id, {"name": "人大代表", "weight": 0.2}, **KW)
    rounds.save_round(session, campaign.id, round_fields(round_, aggregation="median"), round_id=round_.id, **KW)
    session.commit()

    items = select(Item.code).where(Item.questionnaire_id == round_.questionnaire_id).order_by(Item.position)
    groups = select(RaterGroup.name).where(RaterGroup.round_id == round_.id).order_by(RaterGroup.id)
    assert session.scalars(items).all() == ["Q1", "Q2", "Q3"]
    assert session.scalars(groups).all() == ["服务对象", "机关干部", "人大代表"]
    assert session.get(Round, round_.id).aggregation is Aggregation.MEDIAN
