"""journal guard: rows hashed over every column (scheme 2), append-only triggers, entries
found by order, the Z close's journal entry on its shift

Rows written before this revision keep their hashes (scheme 1: sha256(prev_hash +
payload)); rewriting them would be exactly the recomputed chain the verifier must catch.
Cash movements were not journaled before this revision: the setting
``journal_cash_movements_from`` records the first movement id that must have an entry.

The triggers refuse UPDATE and DELETE of journal rows. (TRUNCATE fires no row trigger;
the tests empty PostgreSQL tables with it between tests.) A later migration that
recreates the journal table (SQLite batch mode) must create the triggers again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

MESSAGE = "the journal is append-only: corrections are new entries"
MOVEMENTS_FROM = "journal_cash_movements_from"


def upgrade() -> None:
    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheme', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_index(batch_op.f('ix_journal_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('z_seq', sa.BigInteger(), nullable=True))

    bind = op.get_bind()
    first = bind.execute(sa.text("SELECT COALESCE(MAX(id), 0) + 1 FROM cash_movements")).scalar()
    settings = sa.table('settings', sa.column('key', sa.String), sa.column('value', sa.JSON))
    op.bulk_insert(settings, [{'key': MOVEMENTS_FROM, 'value': int(first)}])

    if bind.dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON journal "
            "FOR EACH ROW EXECUTE FUNCTION journal_append_only()"
        )
    else:
        for event in ('UPDATE', 'DELETE'):
            op.execute(
                f"CREATE TRIGGER journal_no_{event.lower()} BEFORE {event} ON journal "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS journal_append_only ON journal")
        op.execute("DROP FUNCTION IF EXISTS journal_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS journal_no_update")
        op.execute("DROP TRIGGER IF EXISTS journal_no_delete")

    op.execute(sa.text("DELETE FROM settings WHERE key = :k").bindparams(k=MOVEMENTS_FROM))

    with op.batch_alter_table('shifts', schema=None) as batch_op:
        batch_op.drop_column('z_seq')

    with op.batch_alter_table('journal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_order_id'))
        batch_op.drop_column('scheme')
