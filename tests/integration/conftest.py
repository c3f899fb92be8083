"""Fixtures the integration tests share."""

from __future__ import annotations

import pytest

from tests.conftest import scratch_database


@pytest.fixture
def url(tmp_path):
    """An empty database of the kind under test, dropped afterwards."""
    with scratch_database("migrate", tmp_path / "migrated.db") as url:
        yield url
