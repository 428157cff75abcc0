"""Tests here run on SQLite and on PostgreSQL (see database.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def catalog_path(catalog_url: str) -> str:
    """An SQLite file path or a PostgreSQL URL: ``catalog`` and ``run`` open whichever it is."""
    return catalog_url
