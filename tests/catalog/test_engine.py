from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from preservation.catalog.engine import open_catalog, resolve_url
from preservation.catalog.migrate import current_revision, head_revision
from preservation.errors import CatalogError


def test_new_catalog_is_migrated_to_head_in_wal_mode(tmp_path: Path) -> None:
    c = open_catalog(tmp_path / "c.sqlite")
    try:
        assert current_revision(c.engine) == head_revision()
        with c.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    finally:
        c.dispose()


def test_env_var_and_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PRESERVATION_CATALOG", raising=False)
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'preservation.sqlite'}"
    monkeypatch.setenv("PRESERVATION_CATALOG", str(tmp_path / "x.sqlite"))
    assert resolve_url(None).endswith("/x.sqlite")
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"\xff\xd8\xff\xe0 not a database at all" * 10)
    with pytest.raises(CatalogError, match="not a preservation catalog"):
        open_catalog(p)
    assert p.read_bytes().startswith(b"\xff\xd8")  # untouched


def test_someone_elses_sqlite_database_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "other.sqlite"
    con = sqlite3.connect(p)
    con.execute("create table recipes (name text)")
    con.commit()
    con.close()
    with pytest.raises(CatalogError, match="not a preservation catalog"):
        open_catalog(p)


def test_catalog_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "c.sqlite"
    open_catalog(p).dispose()
    con = sqlite3.connect(p)
    con.execute("update alembic_version set version_num='9999_future'")
    con.commit()
    con.close()
    with pytest.raises(CatalogError, match="newer version"):
        open_catalog(p)


def test_truncated_catalog_gives_a_clear_error(tmp_path: Path) -> None:
    p = tmp_path / "c.sqlite"
    open_catalog(p).dispose()
    data = p.read_bytes()
    p.write_bytes(data[:100] + b"\x00" * 50 + data[150:1000])
    with pytest.raises(CatalogError):
        open_catalog(p)


def test_missing_folder_for_catalog(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="does not exist"):
        open_catalog(tmp_path / "nope" / "c.sqlite")


def test_fast_head_detection_agrees_with_alembic() -> None:
    from preservation.catalog.migrate import known_revisions

    revisions, head = known_revisions()
    assert head == head_revision()
    assert "0001" in revisions


def test_every_migration_applies_in_order_on_an_old_catalog(tmp_path: Path) -> None:
    """A catalog at the first schema opens in this version (upgraded in place)."""
    from alembic import command
    from sqlalchemy import create_engine

    from preservation.catalog.migrate import alembic_config

    p = tmp_path / "old.sqlite"
    eng = create_engine(f"sqlite:///{p}")
    command.upgrade(alembic_config(eng), "0001")
    eng.dispose()
    c = open_catalog(p)
    try:
        assert current_revision(c.engine) == head_revision()
    finally:
        c.dispose()
