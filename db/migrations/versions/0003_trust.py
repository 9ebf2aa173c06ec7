"""trust: card operations recorded before the terminal is called, staff sessions checked
on every call, escalating lockouts, and a cart's card operation in flight

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 00:31:59.973544
"""

from alembic import op
import sqlalchemy as sa
import db.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_sessions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('started_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_sessions_token_hash'))
    )
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('card_operations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ref', sa.String(length=40), nullable=False),
    sa.Column('group_ref', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('register_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cart_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('original_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('card_brand', sa.String(length=20), nullable=True),
    sa.Column('card_last4', sa.String(length=4), nullable=True),
    sa.Column('auth_code', sa.String(length=20), nullable=True),
    sa.Column('terminal_ref', sa.String(length=64), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], name=op.f('fk_card_operations_cart_id_carts')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_card_operations_order_id_orders')),
    sa.ForeignKeyConstraint(['original_id'], ['orders.id'], name=op.f('fk_card_operations_original_id_orders')),
    sa.ForeignKeyConstraint(['register_id'], ['registers.id'], name=op.f('fk_card_operations_register_id_registers')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_card_operations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_operations')),
    sa.UniqueConstraint('ref', name=op.f('uq_card_operations_ref'))
    )
    with op.batch_alter_table('card_operations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_operations_cart_id'), ['cart_id'], unique=False)
        batch_op.create_index('ix_card_operations_group_ref', ['group_ref'], unique=False)
        batch_op.create_index('ix_card_operations_original_id', ['original_id'], unique=False)
        batch_op.create_index('ix_card_operations_state', ['state', 'id'], unique=False)

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_ref', sa.String(length=40), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lockouts', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('lockouts')

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_column('pending_ref')

    with op.batch_alter_table('card_operations', schema=None) as batch_op:
        batch_op.drop_index('ix_card_operations_state')
        batch_op.drop_index('ix_card_operations_original_id')
        batch_op.drop_index('ix_card_operations_group_ref')
        batch_op.drop_index(batch_op.f('ix_card_operations_cart_id'))

    op.drop_table('card_operations')
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_sessions_user_id'))

    op.drop_table('staff_sessions')
