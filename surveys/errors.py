"""Domain errors. Each carries an untranslated message (a gettext msgid) and its params."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """A business rule refused the request; nothing was written.

    ``message`` is a msgid marked with ``N_`` and formatted with ``params`` after
    translation. ``status`` is the HTTP status the web layer answers with.
    """

    status = 400

    def __init__(self, message: str, details: list[str] | None = None, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
        #: further msgids (without params) listed under the message, e.g. what is missing
        self.details = details or []


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The request clashes with the current state: frozen config, illegal move, duplicate."""

    status = 409


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str  #: a msgid
    params: dict


class ImportRejected(DomainError):
    """A file had bad rows; the whole file was refused and every bad row is listed."""

    def __init__(self, message: str, problems: list[RowProblem], **params):
        super().__init__(message, **params)
        self.problems = problems
