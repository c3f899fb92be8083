"""Publishing a scoring run: freeze → sign → publish → withdraw, and every other move refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from surveys.errors import Conflict, DomainError
from surveys.models import AuditEntry, PublicPage, Role, RunState, ScoringRun
from surveys.services import publishing
from tests.builders import build_campaign, publish_through, stored_run
from tests.conftest import NOW


@pytest.fixture
def people(make_user):
    return {role: make_user(role, role.value).id for role in (Role.ORGANISER, Role.LEADER)}


def test_a_run_goes_from_draft_to_published_recording_who_and_when_and_auditing_each_move(session, people):
    ids = build_campaign(session)
    run = stored_run(session, ids["campaign"])
    digest, result = run.digest, run.result

    publish_through(session, run.id, people)
    session.commit()

    assert run.state is RunState.PUBLISHED and run.is_frozen
    assert (run.frozen_by, run.signed_by, run.published_by) == (
        people[Role.ORGANISER],
        people[Role.LEADER],
        people[Role.ORGANISER],
    )
    assert run.frozen_at == run.signed_at == run.published_at == NOW
    assert (run.digest, run.result) == (digest, result)
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action.like("run.%")).order_by(AuditEntry.id)).all()
    assert [(e.action, e.object_id, e.detail["after"]["state"]) for e in entries] == [
        ("run.freeze", run.id, "frozen"),
        ("run.sign", run.id, "signed"),
        ("run.publish", run.id, "published"),
    ]
    assert publishing.published_by_token(session, publishing.public_page(session, ids["campaign"]).token) is run


@pytest.mark.parametrize(
    ("moves", "refused"),
    [
        ([], "sign_run"),
        ([], "publish_run"),
        (["freeze_run"], "freeze_run"),
        (["freeze_run"], "publish_run"),
        (["freeze_run", "sign_run"], "sign_run"),
        (["freeze_run", "sign_run"], "withdraw_run"),
    ],
)
def test_a_move_the_state_does_not_allow_is_refused_with_409_and_writes_nothing(session, people, moves, refused):
    ids = build_campaign(session)
    run = stored_run(session, ids["campaign"])
    actor = {"freeze_run": Role.ORGANISER, "sign_run": Role.LEADER, "publish_run": Role.ORGANISER}
    for move in moves:
        getattr(publishing, move)(session, run.id, now=NOW, actor_id=people[actor[move]])
    session.commit()
    state, audited = run.state, session.scalars(select(AuditEntry.id)).all()
    args = ("更正",) if refused == "withdraw_run" else ()

    with pytest.raises(Conflict) as refusal:
        getattr(publishing, refused)(session, run.id, *args, now=NOW, actor_id=people[Role.LEADER])
    session.rollback()

    assert refusal.value.status == 409
    assert session.get(ScoringRun, run.id).state is state
    assert session.scalars(select(AuditEntry.id)).all() == audited


def test_a_provisional_run_cannot_be_frozen(session, people):
    ids = build_campaign(session)
    run = stored_run(session, ids["campaign"])
    # Stored outside save_run (e.g. an old import): the flag alone must stop it.
    session.execute(ScoringRun.__table__.update().values(result={**run.result, "is_provisional": True}))
    session.commit()
    session.expire_all()

    with pytest.raises(Conflict, match="临时结果"):
        publishing.freeze_run(session, run.id, now=NOW, actor_id=people[Role.ORGANISER])


def test_whoever_froze_a_run_cannot_also_sign_it(session, people):
    ids = build_campaign(session)
    run = stored_run(session, ids["campaign"])
    publishing.freeze_run(session, run.id, now=NOW, actor_id=people[Role.ORGANISER])

    with pytest.raises(Conflict, match="不能再签发"):
        publishing.sign_run(session, run.id, now=NOW, actor_id=people[Role.ORGANISER])


def test_a_frozen_run_is_never_changed(session, people):
    ids = build_campaign(session)
    run = stored_run(session, ids["campaign"])
    publishing.freeze_run(session, run.id, now=NOW, actor_id=people[Role.ORGANISER])

    for field, value in [("result", {}), ("digest", "0" * 64), ("config", {})]:
        with pytest.raises(ValueError, match="frozen"):
            setattr(run, field, value)


def test_only_one_run_per_campaign_is_published_and_withdrawing_makes_room_for_the_next(session, people):
    ids = build_campaign(session)
    first = stored_run(session, ids["campaign"])
    second = stored_run(session, ids["campaign"])
    publish_through(session, first.id, people)
    publishing.freeze_run(session, second.id, now=NOW, actor_id=people[Role.ORGANISER])
    publishing.sign_run(session, second.id, now=NOW, actor_id=people[Role.LEADER])
    session.commit()
    token = publishing.public_page(session, ids["campaign"]).token

    with pytest.raises(Conflict, match="请先撤回"):
        publishing.publish_run(session, second.id, now=NOW, actor_id=people[Role.ORGANISER])
    session.rollback()
    with pytest.raises(DomainError, match="撤回原因"):
        publishing.withdraw_run(session, first.id, "  ", now=NOW, actor_id=people[Role.ORGANISER])
    publishing.withdraw_run(session, first.id, "业务考核分数更正", now=NOW, actor_id=people[Role.ORGANISER])
    publishing.publish_run(session, second.id, now=NOW, actor_id=people[Role.ORGANISER])
    session.commit()

    assert first.state is RunState.WITHDRAWN and first.withdrawal_reason == "业务考核分数更正"
    assert publishing.published_by_token(session, token) is second
    assert session.scalars(select(PublicPage)).all() == [publishing.public_page(session, ids["campaign"])]


def test_the_database_itself_refuses_a_second_published_run(session, people):
    ids = build_campaign(session)
    first = stored_run(session, ids["campaign"])
    second = stored_run(session, ids["campaign"])
    publish_through(session, first.id, people)
    session.commit()
    values = {"state": "published", "is_frozen": True, "frozen_at": NOW, "signed_at": NOW, "published_at": NOW}

    with pytest.raises(IntegrityError):
        session.execute(ScoringRun.__table__.update().where(ScoringRun.id == second.id).values(**values))
    session.rollback()


def test_an_unknown_token_and_a_campaign_with_nothing_published_look_the_same(session, people):
    ids = build_campaign(session)
    run = stored_run(session, ids["campaign"])
    publish_through(session, run.id, people)
    token = publishing.public_page(session, ids["campaign"]).token
    publishing.withdraw_run(session, run.id, "撤回", now=NOW, actor_id=people[Role.ORGANISER])

    for asked in (token, "no-such-token", ""):
        with pytest.raises(DomainError, match="暂无公布的结果") as refusal:
            publishing.published_by_token(session, asked)
        assert refusal.value.status == 404
