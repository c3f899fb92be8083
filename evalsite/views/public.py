"""Public rating pages: enter or scan a code, rate, thank you. No login, nothing kept.

The code travels in the URL fragment of the QR (``/r#CODE``), which browsers never send;
``r.js`` moves it into the form and clears the address bar. The code then lives only in
the page's form fields: never in a URL, a redirect, a cookie or a log line. Once a ballot is
cast the session is cleared; only the language the rater chose survives.
"""

from __future__ import annotations

import re

from flask import Blueprint, redirect, render_template, request, url_for

from evalsite import login_session
from evalsite.database import get_session, utcnow
from evalsite.i18n import error_text
from evalsite.keys import code_keys
from evalsite.limits import CODE_FAILURES, OPEN_BALLOTS, is_failure, limiter, refuse_code
from surveys.errors import DomainError
from surveys.services import casting
from surveys.services.casting import Answers, BallotInvalid

bp = Blueprint("public", __name__)

_ANSWER = re.compile(r"^a-(\d{1,10})-(\d{1,10})$")
_COMMENT = re.compile(r"^c-(\d{1,10})$")
_failures = limiter.shared_limit(CODE_FAILURES, scope="code-failures", deduct_when=is_failure)
#: Pages the language switch may lead back to: a GET shows them again and their paths hold
#: nothing but ids. Every other rater page leads back to the code page.
_RETURNABLE = frozenset({"public.poster", "public.poster_submit"})


@bp.context_processor
def _language_return() -> dict[str, str]:
    """Where the layout's language switch leads a rater back to (other pages: ``i18n.language_next``).

    Never the path of a POST with a code (the code is gone with the page; ``r.js`` carries
    a code shown in the form across in the URL fragment) and never a path no route matched
    (it could hold a code the rater typed).
    """
    return {"rater_return": request.path if request.endpoint in _RETURNABLE else url_for("public.enter")}


@bp.get("/r")
def enter():
    """The code entry page; a scanned QR fills the code in by script."""
    return render_template("public/enter.html")


@bp.post("/r")
@_failures
def open_form():
    """Check a code and show the rating form it opens."""
    try:
        ticket = casting.open_ticket(get_session(), request.form.get("code", ""), code_keys(), now=utcnow())
    except DomainError as error:
        return _refused(error)
    return render_template("public/rate.html", ticket=ticket, action=url_for("public.submit"))


@bp.post("/r/submit")
@_failures
def submit():
    """Cast the ballot: the code is used up and the answers recorded, or nothing is written."""
    db = get_session()
    code = request.form.get("code", "")
    try:
        answers, comments = _parse_answers(request.form)
        casting.cast_ballot(db, code, answers, comments, code_keys(), now=utcnow())
    except BallotInvalid as error:
        db.rollback()
        return _form_again(error, lambda: casting.open_ticket(db, code, code_keys(), now=utcnow()), "public.submit")
    except DomainError as error:
        return _refused(error)
    db.commit()
    login_session.clear()  # nothing of this visit stays in the cookie but the language chosen
    return redirect(url_for("public.thanks"))


@bp.get("/r/thanks")
def thanks():
    """Thank the rater and say that the code is used up."""
    return render_template("public/thanks.html", is_code_used=True)


@bp.get("/o/thanks")
def poster_thanks():
    """Thank a poster's rater: no code was involved."""
    return render_template("public/thanks.html", is_code_used=False)


@bp.get("/o/<int:round_id>/<int:target_id>")
def poster(round_id: int, target_id: int):
    """The form behind a poster QR of an open round (no code needed)."""
    try:
        ticket = casting.open_poster(get_session(), round_id, target_id)
    except DomainError as error:
        return _refused(error, hide_form=True)
    return render_template("public/rate.html", ticket=ticket, action=request.path)


@bp.post("/o/<int:round_id>/<int:target_id>")
@limiter.limit(OPEN_BALLOTS, scope="open-ballots")
def poster_submit(round_id: int, target_id: int):
    """Cast an open-round ballot (lower trust, rate-limited per client)."""
    db = get_session()
    try:
        answers, comments = _parse_answers(request.form)
        casting.cast_open_ballot(db, round_id, target_id, answers, comments.get(target_id, ""), now=utcnow())
    except BallotInvalid as error:
        db.rollback()
        return _form_again(error, lambda: casting.open_poster(db, round_id, target_id), None)
    except DomainError as error:
        return _refused(error, hide_form=True)
    db.commit()
    login_session.clear()
    return redirect(url_for("public.poster_thanks"))


def _refused(error: DomainError, **context):
    """The entry page with one calm message and the error's 4xx status (the code is refused)."""
    refuse_code()
    return render_template("public/enter.html", message=error_text(error), **context), error.status


def _form_again(error: DomainError, reopen, endpoint: str | None):
    """Show the form again with the message (the answers given are kept by the browser's back)."""
    try:
        ticket = reopen()
    except DomainError as refused:
        return _refused(refused)
    action = url_for(endpoint) if endpoint else request.path
    return render_template("public/rate.html", ticket=ticket, action=action, message=error_text(error)), error.status


def _parse_answers(form) -> tuple[Answers, dict[int, str]]:
    """``a-<target>-<item>`` = level id and ``c-<target>`` = comment; anything odd is refused."""
    answers: Answers = {}
    comments: dict[int, str] = {}
    for key, value in form.items(multi=True):
        if match := _ANSWER.match(key):
            if not value.isdigit() or len(value) > 10:
                raise BallotInvalid(casting.FORM_MISMATCH)
            target_id, item_id = int(match[1]), int(match[2])
            if item_id in answers.setdefault(target_id, {}):
                raise BallotInvalid(casting.FORM_MISMATCH)
            answers[target_id][item_id] = int(value)
        elif match := _COMMENT.match(key):
            comments[int(match[1])] = value
    return answers, comments
