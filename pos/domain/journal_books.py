"""The journal against the books: what each entry says, rebuilt from the orders, lines,
payments, cash movements and shifts, compared field by field.

Rules:
- An order entry (sale, refund, void) must match its order exactly: the record
  :func:`pos.domain.sale.journal_payload` builds from the order as the books hold it now
  must equal the entry's payload in every field the entry has (older entries hold fewer
  fields; what they hold must still match). Money and tax rates compare as exact
  decimals, times as instants.
- A cash-movement entry must match its movement (:func:`movement_payload`); a Z close
  must match its shift's figures recomputed from the books.
- The register's grand total only ever grows by the total of each sale: every entry
  carries the total after it, and the register's own counter must equal the last one.
- Books are read as stored, trusting nothing: a value of the wrong type is a named
  difference, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from pos.domain.errors import ValidationError
from pos.domain.journal import (
    Entry,
    canonical_text,
    clean_text,
    parse_timestamp,
    show,
    whole,
)
from pos.domain.money import Currency, currency
from pos.domain.sale import (
    NewOrder,
    NewOrderLine,
    NewPayment,
    OrderKind,
    journal_payload,
    receipt_ref,
)

MONEY_KEYS = frozenset(
    {
        "amount",
        "counted_cash",
        "discount",
        "discounts",
        "expected_cash",
        "float",
        "grand_total",
        "gross",
        "net",
        "pay_ins",
        "pay_outs",
        "returns",
        "sales_total",
        "subtotal",
        "tax",
        "total",
        "unit",
    }
)
RATE_KEYS = frozenset({"tax_rate", "rate"})
TIME_KEYS = frozenset({"at", "opened_at", "closed_at"})
MONEY_MAPS = frozenset({"tenders"})  # {method: amount}
SINGULAR = {"lines": "line", "payments": "payment", "tax_by_rate": "tax rate"}


# --- the books as stored -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredLine:
    sku: object
    name: object
    quantity: object
    unit_price_minor: object
    discount_minor: object
    tax_rate: object
    net_minor: object
    tax_minor: object
    total_minor: object
    restock: object


@dataclass(frozen=True, slots=True)
class StoredPayment:
    method: object
    amount_minor: object
    card_brand: object
    card_last4: object
    auth_code: object
    terminal_ref: object


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """An order with its lines and payments as the database holds them (any column may
    hold anything)."""

    id: int
    lines: tuple[StoredLine, ...]
    payments: tuple[StoredPayment, ...]
    kind: object
    register: object  # the code of its register
    receipt_no: object
    client_id: object
    original_id: object
    shift_id: object
    cashier_id: object
    cashier: object  # the cashier's username
    currency: object
    created_at: object
    subtotal_minor: object
    discount_minor: object
    tax_minor: object
    total_minor: object


@dataclass(frozen=True, slots=True)
class StoredMovement:
    id: int
    kind: object
    shift_id: object
    register: object
    amount_minor: object
    reason: object
    user_id: object
    at: object


class Unreadable(ValueError):
    """A value in the books is not of the type the books must hold (the sentence says which)."""


def _int(value: object, what: str) -> int:
    n = whole(value)
    if n is None:
        raise Unreadable(f"its {what} is {show(value)} in the books, not a whole number")
    return n


def _opt_int(value: object, what: str) -> int | None:
    return None if value is None else _int(value, what)


def _text(value: object, what: str) -> str:
    text = clean_text(value)
    if text is None:
        raise Unreadable(f"its {what} is {show(value)} in the books, not text")
    return text


def _opt_text(value: object, what: str) -> str | None:
    return None if value is None else _text(value, what)


def _rate(value: object, what: str) -> Decimal:
    try:
        rate = Decimal(_text(value, what))
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite():
        raise Unreadable(f"its {what} is {show(value)} in the books, not a rate")
    return rate


def _instant(value: object, what: str) -> datetime:
    at = parse_timestamp(value)
    if at is None:
        raise Unreadable(f"its {what} is {show(value)} in the books, not a date")
    return at


def _flag(value: object, what: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1) and type(value) is int:
        return bool(value)
    raise Unreadable(f"its {what} is {show(value)} in the books, not true or false")


def _currency(value: object) -> Currency:
    try:
        return currency(_text(value, "currency"))
    except ValidationError:
        raise Unreadable(f"its currency {show(value)} is not a currency") from None


def order_record(o: StoredOrder) -> dict[str, Any]:
    """What the entry of this order must say, rebuilt from the books (raises
    :class:`Unreadable` when a value is not of its type)."""
    try:
        kind = OrderKind(_text(o.kind, "kind"))
    except ValueError as exc:
        if isinstance(exc, Unreadable):
            raise
        raise Unreadable(f"its kind is {show(o.kind)} in the books") from None
    cur = _currency(o.currency)
    lines = tuple(
        NewOrderLine(
            product_id=None,
            sku=_text(ln.sku, f"line {i} sku"),
            name=_text(ln.name, f"line {i} name"),
            quantity=_int(ln.quantity, f"line {i} quantity"),
            unit_price_minor=_int(ln.unit_price_minor, f"line {i} unit price"),
            discount_minor=_int(ln.discount_minor, f"line {i} discount"),
            tax_rate=_rate(ln.tax_rate, f"line {i} tax rate"),
            net_minor=_int(ln.net_minor, f"line {i} net"),
            tax_minor=_int(ln.tax_minor, f"line {i} tax"),
            total_minor=_int(ln.total_minor, f"line {i} total"),
            restock=_flag(ln.restock, f"line {i} restock"),
        )
        for i, ln in enumerate(o.lines, start=1)
    )
    payments = tuple(
        NewPayment(
            _text(p.method, f"payment {i} method"),
            _int(p.amount_minor, f"payment {i} amount"),
            _opt_text(p.card_brand, f"payment {i} card brand"),
            _opt_text(p.card_last4, f"payment {i} card last 4"),
            _opt_text(p.auth_code, f"payment {i} auth code"),
            _opt_text(p.terminal_ref, f"payment {i} terminal reference"),
        )
        for i, p in enumerate(o.payments, start=1)
    )
    order = NewOrder(
        kind=kind,
        status="",
        payment_status="",
        currency=cur.code,
        tax_mode="",
        subtotal_minor=_int(o.subtotal_minor, "subtotal"),
        discount_minor=_int(o.discount_minor, "discount"),
        tax_minor=_int(o.tax_minor, "tax"),
        total_minor=_int(o.total_minor, "total"),
        at=_instant(o.created_at, "time"),
        lines=lines,
        payments=payments,
        client_id=_opt_text(o.client_id, "client id"),
        receipt_no=_opt_int(o.receipt_no, "receipt number"),
        original_id=_opt_int(o.original_id, "original order"),
        shift_id=_opt_int(o.shift_id, "shift"),
        cashier_id=_opt_int(o.cashier_id, "cashier"),
    )
    record = journal_payload(order, o.id, _opt_text(o.cashier, "cashier") or "", cur)
    record["register"] = _opt_text(o.register, "register")
    return record


def order_ref(register: str, books: StoredOrder | None, payload: Mapping[str, Any]) -> str:
    """The order's receipt (``TILL-1-000042``) as the books or, failing them, the entry
    give it; its id when neither has a receipt number."""
    number = whole(books.receipt_no) if books is not None else None
    if number is None:
        number = whole(payload.get("receipt_no"))
    if number is not None:
        return receipt_ref(register, number)
    oid = books.id if books is not None else whole(payload.get("order_id"))
    return f"order id {oid} of {register}"


def movement_payload(
    kind: str,
    movement_id: int,
    shift_id: int,
    amount_minor: int,
    reason: str,
    user_id: int,
    at: datetime,
    cur: Currency,
) -> dict[str, Any]:
    """What the journal keeps of a pay-in, pay-out or no-sale drawer opening (the journal
    adds the register's code and grand total to every entry)."""
    return {
        "kind": kind,
        "movement_id": movement_id,
        "shift_id": shift_id,
        "amount": str(cur.from_minor(amount_minor)),
        "reason": reason,
        "user_id": user_id,
        "at": at.isoformat(),
        "currency": cur.code,
    }


def movement_record(m: StoredMovement, cur: Currency) -> dict[str, Any]:
    """What the entry of this movement must say, rebuilt from the books (with the code of
    the register its shift belongs to)."""
    record = movement_payload(
        _text(m.kind, "kind"),
        m.id,
        _int(m.shift_id, "shift"),
        _int(m.amount_minor, "amount"),
        _text(m.reason, "reason"),
        _int(m.user_id, "user"),
        _instant(m.at, "time"),
        cur,
    )
    record["register"] = _opt_text(m.register, "register")
    return record


class ShiftTotals(Protocol):
    """A shift's figures as the X and Z reports show them (``ShiftFigures`` has them)."""

    @property
    def register_code(self) -> str: ...

    @property
    def shift_id(self) -> int: ...

    @property
    def opened_at(self) -> datetime: ...

    @property
    def sales_count(self) -> int: ...

    @property
    def refunds_count(self) -> int: ...

    @property
    def voids_count(self) -> int: ...

    @property
    def gross_minor(self) -> int: ...

    @property
    def discounts_minor(self) -> int: ...

    @property
    def sales_total_minor(self) -> int: ...

    @property
    def returns_minor(self) -> int: ...

    @property
    def net_minor(self) -> int: ...

    @property
    def tax_by_rate(self) -> tuple[tuple[Decimal, int, int], ...]: ...

    @property
    def tenders(self) -> tuple[tuple[str, int], ...]: ...

    @property
    def float_minor(self) -> int: ...

    @property
    def pay_ins_minor(self) -> int: ...

    @property
    def pay_outs_minor(self) -> int: ...

    @property
    def expected_cash_minor(self) -> int: ...


def z_close_payload(
    f: ShiftTotals,
    *,
    z_no: int | None,
    closed_at: datetime | None,
    closed_by: str,
    counted_minor: int | None,
    cur: Currency,
) -> dict[str, Any]:
    """What the journal keeps of a Z close: the shift's figures as the Z report prints them."""

    def m(minor: int | None) -> str | None:
        return None if minor is None else str(cur.from_minor(minor))

    return {
        "z_no": z_no,
        "register": f.register_code,
        "shift_id": f.shift_id,
        "opened_at": f.opened_at.isoformat(),
        "closed_at": closed_at.isoformat() if closed_at else None,
        "closed_by": closed_by,
        "sales_count": f.sales_count,
        "refunds_count": f.refunds_count,
        "voids_count": f.voids_count,
        "gross": m(f.gross_minor),
        "discounts": m(f.discounts_minor),
        "sales_total": m(f.sales_total_minor),
        "returns": m(f.returns_minor),
        "net": m(f.net_minor),
        "tax_by_rate": [
            {"rate": str(rate), "net": m(net), "tax": m(tax)} for rate, net, tax in f.tax_by_rate
        ],
        "tenders": {method: m(amount) for method, amount in f.tenders},
        "float": m(f.float_minor),
        "pay_ins": m(f.pay_ins_minor),
        "pay_outs": m(f.pay_outs_minor),
        "expected_cash": m(f.expected_cash_minor),
        "counted_cash": m(counted_minor),
        "currency": cur.code,
    }


# --- comparing -----------------------------------------------------------------------------


def _decimal(value: object) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        d = Decimal(value)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _same(kind: str, journal: object, books: object) -> bool:
    if kind == "decimal":
        a, b = _decimal(journal), _decimal(books)
        return a is not None and a == b
    if kind == "time":
        x, y = parse_iso(journal), parse_iso(books)
        return x is not None and x == y
    return type(journal) is type(books) and journal == books


def parse_iso(value: object) -> datetime | None:
    """An ISO time with its offset (as the journal writes ``at``), as a UTC instant."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return None if at.tzinfo is None else at


def _leaf_kind(path: tuple[str, ...]) -> str:
    key = path[-1] if path else ""
    parent = path[-2] if len(path) > 1 else ""
    if key in MONEY_KEYS or key in RATE_KEYS or parent in MONEY_MAPS:
        return "decimal"
    if key in TIME_KEYS:
        return "time"
    return "exact"


def _label(path: tuple[str, ...]) -> str:
    return " ".join(path).replace("_", " ") or "the record"


def _show(value: object) -> str:
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:39] + "…"
    if value is None:
        return "empty"
    return show(value)


def first_difference(
    journal: object,
    books: object,
    skip: frozenset[str] = frozenset(),
    path: tuple[str, ...] = (),
) -> str | None:
    """The first field where the entry (``journal``) and the record rebuilt from the books
    differ, as a sentence; ``None`` when every field the entry has matches. Fields only
    the books have (newer than the entry) are not compared."""
    if isinstance(books, Mapping):
        if not isinstance(journal, Mapping):
            return f"{_label(path)} is not what the books hold"
        for key in sorted(journal, key=str):
            if not path and key in skip:
                continue
            if key not in books:
                return f"{_label((*path, str(key)))} is in the journal but not in the books"
            found = first_difference(journal[key], books[key], skip, (*path, str(key)))
            if found:
                return found
        return None
    if isinstance(books, list):
        what = _label(path)
        if not isinstance(journal, list):
            return f"{what} is not a list in the journal"
        if len(journal) != len(books):
            return f"the books have {len(books)} {what}, the journal {len(journal)}"
        one = SINGULAR.get(path[-1], path[-1]) if path else "item"
        for i, (j, b) in enumerate(zip(journal, books, strict=True), start=1):
            found = first_difference(j, b, skip, (*path[:-1], f"{one} {i}"))
            if found:
                return found
        return None
    if _same(_leaf_kind(path), journal, books):
        return None
    return f"{_label(path)} is {_show(books)} in the books, {_show(journal)} in the journal"


def entry_difference(
    e: Entry, record: Mapping[str, Any], skip: frozenset[str] = frozenset()
) -> str | None:
    """:func:`first_difference` between an entry and the record rebuilt from the books.
    The common case first: the record written as the journal writes a payload (the fields
    in ``skip`` taken from the entry) is the entry's payload, character for character."""
    merged = {**record, **{k: e.payload[k] for k in skip if k in e.payload}}
    if canonical_text(merged) == e.payload_text:
        return None
    return first_difference(e.payload, record, skip)


def minor_of(value: object, digits: int) -> int | None:
    """A money string of the journal (``"12.50"``) in minor units; ``None`` if it is not
    an amount of this currency."""
    d = _decimal(value)
    if d is None or (d and not -30 < d.adjusted() < 30):  # no till writes such an amount
        return None
    scaled = d.scaleb(digits)
    return int(scaled) if scaled == scaled.to_integral_value() else None


class RunningTotal:
    """A register's grand total, recomputed entry by entry: each sale adds its total;
    every entry that carries ``grand_total`` must equal the sum so far."""

    def __init__(self, register: str, cur: Currency) -> None:
        self.register = register
        self.cur = cur
        self.minor = 0
        self.seq = 0
        self.known = True  # false once an entry is missing or unreadable
        self.problem = ""

    def lose_track(self) -> None:
        """An entry could not be read: the sum from here on is unknown."""
        self.known = False

    def feed(self, e: Entry) -> None:
        if e.seq != self.seq + 1:
            self.known = False  # an entry is missing (the chain check names it)
        self.seq = e.seq
        if not self.known:
            return
        if e.kind == OrderKind.SALE:
            total = minor_of(e.payload.get("total"), self.cur.digits)
            if total is None:
                self.known = False
                return
            self.minor += total
        if "grand_total" in e.payload and not self.problem:
            said = minor_of(e.payload["grand_total"], self.cur.digits)
            if said != self.minor:
                self.problem = (
                    f"journal row seq {e.seq} of {self.register}: its grand total is "
                    f"{_show(e.payload['grand_total'])}, but the sales up to it add up to "
                    f"{self.cur.from_minor(self.minor)}"
                )

    def _as_money(self, minor: int) -> object:
        """``minor`` as money, or None when it is too big to be shown as money at all (a
        grand total no sale could reach, e.g. 10**28: then it is shown as stored)."""
        try:
            return self.cur.from_minor(minor)
        except (InvalidOperation, OverflowError):
            return None

    def finish(self, recorded: object) -> str:
        if self.problem or not self.known:
            return self.problem
        n = whole(recorded)
        if n != self.minor:
            shown = self._as_money(n) if n is not None else None
            if shown is None:
                shown = show(recorded)
            return (
                f"register {self.register}: its grand total is {shown}, but the sales in its "
                f"journal add up to {self.cur.from_minor(self.minor)}"
            )
        return ""
