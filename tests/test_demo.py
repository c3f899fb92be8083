"""The demo campaign: what it contains, that it is reproducible, and the seed-demo command."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, update

from surveys import demo
from surveys.db import make_session_factory
from surveys.models import Campaign, Component, Role, Round, RoundStatus, Target, TargetKind, Unit, User
from surveys.services import users

NOW = datetime(2026, 3, 1, 9, 0, 0)


def _campaign(session) -> Campaign:
    return session.scalars(select(Campaign)).one()


def _rounds(session) -> dict[str, Round]:
    return {r.name: r for r in session.scalars(select(Round))}


def _fingerprint(session, logins) -> tuple:
    targets = session.scalars(select(Target).order_by(Target.code))
    return (
        [(t.code, t.name, t.title, t.unit.name, t.category.name) for t in targets],
        [(x.role, x.username, x.password) for x in logins],
    )


def test_the_demo_has_189_section_chiefs_in_three_categories(session):
    demo.seed(session, seed=2026, now=NOW)
    targets = list(session.scalars(select(Target).order_by(Target.code)))
    assert len(targets) == 189
    assert [t.code for t in targets] == [f"KZ{n:03d}" for n in range(1, 190)]
    assert {t.kind for t in targets} == {TargetKind.PERSON}
    assert all(t.title.endswith("科科长") for t in targets)
    assert len({t.name for t in targets}) == 189
    per_category = Counter(t.category.name for t in targets)
    assert set(per_category) == {"综合管理", "行政执法", "社会服务"}
    assert min(per_category.values()) >= 50


def test_the_chiefs_come_from_25_city_departments_under_the_city_government(session):
    demo.seed(session, seed=2026, now=NOW)
    units = list(session.scalars(select(Unit)))
    city = next(u for u in units if u.name == "宝鸡市人民政府")
    departments = [u for u in units if u is not city]
    assert len(departments) == 25
    assert {u.parent_id for u in departments} == {city.id}
    chiefs = Counter(t.unit.name for t in session.scalars(select(Target)))
    assert set(chiefs) == {u.name for u in departments}
    assert set(chiefs.values()) <= {7, 8}


def test_the_campaign_is_named_for_the_year_it_is_seeded_in(session):
    demo.seed(session, seed=2026, now=datetime(2027, 5, 4, 8, 0))
    campaign = _campaign(session)
    assert (campaign.name, campaign.year) == ("2027年度万名群众评议百名科长", 2027)


def test_the_same_seed_gives_the_same_chiefs_and_passwords(session):
    first = _fingerprint(session, demo.seed(session, seed=42, now=NOW))
    session.rollback()
    second = _fingerprint(session, demo.seed(session, seed=42, now=NOW))
    assert first == second
    session.rollback()
    other = _fingerprint(session, demo.seed(session, seed=43, now=NOW))
    assert other[0] != first[0]
    assert other[1] != first[1]


def test_the_questionnaire_has_six_weighted_items_on_five_levels_plus_unknown(session):
    demo.seed(session, seed=2026, now=NOW)
    (form,) = _campaign(session).questionnaires
    assert form.name == "科长测评表"
    assert [i.code for i in form.items] == ["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"]
    assert form.items[0].text.startswith("服务态度")
    assert sum(i.weight for i in form.items) == 1.0
    assert [lv.label for lv in form.levels] == ["非常满意", "满意", "基本满意", "不满意", "非常不满意", "不了解"]
    assert [lv.label for lv in form.levels if lv.is_excluded] == ["不了解"]


def test_the_internal_round_is_a_draft_with_three_weighted_groups(session):
    demo.seed(session, seed=2026, now=NOW)
    internal = _rounds(session)["内部评议"]
    assert internal.status is RoundStatus.DRAFT
    assert internal.frozen_config is None
    assert [(g.name, g.weight, g.min_ballots) for g in internal.groups] == [
        ("机关干部", 0.4, 5),
        ("人大代表和政协委员", 0.3, 5),
        ("特邀监督员", 0.3, 5),
    ]


def test_the_external_round_is_open_and_its_configuration_is_frozen(session):
    demo.seed(session, seed=2026, now=NOW)
    external = _rounds(session)["外部评议"]
    assert external.status is RoundStatus.OPEN
    assert external.opens_on <= NOW.date() <= external.closes_on
    groups = [(g["name"], g["weight"]) for g in external.frozen_config["groups"]]
    assert groups == [("服务对象", 0.7), ("基层代表", 0.3)]
    assert len(external.frozen_config["items"]) == 6


def test_the_total_weighs_the_internal_round_40_and_the_external_round_60(session):
    demo.seed(session, seed=2026, now=NOW)
    components = [(c.name, c.round.name, c.weight) for c in session.scalars(select(Component).order_by(Component.id))]
    assert components == [("内部评议", "内部评议", 0.4), ("外部评议", "外部评议", 0.6)]


def test_rounds_stay_inside_the_campaign_year_when_seeded_in_late_december(session):
    demo.seed(session, seed=2026, now=datetime(2026, 12, 20, 9, 0))
    for round_ in _rounds(session).values():
        assert date(2026, 1, 1) <= round_.opens_on <= round_.closes_on <= date(2026, 12, 31)


def test_every_demo_login_can_sign_in_with_its_role(session):
    logins = demo.seed(session, seed=2026, now=NOW)
    assert [x.role for x in logins] == [r.value for r in Role]
    for login in logins:
        user = users.authenticate(session, login.username, login.password, now=NOW)
        assert user is not None, login
        assert user.role.value == login.role
        users.check_password(login.password)
    officer = session.scalars(select(User).where(User.role == Role.UNIT_OFFICER)).one()
    assert officer.unit.name == demo.OFFICER_UNIT


def test_seeding_leaves_the_commit_to_the_caller(session):
    demo.seed(session, seed=2026, now=NOW)
    assert demo.has_data(session)
    with make_session_factory(session.get_bind())() as other:
        assert not demo.has_data(other)


def test_has_data_is_false_on_an_empty_database(session):
    assert not demo.has_data(session)


def test_seeding_again_reuses_the_units_and_leaves_taken_usernames_alone(session):
    users.create_user(session, "admin", "own-pass-123", Role.ADMIN, now=NOW)
    logins = demo.seed(session, seed=2026, now=NOW)
    assert [x.username for x in logins] == ["organiser", "leader", "unit_officer"]
    assert users.authenticate(session, "admin", "own-pass-123", now=NOW) is not None
    assert demo.seed(session, seed=2026, now=NOW) == []
    assert session.scalar(select(func.count()).select_from(Campaign)) == 2
    assert session.scalar(select(func.count()).select_from(Unit)) == 26


@pytest.fixture
def flat_units_at_teardown(engine, app):
    """Detach child units before clean_db empties the tables.

    clean_db deletes all units in one statement, which the ON DELETE RESTRICT self-reference
    refuses while a parent and its children are both committed, as the CLI commits them.
    """
    yield
    with engine.begin() as conn:
        conn.execute(update(Unit).values(parent_id=None))


@pytest.mark.usefixtures("flat_units_at_teardown")
def test_flask_seed_demo_prints_a_login_per_role_and_will_not_seed_twice(app, runner):
    # The commands are added as plain click commands, which the test runner (unlike the
    # ``flask`` executable) does not run inside an app context.
    with app.app_context():
        result = runner.invoke(args=["seed-demo", "--seed", "7"])
        again = runner.invoke(args=["seed-demo", "--seed", "7"])
    assert result.exit_code == 0, result.output
    for role in Role:
        assert f"  {role.value} " in result.output
    assert "demo-adm-" in result.output
    assert "千人评议" in result.output  # the second campaign: the evaluation matrix, scored

    assert again.exit_code == 0, again.output
    assert "已有评议活动" in again.output
    assert "demo-adm-" not in again.output


def test_the_demo_module_does_not_import_flask():
    code = "import sys, surveys.demo; assert 'flask' not in sys.modules, 'flask imported'"
    # Fixed arguments, no shell: nothing untrusted reaches the subprocess.
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


def test_the_demo_ledger_has_a_problem_at_each_stage_and_a_red_and_black_list(session):
    from surveys.models import Problem
    from surveys.services import ledger

    demo.seed(session, seed=2026, now=NOW)
    stages = {p.title: (p.unit.name, p.state.value) for p in session.scalars(select(Problem))}
    assert sorted(state for _unit, state in stages.values()) == ["closed", "open", "reopened", "reported"]
    assert {unit for unit, _state in stages.values()} >= {demo.OFFICER_UNIT}
    red, black = ledger.honour_lists(session, _campaign(session).id)
    assert [p.state.value for p in red] == ["closed"] and [p.state.value for p in black] == ["reopened"]
