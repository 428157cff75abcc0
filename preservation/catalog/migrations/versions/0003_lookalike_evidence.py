"""look-alike evidence cache

Revision ID: 0003_lookalikes
Revises: 0002
Create Date: 2026-11-22

Evidence for a look-alike pair (decoded pixels compared, geometry, difference statistics,
metadata deltas) is costly: full-resolution decodes of both files. It depends only on the two
byte sequences, so it is kept here keyed by the two SHA-256s (in the order compared: ``a`` is
the reference) and the evidence version; reports, evidence packages and the next
``preservation lookalikes`` re-use it. A cache: deleting rows loses nothing but time.

Frozen: never edit this file once released; add a new revision instead.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_lookalikes'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('lookalike_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256_a', sa.String(length=64), nullable=False),
    sa.Column('sha256_b', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('sha256_a', 'sha256_b', 'version', name='uq_lookalike_evidence_pair')
    )


def downgrade() -> None:
    op.drop_table('lookalike_evidence')
