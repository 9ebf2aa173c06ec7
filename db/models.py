"""The schema. Money columns end in ``_minor`` and hold integer minor units.

Schema changes go through Alembic (``db/migrations``); ``tests/integration/test_migrations``
checks that the migrations produce exactly these tables.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.types import DecimalText, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Integer primary keys: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def key_string(length: int) -> String:
    """A search-key column: byte (code point) order on both databases ("C" collation on
    PostgreSQL, SQLite's default BINARY), so ``key >= p AND key < p_next`` is an exact,
    indexed prefix match."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now_col() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=False)


class TaxClass(Base):
    __tablename__ = "tax_classes"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    rate: Mapped[Decimal] = mapped_column(DecimalText())  # 0.20 for 20 %


class TaxRate(Base):
    """A tax class's rate from a moment on: the history, and rates scheduled ahead.
    ``tax_classes.rate`` is the rate in force (what the till reads); a row becomes it at
    ``effective_from`` (``pos.services.tax_rates.apply_due_rates``, which sets
    ``applied_at``). Past orders keep the tax they were sold with on their own lines."""

    __tablename__ = "tax_rates"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tax_class_id: Mapped[int] = mapped_column(ForeignKey("tax_classes.id"), index=True)
    rate: Mapped[Decimal] = mapped_column(DecimalText())
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _now_col()


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_categories_parent_name"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    path: Mapped[str] = mapped_column(String(1000), unique=True)  # "Food/Dairy/Cheese"


class Supplier(Base):
    """Who a product is bought from; ``lead_time_days`` feeds the reorder suggestions."""

    __tablename__ = "suppliers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    lead_time_days: Mapped[int] = mapped_column(Integer, default=7)
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _now_col()


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_category_price", "category_id", "price_minor"),
        Index("ix_products_name_id", "name", "id"),
        Index("ix_products_brand_name_id", "brand", "name", "id"),  # brand filter + name sort
        Index("ix_products_price_id", "price_minor", "id"),
        Index("ix_products_created_id", "created_at", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    brand: Mapped[str] = mapped_column(String(120), default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    tax_class_id: Mapped[int] = mapped_column(ForeignKey("tax_classes.id"))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    cost_minor: Mapped[int | None] = mapped_column(BigInteger)
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_negative_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    low_stock_threshold: Mapped[int | None] = mapped_column(Integer)
    reorder_qty: Mapped[int | None] = mapped_column(Integer)  # how many to order at once
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("suppliers.id"), index=True)
    created_at: Mapped[datetime] = _now_col()
    updated_at: Mapped[datetime] = _now_col()


class Barcode(Base):
    __tablename__ = "barcodes"
    code: Mapped[str] = mapped_column(String(48), primary_key=True)  # GTIN-14 or as typed
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )


class StockMove(Base):
    """The stock ledger: one row per change of on-hand; on-hand is their running sum."""

    __tablename__ = "stock_moves"
    __table_args__ = (Index("ix_stock_moves_product_id_id", "product_id", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    delta: Mapped[int] = mapped_column(BigInteger)
    on_hand_after: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(24))  # sale, return, adjustment, ...
    note: Mapped[str] = mapped_column(String(500), default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _now_col()


class StockAlert(Base):
    __tablename__ = "stock_alerts"
    __table_args__ = (
        Index(
            "uq_stock_alerts_one_live",
            "product_id",
            unique=True,
            sqlite_where=text("state != 'resolved'"),
            postgresql_where=text("state != 'resolved'"),
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="open")
    on_hand: Mapped[int] = mapped_column(BigInteger)
    threshold: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = _now_col()
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StockCount(Base):
    """A stock take: the products chosen (a category, a supplier or a list), counted one
    by one; posted once, as one ledger row per difference."""

    __tablename__ = "stock_counts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    blind: Mapped[bool] = mapped_column(Boolean, default=False)  # expected hidden
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _now_col()
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StockCountLine(Base):
    """One product of a count. ``on_hand_at_count`` is the on-hand when ``counted`` was
    entered: posting applies ``counted - on_hand_at_count``, so a sale between counting
    and posting stays in the books."""

    __tablename__ = "stock_count_lines"
    __table_args__ = (
        UniqueConstraint("count_id", "product_id", name="uq_stock_count_lines_count_product"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_counts.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    counted: Mapped[int | None] = mapped_column(BigInteger)
    on_hand_at_count: Mapped[int | None] = mapped_column(BigInteger)
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PurchaseOrder(Base):
    """An order to a supplier: draft -> sent -> partly received -> received."""

    __tablename__ = "purchase_orders"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _now_col()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id", name="uq_purchase_order_lines_order_product"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, default=0)
    unit_cost_minor: Mapped[int | None] = mapped_column(BigInteger)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(100))
    pin_hash: Mapped[str | None] = mapped_column(String(100))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lockouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # in a row
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _now_col()


class StaffSession(Base):
    """A sign-in. Services take the token (kept here only as its SHA-256) and re-check on
    every call that the session is open and its user active, with the role stored now."""

    __tablename__ = "staff_sessions"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_at: Mapped[datetime] = _now_col()
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_user_id_id", "user_id", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = _now_col()
    action: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    register_id: Mapped[int | None] = mapped_column(ForeignKey("registers.id"))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Register(Base):
    """A till. Holds the counters that must never go backwards."""

    __tablename__ = "registers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    last_receipt_no: Mapped[int] = mapped_column(BigInteger, default=0)
    last_z_no: Mapped[int] = mapped_column(BigInteger, default=0)
    last_journal_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_journal_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)
    grand_total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # This register's receipt printer; NULL kind = the store's printer (settings).
    printer_kind: Mapped[str | None] = mapped_column(String(20))
    printer_target: Mapped[str | None] = mapped_column(String(200))
    printer_kick_drawer: Mapped[bool | None] = mapped_column(Boolean)


class Shift(Base):
    __tablename__ = "shifts"
    __table_args__ = (
        Index(
            "uq_shifts_one_open_per_register",
            "register_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id"), index=True)
    opened_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = _now_col()
    float_minor: Mapped[int] = mapped_column(BigInteger)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expected_cash_minor: Mapped[int | None] = mapped_column(BigInteger)
    counted_cash_minor: Mapped[int | None] = mapped_column(BigInteger)
    z_no: Mapped[int | None] = mapped_column(BigInteger)
    z_hash: Mapped[str | None] = mapped_column(String(64))
    z_seq: Mapped[int | None] = mapped_column(BigInteger)  # the Z close's journal entry
    counted_detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CashMovement(Base):
    __tablename__ = "cash_movements"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # pay_in, pay_out, drawer_open
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = _now_col()


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    external_ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="", index=True)
    email: Mapped[str | None] = mapped_column(key_string(254), index=True)  # stored lower-case
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    country: Mapped[str] = mapped_column(String(60), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    marketing_consent: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    # Set when the customer was erased on request (anonymised; their sales stay).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Search keys written by db.repositories.customers (pos.services.customers.search_key):
    # "first last" and "last first" folded and accent-free, and the phone's digits.
    name_key: Mapped[str] = mapped_column(key_string(300), default="", index=True)
    rname_key: Mapped[str] = mapped_column(key_string(300), default="", index=True)
    phone_key: Mapped[str] = mapped_column(key_string(40), default="", index=True)
    created_at: Mapped[datetime] = _now_col()
    updated_at: Mapped[datetime] = _now_col()


class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="shipping")
    name: Mapped[str] = mapped_column(String(200), default="")
    line1: Mapped[str] = mapped_column(String(200), default="")
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(60), default="")


class Cart(Base):
    """An open or held cart, saved on every change so a crash never loses it."""

    __tablename__ = "carts"
    __table_args__ = (Index("ix_carts_register_status", "register_id", "status"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id"))
    cashier_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")  # open, held, done, void
    label: Mapped[str] = mapped_column(String(100), default="")
    discount_kind: Mapped[str | None] = mapped_column(String(8))
    discount_value: Mapped[Decimal | None] = mapped_column(DecimalText())
    discount_approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The card operation in flight on this cart (its reference), if any: the cart cannot
    # change until the terminal's answer is recorded or reconciled.
    pending_ref: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = _now_col()
    updated_at: Mapped[datetime] = _now_col()


class CartLine(Base):
    __tablename__ = "cart_lines"
    # A product has at most one plain line (no price of its own, no discount) per cart:
    # scanning it again adds to that line, in one statement (an upsert on this key).
    __table_args__ = (
        Index(
            "uq_cart_lines_plain",
            "cart_id",
            "product_id",
            unique=True,
            sqlite_where=text("discount_kind IS NULL AND price_override_minor IS NULL"),
            postgresql_where=text("discount_kind IS NULL AND price_override_minor IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    price_override_minor: Mapped[int | None] = mapped_column(BigInteger)
    discount_kind: Mapped[str | None] = mapped_column(String(8))
    discount_value: Mapped[Decimal | None] = mapped_column(DecimalText())
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    position: Mapped[int] = mapped_column(Integer)


class CartTender(Base):
    """A card payment approved by the terminal while the cart is still open.

    Saved the moment the terminal approves, so a crash before the sale commits never
    loses track of money taken; completing the sale turns these into payments, and
    voiding the cart refunds them."""

    __tablename__ = "cart_tenders"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    auth_code: Mapped[str | None] = mapped_column(String(20))
    terminal_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = _now_col()


class CardOperation(Base):
    """One call to the card terminal, recorded before it is made (an intent) and resolved
    with the terminal's answer in a second transaction, or by reconciliation with the
    terminal after a crash (the terminal answers "what happened to reference X").

    ``purpose`` says what an approval means for the books: ``tender`` (a card payment on an
    open cart), ``refund`` or ``void`` (money back on a recorded sale; ``request`` holds
    what to record), ``clear`` (a tender given back when a cart is abandoned),
    ``reverse`` (a charge given back because it could not be recorded). The operations of
    one refund, void or clear share a ``group_ref``."""

    __tablename__ = "card_operations"
    __table_args__ = (
        Index("ix_card_operations_state", "state", "id"),
        Index("ix_card_operations_group_ref", "group_ref"),
        Index("ix_card_operations_original_id", "original_id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    group_ref: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(8))  # charge, refund
    purpose: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id"))
    cart_id: Mapped[int | None] = mapped_column(ForeignKey("carts.id"), index=True)
    original_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))  # recorded as
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    auth_code: Mapped[str | None] = mapped_column(String(20))
    terminal_ref: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = _now_col()
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Order(Base):
    """Every sale: till sales and refunds, online and phone orders, imported history.

    ``kind`` is sale, refund, online or history. A refund is an order of its own with
    negative lines, linked to the original by ``original_id``.
    """

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("register_id", "receipt_no", name="uq_orders_register_receipt"),
        UniqueConstraint("source", "external_ref", name="uq_orders_source_external_ref"),
        Index("ix_orders_customer_created", "customer_id", "created_at"),
        Index("ix_orders_shift_id", "shift_id"),
        Index("ix_orders_status_id", "status", "id"),  # order lists: keyset by id per status
        Index("ix_orders_kind_id", "kind", "id"),
        # The back office's order list: keyset on (created_at, id), alone or per filter.
        Index("ix_orders_created_id", "created_at", "id"),
        Index("ix_orders_status_created", "status", "created_at", "id"),
        Index("ix_orders_payment_created", "payment_status", "created_at", "id"),
        Index("ix_orders_kind_created", "kind", "created_at", "id"),
        Index("ix_orders_register_created", "register_id", "created_at", "id"),
        Index("ix_orders_cashier_created", "cashier_id", "created_at", "id"),
        Index("ix_orders_total_id", "total_minor", "id"),
        Index("ix_orders_external_ref", "external_ref"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    payment_status: Mapped[str] = mapped_column(String(12))
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    source: Mapped[str | None] = mapped_column(String(32))  # "storefront", "import:file"
    external_ref: Mapped[str | None] = mapped_column(String(64))
    register_id: Mapped[int | None] = mapped_column(ForeignKey("registers.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"))
    receipt_no: Mapped[int | None] = mapped_column(BigInteger)
    cashier_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    original_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    tax_mode: Mapped[str] = mapped_column(String(10))
    subtotal_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    total_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tracking_number: Mapped[str] = mapped_column(String(64), default="")
    carrier: Mapped[str] = mapped_column(String(40), default="", server_default="")
    country: Mapped[str] = mapped_column(String(60), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = _now_col()
    updated_at: Mapped[datetime] = _now_col()


class OrderLine(Base):
    __tablename__ = "order_lines"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"), index=True)
    original_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_lines.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(BigInteger)  # negative on a refund
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_rate: Mapped[Decimal] = mapped_column(DecimalText())
    net_minor: Mapped[int] = mapped_column(BigInteger)
    tax_minor: Mapped[int] = mapped_column(BigInteger)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    cost_minor: Mapped[int | None] = mapped_column(BigInteger)  # unit cost at the time
    restock: Mapped[bool] = mapped_column(Boolean, default=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))


class Payment(Base):
    """A tender. Change given is a payment row of its own (method ``change``, negative)."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # cash, card, change, rounding, other
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    auth_code: Mapped[str | None] = mapped_column(String(20))
    terminal_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = _now_col()


class OrderEvent(Base):
    """History of an order's status and payment-status changes."""

    __tablename__ = "order_events"
    # Reports find the online orders refunded in a period by their payment events.
    __table_args__ = (Index("ix_order_events_field_new_at", "field", "new", "at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = _now_col()
    field: Mapped[str] = mapped_column(String(16))
    old: Mapped[str] = mapped_column(String(16))
    new: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(300), default="")


class JournalEntry(Base):
    """The fiscal journal (rules in ``pos.domain.journal``). Append-only: database
    triggers (migration 0004) refuse UPDATE and DELETE of its rows."""

    __tablename__ = "journal"
    __table_args__ = (UniqueConstraint("register_id", "seq", name="uq_journal_register_seq"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    # sale, refund, void, pay_in, pay_out, drawer_open, z_close
    kind: Mapped[str] = mapped_column(String(16))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _now_col()
    # How ``hash`` is made: 1 for rows written before migration 0004, 2 for every row since.
    scheme: Mapped[int] = mapped_column(Integer, server_default="1")


class ChangeLogEntry(Base):
    """Live updates between processes on one SQLite file (``db.changes``): a row per
    event, written in the transaction of the change; other processes notice the commit
    through ``PRAGMA data_version`` and read the rows after the last one they saw. Only
    the latest rows are kept. (PostgreSQL carries the same events by NOTIFY instead.)"""

    __tablename__ = "change_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    origin: Mapped[str] = mapped_column(String(36))
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = _now_col()


class ImportBatch(Base):
    """One imported file: makes re-imports of the same history add nothing."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(500))
    rows_ok: Mapped[int] = mapped_column(Integer, default=0)
    rows_bad: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = _now_col()
    # a batched product import's last committed batch (a quiet one that left its journal
    # behind stopped before it finished: pos.services.catalog_import.unfinished_imports)
    last_batch_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportJournalEntry(Base):
    """What one batch of a product import changed, so that a cancelled import can be undone
    after some of its batches were committed (``pos.services.catalog_import``): a created
    product or category, a barcode added or removed, a stock change, or an updated
    product's prior values (the columns below ``code``, copied from its row)."""

    __tablename__ = "import_journal"
    __table_args__ = (Index("ix_import_journal_batch_kind", "batch_id", "kind"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batches.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    product_id: Mapped[int | None] = mapped_column(BigInteger)  # no reference: undo deletes
    code: Mapped[str | None] = mapped_column(String(48))
    delta: Mapped[int | None] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    brand: Mapped[str | None] = mapped_column(String(120))
    category_id: Mapped[int | None] = mapped_column(BigInteger)
    tax_class_id: Mapped[int | None] = mapped_column(BigInteger)
    price_minor: Mapped[int | None] = mapped_column(BigInteger)
    cost_minor: Mapped[int | None] = mapped_column(BigInteger)
    low_stock_threshold: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def table(model: type[Base]) -> Table:
    """A model's Core table, for the hot paths that skip the ORM unit of work."""
    return cast(Table, model.__table__)


import db.models_recommend  # noqa: E402, F401  (its tables belong to Base.metadata)
from db import models_sync  # noqa: E402, F401  (its tables belong to Base.metadata)
