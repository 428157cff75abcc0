"""Schema versioning with Alembic, run programmatically when a catalog is opened.

A catalog written by this version opens in every later one: later versions add migrations,
never edit old ones. A catalog written by a *newer* version is refused rather than guessed at.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

from preservation.errors import CatalogError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_REV = re.compile(r"^(down_revision|revision)\b[^=]*=\s*['\"]?([^'\"\s]+)['\"]?", re.M)


@cache
def known_revisions() -> tuple[set[str], str]:
    """All revisions shipped with this version, and the head, read from the files themselves.

    Importing Alembic costs a third of a second; a catalog already at head never needs it.
    """
    revs: set[str] = set()
    downs: set[str] = set()
    for f in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REV.findall(f.read_text(encoding="utf-8")))
        if "revision" in found:
            revs.add(found["revision"])
            if found.get("down_revision") not in (None, "None"):
                downs.add(found["down_revision"])
    heads = revs - downs
    assert len(heads) == 1, f"migrations must form one chain, heads: {heads}"
    return revs, heads.pop()


def _no_table(exc: BaseException) -> bool:
    """The error of a query on a table that does not exist (SQLite, PostgreSQL's 42P01)."""
    return (getattr(getattr(exc, "orig", None), "sqlstate", None) == "42P01"
            or "no such table" in str(exc).lower())


def stored_revision(engine: Engine) -> str | None:
    """The catalog's schema version; None for a database without one (new, or not a catalog).

    Any other error (an account that may not read the catalog, a server that went away) is
    raised: it says nothing about whether this is a catalog.
    """
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError) as exc:
        if _no_table(exc):
            return None
        raise


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the catalog to the newest schema; refuse databases that are not catalogs."""
    revisions, head = known_revisions()
    current = stored_revision(engine)
    if current == head:
        return
    if current is not None and current not in revisions:
        raise CatalogError(
            f"This catalog was written by a newer version of preservation "
            f"(schema {current}); this version knows schemas up to {head}.",
            hint="Upgrade preservation: pip install -U preservation",
        )
    if current is None:
        tables = set(inspect(engine).get_table_names())
        if tables:
            raise CatalogError(
                "This database is not a preservation catalog (it has tables of its own "
                f"and no catalog version: {', '.join(sorted(tables)[:5])}).",
                hint="Name another file with --catalog.",
            )
        if engine.dialect.name == "postgresql":
            _check_postgresql(engine)
    from alembic import command

    try:
        command.upgrade(alembic_config(engine), "head")
    except ProgrammingError as exc:
        if "permission denied" not in str(exc).lower() and "must be owner" not in str(exc).lower():
            raise
        raise CatalogError(
            f"The catalog's schema needs {'creating' if current is None else 'an upgrade'} "
            f"(from {current or 'nothing'} to {head}), and this account may not change it: "
            f"{getattr(exc, 'orig', exc)}".rstrip(),
            hint="Run any preservation command once as the catalog's owner "
                 "(see docs/guides/agencies.md), then again as this account.",
        ) from exc


def _check_postgresql(engine: Engine) -> None:
    """A new PostgreSQL catalog needs a UTF-8 database: names and metadata are Unicode."""
    with engine.connect() as conn:
        encoding = conn.execute(text("SHOW server_encoding")).scalar()
    if str(encoding).upper() not in ("UTF8", "UTF-8"):
        raise CatalogError(
            f"The database's encoding is {encoding}; a catalog needs UTF8 (file names and "
            "metadata in any language).",
            hint="CREATE DATABASE preservation ENCODING 'UTF8' TEMPLATE template0",
        )
