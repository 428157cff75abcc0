"""Every catalog test runs on SQLite and on PostgreSQL (see tests/postgres/database.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.postgres.database import BACKENDS


@pytest.fixture
def catalog_path(catalog_url: str) -> str:
    """An SQLite file path or a PostgreSQL URL: ``catalog`` and ``run`` open whichever it is."""
    return catalog_url


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with nothing in it (no catalog schema yet) on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "empty.sqlite")
    server = request.getfixturevalue("pg_server")
    name = server.create(migrated=False)
    request.addfinalizer(lambda: server.drop(name))
    return str(server.url(name))
