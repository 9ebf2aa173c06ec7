"""Tax classes and their rates by date. A new rate is scheduled from a moment (now or
later); past sales are never rewritten (each order line keeps the tax it was sold with).
``tax_classes.rate`` stays the rate in force, which is what a scan reads (no extra
statement on the till's hot path): :func:`apply_due_rates` makes a scheduled rate the
one in force once its moment has come. It runs when the app opens, every minute while a
till or the back office is open (``ui.tax_clock``), and before a rate is listed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from pos.domain.errors import NotFound, ValidationError
from pos.domain.staff import Permission
from pos.ports.catalog import TaxClassView
from pos.ports.events import TaxClassesChanged
from pos.ports.staff import Actor
from pos.ports.tax_rates import TaxRateView
from pos.services.catalog import _rate as checked_rate
from pos.services.catalog import create_tax_class
from pos.services.context import ServiceContext, require

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

GRACE = timedelta(minutes=5)  # "from now" typed a moment ago is not in the past


@dataclass(frozen=True, slots=True)
class TaxClassRates:
    tax_class: TaxClassView
    history: tuple[TaxRateView, ...]  # oldest first; those ahead have applied_at None

    @property
    def scheduled(self) -> tuple[TaxRateView, ...]:
        return tuple(r for r in self.history if r.applied_at is None)


def add_tax_class(
    ctx: ServiceContext, actor: Actor, code: str, name: str, rate: Decimal | str
) -> TaxClassView:
    """A new tax class, its rate in force from now (the first row of its history)."""
    view = create_tax_class(ctx, actor, code, name, rate)
    with ctx.uow() as uow:
        who = require(uow, actor, Permission.MANAGE_CATALOG, "Adding a tax class")
        row = uow.tax_rates.add(view.id, view.rate, ctx.clock(), who.user_id)
        uow.tax_rates.mark_applied([row.id], ctx.clock())
        uow.commit()
    return view


def schedule_rate(
    ctx: ServiceContext,
    actor: Actor,
    tax_class_id: int,
    rate: Decimal | str,
    effective_from: datetime,
) -> TaxRateView:
    """``rate`` for the class from ``effective_from`` on (timezone-aware; now or later).
    A rate from now is in force when this returns."""
    value = checked_rate(rate)
    if effective_from.tzinfo is None:
        raise ValidationError("effective_from", "needs a time zone")
    now = ctx.clock()
    if effective_from < now - GRACE:
        raise ValidationError(
            "effective_from", "is in the past; past sales keep the rate they were sold at"
        )
    with ctx.uow() as uow:
        who = require(uow, actor, Permission.MANAGE_CATALOG, "Changing a tax rate")
        found = [t for t in uow.catalog.tax_classes() if t.id == tax_class_id]
        if not found:
            raise NotFound(f"There is no tax class {tax_class_id}.")
        row = uow.tax_rates.add(tax_class_id, value, max(effective_from, now), who.user_id)
        uow.audit.record(
            "tax_rate_scheduled",
            who.user_id,
            detail={
                "tax_class": found[0].code,
                "from": str(found[0].rate),
                "to": str(value),
                "effective_from": effective_from.isoformat(),
            },
        )
        _apply_due(uow, now)
        uow.commit()
    return row


def _apply_due(uow: UnitOfWork, now: datetime) -> int:
    due = uow.tax_rates.due(now)
    if not due:
        return 0
    latest: dict[int, Decimal] = {}
    for r in due:  # oldest first: the last one of each class wins
        latest[r.tax_class_id] = r.rate
    for class_id, rate in latest.items():
        uow.tax_rates.set_current(class_id, rate)
    uow.tax_rates.mark_applied([r.id for r in due], now)
    uow.audit.record(
        "tax_rates_applied",
        None,
        detail={"rates": {str(k): str(v) for k, v in latest.items()}},
    )
    uow.publish(TaxClassesChanged())
    return len(latest)


def apply_due_rates(ctx: ServiceContext) -> int:
    """Make every scheduled rate whose moment has come the class's rate in force; how
    many classes changed. Idempotent; nothing is written when nothing is due."""
    now = ctx.clock()
    with ctx.read() as uow:
        if not uow.tax_rates.due(now):
            return 0
    with ctx.uow() as uow:
        changed = _apply_due(uow, now)
        uow.commit()
    return changed


def tax_classes_with_rates(ctx: ServiceContext, actor: Actor) -> list[TaxClassRates]:
    """Every tax class with its rate history and the rates ahead."""
    apply_due_rates(ctx)
    with ctx.read() as uow:
        require(uow, actor, Permission.MANAGE_CATALOG, "Managing tax classes")
        return [
            TaxClassRates(t, tuple(uow.tax_rates.history(t.id))) for t in uow.catalog.tax_classes()
        ]
