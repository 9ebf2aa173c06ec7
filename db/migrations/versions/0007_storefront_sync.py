"""storefront sync: the link to the online store (its cursor and the cycle lease), the
product mapping, the outbox of local changes, the inbox of online orders and the sync log

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 01:45:07.824235
"""

from alembic import op
import sqlalchemy as sa
import db.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_log'))
    )
    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.create_index('ix_sync_log_level_id', ['level', 'id'], unique=False)

    op.create_table('sync_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('topic', sa.String(length=8), nullable=False),
    sa.Column('key', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='', nullable=False),
    sa.Column('note', sa.String(length=200), server_default='', nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_outbox'))
    )
    with op.batch_alter_table('sync_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_sync_outbox_topic_id', ['topic', 'id'], unique=False)

    op.create_table('sync_products',
    sa.Column('product_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('remote_id', sa.String(length=64), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('fingerprint', sa.String(length=16), nullable=True),
    sa.Column('pushed', sa.JSON(), nullable=True),
    sa.Column('pushed_stock', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.String(length=500), server_default='', nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('product_id', name=op.f('pk_sync_products')),
    sa.UniqueConstraint('remote_id', name=op.f('uq_sync_products_remote_id'))
    )
    with op.batch_alter_table('sync_products', schema=None) as batch_op:
        batch_op.create_index('ix_sync_products_state', ['state', 'product_id'], unique=False)

    op.create_table('sync_remote_products',
    sa.Column('remote_id', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('price_minor', sa.BigInteger(), nullable=True),
    sa.Column('doc', sa.JSON(), nullable=False),
    sa.Column('decision', sa.String(length=8), server_default='', nullable=False),
    sa.PrimaryKeyConstraint('remote_id', name=op.f('pk_sync_remote_products'))
    )
    op.create_table('sync_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('base_url', sa.String(length=500), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('orders_cursor', sa.String(length=40), server_default='', nullable=False),
    sa.Column('mapped_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('interval_seconds', sa.Integer(), server_default='60', nullable=False),
    sa.Column('last_cycle_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_cycle_ok', sa.Boolean(), nullable=True),
    sa.Column('last_summary', sa.JSON(), nullable=False),
    sa.Column('last_error', sa.String(length=1000), server_default='', nullable=False),
    sa.Column('lease_holder', sa.String(length=120), nullable=True),
    sa.Column('lease_until', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sync_link_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_link'))
    )
    op.create_table('sync_orders',
    sa.Column('remote_id', sa.String(length=64), nullable=False),
    sa.Column('remote_updated', sa.String(length=40), nullable=False),
    sa.Column('doc', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('remote_status', sa.String(length=16), server_default='', nullable=False),
    sa.Column('error', sa.String(length=500), server_default='', nullable=False),
    sa.Column('received_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('applied_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_sync_orders_order_id_orders')),
    sa.PrimaryKeyConstraint('remote_id', name=op.f('pk_sync_orders'))
    )
    with op.batch_alter_table('sync_orders', schema=None) as batch_op:
        batch_op.create_index('ix_sync_orders_applied_at', ['applied_at'], unique=False)
        batch_op.create_index('ix_sync_orders_state', ['state', 'remote_updated'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sync_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_orders_state')
        batch_op.drop_index('ix_sync_orders_applied_at')

    op.drop_table('sync_orders')
    op.drop_table('sync_link')
    op.drop_table('sync_remote_products')
    with op.batch_alter_table('sync_products', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_products_state')

    op.drop_table('sync_products')
    with op.batch_alter_table('sync_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_outbox_topic_id')

    op.drop_table('sync_outbox')
    with op.batch_alter_table('sync_log', schema=None) as batch_op:
        batch_op.drop_index('ix_sync_log_level_id')

    op.drop_table('sync_log')
