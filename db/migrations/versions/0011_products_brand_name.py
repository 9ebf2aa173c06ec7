"""products: the brand index also orders by name

A brand filter on the product list (sorted by name) walked the name index on PostgreSQL
until it had a page of that brand: 3 s at a million products. With (brand, name, id) the
page is read in order from the brand's own part of the index. The old (brand) index is
dropped: the new one serves everything it did (the distinct-brands walk, the brand sort).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:00:00
"""

from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_products_brand', table_name='products')
    op.create_index('ix_products_brand_name_id', 'products', ['brand', 'name', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_products_brand_name_id', table_name='products')
    op.create_index('ix_products_brand', 'products', ['brand'], unique=False)
