"""The back office's list of every order (till sales and returns, online and phone
orders, imported history) and an order's page.

Rules:
- Reading orders needs VIEW_REPORTS (managers and owners).
- Filters are checked here and turned into an :class:`~pos.ports.orders.OrderQuery`;
  the dates of a range are whole days of the store's time zone, both included.
- Text typed in the search box is a receipt number (``TILL-1-000042``), an order's own
  number (``42`` or ``#42``), or another system's reference (``WEB-1001``).
- Pages are keyset pages (``after`` = the last row's cursor) on an index that matches the
  order, so the thousandth page costs what the first does; the count stops at
  :data:`COUNT_CAP` (a list says "10,000+ orders" beyond).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pos.domain.bounds import MAX_ID, check_id, check_text
from pos.domain.errors import ValidationError
from pos.domain.orders import OrderStatus, PaymentStatus
from pos.domain.sale import OrderKind, parse_receipt_ref
from pos.domain.staff import Permission
from pos.ports.orders import SORTS, OrderListRow, OrderQuery, OrderView
from pos.ports.staff import Actor
from pos.services.context import ServiceContext, require
from pos.services.orders import get_order
from pos.services.settings import read_settings

COUNT_CAP = 10_000
MAX_PAGE = 500


def _choice(value: str | None, allowed: type[StrEnum], name: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return str(allowed(value).value)
    except ValueError:
        choices = ", ".join(m.value for m in allowed)
        raise ValidationError(name, f"{value!r} is not one of {choices}") from None


def _day_start(day: date | None, zone: ZoneInfo) -> datetime | None:
    return None if day is None else datetime.combine(day, datetime.min.time(), zone)


def make_query(
    zone: str,
    *,
    start: date | None = None,
    end: date | None = None,
    status: str | None = None,
    payment_status: str | None = None,
    kind: str | None = None,
    register_id: int | None = None,
    cashier_id: int | None = None,
    customer_id: int | None = None,
    text: str = "",
    sort: str = "date",
    descending: bool = True,
) -> OrderQuery:
    """A checked query; ``start`` and ``end`` are days in the time zone ``zone``."""
    if start is not None and end is not None and start > end:
        raise ValidationError("dates", f"the list starts on {start} after it ends on {end}")
    if sort not in SORTS:
        raise ValidationError("sort", f"{sort!r} is not one of {', '.join(SORTS)}")
    for name, value in (
        ("register", register_id),
        ("cashier", cashier_id),
        ("customer", customer_id),
    ):
        if value is not None:
            check_id(value, name)
    tz = ZoneInfo(zone)
    order_id, external_ref, receipt = _parse_text(text)
    return OrderQuery(
        start=_day_start(start, tz),
        end=_day_start(None if end is None else end + timedelta(days=1), tz),
        status=_choice(status, OrderStatus, "status"),
        payment_status=_choice(payment_status, PaymentStatus, "payment"),
        kind=_choice(kind, OrderKind, "channel"),
        register_id=register_id,
        cashier_id=cashier_id,
        customer_id=customer_id,
        order_id=order_id,
        external_ref=external_ref,
        receipt=receipt,
        sort=sort,
        descending=descending,
    )


def _parse_text(text: str) -> tuple[int | None, str | None, tuple[str, int] | None]:
    raw = " ".join(check_text(text or "", "search").split())
    if not raw:
        return None, None, None
    if len(raw) > 64:
        raise ValidationError("search", "is longer than 64 characters")
    number = raw.removeprefix("#")
    if number.isascii() and number.isdigit():
        order_id = int(number)
        return (order_id, None, None) if 0 < order_id <= MAX_ID else (None, raw, None)
    if "-" in raw and raw.rpartition("-")[2].isdigit() and raw.upper().startswith(("TILL", "REG")):
        return None, None, parse_receipt_ref(raw)
    return None, raw, None


def store_query(ctx: ServiceContext, **filters: object) -> OrderQuery:
    """:func:`make_query` in the store's time zone."""
    with ctx.read() as uow:
        zone = read_settings(uow.settings).timezone
    return make_query(zone, **filters)  # type: ignore[arg-type]


def search_orders(
    ctx: ServiceContext,
    actor: Actor,
    query: OrderQuery,
    limit: int = 200,
    after: tuple[object, int] | None = None,
) -> list[OrderListRow]:
    """A page of the list; pass the last row's ``cursor(query.sort)`` as ``after``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be a whole number from 1 to {MAX_PAGE}")
    with ctx.read() as uow:
        require(uow, actor, Permission.VIEW_REPORTS, "Reading the order list")
        return uow.orders.search(query, limit, after)


def count_orders(ctx: ServiceContext, actor: Actor, query: OrderQuery) -> int:
    """How many orders match, up to :data:`COUNT_CAP` + 1 (more than the cap)."""
    with ctx.read() as uow:
        require(uow, actor, Permission.VIEW_REPORTS, "Reading the order list")
        return uow.orders.count(query, COUNT_CAP + 1)


def order_page(ctx: ServiceContext, actor: Actor, order_id: int) -> OrderView:
    """Everything an order's page shows: lines, payments (card brand and last 4 only),
    its history, the refunds and voids linked both ways, and its journal entry."""
    with ctx.read() as uow:
        require(uow, actor, Permission.VIEW_REPORTS, "Opening an order")
    return get_order(ctx, order_id)
