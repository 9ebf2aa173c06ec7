"""recommendations: "often bought together" counts (see db/models_recommend.py)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 06:47:34.005524
"""

from alembic import op
import sqlalchemy as sa
import db.types


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recommend_pending',
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('since', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('order_id', name=op.f('pk_recommend_pending'))
    )
    op.create_table('recommend_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_order_id', sa.BigInteger(), nullable=False),
    sa.Column('orders_counted', sa.BigInteger(), nullable=False),
    sa.Column('pair_orders_counted', sa.BigInteger(), nullable=False),
    sa.Column('max_basket', sa.Integer(), nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommend_state'))
    )
    op.create_table('recommend_pairs',
    sa.Column('product_a', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('product_b', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('order_count', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('product_a < product_b', name=op.f('ck_recommend_pairs_ordered')),
    sa.PrimaryKeyConstraint('product_a', 'product_b', name=op.f('pk_recommend_pairs')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('recommend_pairs', schema=None) as batch_op:
        batch_op.create_index('ix_recommend_pairs_a_count', ['product_a', 'order_count'], unique=False)
        batch_op.create_index('ix_recommend_pairs_b_count', ['product_b', 'order_count'], unique=False)

    op.create_table('recommend_products',
    sa.Column('product_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('order_count', sa.BigInteger(), nullable=False),
    sa.Column('pair_order_count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_recommend_products')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('recommend_products', schema=None) as batch_op:
        batch_op.create_index('ix_recommend_products_order_count', ['order_count', 'product_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recommend_products', schema=None) as batch_op:
        batch_op.drop_index('ix_recommend_products_order_count')

    op.drop_table('recommend_products')
    with op.batch_alter_table('recommend_pairs', schema=None) as batch_op:
        batch_op.drop_index('ix_recommend_pairs_b_count')
        batch_op.drop_index('ix_recommend_pairs_a_count')

    op.drop_table('recommend_pairs')
    op.drop_table('recommend_state')
    op.drop_table('recommend_pending')
