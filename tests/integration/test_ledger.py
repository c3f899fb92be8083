"""The rectification ledger's services against a real database: filing, the report and
verdict cycle, scope, red and black lists, counts and overdue, constraints, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from surveys.errors import Conflict, DomainError, NotFound
from surveys.models import AuditEntry, Honour, Problem, ProblemSource, ProblemState, Verdict
from surveys.services import ledger, problems
from surveys.services.attachments import Upload
from tests.conftest import NOW
from tests.ledger_world import KW, PNG, TODAY, build_ledger

LATER = NOW + timedelta(days=3)


def audit_actions(session, problem_id: int) -> list[tuple[str, dict]]:
    stmt = select(AuditEntry).where(AuditEntry.object_type == "problems", AuditEntry.object_id == problem_id)
    return [(e.action, e.detail) for e in session.scalars(stmt.order_by(AuditEntry.id))]


def count_rows(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(session, make_campaign):
    return build_ledger(session, make_campaign)


def fields(title="材料不一次性告知", deadline=TODAY + timedelta(days=10), **kw) -> problems.ProblemFields:
    return problems.ProblemFields(title, "", deadline, **kw)


def test_a_problem_about_a_target_goes_to_the_target_s_unit_and_is_audited(session, world):
    problem = problems.file_problem(
        session, world["campaign_id"], fields(target_id=world["targets"]["A02"]), ProblemSource.INSPECTION,
        today=TODAY, **KW,
    )  # fmt: skip
    assert problem.unit_id == world["unit_a"]
    assert problem.state is ProblemState.OPEN
    [(action, detail)] = audit_actions(session, problem.id)
    assert action == "problem.file"
    assert detail["after"] == {
        "state": "open", "source": "inspection", "unit": problem.unit.name, "target": "A02",
        "deadline_on": (TODAY + timedelta(days=10)).isoformat(),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"deadline": TODAY - timedelta(days=1)}, "整改期限不能早于今天"),
        ({"deadline": None}, "请填写整改期限"),
        ({"title": "  "}, "%(field)s不能为空"),
        ({"unit_id": None}, "请选择责任单位"),
    ],
)
def test_filing_refuses_bad_fields_and_writes_nothing(session, world, kw, message):
    before = count_rows(session, Problem), count_rows(session, AuditEntry)
    with pytest.raises(DomainError) as refused:
        given = fields(**({"unit_id": world["unit_b"]} | kw))
        problems.file_problem(session, world["campaign_id"], given, ProblemSource.OTHER, today=TODAY, **KW)
    assert refused.value.message == message
    assert (count_rows(session, Problem), count_rows(session, AuditEntry)) == before


def test_a_target_of_another_unit_or_campaign_is_refused(session, world, make_campaign):
    with pytest.raises(DomainError) as refused:
        problems.file_problem(
            session, world["campaign_id"], fields(unit_id=world["unit_b"], target_id=world["targets"]["A01"]),
            ProblemSource.OTHER, today=TODAY, **KW,
        )  # fmt: skip
    assert "不属于责任单位" in refused.value.message
    other = make_campaign("另一活动")
    with pytest.raises(DomainError, match="不属于该评议活动"):
        problems.file_problem(
            session, world["campaign_id"], fields(target_id=other.targets[0].id), ProblemSource.OTHER, today=TODAY, **KW
        )


def test_reject_once_then_close_records_every_step_and_who_closed_it(session, world, make_user):
    organiser = make_user(username="jfb")
    pid = world["problem_a"]  # reported in the world
    with pytest.raises(DomainError, match="请填写整改期限"):
        problems.verify(
            session, pid, Verdict.UNSATISFIED, "照片不清楚", None, today=TODAY, now=LATER, actor_id=organiser.id
        )
    new_deadline = TODAY + timedelta(days=7)
    problems.verify(
        session, pid, Verdict.UNSATISFIED, "照片不清楚", new_deadline, today=TODAY, now=LATER, actor_id=organiser.id
    )
    problem = session.get(Problem, pid)
    assert (problem.state, problem.deadline_on, problem.closed_at) == (ProblemState.REOPENED, new_deadline, None)
    problems.report(session, pid, "已补充照片", [Upload("b.png", PNG)], unit_id=world["unit_a"], max_bytes=2**20, **KW)
    problems.verify(session, pid, Verdict.BASICALLY_SATISFIED, "", None, today=TODAY, now=LATER, actor_id=organiser.id)
    session.commit()
    assert (problem.state, problem.verdict) == (ProblemState.CLOSED, Verdict.BASICALLY_SATISFIED)
    assert (problem.closed_at, problem.closed_by) == (LATER, organiser.id)
    assert [(s.kind.value, s.verdict and s.verdict.value) for s in problem.steps] == [
        ("report", None), ("verdict", "unsatisfied"), ("report", None), ("verdict", "basically_satisfied"),
    ]  # fmt: skip
    states = [
        (a, d.get("before", {}).get("state"), d.get("after", {}).get("state")) for a, d in audit_actions(session, pid)
    ]
    assert states == [
        ("problem.file", None, "open"),
        ("problem.report", "open", "reported"),
        ("problem.verify", "reported", "reopened"),
        ("problem.report", "reopened", "reported"),
        ("problem.verify", "reported", "closed"),
    ]
    reopened = audit_actions(session, pid)[2][1]
    assert reopened["after"]["deadline_on"] == new_deadline.isoformat()
    assert reopened["after"]["verdict"] == "unsatisfied"
    closed = audit_actions(session, pid)[4][1]
    assert closed["after"]["closed_by"] == organiser.id and closed["after"]["closed_at"] == LATER.isoformat()


def test_illegal_moves_through_the_services_are_refused_and_write_nothing(session, world):
    pid = world["problem_a"]
    problems.verify(session, pid, Verdict.SATISFIED, "", None, today=TODAY, **KW)
    session.commit()
    before = count_rows(session, AuditEntry)
    attempts = [
        lambda: problems.verify(session, pid, Verdict.SATISFIED, "", None, today=TODAY, **KW),
        lambda: problems.report(session, pid, "再报", [], unit_id=world["unit_a"], max_bytes=2**20, **KW),
        lambda: problems.withdraw(session, pid, "误登", **KW),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict):
            attempt()
        session.rollback()
    assert count_rows(session, AuditEntry) == before
    assert session.get(Problem, pid).state is ProblemState.CLOSED


def test_a_unit_cannot_report_on_another_unit_s_problem(session, world):
    fresh = problems.file_problem(
        session, world["campaign_id"], fields(unit_id=world["unit_b"]), ProblemSource.OTHER, today=TODAY, **KW
    )
    session.commit()
    with pytest.raises(NotFound):
        problems.report(session, fresh.id, "越权", [], unit_id=world["unit_a"], max_bytes=2**20, **KW)
    with pytest.raises(NotFound):
        ledger.visible_attachment(session, world["attachment_b"], unit_id=world["unit_a"])
    assert ledger.visible_attachment(session, world["attachment_b"], unit_id=world["unit_b"]).filename == "现场.png"
    assert ledger.visible_attachment(session, world["attachment_b"], unit_id=None).id == world["attachment_b"]


def test_a_refused_file_leaves_the_problem_unreported(session, world):
    fresh = problems.file_problem(
        session, world["campaign_id"], fields(unit_id=world["unit_b"]), ProblemSource.OTHER, today=TODAY, **KW
    )
    session.commit()
    before = count_rows(session, AuditEntry)
    with pytest.raises(DomainError):
        problems.report(
            session,
            fresh.id,
            "见附件",
            [Upload("报告.pdf", b"MZ" + bytes(10))],
            unit_id=world["unit_b"],
            max_bytes=2**20,
            **KW,
        )
    session.rollback()
    assert session.get(Problem, fresh.id).state is ProblemState.OPEN
    assert count_rows(session, AuditEntry) == before


def test_red_needs_a_closed_problem_black_does_not_and_withdrawing_clears_it(session, world):
    a, b = world["problem_a"], world["problem_b"]
    with pytest.raises(Conflict, match="红榜"):
        problems.set_honour(session, a, Honour.RED, "", **KW)
    problems.verify(session, a, Verdict.SATISFIED, "", None, today=TODAY, **KW)
    problems.set_honour(session, a, Honour.RED, "当天整改到位", **KW)
    problems.set_honour(session, b, Honour.BLACK, "敷衍整改", **KW)
    session.commit()
    red, black = ledger.honour_lists(session, world["campaign_id"])
    assert [(p.id, p.honour_note) for p in red] == [(a, "当天整改到位")]
    assert [(p.id, p.honour_note) for p in black] == [(b, "敷衍整改")]
    problems.withdraw(session, b, "登记有误", **KW)
    assert session.get(Problem, b).honour is None
    with pytest.raises(Conflict):
        problems.set_honour(session, b, Honour.BLACK, "", **KW)
    problems.set_honour(session, a, None, "ignored", **KW)
    assert ledger.honour_lists(session, world["campaign_id"]) == ([], [])
    actions = [action for action, _ in audit_actions(session, b)]
    assert actions[-2:] == ["problem.honour", "problem.withdraw"]


def test_counts_and_overdue_follow_today(session, world):
    open_late = problems.file_problem(
        session, world["campaign_id"], fields(unit_id=world["unit_b"]), ProblemSource.OTHER, today=TODAY, **KW
    )
    session.execute(
        update(Problem)
        .where(Problem.id.in_([open_late.id, world["problem_a"]]))
        .values(deadline_on=TODAY - timedelta(days=1))
    )
    session.commit()
    counts = ledger.count_problems(session, today=TODAY, campaign_id=world["campaign_id"])
    # problem_a is reported (waiting for the verdict): past its deadline, yet not the unit's delay.
    assert counts == ledger.LedgerCounts(open=1, in_progress=2, overdue=1, closed=0, withdrawn=0)
    assert (
        ledger.count_problems(session, today=TODAY - timedelta(days=1), campaign_id=world["campaign_id"]).overdue == 0
    )
    assert ledger.count_problems(session, today=TODAY, unit_id=world["unit_a"]).overdue == 0
    late = ledger.list_problems(session, today=TODAY, filters=ledger.Filters(is_overdue=True))
    assert [p.id for p in late] == [open_late.id]
    assert open_late.is_overdue(TODAY) and not open_late.is_overdue(TODAY - timedelta(days=1))
    by_campaign = ledger.count_by_campaign(session, today=TODAY)
    assert by_campaign[world["campaign_id"]] == by_campaign[None] == counts


def test_a_withdrawal_is_read_back_with_its_reason_actor_and_time(session, world, make_user):
    organiser = make_user(username="jfb")
    assert problems.withdrawal(session, session.get(Problem, world["problem_a"])) is None
    problems.withdraw(session, world["problem_a"], "  与第 3 项重复登记 ", now=LATER, actor_id=organiser.id)
    session.commit()

    withdrawal = problems.withdrawal(session, session.get(Problem, world["problem_a"]))

    assert withdrawal == problems.Withdrawal("与第 3 项重复登记", LATER, organiser)


def test_the_problems_for_a_target_leave_withdrawn_ones_out(session, world):
    a01 = world["targets"]["A01"]
    assert [p.id for p in ledger.problems_for_target(session, a01)] == [world["problem_a"]]
    problems.withdraw(session, world["problem_a"], "重复登记", **KW)
    assert ledger.problems_for_target(session, a01) == []


@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"state": ProblemState.CLOSED}, "closed_has_when_and_verdict"),
        ({"closed_at": NOW}, "closed_has_when_and_verdict"),
        ({"honour": Honour.RED}, "red_only_when_closed"),
        ({"title": ""}, "title_not_empty"),
    ],
)
def test_the_database_refuses_what_the_services_never_write(session, world, values, constraint):
    with pytest.raises(IntegrityError) as refused:
        session.execute(update(Problem).where(Problem.id == world["problem_a"]).values(**values))
        session.flush()
    session.rollback()
    assert constraint in str(refused.value)
