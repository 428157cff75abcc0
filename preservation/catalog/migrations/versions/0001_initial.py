"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Frozen: never edit this file once released; add a new revision instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('sha512', sa.String(length=128), nullable=True),
    sa.Column('md5', sa.String(length=32), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('format', sa.String(length=20), nullable=True),
    sa.Column('mime', sa.String(length=100), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('image_mode', sa.String(length=16), nullable=True),
    sa.Column('frames', sa.Integer(), nullable=True),
    sa.Column('orientation', sa.Integer(), nullable=True),
    sa.Column('is_grey', sa.Boolean(), nullable=True),
    sa.Column('capture_time', sa.String(length=40), nullable=True),
    sa.Column('camera_make', sa.String(length=200), nullable=True),
    sa.Column('camera_model', sa.String(length=200), nullable=True),
    sa.Column('exif', sa.JSON(), nullable=True),
    sa.Column('problems', sa.JSON(), nullable=True),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256')
    )
    with op.batch_alter_table('contents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contents_format'), ['format'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('agent', sa.String(length=200), nullable=False),
    sa.Column('operator', sa.String(length=200), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('objects', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('hash'),
    sa.UniqueConstraint('seq')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_type'), ['type'], unique=False)

    op.create_table('locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('root', sa.Text(), nullable=False),
    sa.Column('root_bytes', sa.LargeBinary(), nullable=False),
    sa.Column('media', sa.String(length=20), nullable=False),
    sa.Column('site', sa.String(length=10), nullable=False),
    sa.Column('sync', sa.Boolean(), nullable=False),
    sa.Column('trust', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_scan_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_verify_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('event_objects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('object', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event_objects', schema=None) as batch_op:
        batch_op.create_index('ix_event_objects_object', ['object'], unique=False)

    op.create_table('files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('path_bytes', sa.LargeBinary(), nullable=False),
    sa.Column('dir_bytes', sa.LargeBinary(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('path_key', sa.Text(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('mtime_ns', sa.BigInteger(), nullable=False),
    sa.Column('inode', sa.BigInteger(), nullable=False),
    sa.Column('content_id', sa.Integer(), nullable=True),
    sa.Column('extension_mismatch', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('problem', sa.String(length=40), nullable=True),
    sa.Column('problem_detail', sa.Text(), nullable=True),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_run_id', sa.Integer(), nullable=True),
    sa.Column('hashed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_verify_status', sa.String(length=20), nullable=True),
    sa.Column('verify_run_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['content_id'], ['contents.id'], ),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('location_id', 'path_bytes')
    )
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_files_content_id'), ['content_id'], unique=False)
        batch_op.create_index('ix_files_location_dir', ['location_id', 'dir_bytes'], unique=False)
        batch_op.create_index('ix_files_location_key', ['location_id', 'path_key'], unique=False)

    op.create_table('perceptual_hashes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('content_id', sa.Integer(), nullable=False),
    sa.Column('algorithm', sa.String(length=20), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('bits', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('params_key', sa.String(length=200), nullable=False),
    sa.Column('library', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['content_id'], ['contents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('content_id', 'algorithm', 'params_key')
    )
    op.create_table('runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('operator', sa.String(length=200), nullable=True),
    sa.Column('options', sa.JSON(), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['location_id'], ['locations.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    append_only_triggers()


APPEND_ONLY = ("events", "event_objects")


def append_only_triggers() -> None:
    """The event log refuses UPDATE and DELETE in the database itself, not only in code."""
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} are append-only: {action} refused'); END"
                )
        elif dialect == "postgresql":
            op.execute(
                f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
                f"BEGIN RAISE EXCEPTION '{table} are append-only: % refused', TG_OP; END; "
                "$$ LANGUAGE plpgsql"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
            )


def downgrade() -> None:
    op.drop_table('runs')
    op.drop_table('perceptual_hashes')
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.drop_index('ix_files_location_key')
        batch_op.drop_index('ix_files_location_dir')
        batch_op.drop_index(batch_op.f('ix_files_content_id'))

    op.drop_table('files')
    with op.batch_alter_table('event_objects', schema=None) as batch_op:
        batch_op.drop_index('ix_event_objects_object')

    op.drop_table('event_objects')
    op.drop_table('locations')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_type'))

    op.drop_table('events')
    with op.batch_alter_table('contents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contents_format'))

    op.drop_table('contents')
