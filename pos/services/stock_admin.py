"""The manager's stock work: the stock list, a product's ledger, adjustments with a
reason, alerts acknowledged or reordered, deliveries received at a cost (weighted
average), stock counts and purchase orders from reorder suggestions.

Every change is one unit of work: on-hand moves only through the stock repository's
conditional updates, each with its ledger row, so on-hand stays the sum of the ledger.
Lines are applied in product-id order, the order every till locks products in.
A cashier is refused by each of these (``Permission.MANAGE_STOCK``), reads included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from pos.domain.errors import Conflict, NotFound, ValidationError
from pos.domain.staff import Permission
from pos.domain.stock import (
    MAX_QUANTITY,
    AdjustReason,
    StockReason,
    StockState,
    check_quantity,
    suggest_order,
    weighted_cost,
)
from pos.ports.staff import Actor, SystemAccess
from pos.ports.stock import (
    AlertView,
    CountView,
    POView,
    StockChange,
    StockFilter,
    StockMoveView,
    StockRow,
)
from pos.ports.uow import UnitOfWork
from pos.services.context import ServiceContext, require, retry_busy
from pos.services.inventory import announce

MAX_PAGE = 500
MAX_COUNT_LINES = 20_000
SALES_WEEKS = 4


Operator = Actor | SystemAccess


@dataclass(frozen=True, slots=True)
class _Who:
    """Who acts, as the ledger and the audit log name them (the command line: no user)."""

    user_id: int | None


def _manager(uow: UnitOfWork, actor: Operator, action: str) -> _Who:
    """A signed-in manager or owner (checked as stored now), or the command line's system
    access (whoever holds the database)."""
    if isinstance(actor, SystemAccess):
        return _Who(None)
    return _Who(require(uow, actor, Permission.MANAGE_STOCK, action).user_id)


def _limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be a whole number from 1 to {MAX_PAGE}")
    return limit


# -- the stock list and a product's ledger ---------------------------------------------


def browse_stock(
    ctx: ServiceContext,
    actor: Operator,
    f: StockFilter,
    limit: int = 200,
    after: tuple[object, int] | None = None,
) -> list[StockRow]:
    """A page of the stock list in ``f``'s order (sorted and filtered in SQL), after the
    keyset cursor ``after`` (the previous page's last row's :func:`stock_cursor`)."""
    if f.sort not in ("name", "sku", "on_hand"):
        raise ValidationError("sort", f"{f.sort!r} is not one of name, sku, on_hand")
    if f.state is not None and f.state not in {s.value for s in StockState}:
        raise ValidationError("stock state", f"{f.state!r} is not ok, low, out or negative")
    with ctx.read() as uow:
        _manager(uow, actor, "Viewing stock")
        return uow.stock.levels(f, _limit(limit), after)


def stock_cursor(row: StockRow) -> tuple[object, int]:
    return row.sort_value, row.product_id


def product_moves(
    ctx: ServiceContext,
    actor: Operator,
    product_id: int,
    before_id: int | None = None,
    limit: int = 200,
) -> list[StockMoveView]:
    """A product's ledger, newest first: every movement, who, when, why and the running
    balance after it."""
    with ctx.read() as uow:
        _manager(uow, actor, "Viewing the stock ledger")
        return uow.stock.moves(product_id, before_id, _limit(limit))


# -- adjustments -------------------------------------------------------------------------


def _reason(reason: object) -> AdjustReason:
    try:
        return AdjustReason(str(reason).strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in AdjustReason)
        raise ValidationError("reason", f"{reason!r} is not one of {names}") from None


@retry_busy
def adjust(
    ctx: ServiceContext,
    actor: Operator,
    product_id: int,
    delta: int,
    reason: AdjustReason | str,
    note: str = "",
) -> StockChange:
    """Change a product's stock by hand for a reason (damaged, theft, found, expired,
    correction) with a note; the ledger row's note reads ``reason: note``."""
    why = _reason(reason)
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise ValidationError("quantity", "an adjustment must add or remove at least 1")
    check_quantity(abs(delta))
    text = f"{why.value}: {note.strip()}" if note.strip() else why.value
    with ctx.uow() as uow:
        who = _manager(uow, actor, "Adjusting stock")
        change = uow.stock.change(
            product_id, delta, StockReason.ADJUSTMENT, note=text, user_id=who.user_id
        )
        uow.audit.record(
            "stock_adjustment",
            who.user_id,
            detail={"product_id": product_id, "delta": delta, "reason": why.value, "note": note},
        )
        announce(uow, change)
        uow.commit()
    return change


# -- alerts ------------------------------------------------------------------------------


def open_alerts(ctx: ServiceContext, actor: Operator, limit: int = 500) -> list[AlertView]:
    """Live alerts (open, acknowledged or reordered), newest first."""
    with ctx.read() as uow:
        _manager(uow, actor, "Viewing stock alerts")
        return uow.stock.live_alerts(_limit(limit))


def mark_reordered(ctx: ServiceContext, actor: Operator, alert_id: int) -> AlertView:
    with ctx.uow() as uow:
        who = _manager(uow, actor, "Marking a stock alert reordered")
        view = uow.stock.mark_reordered(alert_id, who.user_id)
        uow.commit()
    return view


def acknowledge(ctx: ServiceContext, actor: Operator, alert_id: int) -> AlertView:
    with ctx.uow() as uow:
        who = _manager(uow, actor, "Acknowledging a stock alert")
        view = uow.stock.acknowledge(alert_id, who.user_id)
        uow.commit()
    return view


# -- receiving ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    product_id: int
    quantity: int
    unit_cost_minor: int | None = None  # None: the cost stays as it is


def _delivery(lines: Iterable[DeliveryLine]) -> list[DeliveryLine]:
    merged: dict[int, DeliveryLine] = {}
    for n, line in enumerate(lines, 1):
        qty = check_quantity(line.quantity, f"line {n} quantity")
        cost = line.unit_cost_minor
        if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int) or cost < 0):
            raise ValidationError(f"line {n} unit cost", "must be an amount of 0 or more")
        seen = merged.get(line.product_id)
        if seen is not None:  # the same product twice: one line, the cost averaged
            total = seen.quantity + qty
            if total > MAX_QUANTITY:
                raise ValidationError(f"line {n} quantity", f"{total} is over the limit")
            if cost is None or seen.unit_cost_minor is None:
                cost = cost if seen.unit_cost_minor is None else seen.unit_cost_minor
            else:
                cost = weighted_cost(seen.quantity, seen.unit_cost_minor, qty, cost)
            qty = total
        merged[line.product_id] = DeliveryLine(line.product_id, qty, cost)
    if not merged:
        raise ValidationError("lines", "nothing to receive")
    return [merged[pid] for pid in sorted(merged)]


@retry_busy
def receive_delivery(
    ctx: ServiceContext,
    actor: Operator,
    lines: Iterable[DeliveryLine],
    note: str = "",
    po_id: int | None = None,
) -> list[StockChange]:
    """Goods in: every line's units added to on-hand with a ledger row, and the product's
    cost made the weighted average of what was on hand and what came in, all in one
    transaction. Against a purchase order, its lines' received quantities go up and it
    becomes partly or fully received."""
    items = _delivery(lines)
    note = note.strip() or (f"purchase order {po_id}" if po_id is not None else "delivery")
    with ctx.uow() as uow:
        who = _manager(uow, actor, "Receiving stock")
        po = None
        if po_id is not None:
            po = uow.stock.po(po_id, lock=True)
            if po is None:
                raise NotFound(f"No purchase order {po_id} exists.")
            if po.state not in ("sent", "partial", "draft"):
                raise Conflict(f"Purchase order {po_id} is {po.state}; it takes no deliveries.")
        changes = []
        for line in items:
            cost_before = uow.stock.cost(line.product_id)  # locks the row, in id order
            change = uow.stock.change(
                line.product_id,
                line.quantity,
                StockReason.RECEIVING,
                note=note,
                user_id=who.user_id,
            )
            if line.unit_cost_minor is not None:
                before = change.on_hand - line.quantity
                uow.stock.set_cost(
                    line.product_id,
                    weighted_cost(before, cost_before, line.quantity, line.unit_cost_minor),
                )
            if po is not None:
                uow.stock.po_received(po.id, line.product_id, line.quantity)
            changes.append(change)
        if po is not None:
            after = uow.stock.po(po.id)
            assert after is not None
            full = all(ln.received >= ln.quantity for ln in after.lines)
            uow.stock.set_po_state(po.id, "received" if full else "partial", ctx.clock())
        uow.audit.record(
            "stock_received",
            who.user_id,
            detail={"lines": len(items), "units": sum(i.quantity for i in items), "po": po_id},
        )
        for change in changes:
            announce(uow, change)
        uow.commit()
    return changes


# -- stock counts ------------------------------------------------------------------------


def start_count(
    ctx: ServiceContext,
    actor: Operator,
    name: str,
    *,
    blind: bool = False,
    category_id: int | None = None,
    supplier_id: int | None = None,
    product_ids: Sequence[int] = (),
) -> CountView:
    """A new count of a category (with its sub-categories), a supplier's products or a
    list; products scanned during the count join it."""
    name = name.strip()
    if not name:
        raise ValidationError("name", "a count needs a name")
    with ctx.uow() as uow:
        who = _manager(uow, actor, "Starting a stock count")
        ids = set(product_ids)
        if category_id is not None or supplier_id is not None:
            if category_id is not None and uow.catalog.category(category_id) is None:
                raise ValidationError("category", f"there is no category {category_id}")
            ids |= set(uow.stock.product_ids(category_id, supplier_id, MAX_COUNT_LINES + 1))
        if len(ids) > MAX_COUNT_LINES:
            raise ValidationError("products", f"a count takes at most {MAX_COUNT_LINES:,}")
        count_id = uow.stock.create_count(name[:200], bool(blind), who.user_id, sorted(ids))
        view = uow.stock.count(count_id)
        uow.commit()
    assert view is not None
    return view


def get_count(ctx: ServiceContext, actor: Operator, count_id: int) -> CountView:
    with ctx.read() as uow:
        _manager(uow, actor, "Viewing a stock count")
        view = uow.stock.count(count_id)
    if view is None:
        raise NotFound(f"No stock count {count_id} exists.")
    return view


def list_counts(ctx: ServiceContext, actor: Operator, limit: int = 50) -> list[CountView]:
    with ctx.read() as uow:
        _manager(uow, actor, "Viewing stock counts")
        return uow.stock.counts(_limit(limit))


def _open_count(uow: UnitOfWork, count_id: int) -> CountView:
    view = uow.stock.count(count_id, lock=True)
    if view is None:
        raise NotFound(f"No stock count {count_id} exists.")
    if view.state != "open":
        raise Conflict(f"Stock count {count_id} is {view.state}.")
    return view


@retry_busy
def record_count(
    ctx: ServiceContext, actor: Operator, count_id: int, product_id: int, counted: int
) -> None:
    """What is on the shelf now: stored with the on-hand of this moment, so a sale made
    after it is not undone when the count is posted."""
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise ValidationError("counted", f"{counted!r} is not a whole number of 0 or more")
    if counted > MAX_QUANTITY * 10:
        raise ValidationError("counted", f"{counted} is over the limit")
    with ctx.uow() as uow:
        _manager(uow, actor, "Counting stock")
        _open_count(uow, count_id)
        uow.stock.record_counted(count_id, product_id, counted, ctx.clock())
        uow.commit()


@retry_busy
def post_count(ctx: ServiceContext, actor: Operator, count_id: int) -> list[StockChange]:
    """Post the differences (counted less on-hand when counted) as ledger rows, in one
    transaction; lines not counted change nothing."""
    with ctx.uow() as uow:
        who = _manager(uow, actor, "Posting a stock count")
        view = _open_count(uow, count_id)
        deltas = sorted((ln.product_id, ln.difference) for ln in view.lines if ln.difference)
        changes = [
            uow.stock.change(
                pid,
                delta,
                StockReason.COUNT,
                note=f"count {count_id}: {view.name}",
                user_id=who.user_id,
                force=True,
            )
            for pid, delta in deltas
            if delta is not None
        ]
        uow.stock.close_count(count_id, "posted", who.user_id, ctx.clock())
        uow.audit.record(
            "stock_count_posted",
            who.user_id,
            detail={"count_id": count_id, "changes": len(changes)},
        )
        for change in changes:
            announce(uow, change)
        uow.commit()
    return changes


def cancel_count(ctx: ServiceContext, actor: Operator, count_id: int) -> None:
    with ctx.uow() as uow:
        who = _manager(uow, actor, "Cancelling a stock count")
        _open_count(uow, count_id)
        uow.stock.close_count(count_id, "cancelled", who.user_id, ctx.clock())
        uow.commit()


# -- reorder suggestions and purchase orders ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggestion:
    product_id: int
    sku: str
    name: str
    supplier_id: int | None
    supplier: str
    on_hand: int
    threshold: int | None
    sold: int  # over the window
    lead_time_days: int
    quantity: int
    cost_minor: int | None


def reorder_suggestions(
    ctx: ServiceContext, actor: Operator, weeks: int = SALES_WEEKS, limit: int = 500
) -> list[Suggestion]:
    """Products at or under their threshold (or with a live alert), with how many to
    order from the last ``weeks`` of sales, the supplier's lead time and the reorder
    quantity (:func:`pos.domain.stock.suggest_order`)."""
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 52:
        raise ValidationError("weeks", "must be a whole number from 1 to 52")
    since = ctx.clock() - timedelta(weeks=weeks)
    with ctx.read() as uow:
        _manager(uow, actor, "Viewing reorder suggestions")
        rows = uow.stock.reorder_rows(since, _limit(limit))
    out = []
    for r in rows:
        qty = suggest_order(
            r.on_hand, r.threshold, r.reorder_qty, r.sold, weeks * 7, r.lead_time_days
        )
        if qty > 0:
            out.append(
                Suggestion(
                    r.product_id,
                    r.sku,
                    r.name,
                    r.supplier_id,
                    r.supplier,
                    r.on_hand,
                    r.threshold,
                    r.sold,
                    r.lead_time_days,
                    qty,
                    r.cost_minor,
                )
            )
    return out


@retry_busy
def create_purchase_orders(
    ctx: ServiceContext, actor: Operator, items: Iterable[Suggestion], note: str = ""
) -> list[POView]:
    """One draft purchase order per supplier for the suggestions given (those without a
    supplier are refused by name), and their alerts marked reordered; one transaction."""
    by_supplier: dict[int, dict[int, tuple[int, int | None]]] = {}
    for s in items:
        if s.supplier_id is None:
            raise ValidationError("supplier", f"{s.name} ({s.sku}) has no supplier")
        qty = check_quantity(s.quantity, f"{s.sku} quantity")
        by_supplier.setdefault(s.supplier_id, {})[s.product_id] = (qty, s.cost_minor)
    if not by_supplier:
        raise ValidationError("lines", "nothing to order")
    with ctx.uow() as uow:
        who = _manager(uow, actor, "Ordering stock")
        ids = []
        for supplier_id in sorted(by_supplier):
            lines = [(pid, q, c) for pid, (q, c) in sorted(by_supplier[supplier_id].items())]
            ids.append(uow.stock.create_po(supplier_id, lines, who.user_id, note))
        ordered = sorted(pid for lines_ in by_supplier.values() for pid in lines_)
        uow.stock.reorder_alerts(ordered, who.user_id, ctx.clock())
        views = [uow.stock.po(i) for i in ids]
        uow.audit.record("purchase_orders_created", who.user_id, detail={"ids": ids})
        uow.commit()
    return [v for v in views if v is not None]


def get_po(ctx: ServiceContext, actor: Operator, po_id: int) -> POView:
    with ctx.read() as uow:
        _manager(uow, actor, "Viewing a purchase order")
        view = uow.stock.po(po_id)
    if view is None:
        raise NotFound(f"No purchase order {po_id} exists.")
    return view


def list_pos(
    ctx: ServiceContext, actor: Operator, state: str | None = None, limit: int = 200
) -> list[POView]:
    with ctx.read() as uow:
        _manager(uow, actor, "Viewing purchase orders")
        return uow.stock.pos(state or None, _limit(limit))


def mark_po_sent(ctx: ServiceContext, actor: Operator, po_id: int) -> POView:
    """Draft -> sent (the PDF is what goes to the supplier; see reports.purchase_order)."""
    with ctx.uow() as uow:
        who = _manager(uow, actor, "Sending a purchase order")
        po = uow.stock.po(po_id, lock=True)
        if po is None:
            raise NotFound(f"No purchase order {po_id} exists.")
        if po.state != "draft":
            raise Conflict(f"Purchase order {po_id} is {po.state}, not a draft.")
        uow.stock.set_po_state(po_id, "sent", ctx.clock())
        uow.audit.record("purchase_order_sent", who.user_id, detail={"po_id": po_id})
        view = uow.stock.po(po_id)
        uow.commit()
    assert view is not None
    return view
