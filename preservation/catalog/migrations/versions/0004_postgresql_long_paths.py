"""PostgreSQL: index file paths of any length

Revision ID: 0004_pg_paths
Revises: 0003_lookalikes
Create Date: 2026-11-22

A PostgreSQL B-tree index entry holds at most 2,704 bytes (after compression): a file whose
relative path is longer (a deep tree, long names in a script that compresses poorly) could not
be recorded, and its whole scan batch with it. SQLite has no such limit. On PostgreSQL the
B-trees over the path columns of ``files`` are replaced by indexes of fixed size per entry:

* the uniqueness of (location_id, path_bytes) is enforced on (location_id, sha256(path_bytes));
  ``INSERT ... ON CONFLICT`` names that index (see ``CONFLICT_TARGETS`` in models.py);
* equality look-ups by path, folder and normalised name use hash indexes (any length).

Nothing changes on SQLite. No query changes: the planner uses the hash indexes for ``=``;
paths are only ever sorted, never searched by range.

Frozen: never edit this file once released; add a new revision instead.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0004_pg_paths'
down_revision: str | None = '0003_lookalikes'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_constraint('files_location_id_path_bytes_key', 'files', type_='unique')
    op.execute('CREATE UNIQUE INDEX uq_files_location_path_sha256 ON files (location_id, sha256(path_bytes))')
    op.drop_index('ix_files_location_dir', table_name='files')
    op.drop_index('ix_files_location_key', table_name='files')
    op.execute('CREATE INDEX ix_files_path_hash ON files USING hash (path_bytes)')
    op.execute('CREATE INDEX ix_files_dir_hash ON files USING hash (dir_bytes)')
    op.execute('CREATE INDEX ix_files_key_hash ON files USING hash (path_key)')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in ('ix_files_key_hash', 'ix_files_dir_hash', 'ix_files_path_hash',
                 'uq_files_location_path_sha256'):
        op.drop_index(name, table_name='files')
    op.create_index('ix_files_location_key', 'files', ['location_id', 'path_key'], unique=False)
    op.create_index('ix_files_location_dir', 'files', ['location_id', 'dir_bytes'], unique=False)
    op.create_unique_constraint('files_location_id_path_bytes_key', 'files', ['location_id', 'path_bytes'])
