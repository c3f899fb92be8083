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
