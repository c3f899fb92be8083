"""One shape for every state machine (rounds, scoring runs, problems): a status enum says
where each state may move, and ``move_to`` refuses anything else with a Conflict that
names both states by their labels (``surveys.labels``)."""

from __future__ import annotations

from surveys.errors import Conflict


class StateMachine:
    """Mixin for an ``enum.Enum`` of states.

    The enum defines ``moves()``, its legal (from, to) pairs, and ``refusals()``, two message
    ids: the refusal of a move to the state it is already in (a second click, a second tab;
    None to refuse it like any other illegal move) and the refusal of an illegal move. Each
    message may use ``now`` and ``to`` (the labels) and the facts the caller passes to
    ``move_to`` (a round's name, a run's id).
    """

    def moves(self) -> frozenset:
        raise NotImplementedError

    def refusals(self) -> tuple[str | None, str]:
        raise NotImplementedError

    def can_move_to(self, other) -> bool:
        return (self, other) in self.moves()

    def move_to(self, other, **facts):
        """``other`` if this state may move there; raises Conflict (409) otherwise."""
        from surveys.labels import label  # the labels know every state enum: imported late, no cycle

        again, refused = self.refusals()
        if self is other and again is not None:
            raise Conflict(again, now=label(other), **facts)
        if not self.can_move_to(other):
            raise Conflict(refused, now=label(self), to=label(other), **facts)
        return other
