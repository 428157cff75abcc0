"""Schema versioning with Alembic, run programmatically when a catalog is opened.

A catalog written by this version opens in every later one: later versions add migrations,
never edit old ones. A catalog written by a *newer* version is refused rather than guessed at.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from preservation.errors import CatalogError

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the catalog to the newest schema; refuse databases that are not catalogs."""
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_current_head()
    current = current_revision(engine)
    if current == head:
        return
    if current is None:
        tables = set(inspect(engine).get_table_names())
        if tables:
            raise CatalogError(
                "This database is not a preservation catalog (it has tables of its own "
                f"and no catalog version: {', '.join(sorted(tables)[:5])}).",
                hint="Name another file with --catalog.",
            )
    else:
        try:
            script.get_revision(current)
        except Exception as exc:
            raise CatalogError(
                f"This catalog was written by a newer version of preservation "
                f"(schema {current}); this version knows schemas up to {head}.",
                hint="Upgrade preservation: pip install -U preservation",
            ) from exc
    command.upgrade(alembic_config(engine), "head")
