"""Opening a catalog: URL resolution, SQLite pragmas, schema migrations, error mapping.

A catalog is any SQLAlchemy URL; a plain path means an SQLite file. SQLite runs in WAL mode
with a busy timeout so that a scan, a verify and a reader can work at the same time.
PostgreSQL (``postgresql+psycopg://user@host/db``, psycopg 3) runs the same migrations and
queries; its connections are checked before use (a server restart costs one reconnect, not
a failed run). What differs between the two is chosen here, in one place: the connection
settings, which errors are a lost race worth retrying (:func:`is_conflict`), and the
insert-or-update statement (:func:`upsert`).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from preservation.errors import CatalogError

DEFAULT_CATALOG = "preservation.sqlite"
ENV_VAR = "PRESERVATION_CATALOG"
BUSY_TIMEOUT_MS = 60_000
SUPPORTED = ("sqlite", "postgresql")
T = TypeVar("T")


def resolve_url(value: str | os.PathLike[str] | None) -> str:
    """``--catalog`` value (or env, or default) to an SQLAlchemy URL."""
    if value is None:
        value = os.environ.get(ENV_VAR) or DEFAULT_CATALOG
    value = os.fspath(value)
    if "://" in value:
        # libpq-style URLs name no driver; SQLAlchemy would pick psycopg2, which is not ours
        for plain in ("postgresql://", "postgres://"):
            if value.startswith(plain):
                return "postgresql+psycopg://" + value[len(plain):]
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # no journal_mode here: switching to WAL rewrites the file's header, and a database
        # that turns out not to be a catalog must be left as it was (see _use_wal)
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        cur.close()


def _use_wal(engine: Engine) -> None:
    """Put a catalog in WAL mode (lasting, in the file) once it is known to be a catalog."""
    with engine.connect() as conn:
        if str(conn.exec_driver_sql("PRAGMA journal_mode").scalar()).lower() != "wal":
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")


def damaged(display: str, detail: str) -> CatalogError:
    """The one message for a catalog whose file is damaged, whatever found it."""
    return CatalogError(
        f"The catalog {display} is damaged: {detail}.",
        hint="What it says can no longer be trusted. Restore it from a backup copy (or try: "
             "sqlite3 CATALOG .recover), or start a new catalog with --catalog.",
    )


def integrity_problem(engine: Engine) -> str | None:
    """SQLite's ``PRAGMA quick_check`` (every page, record and free list; not the indexes'
    agreement with their tables): None when it passes, else its first finding. On a catalog
    of 200,000 files (227 MB) it takes 0.4 s, the full ``integrity_check`` 1.9 s, so every
    command runs it when it opens a catalog. PostgreSQL checks its own pages."""
    if engine.dialect.name != "sqlite":
        return None
    try:
        with engine.connect() as conn:
            rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check(1)")]
    except (OperationalError, DatabaseError, sqlite3.DatabaseError) as exc:
        return str(getattr(exc, "orig", exc))
    if rows == ["ok"]:
        return None
    return "; ".join(r.replace("\n", " ").strip() for r in rows) or "no answer"


def _check_sqlite_file(path: Path, *, create: bool = True) -> None:
    """Refuse, with a clear message, a file that is not an SQLite database."""
    if not path.exists():
        if not create:
            raise CatalogError(f"no catalog at {path}; scan something first.",
                               hint="Or name an existing catalog with --catalog.")
        if not path.parent.is_dir():
            raise CatalogError(f"Cannot create the catalog {path}: folder {path.parent} does not exist.")
        return
    if path.is_dir():
        raise CatalogError(f"The catalog path {path} is a folder, not a catalog file.")
    with path.open("rb") as fh:
        head = fh.read(16)
    if head and head != b"SQLite format 3\x00":
        raise CatalogError(
            f"{path} is not a preservation catalog (it is not an SQLite database).",
            hint="Name another file with --catalog, or move this one aside.",
        )


# PostgreSQL error codes of a lost race: unique_violation, serialization_failure, deadlock_detected
_RETRY_SQLSTATES = {"23505", "40001", "40P01"}


def is_conflict(exc: BaseException) -> bool:
    """A write that lost a race with another writer and may simply be retried."""
    msg = str(exc).lower()
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if isinstance(exc, IntegrityError):
        # Another writer inserted the same unique row (an event's seq, a content's SHA-256, a
        # file's path) between our read and our write; re-running the work sees it and adapts.
        return sqlstate == "23505" or "unique constraint" in msg or "duplicate key" in msg
    if isinstance(exc, OperationalError):
        return (sqlstate in _RETRY_SQLSTATES or "database is locked" in msg or "deadlock" in msg
                or "could not serialize" in msg)
    return False


def upsert(s: Session, model: type[Any], rows: list[dict[str, Any]], keys: list[str],
           keep: tuple[str, ...] = ()) -> None:
    """Insert ``rows`` into ``model``'s table; a row whose unique ``keys`` another writer
    inserted meanwhile is updated instead (every given column but ``keys`` and ``keep``).
    One statement on SQLite and on PostgreSQL: ``INSERT ... ON CONFLICT DO UPDATE``."""
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = s.get_bind().dialect.name
    stmt: sqlite.Insert | postgresql.Insert
    if dialect == "sqlite":
        stmt = sqlite.insert(model)
    elif dialect == "postgresql":
        stmt = postgresql.insert(model)
    else:
        raise CatalogError(f"Catalogs on {dialect} are not supported: use SQLite or PostgreSQL.")
    from preservation.catalog.models import CONFLICT_TARGETS

    target = CONFLICT_TARGETS.get((dialect, model.__tablename__, tuple(keys)), keys)
    update = {c: stmt.excluded[c] for c in rows[0] if c not in keys and c not in keep}
    s.execute(stmt.on_conflict_do_update(index_elements=target, set_=update), rows)


def describe_db_error(exc: BaseException, url: str) -> CatalogError:
    msg = str(getattr(exc, "orig", exc))
    low = msg.lower()
    if "disk is full" in low or "no space" in low:
        return CatalogError(
            f"The catalog's disk is full ({url}). Nothing already recorded was lost; "
            "free some space and run the same command again to finish.",
        )
    if ("not a database" in low or "malformed" in low or "corrupt" in low
            or "could not decode" in low):
        return damaged(url, msg)
    if "readonly" in low or "read-only" in low:
        return CatalogError(f"The catalog {url} cannot be written: {msg}")
    if "permission denied" in low:  # a PostgreSQL role without the right (see the agencies guide)
        return CatalogError(
            f"This account may not do that in the catalog {url}: {msg}",
            hint="Ask the catalog's administrator for the right role (docs/guides/agencies.md).",
        )
    if "connection" in low and ("refused" in low or "failed" in low or "could not" in low):
        return CatalogError(f"Cannot reach the catalog database {url}: {msg}",
                            hint="Is the database server running, and the host and port right?")
    return CatalogError(f"Catalog error ({url}): {msg}")


class Catalog:
    """An open catalog: the engine, sessions and transactional helpers.

    All SQL lives in :mod:`preservation.catalog`; callers use the functions there, which take
    a ``Catalog`` or a ``Session`` from :meth:`session` / :meth:`transact`.
    """

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def display(self) -> str:
        u = make_url(self.url)
        if u.get_backend_name() == "sqlite":
            return u.database or ":memory:"
        return u.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session (or a unit of work the caller commits)."""
        with self._sessions() as s:
            try:
                yield s
            except (OperationalError, DatabaseError) as exc:
                s.rollback()
                raise describe_db_error(exc, self.display) from exc

    def transact(self, work: Callable[[Session], T], *, attempts: int = 8) -> T:
        """Run ``work`` in one transaction and commit; retry it when it lost a write race.

        ``work`` must be safe to re-run (it gets a fresh session each time).
        """
        for attempt in range(attempts):
            with self._sessions() as s:
                try:
                    result = work(s)
                    s.commit()
                    return result
                except (IntegrityError, OperationalError) as exc:
                    s.rollback()
                    if is_conflict(exc) and attempt < attempts - 1:
                        # a random pause, growing: writers that collided do not collide again
                        time.sleep(random.uniform(0, min(0.02 * 2 ** attempt, 1.0)))  # noqa: S311
                        continue
                    if isinstance(exc, IntegrityError):
                        raise
                    raise describe_db_error(exc, self.display) from exc
                except DatabaseError as exc:
                    s.rollback()
                    raise describe_db_error(exc, self.display) from exc
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


def open_catalog(value: str | os.PathLike[str] | None = None, *, migrate: bool = True,
                 create: bool = True) -> Catalog:
    """Open (creating and migrating if needed) the catalog named by ``value``/env/default.

    ``create=False``: an SQLite catalog that does not exist is refused, not made. An existing
    SQLite catalog must pass :func:`integrity_problem` before anything is read from it.
    """
    url = resolve_url(value)
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise CatalogError(f"Not a catalog path or database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    shown = parsed.render_as_string(hide_password=True)
    if backend not in SUPPORTED:
        raise CatalogError(f"Catalogs are kept in SQLite or PostgreSQL, not {backend}: {shown}",
                           hint="For PostgreSQL: --catalog postgresql+psycopg://user@host/database")
    kwargs: dict[str, Any] = {}
    existing = False
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        _check_sqlite_file(Path(parsed.database), create=create)
        existing = Path(parsed.database).exists()
    elif backend == "postgresql":
        # a connection the server dropped (restart, idle timeout) is replaced, not used
        kwargs["pool_pre_ping"] = True
        if parsed.get_driver_name() == "psycopg":
            # names and metadata travel as UTF-8 whatever the server's default; a server label
            connect_args = {"client_encoding": "utf8", "application_name": "preservation"}
            kwargs["connect_args"] = {k: v for k, v in connect_args.items() if k not in parsed.query}
    try:
        engine = create_engine(url, **kwargs)
    except ModuleNotFoundError as exc:
        raise CatalogError(
            f"Cannot open catalog {shown}: the database driver is not installed ({exc}).",
            hint="For PostgreSQL: pip install 'preservation[postgres]'" if backend == "postgresql" else None,
        ) from exc
    except Exception as exc:
        raise CatalogError(f"Cannot open catalog {shown}: {exc}") from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    catalog = Catalog(engine, url)
    try:
        problem = integrity_problem(engine) if existing else None
        if problem is not None:
            raise damaged(catalog.display, f"SQLite's integrity check failed ({problem})")
        if migrate:
            from preservation.catalog.migrate import upgrade

            upgrade(engine)
        else:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        if migrate and backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
            _use_wal(engine)
    except CatalogError:
        engine.dispose()
        raise
    except (OperationalError, DatabaseError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        raise describe_db_error(exc, catalog.display) from exc
    return catalog


def table_names(engine: Engine) -> list[str]:
    return inspect(engine).get_table_names()
