"""Every configuration change and every login attempt leaves one audit entry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from surveys.errors import Conflict, DomainError
from surveys.imports.targets import import_targets
from surveys.models import AuditEntry, Role
from surveys.services import audit, campaigns, organisation, questionnaires, rounds, users
from tests.conftest import NOW, PASSWORD


def entries(session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.fixture
def world(session, make_campaign, make_user):
    """An organiser and a ready campaign; returns what the changes below act on."""
    organiser = make_user(Role.ORGANISER, "organiser")
    campaign = make_campaign()
    round_ = campaign.rounds[0]
    return {
        "actor": organiser.id,
        "campaign": campaign,
        "round": round_,
        "questionnaire": round_.questionnaire,
        "target": campaign.targets[0],
        "unit": campaign.targets[0].unit,
        "component": campaign.components[0],
    }


def _kw(w):
    return {"now": NOW, "actor_id": w["actor"]}


def _round_fields(round_, **changes):
    return {
        "name": round_.name,
        "kind": round_.kind.value,
        "questionnaire_id": round_.questionnaire_id,
        "opens_on": round_.opens_on,
        "closes_on": round_.closes_on,
        **changes,
    }


#: (expected actions, object type, change) — each change is a call a view would make and
#: returns the object the last entry should name.
CHANGES = {
    "create a campaign": (
        ["campaign.create"],
        "campaigns",
        lambda s, w: campaigns.save_campaign(s, "2027年度评议", 2027, "", **_kw(w)),
    ),
    "rename a campaign": (
        ["campaign.update"],
        "campaigns",
        lambda s, w: campaigns.save_campaign(s, "新名称", 2026, "", campaign_id=w["campaign"].id, **_kw(w)),
    ),
    "clone a campaign": (
        ["campaign.create", "campaign.clone"],
        "campaigns",
        lambda s, w: campaigns.clone_campaign(s, w["campaign"].id, "2027年度评议", 2027, **_kw(w)),
    ),
    "add a component": (
        ["component.create"],
        "components",
        lambda s, w: campaigns.save_component(
            s, w["campaign"].id, {"name": "业务考核", "kind": "imported", "weight": 0.3}, **_kw(w)
        ),
    ),
    "reweight a component": (
        ["component.update"],
        "components",
        lambda s, w: campaigns.save_component(
            s,
            w["campaign"].id,
            {"name": "群众评议", "kind": "round", "round_id": w["round"].id, "weight": 0.7},
            component_id=w["component"].id,
            **_kw(w),
        ),
    ),
    "delete a component": (
        ["component.delete"],
        "components",
        lambda s, w: (campaigns.delete_component(s, w["component"].id, **_kw(w)), w["component"])[1],
    ),
    "create a unit": (["unit.create"], "units", lambda s, w: organisation.save_unit(s, "市审计局", None, **_kw(w))),
    "rename a unit": (
        ["unit.update"],
        "units",
        lambda s, w: organisation.save_unit(s, "市审计局", None, unit_id=w["unit"].id, **_kw(w)),
    ),
    "create a target": (
        ["target.create"],
        "targets",
        lambda s, w: organisation.save_target(
            s,
            w["campaign"].id,
            {"code": "C01", "name": "赵六", "kind": "person", "category": "社会服务", "unit_id": w["unit"].id},
            **_kw(w),
        ),
    ),
    "edit a target": (
        ["target.update"],
        "targets",
        lambda s, w: organisation.save_target(
            s,
            w["campaign"].id,
            {"code": "A01", "name": "张三丰", "kind": "person", "category": "综合管理", "unit_id": w["unit"].id},
            target_id=w["target"].id,
            **_kw(w),
        ),
    ),
    "delete a target": (
        ["target.delete"],
        "targets",
        lambda s, w: (organisation.delete_target(s, w["target"].id, **_kw(w)), w["target"])[1],
    ),
    "import targets": (
        ["target.import"],
        "campaigns",
        lambda s, w: (
            import_targets(
                s,
                w["campaign"].id,
                "t.csv",
                "编号,姓名,类型,类别,单位\nC01,赵六,个人,综合管理,市教育局\n".encode(),
                **_kw(w),
            ),
            w["campaign"],
        )[1],
    ),
    "create a questionnaire": (
        ["questionnaire.create"],
        "questionnaires",
        lambda s, w: questionnaires.create_questionnaire(
            s, w["campaign"].id, "内部测评表", "three", with_unknown=False, **_kw(w)
        ),
    ),
    "add an item": (
        ["item.create"],
        "items",
        lambda s, w: questionnaires.save_item(s, w["questionnaire"].id, "Q3", "廉洁自律", 1.0, **_kw(w)),
    ),
    "edit an item": (
        ["item.update"],
        "items",
        lambda s, w: questionnaires.save_item(
            s, w["questionnaire"].id, "Q1", "服务态度", 1.5, item_id=w["questionnaire"].items[0].id, **_kw(w)
        ),
    ),
    "delete an item": (
        ["item.delete"],
        "items",
        lambda s, w: (questionnaires.delete_item(s, (item := w["questionnaire"].items[0]).id, **_kw(w)), item)[1],
    ),
    "change level points": (
        ["scale.update"],
        "questionnaires",
        lambda s, w: (
            questionnaires.set_level_points(
                s,
                w["questionnaire"].id,
                {lv.id: p for lv, p in zip(w["questionnaire"].levels[:5], [100, 85, 70, 55, 40], strict=True)},
                **_kw(w),
            ),
            w["questionnaire"],
        )[1],
    ),
    "create a round": (
        ["round.create"],
        "rounds",
        lambda s, w: rounds.save_round(s, w["campaign"].id, _round_fields(w["round"], name="内部评议"), **_kw(w)),
    ),
    "edit a round": (
        ["round.update"],
        "rounds",
        lambda s, w: rounds.save_round(
            s,
            w["campaign"].id,
            _round_fields(w["round"], closes_on=date(2026, 4, 10)),
            round_id=w["round"].id,
            **_kw(w),
        ),
    ),
    "open a round": (["round.open"], "rounds", lambda s, w: rounds.open_round(s, w["round"].id, **_kw(w))),
    "add a group": (
        ["group.create"],
        "rater_groups",
        lambda s, w: rounds.save_group(s, w["round"].id, {"name": "人大代表", "weight": 0.2}, **_kw(w)),
    ),
    "reweight a group": (
        ["group.update"],
        "rater_groups",
        lambda s, w: rounds.save_group(
            s,
            w["round"].id,
            {"name": "服务对象", "weight": 0.5, "min_ballots": 5},
            group_id=w["round"].groups[0].id,
            **_kw(w),
        ),
    ),
    "delete a group": (
        ["group.delete"],
        "rater_groups",
        lambda s, w: (rounds.delete_group(s, (group := w["round"].groups[1]).id, **_kw(w)), group)[1],
    ),
    "create a user": (
        ["user.create"],
        "users",
        lambda s, w: users.create_user(s, "leader2", PASSWORD, Role.LEADER, now=NOW, actor_id=w["actor"]),
    ),
}


@pytest.mark.parametrize(
    ("actions", "object_type", "change"), [pytest.param(*spec, id=name) for name, spec in CHANGES.items()]
)
def test_every_configuration_change_writes_an_audit_entry_naming_action_and_actor(
    session, world, actions, object_type, change
):
    seen = {e.id for e in entries(session)}

    changed = change(session, world)
    session.commit()

    new = [e for e in entries(session) if e.id not in seen]
    assert [e.action for e in new] == actions
    assert all(e.actor_id == world["actor"] and e.at == NOW for e in new)
    assert (new[-1].object_type, new[-1].object_id) == (object_type, changed.id)


def test_closing_a_round_is_audited_with_its_status_change(session, world):
    rounds.open_round(session, world["round"].id, **_kw(world))

    rounds.close_round(session, world["round"].id, **_kw(world))
    session.commit()

    opened, closed = entries(session)[-2:]
    assert (opened.action, opened.detail) == (
        "round.open",
        {"before": {"status": "draft"}, "after": {"status": "open"}},
    )
    assert (closed.action, closed.actor_id, closed.object_id) == ("round.close", world["actor"], world["round"].id)
    assert closed.detail == {"before": {"status": "open"}, "after": {"status": "closed"}}


def _stored_detail(session, entry_id: int) -> dict:
    """The detail as read back from the database (JSON round trip)."""
    session.commit()
    session.expire_all()
    return session.get(AuditEntry, entry_id).detail


def test_a_group_weight_change_records_the_weight_before_and_after(session, world):
    group = world["round"].groups[0]
    assert (group.name, group.weight) == ("服务对象", 0.6)

    rounds.save_group(
        session,
        world["round"].id,
        {"name": "服务对象", "weight": 0.5, "min_ballots": 5},
        group_id=group.id,
        **_kw(world),
    )

    entry = entries(session)[-1]
    assert _stored_detail(session, entry.id) == {"before": {"weight": 0.6}, "after": {"weight": 0.5}}


def test_an_item_weight_change_records_the_weight_before_and_after(session, world):
    item = world["questionnaire"].items[1]

    questionnaires.save_item(session, world["questionnaire"].id, "Q2", "办事效率", 3.0, item_id=item.id, **_kw(world))

    entry = entries(session)[-1]
    assert _stored_detail(session, entry.id) == {"before": {"weight": 2.0}, "after": {"weight": 3.0}}


def test_a_component_weight_change_records_the_weight_before_and_after(session, world):
    fields = {"name": "群众评议", "kind": "round", "round_id": world["round"].id, "weight": 0.8}

    campaigns.save_component(session, world["campaign"].id, fields, component_id=world["component"].id, **_kw(world))

    entry = entries(session)[-1]
    assert _stored_detail(session, entry.id) == {"before": {"weight": 1.0}, "after": {"weight": 0.8}}


def test_creating_and_deleting_weighted_things_records_their_weight(session, world):
    group = rounds.save_group(
        session, world["round"].id, {"name": "人大代表", "weight": 0.25, "min_ballots": 3}, **_kw(world)
    )
    created = entries(session)[-1]
    rounds.delete_group(session, group.id, **_kw(world))
    deleted = entries(session)[-1]

    every_target = {"selector_kind": None, "selector_category_id": None, "selector_unit_id": None}
    assert _stored_detail(session, created.id) == {"after": {"weight": 0.25, "min_ballots": 3} | every_target}
    assert _stored_detail(session, deleted.id) == {"before": {"weight": 0.25}}


def test_a_scale_change_records_every_counted_level_before_and_after(session, world):
    q = world["questionnaire"]
    points = dict(zip([lv.id for lv in q.levels[:5]], [100, 85, 70, 55, 40], strict=True))

    questionnaires.set_level_points(session, q.id, points, **_kw(world))

    entry = entries(session)[-1]
    assert _stored_detail(session, entry.id) == {
        "before": {"非常满意": 100, "满意": 80, "基本满意": 60, "不满意": 40, "非常不满意": 20},
        "after": {"非常满意": 100, "满意": 85, "基本满意": 70, "不满意": 55, "非常不满意": 40},
    }


def test_a_target_edit_records_changed_fields_only_and_related_objects_by_name(session, world):
    target = world["target"]
    fields = {"code": "A01", "name": "张三", "kind": "window", "category": "行政执法", "unit_id": target.unit_id}

    organisation.save_target(session, world["campaign"].id, fields, target_id=target.id, **_kw(world))

    entry = entries(session)[-1]
    assert _stored_detail(session, entry.id) == {
        "before": {"kind": "person", "category": "综合管理"},
        "after": {"kind": "window", "category": "行政执法"},
    }


def test_a_round_date_change_records_iso_dates(session, world):
    round_ = world["round"]

    rounds.save_round(
        session,
        world["campaign"].id,
        _round_fields(round_, closes_on=date(2026, 4, 10)),
        round_id=round_.id,
        **_kw(world),
    )

    entry = entries(session)[-1]
    assert _stored_detail(session, entry.id) == {
        "before": {"closes_on": "2026-03-31"},
        "after": {"closes_on": "2026-04-10"},
    }


def test_swapping_a_rounds_questionnaire_records_the_questionnaires_by_name(session, world):
    other = questionnaires.create_questionnaire(
        session, world["campaign"].id, "内部测评表", "three", with_unknown=False, **_kw(world)
    )
    round_ = world["round"]

    rounds.save_round(
        session,
        world["campaign"].id,
        _round_fields(round_, questionnaire_id=other.id),
        round_id=round_.id,
        **_kw(world),
    )
    swapped = entries(session)[-1]
    rounds.save_round(
        session, world["campaign"].id, _round_fields(round_, questionnaire_id=None), round_id=round_.id, **_kw(world)
    )
    cleared = entries(session)[-1]

    assert _stored_detail(session, swapped.id) == {
        "before": {"questionnaire": "科长测评表"},
        "after": {"questionnaire": "内部测评表"},
    }
    assert _stored_detail(session, cleared.id) == {
        "before": {"questionnaire": "内部测评表"},
        "after": {"questionnaire": None},
    }


def test_a_successful_login_is_audited_against_the_user(session, make_user):
    user = make_user(Role.LEADER, "leader")

    assert users.authenticate(session, " leader ", PASSWORD, now=NOW) == user
    session.commit()

    entry = entries(session)[-1]
    assert (entry.action, entry.actor_id, entry.object_type, entry.object_id) == (
        "auth.login",
        user.id,
        "users",
        user.id,
    )
    assert entry.at == NOW


def test_a_wrong_password_is_audited_as_a_failed_login_of_that_user(session, make_user):
    user = make_user(Role.LEADER, "leader")

    assert users.authenticate(session, "leader", "wrong-pass-456", now=NOW) is None
    session.commit()

    entry = entries(session)[-1]
    assert (entry.action, entry.actor_id, entry.summary) == ("auth.login_failed", user.id, "leader")
    assert "wrong-pass-456" not in repr((entry.summary, entry.detail))


def test_a_login_with_an_unknown_username_is_audited_too(session):
    assert users.authenticate(session, "nobody-here", PASSWORD, now=NOW) is None
    session.commit()

    [entry] = entries(session)
    assert (entry.action, entry.actor_id, entry.summary, entry.at) == ("auth.login_failed", None, "nobody-here", NOW)
    assert PASSWORD not in repr((entry.summary, entry.detail))


def test_a_deactivated_user_cannot_log_in_and_the_attempt_is_audited(session, make_user):
    user = make_user(Role.LEADER, "leader")
    user.is_active = False
    session.commit()

    assert users.authenticate(session, "leader", PASSWORD, now=NOW) is None
    session.commit()

    entry = entries(session)[-1]
    assert (entry.action, entry.actor_id) == ("auth.login_failed", user.id)


def test_a_very_long_unknown_username_is_cut_in_the_log(session):
    users.authenticate(session, "x" * 500, PASSWORD, now=NOW)
    session.commit()

    assert entries(session)[-1].summary == "x" * 64


def _open(s, w):
    rounds.open_round(s, w["round"].id, **_kw(w))


def _empty_round(s, w):
    rounds.save_round(s, w["campaign"].id, _round_fields(w["round"], name="空轮次", questionnaire_id=None), **_kw(w))


#: (error, setup committed before counting, the refused change)
REFUSALS = {
    "a duplicate target code": (
        Conflict,
        None,
        lambda s, w: organisation.save_target(
            s,
            w["campaign"].id,
            {"code": "A01", "name": "重复", "kind": "person", "category": "综合管理", "unit_id": w["unit"].id},
            **_kw(w),
        ),
    ),
    "a round dated years from its campaign": (
        DomainError,
        None,
        lambda s, w: rounds.save_round(
            s,
            w["campaign"].id,
            {"name": "远期", "kind": "external", "opens_on": date(9999, 1, 1), "closes_on": date(9999, 12, 31)},
            **_kw(w),
        ),
    ),
    "a zero group weight": (
        DomainError,
        None,
        lambda s, w: rounds.save_group(s, w["round"].id, {"name": "人大代表", "weight": 0}, **_kw(w)),
    ),
    "a duplicate username": (
        Conflict,
        None,
        lambda s, w: users.create_user(s, "organiser", PASSWORD, Role.LEADER, now=NOW, actor_id=w["actor"]),
    ),
    "a username that differs only in case": (
        Conflict,
        None,
        lambda s, w: users.create_user(s, "Organiser", PASSWORD, Role.LEADER, now=NOW, actor_id=w["actor"]),
    ),
    "a weak password": (
        DomainError,
        None,
        lambda s, w: users.create_user(s, "new-user", "12345678", Role.LEADER, now=NOW),
    ),
    "a group change on an open round": (
        Conflict,
        _open,
        lambda s, w: rounds.save_group(
            s, w["round"].id, {"name": "服务对象", "weight": 0.5}, group_id=w["round"].groups[0].id, **_kw(w)
        ),
    ),
    "an item change on an open round": (
        Conflict,
        _open,
        lambda s, w: questionnaires.save_item(s, w["questionnaire"].id, "Q3", "廉洁自律", 1.0, **_kw(w)),
    ),
    "closing a draft round": (Conflict, None, lambda s, w: rounds.close_round(s, w["round"].id, **_kw(w))),
    "opening an incomplete round": (
        DomainError,
        _empty_round,
        lambda s, w: rounds.open_round(s, w["campaign"].rounds[-1].id, **_kw(w)),
    ),
    "a unit placed below itself": (
        DomainError,
        None,
        lambda s, w: organisation.save_unit(s, w["unit"].name, w["unit"].id, unit_id=w["unit"].id, **_kw(w)),
    ),
    "a year out of range": (DomainError, None, lambda s, w: campaigns.save_campaign(s, "远古活动", 1999, "", **_kw(w))),
}


@pytest.mark.parametrize(("error", "setup", "change"), REFUSALS.values(), ids=REFUSALS.keys())
def test_a_refused_change_writes_no_audit_entry(session, world, error, setup, change):
    if setup is not None:
        setup(session, world)
    session.commit()
    session.expire_all()
    before = audit_count(session)

    with pytest.raises(error):
        change(session, world)

    assert audit_count(session) == before  # not even pending in this transaction
    session.rollback()
    assert audit_count(session) == before


def test_audit_entries_are_listed_newest_first(session, world):
    ids = [e.id for e in entries(session)]

    assert [e.id for e in audit.list_entries(session, limit=3)] == ids[::-1][:3]
    assert [e.id for e in audit.list_entries(session, limit=3, offset=3)] == ids[::-1][3:6]
