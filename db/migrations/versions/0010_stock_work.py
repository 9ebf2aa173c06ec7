"""stock counts and purchase orders

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 03:55:00
"""

from alembic import op
import sqlalchemy as sa
import db.types


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('stock_counts',
    sa.Column('id', BigId, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_by', BigId, nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('posted_by', BigId, nullable=True),
    sa.Column('posted_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_stock_counts_created_by_users')),
    sa.ForeignKeyConstraint(['posted_by'], ['users.id'], name=op.f('fk_stock_counts_posted_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_counts'))
    )
    op.create_index(op.f('ix_stock_counts_state'), 'stock_counts', ['state'], unique=False)
    op.create_table('stock_count_lines',
    sa.Column('id', BigId, nullable=False),
    sa.Column('count_id', BigId, nullable=False),
    sa.Column('product_id', BigId, nullable=False),
    sa.Column('counted', sa.BigInteger(), nullable=True),
    sa.Column('on_hand_at_count', sa.BigInteger(), nullable=True),
    sa.Column('counted_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['count_id'], ['stock_counts.id'], name=op.f('fk_stock_count_lines_count_id_stock_counts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_count_lines_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_count_lines')),
    sa.UniqueConstraint('count_id', 'product_id', name='uq_stock_count_lines_count_product')
    )
    op.create_index(op.f('ix_stock_count_lines_product_id'), 'stock_count_lines', ['product_id'], unique=False)
    op.create_table('purchase_orders',
    sa.Column('id', BigId, nullable=False),
    sa.Column('supplier_id', BigId, nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by', BigId, nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_purchase_orders_created_by_users')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_purchase_orders_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders'))
    )
    op.create_index(op.f('ix_purchase_orders_state'), 'purchase_orders', ['state'], unique=False)
    op.create_index(op.f('ix_purchase_orders_supplier_id'), 'purchase_orders', ['supplier_id'], unique=False)
    op.create_table('purchase_order_lines',
    sa.Column('id', BigId, nullable=False),
    sa.Column('order_id', BigId, nullable=False),
    sa.Column('product_id', BigId, nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('received', sa.Integer(), nullable=False),
    sa.Column('unit_cost_minor', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_order_lines_order_id_purchase_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_purchase_order_lines_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_lines')),
    sa.UniqueConstraint('order_id', 'product_id', name='uq_purchase_order_lines_order_product')
    )
    op.create_index(op.f('ix_purchase_order_lines_product_id'), 'purchase_order_lines', ['product_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_purchase_order_lines_product_id'), table_name='purchase_order_lines')
    op.drop_table('purchase_order_lines')
    op.drop_index(op.f('ix_purchase_orders_supplier_id'), table_name='purchase_orders')
    op.drop_index(op.f('ix_purchase_orders_state'), table_name='purchase_orders')
    op.drop_table('purchase_orders')
    op.drop_index(op.f('ix_stock_count_lines_product_id'), table_name='stock_count_lines')
    op.drop_table('stock_count_lines')
    op.drop_index(op.f('ix_stock_counts_state'), table_name='stock_counts')
    op.drop_table('stock_counts')
