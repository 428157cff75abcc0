"""The provenance tests (event log, history, exports) run on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest


@pytest.fixture
def catalog_path(catalog_url: str) -> str:
    """An SQLite file path or a PostgreSQL URL (tests/postgres/database.py)."""
    return catalog_url
