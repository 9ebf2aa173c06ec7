"""Inventory with strong consistency.

Every change of on-hand is one conditional update plus one ledger row in the caller's
transaction (:meth:`StockRepo.change`); nothing reads, adds in Python and writes back.
A change that leaves a product at or below its threshold opens a low-stock alert if it has
no live one (one live alert per product: open or acknowledged) and publishes
:class:`~pos.services.events.LowStock` after commit; rising above the threshold resolves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from pos.domain.errors import ValidationError
from pos.domain.staff import Permission
from pos.domain.stock import AlertState, StockReason, check_quantity
from pos.services.context import Actor, ServiceContext, require
from pos.services.events import LowStock, StockChanged

if TYPE_CHECKING:
    from pos.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class StockChange:
    product_id: int
    sku: str
    name: str
    delta: int
    on_hand: int  # after the change
    threshold: int | None
    alert: LowStock | None = None  # set when this change opened an alert


@dataclass(frozen=True, slots=True)
class StockMoveView:
    id: int
    at: datetime
    delta: int
    on_hand_after: int
    reason: str
    note: str
    order_id: int | None
    user: str | None


@dataclass(frozen=True, slots=True)
class StockLevel:
    product_id: int
    sku: str
    name: str
    on_hand: int
    low_stock_threshold: int | None
    allow_negative: bool
    moves: tuple[StockMoveView, ...]


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    product_id: int
    sku: str
    name: str
    state: str
    on_hand: int
    threshold: int
    created_at: datetime


class StockRepo(Protocol):
    def change(
        self,
        product_id: int,
        delta: int,
        reason: StockReason,
        *,
        note: str = "",
        order_id: int | None = None,
        user_id: int | None = None,
        force: bool = False,
    ) -> StockChange:
        """Apply ``delta`` by conditional update and write the ledger row.

        Raises InsufficientStock when the result would be negative and the product does
        not allow it (``force`` allows it, for returns and corrections), UnknownProduct
        when there is no such product.
        """
        ...

    def set_counted(
        self, product_id: int, counted: int, *, note: str, user_id: int | None
    ) -> StockChange: ...

    def level(self, product_id: int, moves: int) -> StockLevel: ...

    def alerts(self, state: AlertState | None, limit: int) -> list[AlertView]: ...

    def acknowledge(self, alert_id: int, user_id: int) -> AlertView: ...

    def ledger_mismatches(self) -> list[tuple[int, int, int]]:
        """(product id, on hand, ledger sum) for every product where they differ."""
        ...


def announce(uow: UnitOfWork, change: StockChange) -> None:
    """Queue the events of a stock change for after the commit."""
    uow.publish(StockChanged(change.product_id, change.on_hand))
    if change.alert is not None:
        uow.publish(change.alert)


def adjust_stock(
    ctx: ServiceContext, actor: Actor, product_id: int, delta: int, reason: str
) -> StockChange:
    """A manual correction (damage, theft, found stock) with a reason, by a manager."""
    require(actor, Permission.MANAGE_STOCK, "Adjusting stock")
    if not isinstance(delta, int) or delta == 0:
        raise ValidationError("quantity", "an adjustment must add or remove at least 1")
    check_quantity(abs(delta))
    if not reason.strip():
        raise ValidationError("reason", "an adjustment needs a reason")
    with ctx.uow() as uow:
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


def receive_stock(
    ctx: ServiceContext, actor: Actor, lines: Iterable[tuple[int, int]], note: str = ""
) -> list[StockChange]:
    """Goods in: every (product id, quantity) in one transaction, all or nothing."""
    require(actor, Permission.MANAGE_STOCK, "Receiving stock")
    items = [(pid, check_quantity(qty)) for pid, qty in lines]
    if not items:
        raise ValidationError("lines", "nothing to receive")
    with ctx.uow() as uow:
        changes = [
            uow.stock.change(pid, qty, StockReason.RECEIVING, note=note, user_id=actor.user_id)
            for pid, qty in items
        ]
        for change in changes:
            announce(uow, change)
        uow.commit()
    return changes


def count_stock(
    ctx: ServiceContext, actor: Actor, counts: Iterable[tuple[int, int]], note: str = "count"
) -> list[StockChange]:
    """A stock count: set each product to what was counted; the ledger records the gap."""
    require(actor, Permission.MANAGE_STOCK, "Counting stock")
    items = list(counts)
    for _, counted in items:
        if not isinstance(counted, int) or counted < 0:
            raise ValidationError("counted", f"{counted!r} is not a whole number of 0 or more")
    with ctx.uow() as uow:
        changes = [
            uow.stock.set_counted(pid, counted, note=note, user_id=actor.user_id)
            for pid, counted in items
        ]
        for change in changes:
            announce(uow, change)
        uow.commit()
    return changes


def stock_level(ctx: ServiceContext, product_id: int, moves: int = 20) -> StockLevel:
    with ctx.read() as uow:
        return uow.stock.level(product_id, moves)


def list_alerts(
    ctx: ServiceContext, state: AlertState | None = AlertState.OPEN, limit: int = 500
) -> list[AlertView]:
    with ctx.read() as uow:
        return uow.stock.alerts(state, limit)


def acknowledge_alert(ctx: ServiceContext, actor: Actor, alert_id: int) -> AlertView:
    require(actor, Permission.MANAGE_STOCK, "Acknowledging a stock alert")
    with ctx.uow() as uow:
        view = uow.stock.acknowledge(alert_id, actor.user_id)
        uow.commit()
    return view


def verify_ledger(ctx: ServiceContext) -> list[tuple[int, int, int]]:
    """Products whose on-hand differs from the sum of their ledger (should be none)."""
    with ctx.read() as uow:
        return uow.stock.ledger_mismatches()
