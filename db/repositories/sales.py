"""Carts and till sales."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, insert, select, update
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
)
from db.types import utcnow
from pos.domain.pricing import Discount, DiscountKind
from pos.services.sales import (
    CartLineRow,
    CartRow,
    CartStatus,
    NewOrder,
    NewPayment,
    SaleLineView,
    SaleView,
    TenderRow,
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
        q = (
            select(Cart, Customer.first_name, Customer.last_name)
            .outerjoin(Customer, Customer.id == Cart.customer_id)
            .where(Cart.id == cart_id)
        )
        if lock:
            q = q.with_for_update(of=Cart).execution_options(populate_existing=True)
        found = self.s.execute(q).one_or_none()
        if found is None:
            return None
        cart, first, last = found
        lines = self.s.execute(
            select(
                CartLine,
                Product.sku,
                Product.name,
                Product.price_minor,
                TaxClass.rate,
                Product.on_hand,
                Product.allow_negative_stock,
                Product.cost_minor,
                Product.category_id,
            )
            .join(Product, Product.id == CartLine.product_id)
            .join(TaxClass, TaxClass.id == Product.tax_class_id)
            .where(CartLine.cart_id == cart_id)
            .order_by(CartLine.position, CartLine.id)
        ).all()
        tenders = self.s.execute(
            select(CartTender).where(CartTender.cart_id == cart_id).order_by(CartTender.id)
        ).scalars()
        return CartRow(
            id=cart.id,
            client_id=cart.client_id,
            register_id=cart.register_id,
            cashier_id=cart.cashier_id,
            customer_id=cart.customer_id,
            customer_name=" ".join(x for x in (first, last) if x),
            status=cart.status,
            label=cart.label,
            discount=_discount(cart.discount_kind, cart.discount_value),
            lines=tuple(
                CartLineRow(
                    id=ln.id,
                    product_id=ln.product_id,
                    sku=sku,
                    name=name,
                    quantity=ln.quantity,
                    list_price_minor=price,
                    price_override_minor=ln.price_override_minor,
                    discount=_discount(ln.discount_kind, ln.discount_value),
                    tax_rate=rate,
                    position=ln.position,
                    on_hand=on_hand,
                    allow_negative=allow_neg,
                    cost_minor=cost,
                    category_id=cat,
                )
                for ln, sku, name, price, rate, on_hand, allow_neg, cost, cat in lines
            ),
            tenders=tuple(
                TenderRow(
                    t.id,
                    t.method,
                    t.amount_minor,
                    t.card_brand,
                    t.card_last4,
                    t.auth_code,
                    t.terminal_ref,
                )
                for t in tenders
            ),
            updated_at=cart.updated_at,
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

    def update_line(self, cart_id: int, line_id: int, **values: object) -> None:
        self.s.execute(
            update(CartLine)
            .where(CartLine.id == line_id, CartLine.cart_id == cart_id)
            .values(**values)
        )

    def delete_line(self, cart_id: int, line_id: int) -> None:
        line = self.s.get(CartLine, line_id)
        if line is not None and line.cart_id == cart_id:
            self.s.delete(line)
            self.s.flush()

    def update_cart(self, cart_id: int, **values: object) -> None:
        self.s.execute(update(Cart).where(Cart.id == cart_id).values(updated_at=utcnow(), **values))

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
        return int(
            self.s.execute(
                update(Register)
                .where(Register.id == register_id)
                .values(last_receipt_no=Register.last_receipt_no + 1)
                .returning(Register.last_receipt_no)
            ).scalar_one()
        )

    def add_to_grand_total(self, register_id: int, amount_minor: int) -> None:
        self.s.execute(
            update(Register)
            .where(Register.id == register_id)
            .values(grand_total_minor=Register.grand_total_minor + amount_minor)
        )

    def insert_order(self, order: NewOrder) -> int:
        row = Order(
            kind=order.kind,
            status="completed",
            payment_status="paid" if order.kind == "sale" else "refunded",
            client_id=order.client_id,
            source="till",
            register_id=order.register_id,
            shift_id=order.shift_id,
            receipt_no=order.receipt_no,
            cashier_id=order.cashier_id,
            customer_id=order.customer_id,
            original_id=order.original_id,
            currency=order.currency,
            tax_mode=order.tax_mode,
            subtotal_minor=order.subtotal_minor,
            discount_minor=order.discount_minor,
            tax_minor=order.tax_minor,
            total_minor=order.total_minor,
            shipping_address={},
            billing_address={},
            note=order.note,
            created_at=order.at,
            updated_at=order.at,
        )
        self.s.add(row)
        self.s.flush()
        self.s.execute(
            insert(OrderLine),
            [
                {
                    "order_id": row.id,
                    "product_id": ln.product_id,
                    "original_line_id": ln.original_line_id,
                    "sku": ln.sku,
                    "name": ln.name,
                    "quantity": ln.quantity,
                    "unit_price_minor": ln.unit_price_minor,
                    "discount_minor": ln.discount_minor,
                    "tax_rate": ln.tax_rate,
                    "net_minor": ln.net_minor,
                    "tax_minor": ln.tax_minor,
                    "total_minor": ln.total_minor,
                    "cost_minor": ln.cost_minor,
                    "restock": ln.restock,
                    "category_id": ln.category_id,
                }
                for ln in order.lines
            ],
        )
        if not order.payments:
            return row.id
        now = order.at
        self.s.execute(
            insert(Payment),
            [
                {
                    "order_id": row.id,
                    "shift_id": order.shift_id,
                    "method": p.method,
                    "amount_minor": p.amount_minor,
                    "card_brand": p.card_brand,
                    "card_last4": p.card_last4,
                    "auth_code": p.auth_code,
                    "terminal_ref": p.terminal_ref,
                    "created_at": now,
                }
                for p in order.payments
            ],
        )
        return row.id

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
        by_rate: dict[Decimal, list[int]] = {}
        for ln in lines:
            acc = by_rate.setdefault(ln.tax_rate, [0, 0])
            acc[0] += ln.net_minor
            acc[1] += ln.tax_minor
        return SaleView(
            id=o.id,
            kind=o.kind,
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
            tax_by_rate=tuple((r, v[0], v[1]) for r, v in sorted(by_rate.items())),
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

    def has_reversal(self, order_id: int, kind: str) -> bool:
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
