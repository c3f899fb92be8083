"""Rounds, scoring runs and problems move through their states in one shape:
``State.move_to(other)`` returns ``other`` or raises Conflict naming both states."""

from __future__ import annotations

import itertools

import pytest

from surveys.enums import RoundStatus
from surveys.errors import Conflict
from surveys.labels import label
from surveys.models import ProblemState, RunState

MACHINES = (RoundStatus, RunState, ProblemState)


@pytest.mark.parametrize("states", MACHINES, ids=lambda e: e.__name__)
def test_every_move_is_allowed_exactly_when_the_machine_lists_it(states):
    for here, there in itertools.product(states, repeat=2):
        if (here, there) in here.moves():
            assert here.can_move_to(there) and here.move_to(there, name="x", id=1) is there
        else:
            with pytest.raises(Conflict) as refused:
                here.move_to(there, name="x", id=1)
            assert not here.can_move_to(there) and refused.value.status == 409


@pytest.mark.parametrize("states", MACHINES, ids=lambda e: e.__name__)
def test_every_state_has_a_label(states):
    assert all(label(state) for state in states)


def test_an_illegal_round_move_names_the_round_and_both_states():
    with pytest.raises(Conflict) as refused:
        RoundStatus.CLOSED.move_to(RoundStatus.OPEN, name="外部评议")

    assert str(refused.value) == "轮次“外部评议”当前为已结束，不能改为进行中"


def test_a_round_moved_to_where_it_already_is_says_there_is_nothing_to_do():
    with pytest.raises(Conflict) as refused:
        RoundStatus.OPEN.move_to(RoundStatus.OPEN, name="外部评议")

    assert str(refused.value) == "轮次“外部评议”已经是进行中，无需重复操作"


def test_an_illegal_run_move_names_the_run_and_both_states():
    with pytest.raises(Conflict) as refused:
        RunState.DRAFT.move_to(RunState.PUBLISHED, id=3)

    assert str(refused.value) == "第 3 次计分当前为“未冻结”，不能改为“已公布”"
    assert refused.value.params == {"id": 3, "now": label(RunState.DRAFT), "to": label(RunState.PUBLISHED)}


def test_a_problem_refusal_names_both_states_like_the_rounds_and_runs_do():
    with pytest.raises(Conflict) as refused:
        ProblemState.CLOSED.move_to(ProblemState.REPORTED)

    assert str(refused.value) == "整改事项当前为“已销号”，不能改为“待核验”"
    assert refused.value.params == {"now": "已销号", "to": "待核验"}
