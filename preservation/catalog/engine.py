"""Opening a catalog: URL resolution, SQLite pragmas, schema migrations, error mapping.

A catalog is any SQLAlchemy URL; a plain path means an SQLite file. SQLite runs in WAL mode
with a busy timeout so that a scan, a verify and a reader can work at the same time.
"""

from __future__ import annotations

import os
import sqlite3
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
T = TypeVar("T")


def resolve_url(value: str | os.PathLike[str] | None) -> str:
    """``--catalog`` value (or env, or default) to an SQLAlchemy URL."""
    if value is None:
        value = os.environ.get(ENV_VAR) or DEFAULT_CATALOG
    value = os.fspath(value)
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        cur.close()


def _check_sqlite_file(path: Path) -> None:
    """Refuse, with a clear message, a file that is not an SQLite database."""
    if not path.exists():
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


def is_conflict(exc: BaseException) -> bool:
    """A write that lost a race with another writer and may simply be retried."""
    msg = str(exc).lower()
    if isinstance(exc, IntegrityError):
        # Another writer inserted the same unique row (an event's seq, a content's SHA-256, a
        # file's path) between our read and our write; re-running the work sees it and adapts.
        return "unique constraint" in msg or "duplicate key" in msg
    if isinstance(exc, OperationalError):
        return "database is locked" in msg or "deadlock" in msg
    return False


def describe_db_error(exc: BaseException, url: str) -> CatalogError:
    msg = str(getattr(exc, "orig", exc))
    low = msg.lower()
    if "disk is full" in low or "no space" in low:
        return CatalogError(
            f"The catalog's disk is full ({url}). Nothing already recorded was lost; "
            "free some space and run the same command again to finish.",
        )
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return CatalogError(
            f"The catalog {url} is damaged or is not a catalog: {msg}",
            hint="Restore it from a backup copy, or start a new catalog with --catalog.",
        )
    if "readonly" in low or "read-only" in low:
        return CatalogError(f"The catalog {url} cannot be written: {msg}")
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


def open_catalog(value: str | os.PathLike[str] | None = None, *, migrate: bool = True) -> Catalog:
    """Open (creating and migrating if needed) the catalog named by ``value``/env/default."""
    url = resolve_url(value)
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise CatalogError(f"Not a catalog path or database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {}
    if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
        _check_sqlite_file(Path(parsed.database))
    try:
        engine = create_engine(url, **kwargs)
    except Exception as exc:
        raise CatalogError(f"Cannot open catalog {url!r}: {exc}") from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    catalog = Catalog(engine, url)
    try:
        if migrate:
            from preservation.catalog.migrate import upgrade

            upgrade(engine)
        else:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
    except CatalogError:
        engine.dispose()
        raise
    except (OperationalError, DatabaseError, sqlite3.DatabaseError) as exc:
        engine.dispose()
        raise describe_db_error(exc, catalog.display) from exc
    return catalog


def table_names(engine: Engine) -> list[str]:
    return inspect(engine).get_table_names()
