from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from preservation.catalog.engine import Catalog, open_catalog, resolve_url, upsert
from preservation.catalog.migrate import current_revision, head_revision
from preservation.catalog.models import Content, File, Location
from preservation.errors import CatalogError, LocationError
from tests.postgres.database import PgServer, engine_for, scalar, sql

TABLES = {"alembic_version", "contents", "event_objects", "events", "files", "locations",
          "lookalike_evidence", "perceptual_hashes", "runs"}


def test_new_catalog_is_migrated_to_head(empty_url: str) -> None:
    c = open_catalog(empty_url)
    try:
        assert current_revision(c.engine) == head_revision()
        with c.engine.connect() as conn:
            tables = set(c.engine.dialect.get_table_names(conn))
        assert tables >= TABLES
    finally:
        c.dispose()


def test_sqlite_catalog_is_in_wal_mode(tmp_path: Path) -> None:
    c = open_catalog(tmp_path / "c.sqlite")
    try:
        with c.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        c.dispose()


def test_env_var_and_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PRESERVATION_CATALOG", raising=False)
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'preservation.sqlite'}"
    monkeypatch.setenv("PRESERVATION_CATALOG", str(tmp_path / "x.sqlite"))
    assert resolve_url(None).endswith("/x.sqlite")
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    # a libpq-style URL gets psycopg 3, the driver the postgres extra installs
    assert resolve_url("postgresql://u@h:5433/db") == "postgresql+psycopg://u@h:5433/db"
    assert resolve_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("PRESERVATION_CATALOG", "postgresql://archive@db/preservation")
    assert resolve_url(None) == "postgresql+psycopg://archive@db/preservation"


def test_other_databases_are_refused_by_name() -> None:
    with pytest.raises(CatalogError, match="SQLite or PostgreSQL") as info:
        open_catalog("mysql://archive:secret@db/preservation")
    assert "secret" not in str(info.value)


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"\xff\xd8\xff\xe0 not a database at all" * 10)
    with pytest.raises(CatalogError, match="not a preservation catalog"):
        open_catalog(p)
    assert p.read_bytes().startswith(b"\xff\xd8")  # untouched


def test_someone_elses_database_is_refused(empty_url: str) -> None:
    sql(empty_url, "create table recipes (name varchar(100))", "insert into recipes values ('soup')")
    with pytest.raises(CatalogError, match="not a preservation catalog"):
        open_catalog(empty_url)
    assert sql(empty_url, "select name from recipes") == [("soup",)]  # untouched
    assert scalar(empty_url, "select count(*) from recipes") == 1


def test_catalog_from_a_newer_version_is_refused(catalog_path: str) -> None:
    open_catalog(catalog_path).dispose()
    sql(catalog_path, "update alembic_version set version_num='9999_future'")
    with pytest.raises(CatalogError, match="newer version"):
        open_catalog(catalog_path)


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


def _old_catalog(url: str, revision: str) -> None:
    """A catalog as an older version left it, with a location and a file recorded."""
    from alembic import command

    from preservation.catalog.migrate import alembic_config

    eng = engine_for(url)
    try:
        command.upgrade(alembic_config(eng), revision)
        now = datetime.now(UTC)
        with Session(eng) as s:
            loc = Location(name="Old drive", root="/media/old", root_bytes=b"/media/old",
                           media="hdd", site="onsite", created_at=now)
            s.add(loc)
            s.flush()
            s.add(File(location_id=loc.id, path_bytes=b"2001/caf\xe9.jpg", dir_bytes=b"2001",
                       path="2001/caf\\xe9.jpg", path_key="2001/caf\\xe9.jpg", size=7, mtime_ns=1,
                       inode=2, first_seen=now, last_seen=now))
            s.commit()
    finally:
        eng.dispose()


@pytest.mark.parametrize("revision", ["0001", "0003_lookalikes", "0004_pg_paths"])
def test_every_migration_applies_in_order_on_an_old_catalog(empty_url: str, revision: str) -> None:
    """A catalog at an older schema opens in this version, upgraded in place, data intact."""
    _old_catalog(empty_url, revision)
    c = open_catalog(empty_url)
    try:
        assert current_revision(c.engine) == head_revision()
        with c.session() as s:
            f = s.scalars(select(File).where(File.path_bytes == b"2001/caf\xe9.jpg")).one()
            assert (f.location.name, f.size, f.dir_bytes) == ("Old drive", 7, b"2001")
    finally:
        c.dispose()


def test_the_schema_is_what_the_models_say(catalog: Catalog) -> None:
    """The migrations build exactly the models' tables and columns on both backends (the same
    migration files); on PostgreSQL, 0004_pg_paths swaps three path indexes, on purpose."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import preservation.catalog.auditstore
    import preservation.catalog.lookalikestore  # noqa: F401  (its model: lookalike_evidence)
    from preservation.catalog.models import Base

    with catalog.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    if catalog.dialect == "postgresql":
        found = {(d[0], d[1].name or tuple(c.name for c in d[1].columns)) for d in diffs}
        assert found == {
            ("add_constraint", ("location_id", "path_bytes")),
            ("add_index", "ix_files_location_dir"), ("add_index", "ix_files_location_key"),
            ("remove_index", "uq_files_location_path_sha256"), ("remove_index", "ix_files_path_hash"),
            ("remove_index", "ix_files_dir_hash"), ("remove_index", "ix_files_key_hash"),
        }, diffs
        diffs = []
    assert diffs == []


def _content(sha: str, **values: object) -> Content:
    return Content(sha256=sha, size=1, first_seen=datetime.now(UTC), **values)


def test_metadata_longer_than_its_column_is_shortened_not_refused(catalog: Catalog) -> None:
    """PostgreSQL refuses a VARCHAR(n) value longer than n (SQLite keeps it): a camera name of
    512 characters from a broken EXIF block must not stop a scan batch."""
    long = "Ζ" * 300
    catalog.transact(lambda s: s.add(_content("a" * 64, camera_make=long, camera_model="M" * 250,
                                              format="x" * 23, mime="m" * 140, capture_time="9" * 50)))
    with catalog.session() as s:
        c = s.scalars(select(Content)).one()
        assert c.camera_make == "Ζ" * 200 and c.camera_model == "M" * 200
        assert (len(c.format or ""), len(c.mime or ""), len(c.capture_time or "")) == (20, 100, 40)


def test_a_location_name_too_long_is_refused_clearly(catalog: Catalog, tmp_path: Path) -> None:
    from preservation.catalog.locations import add_location, list_locations

    with pytest.raises(LocationError, match="at most 200 characters"):
        add_location(catalog, "n" * 201, tmp_path)
    add_location(catalog, "n" * 200, tmp_path)
    with catalog.session() as s:
        assert [loc.name for loc in list_locations(s)] == ["n" * 200]


def _long_path(seed: int, n: int = 6000) -> bytes:
    """A path whose bytes do not compress: far beyond a PostgreSQL B-tree entry."""
    import random

    rng = random.Random(seed)
    name = bytes(rng.choice(range(0x21, 0x7F)) for _ in range(n)).replace(b"/", b"_")
    return b"deep/" + name[: n // 2] + b"/" + name[n // 2:]


def test_file_rows_with_paths_of_any_length(catalog: Catalog) -> None:
    """Recorded, found by path and by folder, and inserted again (a second scan racing the
    first) as an update of the same row, not a second row."""
    p1, p2 = _long_path(1), _long_path(2)
    now = datetime.now(UTC)

    def add(s: Session) -> int:
        loc = Location(name="L", root="/l", root_bytes=b"/l", media="nas", site="onsite", created_at=now)
        s.add(loc)
        s.flush()
        return loc.id

    loc_id = catalog.transact(add)

    def row(p: bytes, size: int) -> dict[str, object]:
        return {"location_id": loc_id, "path_bytes": p, "dir_bytes": p.rsplit(b"/", 1)[0],
                "path": p.decode(), "path_key": p.decode(), "size": size, "mtime_ns": 1, "inode": 1,
                "first_seen": now, "last_seen": now}

    catalog.transact(lambda s: upsert(s, File, [row(p1, 1), row(p2, 2)], ["location_id", "path_bytes"],
                                      keep=("first_seen",)))
    later = datetime(2030, 1, 1, tzinfo=UTC)
    catalog.transact(lambda s: upsert(s, File, [{**row(p1, 10), "first_seen": later}],
                                      ["location_id", "path_bytes"], keep=("first_seen",)))
    with catalog.session() as s:
        rows = s.execute(select(File.path_bytes, File.size, File.first_seen).order_by(File.size)).all()
        assert [(r[0], r[1]) for r in rows] == [(p2, 2), (p1, 10)]
        assert rows[1][2] == now  # kept, not overwritten
        assert s.scalar(select(File.size).where(File.location_id == loc_id, File.path_bytes == p1)) == 10
        assert s.scalar(select(File.size).where(File.dir_bytes == p2.rsplit(b"/", 1)[0])) == 2
    if catalog.dialect == "postgresql":  # and the look-ups can use an index, not a table scan
        with catalog.engine.connect() as conn:
            conn.execute(text("SET enable_seqscan = off"))
            for column, index in (("dir_bytes", "ix_files_dir_hash"), ("path_bytes", "ix_files_path_hash")):
                plan = "\n".join(r[0] for r in conn.execute(
                    text(f"EXPLAIN SELECT id FROM files WHERE location_id = :l AND {column} = :v"),
                    {"l": loc_id, "v": p1}))
                assert index in plan, plan


@pytest.mark.slow
def test_the_first_open_by_three_processes_at_once_makes_one_schema(empty_url: str) -> None:
    code = ("import sys; from preservation.catalog.engine import open_catalog; "
            "sys.stdin.read(); open_catalog(sys.argv[1]).dispose()")
    procs = [subprocess.Popen([sys.executable, "-c", code, empty_url], stdin=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(3)]
    for p in procs:  # imports done or not, all three go at the same moment
        assert p.stdin is not None
        p.stdin.close()
    errors = [p.stderr.read() if p.stderr else b"" for p in procs]
    for p in procs:
        p.wait(timeout=120)
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    assert scalar(empty_url, "select count(*) from alembic_version") == 1
    assert scalar(empty_url, "select version_num from alembic_version") == head_revision()
    assert scalar(empty_url, "select count(*) from events") == 0


# --- PostgreSQL only -----------------------------------------------------------------------


def test_postgresql_a_connection_the_server_dropped_is_replaced(pg_database: str) -> None:
    c = open_catalog(pg_database)
    try:
        with c.session() as s:
            before = s.scalar(text("select pg_backend_pid()"))
        # a server restart or an idle timeout ends the pooled connection under our feet
        assert sql(pg_database, f"select pg_terminate_backend({int(before)})") == [(True,)]
        with c.session() as s:
            after = s.scalar(text("select pg_backend_pid()"))
            assert s.scalar(select(Location.id)) is None
        assert after != before
    finally:
        c.dispose()


def test_postgresql_a_database_not_in_utf8_is_refused(pg_server: PgServer) -> None:
    name = pg_server.create(migrated=False, encoding="SQL_ASCII")
    try:
        with pytest.raises(CatalogError, match="UTF8"):
            open_catalog(pg_server.url(name))
        assert scalar(pg_server.url(name), "select count(*) from pg_tables where schemaname = 'public'") == 0
    finally:
        pg_server.drop(name)


def test_postgresql_an_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(CatalogError, match="Cannot reach the catalog database") as info:
        open_catalog("postgresql+psycopg://archive:secret@127.0.0.1:9/preservation")
    assert "secret" not in str(info.value)



def test_someone_elses_sqlite_file_is_left_byte_for_byte(tmp_path: Path) -> None:
    """Refused before anything is written: not even the switch to WAL mode (header bytes 18-19)."""
    import sqlite3

    p = tmp_path / "recipes.sqlite"
    con = sqlite3.connect(p)
    con.execute("create table recipes (name text)")
    con.execute("insert into recipes values ('soup')")
    con.commit()
    con.close()
    before = p.read_bytes()
    with pytest.raises(CatalogError, match="not a preservation catalog"):
        open_catalog(p)
    assert p.read_bytes() == before
    assert sorted(q.name for q in tmp_path.iterdir()) == ["recipes.sqlite"]  # no -wal, no -shm


def test_a_new_catalog_is_in_wal_mode(tmp_path: Path) -> None:
    import sqlite3

    p = tmp_path / "c.sqlite"
    open_catalog(p).dispose()
    con = sqlite3.connect(p)
    assert con.execute("pragma journal_mode").fetchone()[0] == "wal"
    con.close()
