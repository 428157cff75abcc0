"""PDQ: quality score and dihedral hashes of a perceptual hash

Revision ID: 0005_pdq
Revises: 0004_pg_paths
Create Date: 2026-12-04

PDQ (Meta's 256-bit photo hash) comes with a quality score (0..100: below 50 the picture is too
featureless for a match to mean anything) and eight dihedral hashes (the hash of the picture
rotated and mirrored, for matching a turned or mirrored copy). Both are kept beside the hash
value; other algorithms leave them empty. Existing catalogs get PDQ values with
``preservation scan --rehash``.

Frozen: never edit this file once released; add a new revision instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_pdq'
down_revision: str | None = '0004_pg_paths'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('perceptual_hashes') as batch:
        batch.add_column(sa.Column('quality', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('variants', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('perceptual_hashes') as batch:
        batch.drop_column('variants')
        batch.drop_column('quality')
