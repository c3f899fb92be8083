"""Cloning last year's campaign as this year's draft."""

from __future__ import annotations

import warnings
from datetime import date

import pytest
from sqlalchemy import select

from surveys.errors import NotFound
from surveys.models import AuditEntry, Campaign, Round, RoundStatus, TargetKind
from surveys.scoring.config import Rules
from surveys.selectors import TargetSelector
from surveys.services import campaigns, honour_lists, organisation, questionnaires, rounds
from tests.conftest import NOW

KW = {"now": NOW, "actor_id": None}


def picture(session, campaign_id: int) -> dict:
    """Everything a campaign's configuration holds, as plain data without ids, read afresh."""
    session.expire_all()
    c = session.get(Campaign, campaign_id)
    q_names = {q.id: q.name for q in c.questionnaires}
    r_names = {r.id: r.name for r in c.rounds}
    return {
        "campaign": (c.name, c.year, c.description),
        "categories": [(cat.name, cat.position) for cat in c.categories],
        "targets": [(t.code, t.name, t.kind, t.title, t.unit_id, t.category.name) for t in c.targets],
        "questionnaires": sorted(
            (
                q.name,
                tuple((i.position, i.code, i.text, i.weight) for i in q.items),
                tuple((lv.position, lv.label, lv.points, lv.is_positive, lv.is_excluded) for lv in q.levels),
            )
            for q in c.questionnaires
        ),
        "rounds": [
            (
                r.name,
                r.kind,
                q_names.get(r.questionnaire_id),
                r.status,
                r.opens_on,
                r.closes_on,
                r.is_open_round,
                r.aggregation,
                r.trim_k,
                r.is_strict,
                r.frozen_config,
                tuple((g.name, g.weight, g.min_ballots, g.is_required, g.is_public) for g in r.groups),
            )
            for r in c.rounds
        ],
        "components": [(m.name, m.kind, m.weight, r_names.get(m.round_id)) for m in c.components],
    }


@pytest.fixture
def source(session, make_campaign):
    """2026's campaign with two questionnaires, two rounds and an imported component."""
    campaign = make_campaign()
    external = campaign.rounds[0]
    q = questionnaires.create_questionnaire(session, campaign.id, "内部测评表", "three", with_unknown=False, **KW)
    questionnaires.save_item(session, q.id, "N1", "履职能力", 2.0, **KW)
    questionnaires.save_item(session, q.id, "N2", "廉洁自律", 1.0, **KW)
    levels = [lv.id for lv in q.levels]
    questionnaires.set_level_points(session, q.id, dict(zip(levels, [95.0, 75.0, 10.0], strict=True)), **KW)
    internal = rounds.save_round(
        session,
        campaign.id,
        {
            "name": "内部评议",
            "kind": "internal",
            "questionnaire_id": q.id,
            "opens_on": date(2026, 11, 20),
            "closes_on": date(2026, 12, 31),
            "aggregation": "trimmed",
            "trim_k": 1,
            "is_strict": True,
        },
        **KW,
    )
    rounds.save_group(
        session, internal.id, {"name": "人大代表", "weight": 0.3, "min_ballots": 3, "is_required": True}, **KW
    )
    rounds.save_group(session, internal.id, {"name": "机关干部", "weight": 0.7, "min_ballots": 10}, **KW)
    fields = {"name": "群众评议", "kind": "round", "round_id": external.id, "weight": 0.5}
    campaigns.save_component(session, campaign.id, fields, component_id=campaign.components[0].id, **KW)
    campaigns.save_component(
        session, campaign.id, {"name": "内部评议", "kind": "round", "round_id": internal.id, "weight": 0.3}, **KW
    )
    campaigns.save_component(session, campaign.id, {"name": "业务考核", "kind": "imported", "weight": 0.2}, **KW)
    campaigns.save_campaign(session, campaign.name, 2026, "宝鸡市万名群众评议百名科长", campaign_id=campaign.id, **KW)
    organisation.save_target(
        session,
        campaign.id,
        {
            "code": "C01",
            "name": "赵六",
            "kind": "window",
            "title": "不动产登记",
            "category": "社会服务",
            "unit_id": campaign.targets[0].unit_id,
        },
        **KW,
    )
    session.commit()
    return campaign


def shifted(picture_: dict, years: int) -> dict:
    """The picture a clone should have: same configuration, rounds as drafts, dates moved."""
    return {
        **picture_,
        "rounds": [
            (
                name,
                kind,
                q,
                RoundStatus.DRAFT,
                opens.replace(year=opens.year + years),
                closes.replace(year=closes.year + years),
                *rest[:-2],
                None,
                rest[-1],
            )
            for name, kind, q, _status, opens, closes, *rest in picture_["rounds"]
        ],
    }


def test_a_clone_copies_the_whole_configuration_as_a_draft_a_year_later(session, source):
    expected = shifted(picture(session, source.id), 1)

    copy = campaigns.clone_campaign(session, source.id, "2027年度评议", 2027, **KW)
    session.commit()

    got = picture(session, copy.id)
    assert got["campaign"] == ("2027年度评议", 2027, "宝鸡市万名群众评议百名科长")
    assert {k: v for k, v in got.items() if k != "campaign"} == {k: v for k, v in expected.items() if k != "campaign"}
    assert [r[4:6] for r in got["rounds"]] == [
        (date(2027, 3, 1), date(2027, 3, 31)),
        (date(2027, 11, 20), date(2027, 12, 31)),
    ]


def test_a_clone_owns_its_copies_and_shares_nothing_but_units_with_the_source(session, source):
    copy = campaigns.clone_campaign(session, source.id, "2027年度评议", 2027, **KW)
    session.commit()
    session.expire_all()
    copy, source = session.get(Campaign, copy.id), session.get(Campaign, source.id)

    assert copy.predecessor_id == source.id and copy.predecessor is source
    assert {c.campaign_id for c in copy.categories} == {copy.id}
    assert {t.category.campaign_id for t in copy.targets} == {copy.id}
    assert {t.unit_id for t in copy.targets} == {t.unit_id for t in source.targets}
    assert not {t.id for t in copy.targets} & {t.id for t in source.targets}
    assert {q.campaign_id for q in copy.questionnaires} == {copy.id}
    assert {r.questionnaire.campaign_id for r in copy.rounds} == {copy.id}
    round_components = [m for m in copy.components if m.round_id is not None]
    assert [m.round.campaign_id for m in round_components] == [copy.id, copy.id]
    assert [m.round.name for m in round_components] == ["外部评议", "内部评议"]
    assert not {r.id for r in copy.rounds} & {r.id for r in source.rounds}


def test_cloning_leaves_the_source_untouched(session, source):
    before = picture(session, source.id)

    campaigns.clone_campaign(session, source.id, "2027年度评议", 2027, **KW)
    session.commit()

    assert picture(session, source.id) == before
    assert session.get(Campaign, source.id).predecessor_id is None


def test_a_campaign_with_open_and_closed_rounds_clones_into_drafts(session, source):
    external, internal = source.rounds
    rounds.open_round(session, external.id, **KW)
    rounds.close_round(session, external.id, **KW)
    rounds.open_round(session, internal.id, **KW)
    session.commit()
    before = picture(session, source.id)
    assert [r[3] for r in before["rounds"]] == [RoundStatus.CLOSED, RoundStatus.OPEN]

    copy = campaigns.clone_campaign(session, source.id, "2027年度评议", 2027, **KW)
    session.commit()

    assert picture(session, copy.id)["rounds"] == shifted(before, 1)["rounds"]
    assert picture(session, source.id) == before
    session.expire_all()
    assert all(r.status is RoundStatus.DRAFT and r.frozen_config is None for r in session.get(Campaign, copy.id).rounds)


def test_a_clone_of_a_campaign_with_open_rounds_can_be_edited_and_opened(session, source):
    external, internal = source.rounds
    rounds.open_round(session, external.id, **KW)
    rounds.open_round(session, internal.id, **KW)
    copy = campaigns.clone_campaign(session, source.id, "2027年度评议", 2027, **KW)
    session.commit()
    session.expire_all()
    copy = session.get(Campaign, copy.id)
    new_round = copy.rounds[0]

    questionnaires.save_item(session, new_round.questionnaire_id, "Q3", "廉洁自律", 1.0, **KW)
    rounds.save_group(
        session,
        new_round.id,
        {"name": "服务对象", "weight": 0.5, "min_ballots": 5},
        group_id=new_round.groups[0].id,
        **KW,
    )
    rounds.open_round(session, new_round.id, **KW)
    session.commit()

    assert [i["code"] for i in new_round.frozen_config["items"]] == ["Q1", "Q2", "Q3"]
    assert [g["weight"] for g in new_round.frozen_config["groups"]] == [0.5, 0.4]


def test_editing_the_clone_does_not_touch_the_source(session, source):
    before = picture(session, source.id)
    copy = campaigns.clone_campaign(session, source.id, "2027年度评议", 2027, **KW)
    session.commit()
    session.expire_all()
    copy = session.get(Campaign, copy.id)
    external, internal = copy.rounds
    q = external.questionnaire
    kw = {"now": NOW, "actor_id": None}

    questionnaires.save_item(session, q.id, "Q1", "服务态度（修订）", 4.0, item_id=q.items[0].id, **kw)
    questionnaires.delete_item(session, q.items[1].id, **kw)
    questionnaires.set_level_points(
        session, q.id, dict(zip([lv.id for lv in q.levels[:5]], [90, 70, 50, 30, 10], strict=True)), **kw
    )
    rounds.save_group(session, external.id, {"name": "服务对象", "weight": 0.9}, group_id=external.groups[0].id, **kw)
    rounds.delete_group(session, internal.groups[0].id, **kw)
    rounds.save_round(
        session,
        copy.id,
        {
            "name": "外部评议",
            "kind": "external",
            "questionnaire_id": q.id,
            "opens_on": date(2027, 5, 1),
            "closes_on": date(2027, 5, 31),
            "aggregation": "median",
        },
        round_id=external.id,
        **kw,
    )
    target = copy.targets[0]
    organisation.save_target(
        session,
        copy.id,
        {"code": target.code, "name": "改名", "kind": "unit", "category": "新类别", "unit_id": target.unit_id},
        target_id=target.id,
        **kw,
    )
    organisation.delete_target(session, copy.targets[1].id, **kw)
    campaigns.save_component(
        session,
        copy.id,
        {"name": "业务考核", "kind": "imported", "weight": 0.9},
        component_id=copy.components[2].id,
        **kw,
    )
    campaigns.save_campaign(session, "改过的名字", 2027, "", campaign_id=copy.id, **kw)
    rounds.open_round(session, internal.id, **kw)
    session.commit()

    assert picture(session, source.id) == before
    assert picture(session, copy.id) != shifted(before, 1)


def test_a_clone_several_years_later_moves_dates_by_that_many_years(session, source):
    copy = campaigns.clone_campaign(session, source.id, "2029年度评议", 2029, **KW)
    session.commit()

    assert [(r.opens_on, r.closes_on) for r in copy.rounds] == [
        (date(2029, 3, 1), date(2029, 3, 31)),
        (date(2029, 11, 20), date(2029, 12, 31)),
    ]


def test_a_round_on_29_february_moves_to_28_february_in_a_common_year(session, make_campaign):
    campaign = make_campaign("2024年度评议", 2024)
    round_ = campaign.rounds[0]
    rounds.save_round(
        session,
        campaign.id,
        {
            "name": round_.name,
            "kind": "external",
            "questionnaire_id": round_.questionnaire_id,
            "opens_on": date(2024, 2, 29),
            "closes_on": date(2024, 2, 29),
        },
        round_id=round_.id,
        **KW,
    )

    copy = campaigns.clone_campaign(session, campaign.id, "2025年度评议", 2025, **KW)

    assert (copy.rounds[0].opens_on, copy.rounds[0].closes_on) == (date(2025, 2, 28), date(2025, 2, 28))


def test_a_questionnaire_shared_by_two_rounds_is_copied_once_and_stays_shared(session, source):
    external, internal = source.rounds
    fields = {
        "name": internal.name,
        "kind": "internal",
        "questionnaire_id": external.questionnaire_id,
        "opens_on": internal.opens_on,
        "closes_on": internal.closes_on,
    }
    rounds.save_round(session, source.id, fields, round_id=internal.id, **KW)

    copy = campaigns.clone_campaign(session, source.id, "2027年度评议", 2027, **KW)
    session.commit()

    first, second = copy.rounds
    assert first.questionnaire is second.questionnaire
    assert first.questionnaire.campaign_id == copy.id
    assert len(copy.questionnaires) == 2  # the unused one is copied too


def test_cloning_is_audited_with_its_source(session, source, make_user):
    organiser = make_user()

    copy = campaigns.clone_campaign(session, source.id, "2027年度评议", 2027, now=NOW, actor_id=organiser.id)
    session.commit()

    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id, entry.object_id) == ("campaign.clone", organiser.id, copy.id)
    assert entry.detail == {"source_id": source.id, "source_name": source.name}


def test_cloning_a_missing_campaign_is_refused_and_writes_nothing(session):
    with pytest.raises(NotFound):
        campaigns.clone_campaign(session, 424242, "2027年度评议", 2027, **KW)

    assert session.scalars(select(Campaign)).all() == []


def test_cloning_raises_no_sqlalchemy_warning(session, source):
    # Regression: the copied rounds point at copied questionnaires before they are in the
    # session; an autoflush in between warned "Object of type <Round> not in session".
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        copy = campaigns.clone_campaign(session, source.id, "2027年度评议", 2027, **KW)

    assert session.scalar(select(Round.id).where(Round.campaign_id == copy.id).limit(1)) is not None


def test_a_target_deleted_earlier_in_the_same_session_is_not_cloned(session, source):
    organisation.delete_target(session, source.targets[0].id, **KW)
    remaining = [t.code for t in source.targets]

    copy = campaigns.clone_campaign(session, source.id, "2027年度评议", 2027, **KW)

    assert [t.code for t in copy.targets] == remaining == ["A02", "B01", "C01"]


def test_a_clone_keeps_component_selectors_and_honour_lists_on_its_own_categories(session, source):
    """业务考核 for 综合管理 only, and a list 十佳窗口 of windows in 社会服务 with its own rules: the
    copy's selectors name the copy's categories of the same names, not last year's."""
    category = source.categories[0]
    sheet = next(c for c in source.components if c.name == "业务考核")
    fields = {"name": "业务考核", "kind": "imported", "weight": 0.2}
    campaigns.save_component(
        session, source.id, fields, component_id=sheet.id, selector=TargetSelector(category_id=category.id), **KW
    )
    social = next(c for c in source.categories if c.name == "社会服务")
    rules = {"name": "十佳窗口", "top_n": 3, "bottom_n": 1, "top_scope": "category", "bottom_scope": "overall"}
    rules |= {"top_min_ballots": 5, "bottom_threshold": 70}
    windows = TargetSelector(TargetKind.WINDOW, social.id, None)
    honour_lists.save_list(session, source.id, rules, windows, rules=Rules(), **KW)
    session.commit()

    copy = campaigns.clone_campaign(session, source.id, "2027年度评议", 2027, **KW)
    session.commit()

    copied = next(c for c in copy.components if c.name == "业务考核")
    assert copied.selector_category.name == category.name and copied.selector_category.campaign_id == copy.id
    (lst,) = honour_lists.list_lists(session, copy.id)
    assert (lst.name, lst.top_n, lst.bottom_n, lst.top_scope.value, lst.top_min_ballots, lst.bottom_threshold) == (
        "十佳窗口", 3, 1, "category", 5, 70.0,
    )  # fmt: skip
    assert lst.selector_kind is TargetKind.WINDOW and lst.selector_category.name == "社会服务"
    assert lst.selector_category.campaign_id == copy.id
