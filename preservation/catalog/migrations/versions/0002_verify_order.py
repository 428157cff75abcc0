"""index for verify: files of a location by when they were last verified

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

``preservation verify`` reads the least recently verified files first (never-verified ones
before all others), a page at a time, so that a run stopped by --max-time or killed is simply
continued by the next one. Without this index each page would sort the whole location.

Frozen: never edit this file once released; add a new revision instead.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain CREATE INDEX: no table rebuild on SQLite, the append-only triggers are untouched.
    op.create_index('ix_files_location_verified', 'files',
                    ['location_id', 'last_verified_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_files_location_verified', table_name='files')
