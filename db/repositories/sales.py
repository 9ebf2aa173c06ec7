"""Carts and till sales."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from db.models import (
    Cart,
    CartLine,
    CartTender,
    Customer,
    JournalEntry,
    Order,
    OrderLine,
    Payment,
    Product,
    Register,
    TaxClass,
    User,
    table,
)
from db.repositories.order_rows import write_order
from db.types import utcnow
from pos.domain.pricing import Discount, DiscountKind
from pos.domain.sale import CartStatus, NewOrder, NewPayment, OrderKind, tax_by_rate
from pos.ports.sales import CartLineRow, CartRow, SaleLineView, SaleView, TenderRow

_carts, _lines, _tenders = table(Cart), table(CartLine), table(CartTender)
_products, _tax, _customers = table(Product), table(TaxClass), table(Customer)
_CART = (
    select(
        _carts.c.id,
        _carts.c.client_id,
        _carts.c.register_id,
        _carts.c.cashier_id,
        _carts.c.customer_id,
        _customers.c.first_name,
        _customers.c.last_name,
        _carts.c.status,
        _carts.c.label,
        _carts.c.discount_kind,
        _carts.c.discount_value,
        _carts.c.updated_at,
        _carts.c.pending_ref,
    )
    .outerjoin(_customers, _customers.c.id == _carts.c.customer_id)
    .where(_carts.c.id == bindparam("cid"))
)
_CART_LOCKED = _CART.with_for_update(of=_carts)
_CART_LINES = (
    select(
        _lines.c.id,
        _lines.c.product_id,
        _products.c.sku,
        _products.c.name,
        _lines.c.quantity,
        _products.c.price_minor,
        _lines.c.price_override_minor,
        _lines.c.discount_kind,
        _lines.c.discount_value,
        _tax.c.rate,
        _lines.c.position,
        _products.c.on_hand,
        _products.c.allow_negative_stock,
        _products.c.cost_minor,
        _products.c.category_id,
    )
    .join(_products, _products.c.id == _lines.c.product_id)
    .join(_tax, _tax.c.id == _products.c.tax_class_id)
    .where(_lines.c.cart_id == bindparam("cid"))
    .order_by(_lines.c.position, _lines.c.id)
)
_CART_TENDERS = (
    select(
        _tenders.c.id,
        _tenders.c.method,
        _tenders.c.amount_minor,
        _tenders.c.card_brand,
        _tenders.c.card_last4,
        _tenders.c.auth_code,
        _tenders.c.terminal_ref,
    )
    .where(_tenders.c.cart_id == bindparam("cid"))
    .order_by(_tenders.c.id)
)
_registers = table(Register)
_NEXT_RECEIPT = (
    update(_registers)
    .where(_registers.c.id == bindparam("rid"))
    .values(last_receipt_no=_registers.c.last_receipt_no + 1)
    .returning(_registers.c.last_receipt_no)
)


def _discount(kind: str | None, value: Decimal | None) -> Discount | None:
    if kind is None or value is None:
        return None
    return Discount(DiscountKind(kind), value)


class SqlSalesRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    # ---- carts -------------------------------------------------------------------
    def open_cart_for(self, register_id: int, cashier_id: int) -> CartRow | None:
        cart_id = self.s.execute(
            select(Cart.id)
            .where(
                Cart.register_id == register_id,
                Cart.cashier_id == cashier_id,
                Cart.status == CartStatus.OPEN,
            )
            .order_by(Cart.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return None if cart_id is None else self.cart(cart_id)

    def create_cart(self, client_id: str, register_id: int, cashier_id: int) -> CartRow:
        cart = Cart(client_id=client_id, register_id=register_id, cashier_id=cashier_id)
        self.s.add(cart)
        self.s.flush()
        row = self.cart(cart.id)
        assert row is not None
        return row

    def cart(self, cart_id: int, *, lock: bool = False) -> CartRow | None:
        """A cart with its lines and tenders (three indexed Core queries: this runs on
        every scan). ``lock`` takes the cart row's lock on PostgreSQL, so two tills
        paying the same cart queue and the second sees it done."""
        conn = self.s.connection()
        found = conn.execute(_CART_LOCKED if lock else _CART, {"cid": cart_id}).one_or_none()
        if found is None:
            return None
        lines = conn.execute(_CART_LINES, {"cid": cart_id}).all()
        tenders = conn.execute(_CART_TENDERS, {"cid": cart_id}).all()
        return CartRow(
            id=found.id,
            client_id=found.client_id,
            register_id=found.register_id,
            cashier_id=found.cashier_id,
            customer_id=found.customer_id,
            customer_name=" ".join(x for x in (found.first_name, found.last_name) if x),
            status=CartStatus(found.status),
            label=found.label,
            discount=_discount(found.discount_kind, found.discount_value),
            lines=tuple(
                CartLineRow(
                    id=ln.id,
                    product_id=ln.product_id,
                    sku=ln.sku,
                    name=ln.name,
                    quantity=ln.quantity,
                    list_price_minor=ln.price_minor,
                    price_override_minor=ln.price_override_minor,
                    discount=_discount(ln.discount_kind, ln.discount_value),
                    tax_rate=ln.rate,
                    position=ln.position,
                    on_hand=ln.on_hand,
                    allow_negative=ln.allow_negative_stock,
                    cost_minor=ln.cost_minor,
                    category_id=ln.category_id,
                )
                for ln in lines
            ),
            tenders=tuple(TenderRow(*t) for t in tenders),
            updated_at=found.updated_at,
            pending_ref=found.pending_ref,
        )

    def held_carts(self, register_id: int) -> list[CartRow]:
        ids = self.s.execute(
            select(Cart.id)
            .where(Cart.register_id == register_id, Cart.status == CartStatus.HELD)
            .order_by(Cart.updated_at)
        ).scalars()
        return [row for i in ids if (row := self.cart(i)) is not None]

    def add_line(self, cart_id: int, product_id: int, quantity: int) -> int:
        position = self.s.execute(
            select(func.coalesce(func.max(CartLine.position), 0)).where(CartLine.cart_id == cart_id)
        ).scalar_one()
        line = CartLine(
            cart_id=cart_id, product_id=product_id, quantity=quantity, position=position + 1
        )
        self.s.add(line)
        self.s.flush()
        return line.id

    def _line(self, cart_id: int, line_id: int, **values: object) -> None:
        self.s.execute(
            update(CartLine)
            .where(CartLine.id == line_id, CartLine.cart_id == cart_id)
            .values(**values)
        )

    def set_line_quantity(self, cart_id: int, line_id: int, quantity: int) -> None:
        self._line(cart_id, line_id, quantity=quantity)

    def set_line_discount(
        self, cart_id: int, line_id: int, discount: Discount | None, approved_by: int | None
    ) -> None:
        self._line(
            cart_id,
            line_id,
            discount_kind=discount.kind.value if discount else None,
            discount_value=discount.value if discount else None,
            approved_by=approved_by,
        )

    def set_line_price(
        self, cart_id: int, line_id: int, price_override_minor: int | None, approved_by: int | None
    ) -> None:
        self._line(
            cart_id, line_id, price_override_minor=price_override_minor, approved_by=approved_by
        )

    def delete_line(self, cart_id: int, line_id: int) -> None:
        self.s.execute(delete(CartLine).where(CartLine.id == line_id, CartLine.cart_id == cart_id))

    def _cart(self, cart_id: int, **values: object) -> None:
        self.s.execute(update(Cart).where(Cart.id == cart_id).values(updated_at=utcnow(), **values))

    def touch_cart(self, cart_id: int) -> None:
        self._cart(cart_id)

    def set_cart_discount(
        self, cart_id: int, discount: Discount | None, approved_by: int | None
    ) -> None:
        self._cart(
            cart_id,
            discount_kind=discount.kind.value if discount else None,
            discount_value=discount.value if discount else None,
            discount_approved_by=approved_by,
        )

    def set_cart_customer(self, cart_id: int, customer_id: int | None) -> None:
        self._cart(cart_id, customer_id=customer_id)

    def set_cart_status(
        self, cart_id: int, status: CartStatus, *, label: str | None = None
    ) -> None:
        if label is None:
            self._cart(cart_id, status=status.value)
        else:
            self._cart(cart_id, status=status.value, label=label)

    def reassign_cart(self, cart_id: int, cashier_id: int) -> None:
        self._cart(cart_id, status=CartStatus.OPEN.value, cashier_id=cashier_id)

    def add_tender(self, cart_id: int, tender: NewPayment) -> None:
        self.s.add(
            CartTender(
                cart_id=cart_id,
                method=tender.method,
                amount_minor=tender.amount_minor,
                card_brand=tender.card_brand,
                card_last4=tender.card_last4,
                auth_code=tender.auth_code,
                terminal_ref=tender.terminal_ref,
            )
        )
        self.s.flush()

    # ---- sales -------------------------------------------------------------------
    def next_receipt_no(self, register_id: int) -> int:
        """Gap-free: the counter moves in the sale's own transaction (rolled back with it)."""
        return int(self.s.connection().execute(_NEXT_RECEIPT, {"rid": register_id}).scalar_one())

    def insert_order(self, order: NewOrder) -> tuple[int, list[int]]:
        return write_order(self.s.connection(), order)

    def lock_order(self, order_id: int) -> None:
        self.s.execute(select(Order.id).where(Order.id == order_id).with_for_update())

    def sale(self, order_id: int) -> SaleView | None:
        found = self.s.execute(
            select(Order, Register.code, User.username, Customer.first_name, Customer.last_name)
            .join(Register, Register.id == Order.register_id)
            .outerjoin(User, User.id == Order.cashier_id)
            .outerjoin(Customer, Customer.id == Order.customer_id)
            .where(Order.id == order_id, Order.kind.in_(("sale", "refund", "void")))
        ).one_or_none()
        if found is None:
            return None
        o, code, cashier, first, last = found
        lines = (
            self.s.execute(
                select(OrderLine).where(OrderLine.order_id == o.id).order_by(OrderLine.id)
            )
            .scalars()
            .all()
        )
        refunded = self.refunded_quantities(o.id) if o.kind == "sale" else {}
        payments = self.s.execute(
            select(Payment).where(Payment.order_id == o.id).order_by(Payment.id)
        ).scalars()
        journal_hash = self.s.execute(
            select(JournalEntry.hash).where(JournalEntry.order_id == o.id).limit(1)
        ).scalar_one_or_none()
        original_no = None
        if o.original_id is not None:
            original_no = self.s.execute(
                select(Order.receipt_no).where(Order.id == o.original_id)
            ).scalar_one_or_none()
        return SaleView(
            id=o.id,
            kind=OrderKind(o.kind),
            client_id=o.client_id,
            register_id=o.register_id or 0,
            register_code=code,
            receipt_no=o.receipt_no or 0,
            shift_id=o.shift_id,
            cashier=cashier or "",
            customer_id=o.customer_id,
            customer_name=" ".join(x for x in (first, last) if x),
            original_id=o.original_id,
            original_receipt_no=original_no,
            currency=o.currency,
            tax_mode=o.tax_mode,
            created_at=o.created_at,
            lines=tuple(
                SaleLineView(
                    ln.id,
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
                    refunded.get(ln.id, 0),
                    ln.restock,
                )
                for ln in lines
            ),
            payments=tuple(
                NewPayment(
                    p.method,
                    p.amount_minor,
                    p.card_brand,
                    p.card_last4,
                    p.auth_code,
                    p.terminal_ref,
                )
                for p in payments
            ),
            subtotal_minor=o.subtotal_minor,
            discount_minor=o.discount_minor,
            tax_minor=o.tax_minor,
            total_minor=o.total_minor,
            tax_by_rate=tax_by_rate(lines),
            journal_hash=journal_hash or "",
            note=o.note,
        )

    def sale_by_client_id(self, client_id: str) -> SaleView | None:
        order_id = self.s.execute(
            select(Order.id).where(Order.client_id == client_id)
        ).scalar_one_or_none()
        return None if order_id is None else self.sale(order_id)

    def sale_by_receipt(self, register_code: str, receipt_no: int) -> SaleView | None:
        order_id = self.s.execute(
            select(Order.id)
            .join(Register, Register.id == Order.register_id)
            .where(Register.code == register_code, Order.receipt_no == receipt_no)
        ).scalar_one_or_none()
        return None if order_id is None else self.sale(order_id)

    def refunded_quantities(self, order_id: int) -> dict[int, int]:
        rows = self.s.execute(
            select(OrderLine.original_line_id, func.sum(OrderLine.quantity))
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.original_id == order_id, OrderLine.original_line_id.is_not(None))
            .group_by(OrderLine.original_line_id)
        )
        return {int(line_id): -int(qty) for line_id, qty in rows if line_id is not None and qty}

    def refunded_card_minor(self, order_id: int) -> int:
        total = self.s.execute(
            select(func.coalesce(func.sum(Payment.amount_minor), 0))
            .join(Order, Order.id == Payment.order_id)
            .where(Order.original_id == order_id, Payment.method == "card")
        ).scalar_one()
        return -int(total)

    def has_reversal(self, order_id: int, kind: OrderKind) -> bool:
        return (
            self.s.execute(
                select(Order.id).where(Order.original_id == order_id, Order.kind == kind).limit(1)
            ).first()
            is not None
        )

    def last_sale(self, register_id: int) -> SaleView | None:
        order_id = self.s.execute(
            select(Order.id)
            .where(Order.register_id == register_id, Order.receipt_no.is_not(None))
            .order_by(Order.receipt_no.desc())
            .limit(1)
        ).scalar_one_or_none()
        return None if order_id is None else self.sale(order_id)
