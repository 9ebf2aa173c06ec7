"""back office for owners: the order list's indexes, a shipment's carrier, customers'
marketing consent and erasure, per-register printers, a pay-in/out's approver, the audit
log's filters, and the change log that carries live updates between processes on SQLite

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 01:38:40.720579
"""

from alembic import op
import sqlalchemy as sa
import db.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('change_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('origin', sa.String(length=36), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_log_user_id_id', ['user_id', 'id'], unique=False)

    with op.batch_alter_table('cash_movements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approver_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_cash_movements_approver_id_users'), 'users', ['approver_id'], ['id'])

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marketing_consent', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('erased_at', db.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carrier', sa.String(length=40), server_default='', nullable=False))
        batch_op.drop_index(batch_op.f('ix_orders_created_at'))
        batch_op.create_index('ix_orders_cashier_created', ['cashier_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_created_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_external_ref', ['external_ref'], unique=False)
        batch_op.create_index('ix_orders_kind_created', ['kind', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_payment_created', ['payment_status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_register_created', ['register_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_status_created', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_orders_total_id', ['total_minor', 'id'], unique=False)

    with op.batch_alter_table('registers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('printer_kind', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('printer_target', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('printer_kick_drawer', sa.Boolean(), nullable=True))

    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.create_index('ix_order_events_field_new_at', ['field', 'new', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('order_events', schema=None) as batch_op:
        batch_op.drop_index('ix_order_events_field_new_at')

    with op.batch_alter_table('registers', schema=None) as batch_op:
        batch_op.drop_column('printer_kick_drawer')
        batch_op.drop_column('printer_target')
        batch_op.drop_column('printer_kind')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_total_id')
        batch_op.drop_index('ix_orders_status_created')
        batch_op.drop_index('ix_orders_register_created')
        batch_op.drop_index('ix_orders_payment_created')
        batch_op.drop_index('ix_orders_kind_created')
        batch_op.drop_index('ix_orders_external_ref')
        batch_op.drop_index('ix_orders_created_id')
        batch_op.drop_index('ix_orders_cashier_created')
        batch_op.create_index(batch_op.f('ix_orders_created_at'), ['created_at'], unique=False)
        batch_op.drop_column('carrier')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('marketing_consent')

    with op.batch_alter_table('cash_movements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cash_movements_approver_id_users'), type_='foreignkey')
        batch_op.drop_column('approver_id')

    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_user_id_id')
        batch_op.drop_index('ix_audit_log_at')

    op.drop_table('change_log')
