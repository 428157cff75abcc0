"""Alembic environment: the engine comes from preservation.catalog.migrate, never from a URL here."""

from alembic import context

from preservation.catalog.models import Base

config = context.config
target_metadata = Base.metadata
engine = config.attributes["engine"]

with engine.begin() as connection:
    # Two processes opening a new (or older) catalog at once: the second waits here until the
    # first has committed, then finds the schema made. All the migrations run in this one
    # transaction, on both backends.
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7386153)")
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, before reading the version
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
