"""the till's fast path: one plain line per product and cart (a scan is one upsert)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

PLAIN = "discount_kind IS NULL AND price_override_minor IS NULL"


def upgrade() -> None:
    # Carts written before this rule may hold two plain lines of one product (a discount
    # taken off a line made it plain again): fold each into its first line.
    op.execute(
        f"""
        UPDATE cart_lines SET quantity = (
            SELECT SUM(d.quantity) FROM cart_lines d
            WHERE d.cart_id = cart_lines.cart_id AND d.product_id = cart_lines.product_id
              AND d.discount_kind IS NULL AND d.price_override_minor IS NULL
        )
        WHERE {PLAIN} AND id IN (
            SELECT MIN(id) FROM cart_lines WHERE {PLAIN}
            GROUP BY cart_id, product_id HAVING COUNT(*) > 1
        )
        """
    )
    op.execute(
        f"""
        DELETE FROM cart_lines WHERE {PLAIN} AND id NOT IN (
            SELECT MIN(id) FROM cart_lines WHERE {PLAIN} GROUP BY cart_id, product_id
        )
        """
    )
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.create_index(
            'uq_cart_lines_plain',
            ['cart_id', 'product_id'],
            unique=True,
            sqlite_where=sa.text(PLAIN),
            postgresql_where=sa.text(PLAIN),
        )


def downgrade() -> None:
    with op.batch_alter_table('cart_lines', schema=None) as batch_op:
        batch_op.drop_index('uq_cart_lines_plain')
