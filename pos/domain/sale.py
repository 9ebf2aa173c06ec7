"""The sale: what an order is made of, and the rules that turn a cart and its tenders into
order lines and payments, and a sale into its refund or void.

Rules (each a pure function over plain values, tested with tables of exact amounts in
``tests/unit/test_sale.py``):
- **Merging.** A product added again joins the cart's line of the same product, unless
  that line has a price of its own or a discount (then it gets a line of its own).
- **Tenders.** Card payments taken while the cart was open count first. What is left is
  paid in cash, rounded by the store's cash-rounding step (only the cash part is rounded).
  Cash handed over beyond that is a ``change`` payment of its own (negative), and the
  rounding difference a ``rounding`` payment, so the payments of a sale add up to its
  total exactly.
- **Refunds** give back units of a sale's lines, never more than is left of each. A
  line's amounts (discount, net, tax, total) are shared out pro rata by units, rounded
  half up on the running total, so refunding a line in parts adds up to exactly what was
  paid for it. Money goes back to the card first (up to what the card paid and was not
  refunded yet), the rest in cash.
- **Voids** reverse every line of a sale in full and give back every tender as taken.
- An order's totals are the sums of its lines; orders of every kind (till sales,
  refunds, voids, online and phone orders, imported history) are one :class:`NewOrder`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from pos.domain.errors import PaymentShort, ValidationError
from pos.domain.money import Currency, round_minor
from pos.domain.pricing import CashRounding, Discount


class OrderKind(StrEnum):
    SALE = "sale"  # a till sale
    REFUND = "refund"  # a till refund of some units of a sale
    VOID = "void"  # a till sale reversed in full by a manager
    ONLINE = "online"  # taken by the storefront
    PHONE = "phone"  # taken by phone in the back office
    HISTORY = "history"  # imported from another system

    @property
    def is_till(self) -> bool:
        return self in (OrderKind.SALE, OrderKind.REFUND, OrderKind.VOID)

    @property
    def is_remote(self) -> bool:
        """Online and phone orders: they move through the order lifecycle."""
        return self in (OrderKind.ONLINE, OrderKind.PHONE)

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    OrderKind.SALE: "a till sale",
    OrderKind.REFUND: "a till refund",
    OrderKind.VOID: "a voided sale",
    OrderKind.ONLINE: "an online order",
    OrderKind.PHONE: "a phone order",
    OrderKind.HISTORY: "an imported order",
}


def parse_kind(value: str) -> OrderKind:
    try:
        return OrderKind(value)
    except ValueError:
        names = ", ".join(k.value for k in OrderKind)
        raise ValidationError("kind", f"{value!r} is not one of {names}") from None


TILL_KINDS = (OrderKind.SALE, OrderKind.REFUND, OrderKind.VOID)
REMOTE_KINDS = (OrderKind.ONLINE, OrderKind.PHONE)


class CartStatus(StrEnum):
    OPEN = "open"  # being built at the till
    HELD = "held"  # parked while the till serves someone else
    DONE = "done"  # sold
    VOID = "void"  # abandoned


class PaymentMethod(StrEnum):
    """How a till sale was paid. Online orders may name other methods (``paypal``)."""

    CASH = "cash"
    CARD = "card"
    CHANGE = "change"  # cash handed back, negative
    ROUNDING = "rounding"  # the cash-rounding difference


# --- what is written ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewOrderLine:
    product_id: int | None
    sku: str
    name: str
    quantity: int  # negative on a refund or void
    unit_price_minor: int
    discount_minor: int
    tax_rate: Decimal
    net_minor: int
    tax_minor: int
    total_minor: int
    cost_minor: int | None = None  # unit cost at the time of sale
    category_id: int | None = None
    original_line_id: int | None = None  # the sale's line a refund gives back
    restock: bool = True


@dataclass(frozen=True, slots=True)
class NewPayment:
    method: str  # a PaymentMethod on the till; any method name for an online order
    amount_minor: int  # negative when money goes back
    card_brand: str | None = None
    card_last4: str | None = None
    auth_code: str | None = None
    terminal_ref: str | None = None  # the terminal's or the payment provider's reference


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An order of any kind, as it is written."""

    kind: OrderKind
    status: str  # an OrderStatus
    payment_status: str  # a PaymentStatus
    currency: str
    tax_mode: str
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    at: datetime
    lines: tuple[NewOrderLine, ...] = ()
    payments: tuple[NewPayment, ...] = ()
    client_id: str | None = None  # the till's id for the cart (idempotent completion)
    source: str | None = None  # "storefront", "phone", "import": with external_ref, unique
    external_ref: str | None = None
    register_id: int | None = None
    shift_id: int | None = None
    receipt_no: int | None = None
    cashier_id: int | None = None
    customer_id: int | None = None
    original_id: int | None = None  # the sale a refund or void reverses
    shipping_address: Mapping[str, str] = field(default_factory=dict)
    billing_address: Mapping[str, str] = field(default_factory=dict)
    country: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class RefundItem:
    line_id: int  # the original sale's line
    quantity: int
    restock: bool = True


@dataclass(frozen=True, slots=True)
class Reversal:
    """A refund or void as asked for: what its order will record once the card part (if
    any) is back on the card. Kept with the card operation while the terminal is asked,
    so a reconciliation after a crash records exactly what the till asked for."""

    kind: OrderKind  # REFUND or VOID
    register_id: int
    original_id: int
    cashier_id: int
    cashier: str  # the username, for the journal
    items: tuple[RefundItem, ...] = ()  # a refund's units; a void takes every line
    tender: str = "original"  # or "cash": a refund in cash whatever the sale was paid by
    reason: str = ""
    client_id: str | None = None  # the till's id for the refund (idempotent retries)
    approver_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "register_id": self.register_id,
            "original_id": self.original_id,
            "cashier_id": self.cashier_id,
            "cashier": self.cashier,
            "items": [[i.line_id, i.quantity, i.restock] for i in self.items],
            "tender": self.tender,
            "reason": self.reason,
            "client_id": self.client_id,
            "approver_id": self.approver_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reversal:
        return cls(
            kind=OrderKind(data["kind"]),
            register_id=int(data["register_id"]),
            original_id=int(data["original_id"]),
            cashier_id=int(data["cashier_id"]),
            cashier=str(data["cashier"]),
            items=tuple(RefundItem(int(a), int(b), bool(c)) for a, b, c in data["items"]),
            tender=str(data["tender"]),
            reason=str(data["reason"]),
            client_id=data.get("client_id"),
            approver_id=data.get("approver_id"),
        )


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int


# --- what the rules read (any record with these attributes) -------------------------------


class MergeableLine(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def product_id(self) -> int: ...

    @property
    def discount(self) -> Discount | None: ...

    @property
    def price_override_minor(self) -> int | None: ...


class SoldLine(Protocol):
    """A line of a recorded sale."""

    @property
    def id(self) -> int: ...

    @property
    def product_id(self) -> int | None: ...

    @property
    def sku(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def quantity(self) -> int: ...

    @property
    def unit_price_minor(self) -> int: ...

    @property
    def discount_minor(self) -> int: ...

    @property
    def tax_rate(self) -> Decimal: ...

    @property
    def net_minor(self) -> int: ...

    @property
    def tax_minor(self) -> int: ...

    @property
    def total_minor(self) -> int: ...


class TakenPayment(Protocol):
    @property
    def method(self) -> str: ...

    @property
    def amount_minor(self) -> int: ...

    @property
    def card_brand(self) -> str | None: ...

    @property
    def card_last4(self) -> str | None: ...

    @property
    def auth_code(self) -> str | None: ...

    @property
    def terminal_ref(self) -> str | None: ...


# --- cart --------------------------------------------------------------------------------


L = TypeVar("L", bound=MergeableLine)


def merge_target(lines: Iterable[L], product_id: int) -> L | None:
    """The line a product added again joins, or ``None`` for a new line."""
    for line in lines:
        if (
            line.product_id == product_id
            and line.discount is None
            and line.price_override_minor is None
        ):
            return line
    return None


# --- tenders -----------------------------------------------------------------------------


def sale_payments(
    taken: Sequence[TakenPayment],
    due_minor: int,
    cash_minor: int,
    rounding: CashRounding,
    cur: Currency,
) -> tuple[NewPayment, ...]:
    """The payments of a sale: the card payments ``taken`` while the cart was open, then
    cash for the ``due_minor`` they left, with change and cash rounding as rows of their
    own. Raises :class:`PaymentShort` when the cash does not cover what is due."""
    payments = [_copy(t) for t in taken]
    if due_minor <= 0:
        if cash_minor:
            raise ValidationError("cash", "nothing is left to pay in cash")
        return tuple(payments)
    cash_due = rounding.apply(due_minor, cur.digits)
    if cash_minor < cash_due:
        paid = cash_minor + sum(t.amount_minor for t in taken)
        raise PaymentShort(cur.format(cur.from_minor(cash_due)), cur.format(cur.from_minor(paid)))
    payments.append(NewPayment(PaymentMethod.CASH, cash_minor))
    if cash_minor > cash_due:
        payments.append(NewPayment(PaymentMethod.CHANGE, -(cash_minor - cash_due)))
    if cash_due != due_minor:
        payments.append(NewPayment(PaymentMethod.ROUNDING, due_minor - cash_due))
    return tuple(payments)


def _copy(t: TakenPayment) -> NewPayment:
    return NewPayment(
        t.method, t.amount_minor, t.card_brand, t.card_last4, t.auth_code, t.terminal_ref
    )


# --- refunds and voids -------------------------------------------------------------------


def share(total: int, done: int, now: int, of: int) -> int:
    """The pro-rata part of ``total`` for units ``done+1 .. done+now`` of ``of`` units:
    the shares of all units add up to ``total`` exactly, however the units are split."""
    return round_minor(Decimal(total) * (done + now) / of) - round_minor(Decimal(total) * done / of)


def reverse_line(line: SoldLine, done: int, quantity: int, restock: bool) -> NewOrderLine:
    """The negative line that gives back ``quantity`` units of ``line`` after ``done``
    units were given back before."""
    of = line.quantity
    return NewOrderLine(
        product_id=line.product_id,
        original_line_id=line.id,
        sku=line.sku,
        name=line.name,
        quantity=-quantity,
        unit_price_minor=line.unit_price_minor,
        discount_minor=-share(line.discount_minor, done, quantity, of),
        tax_rate=line.tax_rate,
        net_minor=-share(line.net_minor, done, quantity, of),
        tax_minor=-share(line.tax_minor, done, quantity, of),
        total_minor=-share(line.total_minor, done, quantity, of),
        restock=restock,
    )


def refund_lines(
    sold: Sequence[SoldLine], refunded: Mapping[int, int], items: Sequence[RefundItem]
) -> tuple[NewOrderLine, ...]:
    """The lines of a refund of ``items``; ``refunded`` maps a sold line's id to the units
    already given back. Refuses an empty refund, a line not on the sale, a line listed
    twice and more units than are left."""
    if not items:
        raise ValidationError("lines", "choose at least one line to refund")
    by_id = {ln.id: ln for ln in sold}
    lines: list[NewOrderLine] = []
    seen: set[int] = set()
    for item in items:
        ln = by_id.get(item.line_id)
        if ln is None:
            raise ValidationError("line", "is not on that receipt")
        if item.line_id in seen:
            raise ValidationError("line", f"{ln.name} is listed twice")
        seen.add(item.line_id)
        done = refunded.get(ln.id, 0)
        left = ln.quantity - done
        if isinstance(item.quantity, bool) or not isinstance(item.quantity, int):
            raise ValidationError("quantity", f"for {ln.name} must be at least 1")
        if item.quantity <= 0:
            raise ValidationError("quantity", f"for {ln.name} must be at least 1")
        if item.quantity > left:
            raise ValidationError(
                "quantity", f"for {ln.name}: {item.quantity} asked, {left} left to refund"
            )
        lines.append(reverse_line(ln, done, item.quantity, item.restock))
    return tuple(lines)


def void_lines(sold: Sequence[SoldLine]) -> tuple[NewOrderLine, ...]:
    """Every line of a sale given back in full, restocked."""
    return tuple(reverse_line(ln, 0, ln.quantity, True) for ln in sold)


def refund_split(amount_minor: int, card_left_minor: int) -> tuple[int, int]:
    """(to the card, in cash) for a refund of ``amount_minor``: the card first, up to
    what it paid and was not refunded yet."""
    to_card = max(0, min(amount_minor, card_left_minor))
    return to_card, amount_minor - to_card


def card_left(paid: Sequence[TakenPayment], refunded_card_minor: int) -> int:
    """What the card payments of a sale can still take back."""
    card = sum(p.amount_minor for p in paid if p.method == PaymentMethod.CARD)
    return card - refunded_card_minor


def totals_of(lines: Iterable[NewOrderLine]) -> Totals:
    """An order's totals from its lines (a refund's or void's are negative)."""
    subtotal = discount = tax = total = 0
    for ln in lines:
        subtotal += ln.quantity * ln.unit_price_minor
        discount += ln.discount_minor
        tax += ln.tax_minor
        total += ln.total_minor
    return Totals(subtotal, discount, tax, total)


class TaxedLine(Protocol):
    @property
    def tax_rate(self) -> Decimal: ...

    @property
    def net_minor(self) -> int: ...

    @property
    def tax_minor(self) -> int: ...


def tax_by_rate(lines: Iterable[TaxedLine]) -> tuple[tuple[Decimal, int, int], ...]:
    """(rate, net, tax) per tax rate over an order's lines, lowest rate first."""
    by_rate: dict[Decimal, list[int]] = {}
    for ln in lines:
        acc = by_rate.setdefault(ln.tax_rate, [0, 0])
        acc[0] += ln.net_minor
        acc[1] += ln.tax_minor
    return tuple((r, v[0], v[1]) for r, v in sorted(by_rate.items()))


# --- the journal's record of an order -----------------------------------------------------


def journal_payload(order: NewOrder, order_id: int, cashier: str, cur: Currency) -> dict[str, Any]:
    """What the journal keeps of a till sale, refund or void: who and when, every line, the
    totals and every payment (card brand, last 4, auth code and terminal reference
    included), money as exact decimal strings. (The journal adds the register's code and
    grand total.) The verifier rebuilds the same record from the books and names the first
    field that differs."""

    def m(minor: int) -> str:
        return str(cur.from_minor(minor))

    return {
        "kind": order.kind.value,
        "order_id": order_id,
        "client_id": order.client_id,
        "receipt_no": order.receipt_no,
        "original_id": order.original_id,
        "shift_id": order.shift_id,
        "cashier": cashier,
        "cashier_id": order.cashier_id,
        "at": order.at.isoformat(),
        "currency": cur.code,
        "lines": [
            {
                "sku": ln.sku,
                "name": ln.name,
                "qty": ln.quantity,
                "unit": m(ln.unit_price_minor),
                "discount": m(ln.discount_minor),
                "tax_rate": str(ln.tax_rate),
                "net": m(ln.net_minor),
                "tax": m(ln.tax_minor),
                "total": m(ln.total_minor),
                "restock": ln.restock,
            }
            for ln in order.lines
        ],
        "subtotal": m(order.subtotal_minor),
        "discount": m(order.discount_minor),
        "tax": m(order.tax_minor),
        "total": m(order.total_minor),
        "payments": [
            {
                "method": str(p.method),
                "amount": m(p.amount_minor),
                "card_brand": p.card_brand,
                "card_last4": p.card_last4,
                "auth_code": p.auth_code,
                "terminal_ref": p.terminal_ref,
            }
            for p in order.payments
        ],
    }


def receipt_ref(register_code: str, receipt_no: int) -> str:
    """A receipt's number as printed under its barcode: ``TILL-1-000042``."""
    return f"{register_code}-{receipt_no:06d}"


def parse_receipt_ref(text: str) -> tuple[str, int]:
    """``TILL-1-000042`` (as printed under the receipt's barcode) -> (``TILL-1``, 42)."""
    raw = text.strip().upper()
    code, _, number = raw.rpartition("-")
    if not code or not (number.isascii() and number.isdigit()) or len(number) > 12:
        raise ValidationError(
            "receipt", f"{text[:40]!r} is not a receipt number like TILL-1-000042"
        )
    return code, int(number)
