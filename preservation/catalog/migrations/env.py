"""Alembic environment: the engine comes from preservation.catalog.migrate, never from a URL here."""

from alembic import context

from preservation.catalog.models import Base

config = context.config
target_metadata = Base.metadata
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
