"""The agencies guide's PostgreSQL roles, run as written against a real server: operators record,
readers read, nobody but the owner changes the schema, and nobody can rewrite the event log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from preservation.catalog.engine import open_catalog
from preservation.catalog.migrate import current_revision, head_revision
from preservation.errors import CatalogError
from tests.conftest import Run
from tests.postgres.database import PgServer

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "agencies.md"
SQL_BLOCK = re.compile(r"^```sql\n(.*?)^```$", re.M | re.S)
NAMES = ("preservation_owner", "preservation_operator", "preservation_reader", "ada", "grace", "verify_bot")


class Site:
    """The guide's accounts and database, under names of this test's own."""

    def __init__(self, server: PgServer, tag: str) -> None:
        self.server = server
        self.names = {n: f"{tag}_{n.removeprefix('preservation_')}" for n in NAMES}
        self.database = f"{tag}_db"

    def sql_blocks(self) -> list[list[str]]:
        """The guide's SQL blocks, names replaced, one statement per item."""
        blocks = []
        for body in SQL_BLOCK.findall(GUIDE.read_text(encoding="utf-8")):
            for name, ours in self.names.items():
                body = re.sub(rf"\b{name}\b", ours, body)
            body = re.sub(r"\bDATABASE preservation\b", f"DATABASE {self.database}", body)
            blocks.append([s.strip() for s in body.split(";") if s.strip()])
        return blocks

    def url(self, role: str | None = None) -> str:
        base = self.server.base.set(database=self.database)
        if role is not None:
            base = base.set(username=self.names[role], password="change me")
        return base.render_as_string(hide_password=False)

    def execute(self, role: str | None, statements: list[str], database: str | None = None) -> None:
        url = self.url(role) if database is None else self.server.url(database)
        eng = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with eng.connect() as conn:
                for stmt in statements:
                    conn.execute(text(stmt))
        finally:
            eng.dispose()


@pytest.fixture
def site(pg_server: PgServer) -> Iterator[Site]:
    pg_server.count += 1
    s = Site(pg_server, f"{pg_server.prefix}_{pg_server.count}")
    try:
        yield s
    finally:
        pg_server.drop(s.database)
        for role in s.names.values():
            pg_server._execute(f'DROP ROLE IF EXISTS "{role}"')


def _set_up(site: Site) -> None:
    roles_and_db, grants, people = site.sql_blocks()
    admin_db = site.server.base.database
    site.execute(None, roles_and_db, database=admin_db)
    open_catalog(site.url("preservation_owner")).dispose()  # the owner creates the schema
    site.execute("preservation_owner", grants)
    site.execute(None, people, database=admin_db)


def _refused(site: Site, role: str, stmt: str, match: str) -> None:
    eng = create_engine(site.url(role), poolclass=NullPool)
    try:
        with pytest.raises(DBAPIError, match=match), eng.begin() as conn:
            conn.execute(text(stmt))
    finally:
        eng.dispose()


def _count(site: Site, table: str) -> int:
    eng = create_engine(site.url("preservation_owner"), poolclass=NullPool)
    try:
        with eng.connect() as conn:
            return int(conn.execute(text(f"select count(*) from {table}")).scalar() or 0)
    finally:
        eng.dispose()


def test_the_guide_has_the_three_blocks_this_test_runs() -> None:
    blocks = SQL_BLOCK.findall(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) == 3
    assert "CREATE DATABASE preservation" in blocks[0] and "GRANT INSERT ON events" in blocks[1]


def test_operators_record_readers_read_and_nobody_rewrites_the_log(site: Site, make_tree, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _set_up(site)
    ada, grace = Run(site.url("ada")), Run(site.url("grace"))  # type: ignore[arg-type]
    tree, other = make_tree(), make_tree("other", photos=1)
    # an operator does the work
    ada("location", "add", "Laptop", str(tree), "--media", "ssd")
    ada("location", "add", "Stick", str(other), "--media", "usb-flash")
    ada("scan", "-q", "-j", "1", "--operator", "ada")
    ada("verify", "-q", "-j", "1", "--operator", "ada")
    ada("lookalikes", "-j", "1")
    ada("report", "--out", str(tmp_path / "r.json"), expect=1)  # one copy of most files: at risk
    ada("location", "remove", "Stick", "--yes")
    assert "Stick" not in ada("location", "list").stdout
    events, runs = _count(site, "events"), _count(site, "runs")
    assert events > 5
    # readers see everything
    assert "Laptop" in grace("status", expect=None).stdout
    assert len(grace.json("files")["files"]) == 5
    grace("show", str(tree / "notes.txt"))
    grace("history", str(tree / "notes.txt"))
    grace("copies", expect=1)
    grace("lookalikes", "-j", "1", "--no-cache")
    grace("lookalikes", "-j", "1")
    assert grace.json("log", "verify")["intact"]
    grace("export", "--format", "json")
    # ... and record nothing
    for args in (("scan", "-q", "-j", "1"), ("verify", "-q", "-j", "1"),
                 ("location", "add", "Mine", str(other))):
        res = grace(*args, expect=2)
        assert "may not do that" in res.stderr and "permission denied" in res.stderr, res.stderr
    assert (_count(site, "events"), _count(site, "runs")) == (events, runs)
    # the log: only ever appended to, by anyone but the owner
    for role in ("ada", "grace"):
        for stmt in ("update events set operator = 'Mallory' where seq = 1", "delete from events",
                     "delete from event_objects", "truncate events cascade"):
            _refused(site, role, stmt, "permission denied")
        for stmt in ("alter table events disable trigger all", "drop trigger events_append_only on events"):
            _refused(site, role, stmt, "must be owner")
        _refused(site, role, "create table notes (t text)", "permission denied")
    _refused(site, "grace", "insert into event_objects (event_id, object) values (1, 'x')", "permission denied")
    # the owner's rights do not include rewriting history either, while the triggers stand
    _refused(site, "preservation_owner", "update events set operator = 'Mallory' where seq = 1", "append-only")
    assert _count(site, "events") == events


def test_only_the_owner_upgrades_the_schema(site: Site) -> None:
    from alembic import command

    from preservation.catalog.migrate import alembic_config

    roles_and_db, grants, people = site.sql_blocks()
    site.execute(None, roles_and_db, database=site.server.base.database)
    eng = create_engine(site.url("preservation_owner"), poolclass=NullPool)
    command.upgrade(alembic_config(eng), "0003_lookalikes")  # as an older version left it
    eng.dispose()
    site.execute("preservation_owner", grants)
    site.execute(None, people, database=site.server.base.database)
    with pytest.raises(CatalogError, match=r"needs an upgrade .*may not change it") as info:
        open_catalog(site.url("ada"))
    assert "as the catalog's owner" in str(info.value)
    c = open_catalog(site.url("preservation_owner"))
    c.dispose()
    c = open_catalog(site.url("ada"))
    try:
        assert current_revision(c.engine) == head_revision()
    finally:
        c.dispose()
