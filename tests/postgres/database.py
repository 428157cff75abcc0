"""Catalog tests on both backends: SQLite files and a real PostgreSQL server.

The server is named by ``PRESERVATION_TEST_PG_URL`` (``.ci/postgres`` starts one and prints
it), e.g. ``postgresql+psycopg://postgres@127.0.0.1:55432/preservation_test``; the role must
be allowed to create databases and roles (tests/postgres/test_roles.py creates the agencies
guide's roles, under names of its own). Each test process (pytest-xdist worker) migrates one
template database once. A test gets a copy of it (``CREATE DATABASE ... TEMPLATE``), which is
emptied after the test (``TRUNCATE``, a few milliseconds, where a copy takes up to a second on
a busy machine) and handed to the next test; one whose schema the test changed (a dropped
trigger, say) is dropped instead and the next test gets a new copy. Database and role names
carry the process id, so two test runs on one server never touch each other's; those of a run
that was killed are dropped by the next.

Without the variable the ``postgresql`` cases fail when ``CI`` (or ``.ci/run``'s
``PRESERVATION_TEST_PG_REQUIRED``) is set, and are skipped, saying why, otherwise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import NullPool

from preservation.catalog.engine import open_catalog, resolve_url

ENV = "PRESERVATION_TEST_PG_URL"
BACKENDS = ("sqlite", "postgresql")
# What the agencies guide recommends: UTF-8, and byte order for names (as SQLite sorts them).
C_UTF8 = "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def required() -> bool:
    """In CI (``CI`` set, or ``.ci/run``'s ``PRESERVATION_TEST_PG_REQUIRED``) the PostgreSQL
    cases must run: a missing server is a failure, not a skip."""
    return _flag("CI") or _flag("PRESERVATION_TEST_PG_REQUIRED")


def unavailable(reason: str) -> NoReturn:
    if required():
        pytest.fail(f"{reason}. In CI the PostgreSQL catalog tests must run: .ci/run starts a "
                    f"server (.ci/postgres) and sets {ENV}.", pytrace=False)
    pytest.skip(f"{reason}: PostgreSQL catalog tests not run (set {ENV}, see .ci/postgres)")


class PgServer:
    """This test process's databases on the server: a migrated template and per-test copies."""

    def __init__(self, url: str) -> None:
        self.base = make_url(resolve_url(url))
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self.stem = f"{self.base.database or 'preservation_test'}_t"
        self.prefix = f"{self.stem}{os.getpid()}_{worker}"
        self.template = f"{self.prefix}_tmpl"
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.count = 0
        self.made: list[str] = []
        self.reusable: str | None = None  # the database the last test used, emptied
        self.shape = ""  # the template's tables, indexes and triggers (see _shape)

    def url(self, database: str) -> str:
        return self.base.set(database=database).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> list[Any]:
        with self.admin.connect() as conn:
            result = conn.execute(text(sql))
            return list(result) if result.returns_rows else []

    def start(self) -> None:
        self._drop_leftovers()
        self._execute(f'CREATE DATABASE "{self.template}" TEMPLATE template0 {C_UTF8}')
        open_catalog(self.url(self.template)).dispose()  # every migration, once per process
        self.shape = self._shape(self.template)

    def _shape(self, database: str) -> str:
        """What a test could change in a catalog's schema: its relations, enabled triggers,
        schemas and version."""
        eng = create_engine(self.url(database), poolclass=NullPool)
        try:
            with eng.connect() as conn:
                return str(conn.execute(text(SHAPE)).scalar())
        finally:
            eng.dispose()

    def checkout(self) -> str:
        """A migrated, empty catalog database for one test: the last test's, emptied by
        :meth:`release`, or a new copy of the template."""
        if self.reusable is None:
            self.reusable = self.create()
        return self.reusable

    def release(self, name: str) -> None:
        """Empty a test's database for the next test (every row gone, ids from 1 again), unless
        the test changed its schema (a dropped trigger, say): then it is dropped."""
        eng = create_engine(self.url(name), poolclass=NullPool)
        try:
            with eng.begin() as conn:
                conn.execute(text(  # connections the test left open
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
                conn.execute(text("SET LOCAL lock_timeout = '20s'"))
                if str(conn.execute(text(SHAPE)).scalar()) != self.shape:
                    raise _Changed
                tables = [t for (t,) in conn.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"))]
                for t in APPEND_ONLY:  # the owner may; the triggers refuse TRUNCATE otherwise
                    conn.execute(text(f"ALTER TABLE {t} DISABLE TRIGGER {t}_append_only"))
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                for t in APPEND_ONLY:
                    conn.execute(text(f"ALTER TABLE {t} ENABLE TRIGGER {t}_append_only"))
        except (_Changed, DBAPIError):
            self.drop(name)
        finally:
            eng.dispose()

    def _drop_leftovers(self) -> None:
        """Databases of earlier test runs whose process is gone (killed before cleaning up)."""
        pattern = re.compile(rf"^{re.escape(self.stem)}(\d+)_")
        for (name,) in self._execute("SELECT datname FROM pg_database"):
            m = pattern.match(name)
            if m and not _alive(int(m.group(1))):
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for (name,) in self._execute("SELECT rolname FROM pg_roles"):
            m = pattern.match(name)
            if m and not _alive(int(m.group(1))):
                self._execute(f'DROP ROLE IF EXISTS "{name}"')

    def create(self, *, migrated: bool = True, encoding: str = "UTF8") -> str:
        """A new database: a copy of the migrated template, or empty; returns its name."""
        self.count += 1
        name = f"{self.prefix}_{self.count}"
        if migrated:
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}" STRATEGY FILE_COPY')
        else:
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE template0 '
                          + C_UTF8.replace("UTF8", encoding))
        self.made.append(name)
        return name

    def drop(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.made:
            self.made.remove(name)
        if name == self.reusable:
            self.reusable = None

    def close(self) -> None:
        for name in [*self.made, self.template]:
            self.drop(name)
        self.admin.dispose()


class _Changed(Exception):
    """A test changed its database's schema."""


APPEND_ONLY = ("events", "event_objects")
SHAPE = """
SELECT string_agg(x, ',' ORDER BY x) FROM (
  SELECT 'rel:' || c.relname || ':' || c.relkind::text AS x FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'
  UNION ALL SELECT 'trigger:' || t.tgname || ':' || t.tgenabled::text FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND NOT t.tgisinternal
  UNION ALL SELECT 'schema:' || nspname FROM pg_namespace
    WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'
  UNION ALL SELECT 'version:' || version_num FROM alembic_version
) shape
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get(ENV, "").strip()
    if not url:
        unavailable(f"{ENV} is not set")
    server = PgServer(url)
    try:
        server.start()
    except OperationalError as exc:  # cannot connect, or may not create databases
        server.admin.dispose()
        unavailable(f"the PostgreSQL server at {server.base.render_as_string(hide_password=True)} "
                    f"cannot be used ({exc.orig})")
    yield server
    server.close()


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[str]:
    """The URL of a migrated PostgreSQL catalog with nothing in it, for this test alone."""
    name = pg_server.checkout()
    yield pg_server.url(name)
    pg_server.release(name)


@pytest.fixture(params=BACKENDS)
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new catalog on each backend: an SQLite file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "catalog.sqlite")
    return str(request.getfixturevalue("pg_database"))


def backend(url: str | os.PathLike[str]) -> str:
    return make_url(resolve_url(url)).get_backend_name()


def engine_for(url: str | os.PathLike[str]) -> Engine:
    """A plain engine on the catalog (no preservation code between the test and the database)."""
    url = resolve_url(url)
    utf8 = {"client_encoding": "utf8"} if backend(url) == "postgresql" else {}
    return create_engine(url, poolclass=NullPool, connect_args=utf8)


def sql(url: str | os.PathLike[str], *statements: str) -> list[Any]:
    """Run statements in one committed transaction, as someone with access to the database
    could; return the rows of the last one."""
    eng = engine_for(url)
    try:
        with eng.begin() as conn:
            rows: list[Any] = []
            for stmt in statements:
                result = conn.execute(text(stmt))
                rows = list(result) if result.returns_rows else []
            return rows
    finally:
        eng.dispose()


def scalar(url: str | os.PathLike[str], statement: str) -> Any:
    rows = sql(url, statement)
    return rows[0][0] if rows else None


def drop_append_only(url: str | os.PathLike[str], tables: Sequence[str] = ("events", "event_objects"),
                     ) -> list[str]:
    """The statements an attacker with the owner's rights would run first: remove the
    triggers that refuse UPDATE and DELETE on the event log."""
    if backend(url) == "sqlite":
        return [f"DROP TRIGGER {t}_no_{a}" for t in tables for a in ("update", "delete")]
    return [f"DROP TRIGGER {t}_append_only ON {t}" for t in tables]
