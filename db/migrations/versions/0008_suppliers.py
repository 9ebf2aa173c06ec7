"""suppliers, and each product's supplier and reorder quantity

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 03:43:47.476281
"""

from alembic import op
import sqlalchemy as sa
import db.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('suppliers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppliers')),
    sa.UniqueConstraint('name', name=op.f('uq_suppliers_name'))
    )
    if op.get_bind().dialect.name == "sqlite":
        # A batch (copy-and-move) of products would drop its search triggers and rewrite
        # every row; SQLite adds a nullable column with a reference in place.
        op.execute("ALTER TABLE products ADD COLUMN reorder_qty INTEGER")
        op.execute(
            "ALTER TABLE products ADD COLUMN supplier_id INTEGER"
            " CONSTRAINT fk_products_supplier_id_suppliers REFERENCES suppliers (id)"
        )
        op.create_index('ix_products_supplier_id', 'products', ['supplier_id'])
    else:
        with op.batch_alter_table('products', schema=None) as batch_op:
            batch_op.add_column(sa.Column('reorder_qty', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('supplier_id', sa.BigInteger(), nullable=True))
            batch_op.create_index(batch_op.f('ix_products_supplier_id'), ['supplier_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_products_supplier_id_suppliers'), 'suppliers', ['supplier_id'], ['id'])



def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('products', schema=None) as batch_op:
        if not sqlite:  # SQLite's copy simply leaves the column, and its reference, out
            batch_op.drop_constraint(batch_op.f('fk_products_supplier_id_suppliers'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_products_supplier_id'))
        batch_op.drop_column('supplier_id')
        batch_op.drop_column('reorder_qty')
    if sqlite:
        # the batch copied products into a new table; its search triggers went with the old
        for statement in _SQLITE_SEARCH_TRIGGERS:
            op.execute(statement)

    op.drop_table('suppliers')


# The search triggers of 0001_initial_schema, as they were written there.
_SQLITE_SEARCH_TRIGGERS = [
    """CREATE TRIGGER products_search_ai AFTER INSERT ON products BEGIN
        INSERT INTO product_search(rowid, name, brand, sku, description)
        VALUES (new.id, new.name, new.brand, new.sku, new.description);
    END""",
    """CREATE TRIGGER products_search_ad AFTER DELETE ON products BEGIN
        INSERT INTO product_search(product_search, rowid, name, brand, sku, description)
        VALUES ('delete', old.id, old.name, old.brand, old.sku, old.description);
    END""",
    """CREATE TRIGGER products_search_au AFTER UPDATE OF name, brand, sku, description
        ON products BEGIN
        INSERT INTO product_search(product_search, rowid, name, brand, sku, description)
        VALUES ('delete', old.id, old.name, old.brand, old.sku, old.description);
        INSERT INTO product_search(rowid, name, brand, sku, description)
        VALUES (new.id, new.name, new.brand, new.sku, new.description);
    END""",
]
