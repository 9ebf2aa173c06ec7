"""Inventory with strong consistency.

Every change of on-hand is one conditional update plus one ledger row in the caller's
transaction (:meth:`StockRepo.change`); nothing reads, adds in Python and writes back.
A change that leaves a product at or below its threshold opens a low-stock alert if it has
no live one (one live alert per product: open or acknowledged) and publishes
:class:`~pos.services.events.LowStock` after commit; rising above the threshold resolves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from pos.domain.bounds import check_id, check_text
from pos.domain.errors import ValidationError
from pos.domain.sale import NewOrderLine
from pos.domain.staff import Permission
from pos.domain.stock import AlertState, StockReason, check_quantity, check_stock
from pos.ports.events import StockChanged
from pos.ports.staff import Actor
from pos.ports.stock import AlertView, StockChange, StockLevel
from pos.services.context import ServiceContext, require, retry_busy

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork


def announce(uow: UnitOfWork, change: StockChange) -> None:
    """Queue the events of a stock change for after the commit."""
    uow.publish(StockChanged(change.product_id, change.on_hand))
    if change.alert is not None:
        uow.publish(change.alert)


def move_order_stock(
    uow: UnitOfWork,
    user_id: int,
    order_id: int,
    lines: Iterable[NewOrderLine],
    reason: StockReason,
    at: datetime,
) -> None:
    """Take a sale's units out of stock, or put a refund's restocked units back, in the
    caller's transaction: one conditional update for all its products and one batch of
    ledger rows. Rows are changed in product-id order, the one order every till locks
    products in, so two tills selling the same products never deadlock; do it last before
    the commit, so a popular product's row is locked for as short a time as can be."""
    totals: dict[int, int] = {}
    for line in lines:
        if line.product_id is None or (line.quantity < 0 and not line.restock):
            continue
        totals[line.product_id] = totals.get(line.product_id, 0) - line.quantity
    deltas = [(pid, totals[pid]) for pid in sorted(totals) if totals[pid]]
    force = any(d > 0 for _, d in deltas)
    changes = uow.stock.change_many(
        deltas, reason, order_id=order_id, user_id=user_id, at=at, force=force
    )
    for change in changes:
        announce(uow, change)


@retry_busy
def adjust_stock(
    ctx: ServiceContext, actor: Actor, product_id: int, delta: int, reason: str
) -> StockChange:
    """A manual correction (damage, theft, found stock) with a reason, by a manager."""
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0:
        raise ValidationError("quantity", "an adjustment must add or remove at least 1")
    check_quantity(abs(delta))
    product_id = check_id(product_id, "product")
    check_text(reason, "reason", 500)
    if not reason.strip():
        raise ValidationError("reason", "an adjustment needs a reason")
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_STOCK, "Adjusting stock")
        change = uow.stock.change(
            product_id, delta, StockReason.ADJUSTMENT, note=reason.strip(), user_id=actor.user_id
        )
        uow.audit.record(
            "stock_adjustment",
            actor.user_id,
            detail={"product_id": product_id, "delta": delta, "reason": reason.strip()},
        )
        announce(uow, change)
        uow.commit()
    return change


@retry_busy
def receive_stock(
    ctx: ServiceContext, actor: Actor, lines: Iterable[tuple[int, int]], note: str = ""
) -> list[StockChange]:
    """Goods in: every (product id, quantity) in one transaction, all or nothing."""
    items = [(check_id(pid, "product"), check_quantity(qty)) for pid, qty in lines]
    check_text(note, "note", 500)
    if not items:
        raise ValidationError("lines", "nothing to receive")
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_STOCK, "Receiving stock")
        changes = [
            uow.stock.change(pid, qty, StockReason.RECEIVING, note=note, user_id=actor.user_id)
            for pid, qty in items
        ]
        for change in changes:
            announce(uow, change)
        uow.commit()
    return changes


@retry_busy
def count_stock(
    ctx: ServiceContext, actor: Actor, counts: Iterable[tuple[int, int]], note: str = "count"
) -> list[StockChange]:
    """A stock count: set each product to what was counted; the ledger records the gap."""
    items = [(check_id(pid, "product"), check_stock(counted, "counted")) for pid, counted in counts]
    check_text(note, "note", 500)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_STOCK, "Counting stock")
        changes = [
            uow.stock.set_counted(pid, counted, note=note, user_id=actor.user_id)
            for pid, counted in items
        ]
        for change in changes:
            announce(uow, change)
        uow.commit()
    return changes


def stock_level(ctx: ServiceContext, product_id: int, moves: int = 20) -> StockLevel:
    product_id = check_id(product_id, "product")
    with ctx.read() as uow:
        return uow.stock.level(product_id, min(check_stock(moves, "moves"), 1000))


def list_alerts(
    ctx: ServiceContext, state: AlertState | None = AlertState.OPEN, limit: int = 500
) -> list[AlertView]:
    with ctx.read() as uow:
        return uow.stock.alerts(state, limit)


def acknowledge_alert(ctx: ServiceContext, actor: Actor, alert_id: int) -> AlertView:
    alert_id = check_id(alert_id, "alert")
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_STOCK, "Acknowledging a stock alert")
        view = uow.stock.acknowledge(alert_id, actor.user_id)
        uow.commit()
    return view


def verify_ledger(ctx: ServiceContext) -> list[tuple[int, int, int]]:
    """Products whose on-hand differs from the sum of their ledger (should be none)."""
    with ctx.read() as uow:
        return uow.stock.ledger_mismatches()
