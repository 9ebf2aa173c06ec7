"""import_batches.last_batch_at: when a batched import last committed a batch

A batched product import commits a batch at a time; if its process dies, the batches it
committed stay, with their journal. The back office offers to undo or keep such an import,
but only once it has been quiet for a while: an import still running in another back
office commits a batch every second or so, and must not be undone under its feet.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 07:10:00
"""

from alembic import op
import sqlalchemy as sa
import db.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('last_batch_at', db.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('import_batches', schema=None) as batch_op:
        batch_op.drop_column('last_batch_at')
