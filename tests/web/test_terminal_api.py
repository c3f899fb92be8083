"""The window-terminal API: a fresh code bound to the terminal's target after each transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from evalsite.database import utcnow
from surveys import codes
from surveys.models import Code, CodeStatus
from surveys.services import issuing, rounds
from tests.conftest import NOW
from tests.web.support import fresh

KW = {"now": NOW, "actor_id": None}
TTL = 20


@pytest.fixture
def make_terminal(session, make_campaign):
    """A terminal on the first target of a new campaign; its round opened unless asked not to."""

    def make(*, is_open: bool = True):
        campaign = make_campaign()
        round_, target = campaign.rounds[0], campaign.targets[0]
        if is_open:
            rounds.open_round(session, round_.id, **KW)
        terminal, token = issuing.create_terminal(
            session, round_.id, round_.groups[0].id, target.id, "3号窗口", ttl_minutes=TTL, **KW
        )
        session.commit()
        return terminal, token, target

    return make


def ask(client, authorization: str | None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return client.post("/api/v1/codes", headers=headers)


def code_count(session) -> int:
    return fresh(session).scalar(select(func.count()).select_from(Code))


def assert_refused(response, status: int) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json and response.json["error"]
    assert "no-store" in response.headers["Cache-Control"]


def test_a_valid_token_gets_a_code_bound_to_its_target(app, client, session, make_terminal):
    terminal, token, target = make_terminal()
    asked_at = utcnow()
    response = ask(client, f"Bearer {token}")

    assert response.status_code == 201 and response.is_json
    assert "no-store" in response.headers["Cache-Control"]
    body = response.json
    code = codes.check_format(body["code"])
    assert body["code"] == codes.display(code)
    assert body["url"] == f"{app.config['PUBLIC_BASE_URL']}/r#{body['code']}"
    assert body["target"] == {"code": target.code, "name": target.name}
    assert body["qr_svg"].startswith("<svg") and "<path" in body["qr_svg"]

    row = fresh(session).get(Code, codes.digest(app.config["LOOKUP_KEY"].encode(), code))
    assert row is not None
    assert (row.batch_id, row.target_id, row.status) == (terminal.batch_id, target.id, CodeStatus.UNUSED)
    assert abs(row.expires_at - (asked_at + timedelta(minutes=TTL))) < timedelta(minutes=1)
    assert body["expires_at"].endswith("Z")
    assert abs(datetime.fromisoformat(body["expires_at"][:-1]) - row.expires_at) < timedelta(seconds=1)


def test_each_call_gives_a_different_code(client, session, make_terminal):
    _terminal, token, _target = make_terminal()
    seen = {ask(client, f"Bearer {token}").json["code"] for _ in range(5)}
    assert len(seen) == 5
    assert code_count(session) == 5


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer    ", "Basic dXNlcjpwYXNz", "Token abc", "Bearer not-a-token", "Bearer " + "x" * 500],
    ids=["missing", "empty", "no-token", "blank-token", "basic", "other-scheme", "garbage", "oversized"],
)
def test_a_missing_or_unknown_token_gets_401_json(client, session, make_terminal, authorization):
    make_terminal()
    response = ask(client, authorization)
    assert_refused(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert code_count(session) == 0


def test_a_revoked_token_gets_401(client, session, make_terminal):
    terminal, token, _target = make_terminal()
    assert ask(client, f"Bearer {token}").status_code == 201
    issuing.revoke_terminal(session, terminal.id, **KW)
    session.commit()

    assert_refused(ask(client, f"Bearer {token}"), 401)
    assert code_count(session) == 1


def test_no_code_while_the_round_is_not_open(client, session, make_terminal):
    terminal, token, _target = make_terminal(is_open=False)
    assert_refused(ask(client, f"Bearer {token}"), 409)  # still a draft

    round_id = terminal.batch.round_id
    rounds.open_round(session, round_id, **KW)
    rounds.close_round(session, round_id, **KW)
    session.commit()
    assert_refused(ask(client, f"Bearer {token}"), 409)
    assert code_count(session) == 0


def test_terminals_need_no_csrf_token_even_where_forms_do(make_app, make_terminal):
    _terminal, token, _target = make_terminal()
    app = make_app(SECRET_KEY="t", WTF_CSRF_ENABLED=True)
    response = ask(app.test_client(), f"Bearer {token}")
    assert response.status_code == 201, response.get_data(as_text=True)


def test_a_terminal_whose_batch_was_voided_gets_409(client, session, make_terminal):
    terminal, token, _target = make_terminal()
    issuing.void_batch(session, terminal.batch_id, **KW)
    session.commit()
    response = ask(client, f"Bearer {token}")
    assert_refused(response, 409)
    assert response.json["error"] == "该批评议码已作废"
