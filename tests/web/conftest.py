"""Fixtures for the web tests: clients signed in through the real login form."""

from __future__ import annotations

import pytest

from surveys.models import Role
from tests.conftest import PASSWORD


@pytest.fixture
def sign_in(make_user):
    """Sign ``client`` in through /login as a new user of ``role``; returns the user."""

    def do(client, role: Role = Role.ORGANISER, username: str | None = None):
        user = make_user(role, username)
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


@pytest.fixture
def clients(app, sign_in):
    """One signed-in client per role (and an anonymous one), as separate browsers."""
    made = {"anonymous": app.test_client()}
    for role in (Role.ADMIN, Role.ORGANISER, Role.LEADER, Role.UNIT_OFFICER):
        made[role.value] = app.test_client()
        sign_in(made[role.value], role, f"user-{role.value}")
    return made
