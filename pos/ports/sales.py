"""Till sales: the records (carts, sales, refunds) and the repository protocol behind
``pos.services.cart`` (building a cart) and ``pos.services.checkout`` (paying for it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from pos.domain.pricing import Discount
from pos.domain.sale import CartStatus, NewOrder, NewPayment, OrderKind, tax_by_rate
from pos.ports.journal import JournalHead


@dataclass(frozen=True, slots=True)
class CartLineRow:
    """A cart line as stored, with the product facts pricing needs."""

    id: int
    product_id: int
    sku: str
    name: str
    quantity: int
    list_price_minor: int
    price_override_minor: int | None
    discount: Discount | None
    tax_rate: Decimal
    position: int
    on_hand: int
    allow_negative: bool
    cost_minor: int | None
    category_id: int | None

    @property
    def unit_price_minor(self) -> int:
        if self.price_override_minor is not None:
            return self.price_override_minor
        return self.list_price_minor


@dataclass(frozen=True, slots=True)
class TenderRow:
    id: int
    method: str
    amount_minor: int
    card_brand: str | None = None
    card_last4: str | None = None
    auth_code: str | None = None
    terminal_ref: str | None = None


@dataclass(frozen=True, slots=True)
class CartRow:
    id: int
    client_id: str
    register_id: int
    cashier_id: int
    customer_id: int | None
    customer_name: str
    status: CartStatus
    label: str
    discount: Discount | None
    lines: tuple[CartLineRow, ...]
    tenders: tuple[TenderRow, ...]
    updated_at: datetime
    pending_ref: str | None = None  # a card operation in flight on this cart


@dataclass(frozen=True, slots=True)
class CartLineView:
    id: int
    product_id: int
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    list_price_minor: int
    discount_label: str
    discount_minor: int
    total_minor: int
    tax_rate: Decimal


@dataclass(frozen=True, slots=True)
class CartView:
    """What the till shows: lines and totals, all computed by the domain pricing rules."""

    id: int
    client_id: str
    register_id: int
    status: CartStatus
    label: str
    customer_id: int | None
    customer_name: str
    currency: str
    lines: tuple[CartLineView, ...]
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    tax_by_rate: tuple[tuple[Decimal, int, int], ...]
    paid_minor: int  # card tenders already approved
    tenders: tuple[TenderRow, ...]
    cart_discount_label: str
    updated_at: datetime | None = None  # its last change (a held cart: when it was held)

    @property
    def due_minor(self) -> int:
        return self.total_minor - self.paid_minor

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True, slots=True)
class SaleLineView:
    id: int
    product_id: int | None
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    tax_rate: Decimal
    net_minor: int
    tax_minor: int
    total_minor: int
    refunded_quantity: int
    restock: bool


@dataclass(frozen=True, slots=True)
class SaleView:
    """A completed till sale, refund or void, as a receipt shows it."""

    id: int
    kind: OrderKind
    client_id: str | None
    register_id: int
    register_code: str
    receipt_no: int
    shift_id: int | None
    cashier: str
    customer_id: int | None
    customer_name: str
    original_id: int | None
    original_receipt_no: int | None
    currency: str
    tax_mode: str
    created_at: datetime
    lines: tuple[SaleLineView, ...]
    payments: tuple[NewPayment, ...]
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    tax_by_rate: tuple[tuple[Decimal, int, int], ...]
    journal_hash: str
    note: str = ""

    @property
    def change_minor(self) -> int:
        return -sum(p.amount_minor for p in self.payments if p.method == "change")


def sale_view(
    order: NewOrder,
    order_id: int,
    line_ids: list[int],
    register_code: str,
    cashier: str,
    customer_name: str,
    journal_hash: str,
    original_receipt_no: int | None = None,
) -> SaleView:
    """The view of an order just written, built from what was written (no read back)."""
    return SaleView(
        id=order_id,
        kind=order.kind,
        client_id=order.client_id,
        register_id=order.register_id or 0,
        register_code=register_code,
        receipt_no=order.receipt_no or 0,
        shift_id=order.shift_id,
        cashier=cashier,
        customer_id=order.customer_id,
        customer_name=customer_name,
        original_id=order.original_id,
        original_receipt_no=original_receipt_no,
        currency=order.currency,
        tax_mode=order.tax_mode,
        created_at=order.at,
        lines=tuple(
            SaleLineView(
                line_id,
                ln.product_id,
                ln.sku,
                ln.name,
                ln.quantity,
                ln.unit_price_minor,
                ln.discount_minor,
                ln.tax_rate,
                ln.net_minor,
                ln.tax_minor,
                ln.total_minor,
                0,
                ln.restock,
            )
            for line_id, ln in zip(line_ids, order.lines, strict=True)
        ),
        payments=order.payments,
        subtotal_minor=order.subtotal_minor,
        discount_minor=order.discount_minor,
        tax_minor=order.tax_minor,
        total_minor=order.total_minor,
        tax_by_rate=tax_by_rate(order.lines),
        journal_hash=journal_hash,
        note=order.note,
    )


@dataclass(frozen=True, slots=True)
class SaleStart:
    """A register advanced for a sale, under its row lock: the sale's receipt number, the
    open shift it falls in (None: no shift open), and its journal entry's place."""

    receipt_no: int
    shift_id: int | None
    journal: JournalHead


@dataclass(frozen=True, slots=True)
class SaleClaim:
    """A cart claimed for its sale: the settings' revision and the cashier's username as
    stored."""

    revision: str
    cashier: str


class SalesRepo(Protocol):
    # carts
    def open_cart_for(self, register_id: int, cashier_id: int) -> CartRow | None: ...

    def create_cart(self, client_id: str, register_id: int, cashier_id: int) -> CartRow: ...

    def cart(self, cart_id: int, *, lock: bool = False) -> CartRow | None: ...

    def held_carts(self, register_id: int) -> list[CartRow]: ...

    def add_line(self, cart_id: int, product_id: int, quantity: int) -> int: ...

    def claim(self, cart_id: int, user_id: int, token_hash: str, at: datetime) -> str | None:
        """Stamp and lock an open cart whose lines may change (no card payment taken or in
        flight), for a cashier whose session ``token_hash`` is good: the settings'
        revision, or None when refused."""
        ...

    def claim_sale(
        self, cart_id: int, user_id: int, token_hash: str, at: datetime
    ) -> SaleClaim | None:
        """Mark an open cart (no card payment in flight) done, for a cashier whose session
        is good; None when refused. The rest of the sale happens in the same transaction,
        so a refusal later on (a short payment, no shift) undoes it."""
        ...

    def start_sale(self, register_id: int, grand_total_add: int) -> SaleStart:
        """Advance the register's receipt number, journal sequence and grand total in one
        statement (the register row stays locked until the commit)."""
        ...

    def add_scanned(self, cart_id: int, code: str, quantity: int, most: int) -> int | None:
        """Add the active product with barcode ``code`` to its plain line (or a new last
        line), never past ``most`` units; the line's id, or None when nothing was added."""
        ...

    def add_product(self, cart_id: int, product_id: int, quantity: int, most: int) -> int | None:
        """The same as :meth:`add_scanned`, by product id."""
        ...

    def set_line_quantity(self, cart_id: int, line_id: int, quantity: int) -> None: ...

    def set_line_discount(
        self, cart_id: int, line_id: int, discount: Discount | None, approved_by: int | None
    ) -> None: ...

    def set_line_price(
        self, cart_id: int, line_id: int, price_override_minor: int | None, approved_by: int | None
    ) -> None: ...

    def delete_line(self, cart_id: int, line_id: int) -> None: ...

    def touch_cart(self, cart_id: int) -> None:
        """Stamp the cart's ``updated_at`` (after a change to its lines)."""
        ...

    def set_cart_discount(
        self, cart_id: int, discount: Discount | None, approved_by: int | None
    ) -> None: ...

    def set_cart_customer(self, cart_id: int, customer_id: int | None) -> None: ...

    def set_cart_status(
        self, cart_id: int, status: CartStatus, *, label: str | None = None
    ) -> None: ...

    def reassign_cart(self, cart_id: int, cashier_id: int) -> None:
        """Make ``cashier_id`` the cart's cashier and open it again (a recall)."""
        ...

    def add_tender(self, cart_id: int, tender: NewPayment) -> None: ...

    # sales
    def next_receipt_no(self, register_id: int) -> int: ...

    def insert_order(self, order: NewOrder) -> tuple[int, list[int]]: ...

    def sale(self, order_id: int) -> SaleView | None: ...

    def lock_order(self, order_id: int) -> None:
        """Hold the order's row lock until the transaction ends (PostgreSQL; SQLite's
        writers are serialised already)."""
        ...

    def sale_by_client_id(self, client_id: str) -> SaleView | None: ...

    def sale_by_receipt(self, register_code: str, receipt_no: int) -> SaleView | None: ...

    def refunded_quantities(self, order_id: int) -> dict[int, int]: ...

    def refunded_card_minor(self, order_id: int) -> int: ...

    def has_reversal(self, order_id: int, kind: OrderKind) -> bool: ...

    def last_sale(self, register_id: int) -> SaleView | None: ...
