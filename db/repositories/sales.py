"""Carts and till sales."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from db.fast import Fast
from db.link import DbLink
from db.models import (
    Barcode,
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
    Setting,
    Shift,
    StaffSession,
    TaxClass,
    User,
    table,
)
from db.repositories.order_rows import write_order
from db.types import utcnow
from pos.domain.pricing import Discount, DiscountKind
from pos.domain.sale import CartStatus, NewOrder, NewPayment, OrderKind, tax_by_rate
from pos.ports.journal import JournalHead
from pos.ports.sales import (
    CartLineRow,
    CartRow,
    SaleClaim,
    SaleLineView,
    SaleStart,
    SaleView,
    TenderRow,
)
from pos.ports.settings import REVISION_KEY

PLAIN_LINE = text("discount_kind IS NULL AND price_override_minor IS NULL")

_carts, _lines, _tenders = table(Cart), table(CartLine), table(CartTender)
_products, _tax, _customers = table(Product), table(TaxClass), table(Customer)
_users, _sessions, _barcodes = table(User), table(StaffSession), table(Barcode)
_settings = table(Setting)


def _cart_select() -> Any:
    """A cart, its customer's name and its lines with the product facts pricing needs,
    in one statement (a cart without lines gives one row of NULL line columns); whether
    it holds tenders comes with it, so they are read only when there are some."""
    return (
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
            exists().where(_tenders.c.cart_id == _carts.c.id).label("has_tenders"),
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
        .select_from(
            _carts.outerjoin(_customers, _customers.c.id == _carts.c.customer_id)
            .outerjoin(_lines, _lines.c.cart_id == _carts.c.id)
            .outerjoin(_products, _products.c.id == _lines.c.product_id)
            .outerjoin(_tax, _tax.c.id == _products.c.tax_class_id)
        )
        .where(_carts.c.id == bindparam("cid"))
        .order_by(_lines.c.position, _lines.c.id)
    )


_CART = Fast(lambda _: _cart_select())
_CART_LOCKED = Fast(lambda _: _cart_select().with_for_update(of=_carts))
_CART_TENDERS = Fast(
    lambda _: (
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
)


def _session_ok() -> Any:
    """The signed-in session ``h`` is open and belongs to active user ``uid``."""
    return exists().where(
        _sessions.c.token_hash == bindparam("h"),
        _sessions.c.ended_at.is_(None),
        _users.c.id == _sessions.c.user_id,
        _users.c.id == bindparam("uid"),
        _users.c.active.is_(True),
    )


# A change to a cart's lines starts here: the cart (still open, no card payment taken or in
# flight) is stamped and locked, the cashier's session checked, in one statement; it
# hands back the settings' revision, so the cached settings are known to be current.
_CLAIM = Fast(
    lambda _: (
        update(_carts)
        .where(
            _carts.c.id == bindparam("cid"),
            _carts.c.status == CartStatus.OPEN.value,
            _carts.c.pending_ref.is_(None),
            ~exists().where(_tenders.c.cart_id == bindparam("cid")),
            _session_ok(),
        )
        .values(updated_at=bindparam("now"))
        .returning(
            _carts.c.id,
            select(_settings.c.value)
            .where(_settings.c.key == REVISION_KEY)
            .scalar_subquery()
            .label("revision"),
        )
    )
)


_CLAIM_SALE = Fast(
    lambda _: (
        update(_carts)
        .where(
            _carts.c.id == bindparam("cid"),
            _carts.c.status == CartStatus.OPEN.value,
            _carts.c.pending_ref.is_(None),
            _session_ok(),
        )
        .values(status=CartStatus.DONE.value, updated_at=bindparam("now"))
        .returning(
            select(_settings.c.value)
            .where(_settings.c.key == REVISION_KEY)
            .scalar_subquery()
            .label("revision"),
            select(_users.c.username).where(_users.c.id == bindparam("uid")).scalar_subquery(),
        )
    )
)
_shifts, _registers = table(Shift), table(Register)
_START_SALE = Fast(
    lambda _: (
        update(_registers)
        .where(_registers.c.id == bindparam("rid"))
        .values(
            last_receipt_no=_registers.c.last_receipt_no + 1,
            last_journal_seq=_registers.c.last_journal_seq + 1,
            grand_total_minor=_registers.c.grand_total_minor + bindparam("add"),
        )
        .returning(
            _registers.c.last_receipt_no,
            _registers.c.code,
            _registers.c.last_journal_seq,
            _registers.c.last_journal_hash,
            _registers.c.grand_total_minor,
            select(_shifts.c.id)
            .where(_shifts.c.register_id == bindparam("rid"), _shifts.c.closed_at.is_(None))
            .scalar_subquery(),
        )
    )
)


def _add_line(dialect: str, *, by_barcode: bool) -> Any:
    """Add ``qty`` of a product to cart ``cid``: into its plain line (no price of its own,
    no discount) when it has one, as a new last line otherwise; never past ``most``
    units; only an active product. One statement: an insert that becomes an update on the
    plain line's unique key."""
    insert_ = sqlite_insert if dialect == "sqlite" else pg_insert
    position = (
        select(func.coalesce(func.max(_lines.c.position), 0) + 1)
        .where(_lines.c.cart_id == bindparam("cid"))
        .scalar_subquery()
    )
    if by_barcode:
        source = (
            select(bindparam("cid"), _products.c.id, bindparam("qty"), position)
            .select_from(_barcodes.join(_products, _products.c.id == _barcodes.c.product_id))
            .where(_barcodes.c.code == bindparam("code"), _products.c.active.is_(True))
        )
    else:
        source = select(bindparam("cid"), _products.c.id, bindparam("qty"), position).where(
            _products.c.id == bindparam("pid"), _products.c.active.is_(True)
        )
    stmt = insert_(_lines).from_select(["cart_id", "product_id", "quantity", "position"], source)
    merged = _lines.c.quantity + stmt.excluded.quantity
    return stmt.on_conflict_do_update(
        index_elements=[_lines.c.cart_id, _lines.c.product_id],
        index_where=PLAIN_LINE,
        set_={"quantity": merged},
        where=merged <= bindparam("most"),
    ).returning(_lines.c.id)


_ADD_BY_BARCODE = Fast(lambda d: _add_line(d, by_barcode=True))
_ADD_BY_PRODUCT = Fast(lambda d: _add_line(d, by_barcode=False))
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
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

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
        """A cart with its lines (and tenders, when it has some): one indexed statement,
        two with tenders. ``lock`` takes the cart row's lock on PostgreSQL, so two tills
        paying the same cart queue and the second sees it done."""
        conn = self.link.connection
        rows = (_CART_LOCKED if lock else _CART).rows(conn, cid=cart_id)
        if not rows:
            return None
        head = rows[0]
        tenders = _CART_TENDERS.rows(conn, cid=cart_id) if head[13] else []
        return CartRow(
            id=head[0],
            client_id=head[1],
            register_id=head[2],
            cashier_id=head[3],
            customer_id=head[4],
            customer_name=" ".join(x for x in (head[5], head[6]) if x),
            status=CartStatus(head[7]),
            label=head[8],
            discount=_discount(head[9], head[10]),
            lines=tuple(
                CartLineRow(
                    id=r[14],
                    product_id=r[15],
                    sku=r[16],
                    name=r[17],
                    quantity=r[18],
                    list_price_minor=r[19],
                    price_override_minor=r[20],
                    discount=_discount(r[21], r[22]),
                    tax_rate=r[23],
                    position=r[24],
                    on_hand=r[25],
                    allow_negative=bool(r[26]),
                    cost_minor=r[27],
                    category_id=r[28],
                )
                for r in rows
                if r[14] is not None
            ),
            tenders=tuple(TenderRow(*tr) for tr in tenders),
            updated_at=head[11],
            pending_ref=head[12],
        )

    def claim(self, cart_id: int, user_id: int, token_hash: str, at: datetime) -> str | None:
        """Stamp and lock an open cart whose lines may change, for the signed-in cashier;
        the settings' revision, or None when refused (ask :meth:`cart` and the session
        why)."""
        row = _CLAIM.first(self.link.connection, cid=cart_id, uid=user_id, h=token_hash, now=at)
        return None if row is None else str(row[1] or "")

    def claim_sale(
        self, cart_id: int, user_id: int, token_hash: str, at: datetime
    ) -> SaleClaim | None:
        row = _CLAIM_SALE.first(
            self.link.connection, cid=cart_id, uid=user_id, h=token_hash, now=at
        )
        return None if row is None else SaleClaim(str(row[0] or ""), row[1])

    def start_sale(self, register_id: int, grand_total_add: int) -> SaleStart:
        row = _START_SALE.first(self.link.connection, rid=register_id, add=grand_total_add)
        assert row is not None, "the register of a cart exists"
        receipt_no, code, seq, prev, grand, shift_id = row
        return SaleStart(int(receipt_no), shift_id, JournalHead(code, int(seq), prev, int(grand)))

    def add_scanned(self, cart_id: int, code: str, quantity: int, most: int) -> int | None:
        row = _ADD_BY_BARCODE.first(
            self.link.connection, cid=cart_id, code=code, qty=quantity, most=most
        )
        return None if row is None else int(row[0])

    def add_product(self, cart_id: int, product_id: int, quantity: int, most: int) -> int | None:
        row = _ADD_BY_PRODUCT.first(
            self.link.connection, cid=cart_id, pid=product_id, qty=quantity, most=most
        )
        return None if row is None else int(row[0])

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
        return int(self.link.connection.execute(_NEXT_RECEIPT, {"rid": register_id}).scalar_one())

    def insert_order(self, order: NewOrder) -> tuple[int, list[int]]:
        return write_order(self.link.connection, order)

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
