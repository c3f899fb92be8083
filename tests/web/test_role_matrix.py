"""Who may call which route: every rule of the app's url map, for every role.

Expectations are derived from the rule, not from a list of URLs: a new route under /admin
is checked as an organiser page the moment it exists, and a new route anywhere else fails
`test_every_route_is_classified` (and its matrix cases) until ACCESS says who may use it.
"""

from __future__ import annotations

import enum
import time

import pytest
from flask import url_for
from flask_login import FlaskLoginClient

from evalsite.auth import LoginUser
from evalsite.keys import code_keys
from surveys.db import make_session_factory
from surveys.models import JobKind, ProblemSource, Role, User
from surveys.selectors import TargetSelector
from surveys.services import honour_lists, issuing, jobs, problems, scoring_runs
from surveys.services.attachments import Upload
from tests.conftest import NOW, campaign_ready_to_open, empty_tables, put_back_rows, table_rows
from tests.ledger_world import KW, PNG
from tests.web.support import Rule, collect_rules, database_rows, location, page_text, rules_of

ROLES = ("anonymous", *(role.value for role in Role))
RULES = collect_rules()
PROBED_METHODS = ("GET", "POST")


class Access(enum.Enum):
    PUBLIC = "anyone, signed in or not"
    SIGNED_IN = "any signed-in user"
    ORGANISERS = "admins and organisers"
    READERS = "admins, organisers and leaders"
    LEADERS = "leaders only"
    ADMINS = "admins only"
    RESULTS = "admins, organisers, leaders and unit officers (their own unit)"
    LEDGER = "readers, and the unit officer of the problem's unit"
    UNIT_OFFICERS = "unit officers, on their own unit's problems"
    TERMINAL = "window terminals with a bearer token; no session opens it"
    JOB_OWNER = "the user who started the job; for anyone else it does not exist (404)"


#: Routes whose access is not what their place in the url map implies. Everything under
#: /admin is for organisers unless listed here, the public blueprint (rating by code or
#: poster) is for anyone; every other route must be listed.
ACCESS = {
    "static": Access.PUBLIC,
    "auth.login": Access.PUBLIC,
    "auth.logout": Access.PUBLIC,
    "home.set_language": Access.PUBLIC,
    "home.index": Access.SIGNED_IN,
    "admin.users": Access.ADMINS,
    "admin.user_detail": Access.ADMINS,
    "admin.reset_password": Access.ADMINS,
    "admin.disable_user": Access.ADMINS,
    "admin.enable_user": Access.ADMINS,
    "account.change_password": Access.SIGNED_IN,
    "admin.audit": Access.ADMINS,
    "api.issue_code": Access.TERMINAL,
    "results.plotly_js": Access.PUBLIC,
    "results.turnout": Access.READERS,
    "reports.xlsx": Access.READERS,
    "reports.pdf": Access.READERS,
    "reports.ballots_csv": Access.READERS,
    "publishing.index": Access.READERS,
    "publishing.campaign": Access.READERS,
    "publishing.freeze": Access.ORGANISERS,
    "publishing.sign": Access.LEADERS,
    "publishing.publish": Access.ORGANISERS,
    "publishing.withdraw": Access.ORGANISERS,
    "public_results.page": Access.PUBLIC,
    "public_results.snapshot": Access.PUBLIC,
    "ledger.index": Access.LEDGER,
    "ledger.unit": Access.LEDGER,
    "ledger.problem": Access.LEDGER,
    "ledger.attachment": Access.LEDGER,
    "ledger.report": Access.UNIT_OFFICERS,
    "ledger.campaign": Access.READERS,
    "ledger.honours": Access.READERS,
    "ledger.export": Access.READERS,
    "ledger.new_problem": Access.ORGANISERS,
    "ledger.comments": Access.ORGANISERS,
    "ledger.file_from_comments": Access.ORGANISERS,
    "ledger.low_items": Access.ORGANISERS,
    "ledger.file_from_low_item": Access.ORGANISERS,
    "ledger.verify": Access.ORGANISERS,
    "ledger.withdraw": Access.ORGANISERS,
    "ledger.honour": Access.ORGANISERS,
    "health.healthz": Access.PUBLIC,
    "jobs.page": Access.JOB_OWNER,
    "jobs.status": Access.JOB_OWNER,
    "jobs.file": Access.JOB_OWNER,
    "jobs.retry": Access.JOB_OWNER,
}


def access_of(rule: Rule) -> Access | None:
    if rule.endpoint in ACCESS:
        return ACCESS[rule.endpoint]
    if rule.endpoint.startswith("public."):
        return Access.PUBLIC
    if rule.path == "/admin" or rule.path.startswith("/admin/"):
        return Access.ORGANISERS
    if rule.path.startswith("/results/"):
        return Access.RESULTS
    return None


def is_allowed(access: Access, role: str) -> bool:
    return {
        Access.PUBLIC: True,
        Access.SIGNED_IN: role != "anonymous",
        Access.ORGANISERS: role in ("admin", "organiser"),
        Access.READERS: role in ("admin", "organiser", "leader"),
        Access.LEADERS: role == "leader",
        Access.ADMINS: role == "admin",
        Access.RESULTS: role != "anonymous",
        Access.LEDGER: role != "anonymous",
        Access.UNIT_OFFICERS: role == "unit_officer",
        Access.TERMINAL: False,
        Access.JOB_OWNER: False,  # the matrix's users never started the world's job
    }[access]


def world_ids(app, session, make_campaign) -> dict[str, object]:
    """A complete campaign with a code batch, a terminal and a reported problem of the
    target's unit (with a file), and a value for every kind of argument a rule may take."""
    campaign = make_campaign()
    target = campaign.targets[0]
    questionnaire = campaign.questionnaires[0]
    round_ = campaign.rounds[0]
    with app.app_context():
        keys = code_keys()
    batch, _codes = issuing.issue_batch(session, round_.id, round_.groups[0].id, 3, keys, now=NOW, actor_id=None)
    terminal, _token = issuing.create_terminal(
        session, round_.id, round_.groups[0].id, target.id, "一号窗口", ttl_minutes=30, now=NOW, actor_id=None
    )
    fields = problems.ProblemFields("窗口午休无人值守", "", NOW.date(), target_id=target.id)
    problem = problems.file_problem(session, campaign.id, fields, ProblemSource.INSPECTION, today=NOW.date(), **KW)
    step = problems.report(
        session, problem.id, "已整改", [Upload("a.png", PNG)], unit_id=target.unit_id, max_bytes=2**20, **KW
    )
    other = User(username="matrix-other", password_hash="!", role=Role.LEADER, created_at=NOW)
    session.add(other)
    session.flush()
    (unit_batch, _codes), *_ = issuing.issue_batches_per_unit(
        session, round_.id, round_.groups[0].id, 2, keys, now=NOW, actor_id=None
    )
    rules = scoring_runs.load_rules(session, campaign.id)
    fields = {"name": "单位排名", "top_n": 1, "bottom_n": 0, "top_scope": "overall", "bottom_scope": "overall"}
    honour_list = honour_lists.save_list(
        session, campaign.id, fields | {"top_min_ballots": 0}, TargetSelector(), rules=rules, now=NOW, actor_id=None
    )
    job = jobs.create_job(
        session, JobKind.BALLOTS_CSV, owner_id=other.id, params={"campaign_id": campaign.id}, title="t", now=NOW
    )
    session.commit()
    return {
        "user_id": other.id,
        "problem_id": problem.id,
        "attachment_id": step.attachments[0].id,
        "campaign_id": campaign.id,
        "unit_id": target.unit_id,
        "target_id": target.id,
        "questionnaire_id": questionnaire.id,
        "item_id": questionnaire.items[0].id,
        "round_id": round_.id,
        "group_id": round_.groups[0].id,
        "component_id": campaign.components[0].id,
        "batch_id": batch.id,
        "terminal_id": terminal.id,
        "filename": "app.css",
        "token": "no-such-public-page",
        "job_id": job.id,
        "list_id": honour_list.id,
        "ids": str(unit_batch.id),
    }


@pytest.fixture(scope="module")
def world_rows(shared_app, engine) -> tuple[dict[str, object], dict[str, list[dict]]]:
    """`world_ids`, built once for the module's six hundred cases and kept as rows."""
    session = make_session_factory(engine)()
    try:
        ids = world_ids(shared_app, session, lambda: campaign_ready_to_open(session))
        return ids, table_rows(engine)
    finally:
        session.close()
        empty_tables(engine)


@pytest.fixture
def world(app, engine, world_rows) -> dict[str, object]:
    """The world of `world_ids`, the same rows in every case (put back, not built again)."""
    ids, rows = world_rows
    put_back_rows(engine, rows)
    return ids


def client_as(app, session, role: str, unit_id: int):
    """A test client signed in as ``role``.

    Signed in through Flask-Login's test client rather than /login: hashing and checking a
    password for each of some two hundred cases would take a minute. /login itself is
    covered in test_auth.
    """
    if role == "anonymous":
        return app.test_client()
    user = User(
        username=f"matrix-{role}",
        password_hash="!",  # no password matches this
        role=Role(role),
        unit_id=unit_id if role == Role.UNIT_OFFICER.value else None,
        created_at=NOW,
    )
    session.add(user)
    session.commit()
    app.test_client_class = FlaskLoginClient
    client = app.test_client(user=LoginUser(user))
    with client.session_transaction() as cookie:  # the stamps a real login sets (evalsite.login_session)
        cookie["_started"] = cookie["_seen"] = int(time.time())
    return client


#: Query arguments a route needs besides its path's, filled from the world like those.
QUERY_ARGUMENTS = {
    "admin.unit_batches": {"ids"},
    "admin.unit_batches_pdf": {"ids"},
    "admin.print_unit_batches": {"ids"},
    "admin.unit_batches_csv": {"ids"},
}


def url_of(app, rule: Rule, ids: dict) -> str:
    names = rule.arguments | QUERY_ARGUMENTS.get(rule.endpoint, set())
    unknown = names - ids.keys()
    assert not unknown, f"the matrix cannot fill {sorted(unknown)} of {rule.path}: add them to world_ids"
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: ids[name] for name in names})


def test_every_route_is_classified(app):
    """Fails when a route appears that the matrix has no rule for."""
    rules = rules_of(app)
    assert rules == RULES
    unclassified = [rule.path for rule in rules if access_of(rule) is None]
    assert not unclassified, f"say who may use {unclassified} in ACCESS"
    unprobed = {rule.path: rule.methods - {*PROBED_METHODS, "HEAD", "OPTIONS"} for rule in rules}
    assert not any(unprobed.values()), f"the matrix probes only GET and POST: {unprobed}"


def refusal(rule: Rule, access: Access, role: str, method: str) -> str | None:
    """How a request must be refused ("405", "401", "login" or "403"), or None to let it through."""
    if method not in rule.methods:
        return "405"
    if access is Access.TERMINAL:
        return "401"
    if is_allowed(access, role):
        return None
    if role == "anonymous":
        return "login"
    return "404" if access is Access.JOB_OWNER else "403"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("rule", RULES, ids=str)
def test_each_role_gets_exactly_what_the_route_allows(app, session, world, rule, role):
    """GET and POST of one route by one role: let through, or refused without a write."""
    access = access_of(rule)
    assert access is not None, f"{rule.path} ({rule.endpoint}) is not classified: add it to ACCESS"
    ids = world
    client = client_as(app, session, role, ids["unit_id"])
    url = url_of(app, rule, ids)
    path_methods = set().union(*(other.methods for other in RULES if other.path == rule.path))
    for method in PROBED_METHODS:
        if method not in rule.methods and method in path_methods:
            continue  # another rule on the same path answers this method; its own case checks it
        expected = refusal(rule, access, role, method)
        before = database_rows(session) if expected else None
        # A POST carries a stray field, as a real form post would: an empty body is a different
        # case (Flask-WTF then reads the fields from the object being edited).
        response = client.open(url, method=method, data={"probe": "1"} if method == "POST" else None)
        response.get_data()  # buffer the body, then close: a streamed static file left open warns
        response.close()
        status, case = response.status_code, f"{role} {method} {url}"
        if expected is None:
            assert_let_through(response, access, method, case)
            continue
        if expected == "login":
            assert status == 302, case
            assert location(response) == ("/login", {"next": [url]}), case
        else:
            assert status == int(expected), case
        if expected == "403":
            assert "您没有权限访问此页面。" in page_text(response), case
        assert database_rows(session) == before, f"{case} was refused but wrote to the database"


def assert_let_through(response, access: Access, method: str, case: str) -> None:
    """Allowed: the page, a redirect that is not to /login, or the view's own refusal of a
    bare probe (400 for a form, 409 for a move the state forbids) — never a 5xx."""
    status = response.status_code
    if access is Access.PUBLIC:
        # Public pages answer an empty code or a draft round with a 4xx of their own.
        assert status < 500 and status not in (401, 403, 405), f"{case}: {status} {page_text(response)[:300]}"
        return
    allowed = {200, 302} if method == "GET" else {200, 302, 400, 409}
    assert status in allowed, f"{case}: {status} {page_text(response)[:300]}"
    if status == 302:
        assert location(response)[0] != "/login", case


GET_RULES = [rule for rule in RULES if "GET" in rule.methods]


@pytest.mark.parametrize("rule", GET_RULES, ids=str)
def test_no_get_request_writes_to_the_database(app, session, world, rule):
    """Reads never write: an admin's GET leaves every row, audit entries included, as it was."""
    ids = world
    client = client_as(app, session, "admin", ids["unit_id"])
    before = database_rows(session)
    response = client.get(url_of(app, rule, ids))
    response.close()
    assert response.status_code < 500
    after = database_rows(session)
    assert len(after["audit_entries"]) == len(before["audit_entries"])
    assert after == before
