"""a product import's journal (a cancelled batched import is undone from it); tax rates by date

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 03:55:00.000000
"""

from alembic import op
import sqlalchemy as sa
import db.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('import_journal',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('product_id', sa.BigInteger(), nullable=True),
    sa.Column('code', sa.String(length=48), nullable=True),
    sa.Column('delta', sa.BigInteger(), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('brand', sa.String(length=120), nullable=True),
    sa.Column('category_id', sa.BigInteger(), nullable=True),
    sa.Column('tax_class_id', sa.BigInteger(), nullable=True),
    sa.Column('price_minor', sa.BigInteger(), nullable=True),
    sa.Column('cost_minor', sa.BigInteger(), nullable=True),
    sa.Column('low_stock_threshold', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batches.id'], name=op.f('fk_import_journal_batch_id_import_batches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_journal'))
    )
    with op.batch_alter_table('import_journal', schema=None) as batch_op:
        batch_op.create_index('ix_import_journal_batch_kind', ['batch_id', 'kind'], unique=False)

    op.create_table('tax_rates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('tax_class_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('rate', db.types.DecimalText(length=24), nullable=False),
    sa.Column('effective_from', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applied_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_tax_rates_created_by_users')),
    sa.ForeignKeyConstraint(['tax_class_id'], ['tax_classes.id'], name=op.f('fk_tax_rates_tax_class_id_tax_classes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tax_rates'))
    )
    with op.batch_alter_table('tax_rates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tax_rates_tax_class_id'), ['tax_class_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tax_rates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tax_rates_tax_class_id'))

    op.drop_table('tax_rates')
    with op.batch_alter_table('import_journal', schema=None) as batch_op:
        batch_op.drop_index('ix_import_journal_batch_kind')

    op.drop_table('import_journal')
