"""The owner's reports and the dashboard: snapshots computed from one set of queries.

Every use case here returns a frozen snapshot from :mod:`pos.domain.reports`; renderers
(``reports/``), the GUI, the CLI and tests read the same numbers. The SQL aggregates live
in ``db.repositories.analytics`` (:class:`AnalyticsRepo`); this module only adds up
the cells it returns (hours into days, product rows into the tax table...), so a total is
always the sum of the rows shown under it. See :mod:`pos.domain.reports` for what counts
as a sale or a return, and when.

Rules:
- Reading a report needs VIEW_REPORTS (managers and owners); the X report of the open
  shift also SELL (any cashier). The command-line tool acts as
  :class:`pos.services.staff.SystemAccess` (whoever holds the database), which may read
  every report.
- The Z and X reports are the shift's own figures (:meth:`ShiftRepo.figures`), the ones
  the Z close journals: there is no second way of computing them.
- Periods are whole days of the store's time zone (the ``timezone`` setting), both ends
  included, at most ten years; hours of the day and every time shown are local too.
  (Figures are gathered per UTC hour and placed by that hour's local time: in a zone
  whose offset is not whole hours, an hour's trade lands in one local hour.)
- Reads only: every report runs in one read-only unit of work, so its figures are one
  consistent picture and it never blocks a sale.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pos.domain.errors import NotFound, ShiftError, ValidationError
from pos.domain.reports import (
    CustomerRow,
    CustomersReport,
    Dashboard,
    DayRow,
    Figures,
    GroupRow,
    HourRow,
    InventoryReport,
    LowStockRow,
    Period,
    ProductRow,
    SalesReport,
    ShiftReport,
    StoreInfo,
    TaxRow,
    TenderRow,
    ValuationRow,
    suggest_order,
    sum_figures,
)
from pos.domain.staff import Permission
from pos.ports.shifts import ShiftFigures, ShiftRow
from pos.ports.staff import Actor, SystemAccess
from pos.services.context import ServiceContext, allowed
from pos.services.settings import read_settings
from pos.services.shifts import require_open_shift

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

Operator = Actor | SystemAccess

MAX_DAYS = 3660
MAX_TOP = 1000
LIST_LIMIT = 1000  # dead-stock rows listed (all are counted and valued)
REORDER_DAYS = 14
NO_CASHIER = "No cashier (imported or online)"
TREND_DAYS = 30
DASHBOARD_TOP = 5
DASHBOARD_ALERTS = 8


# ------------------------------------------------------------------ checks and helpers


def _allow(ctx: ServiceContext, op: Operator, permission: Permission, action: str) -> None:
    allowed(ctx, op, permission, action)


def make_period(start: date, end: date, zone: str = "UTC") -> Period:
    """A report period, checked: whole days (of the time zone ``zone``), start not after
    end, ten years at most."""
    for name, value in (("from", start), ("to", end)):
        if not isinstance(value, date):
            raise ValidationError(name, f"{value!r} is not a date")
    start = start.date() if isinstance(start, datetime) else start
    end = end.date() if isinstance(end, datetime) else end
    if start > end:
        raise ValidationError("period", f"starts on {start} after it ends on {end}")
    period = Period(start, end, zone)
    if period.days > MAX_DAYS:
        raise ValidationError("period", f"is {period.days:,} days long; ten years at most")
    return period


def _check_count(value: int, name: str, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise ValidationError(name, f"must be a whole number from 1 to {most:,}")
    return value


def _store(uow: UnitOfWork) -> StoreInfo:
    s = read_settings(uow.settings)
    return StoreInfo(
        name=s.store_name,
        address=s.store_address,
        tax_number=s.tax_number,
        currency=s.money.code,
        tax_mode=s.tax_mode,
        paper_size=s.paper_size,
        timezone=s.timezone,
    )


def store_zone(ctx: ServiceContext) -> str:
    """The store's time zone (an IANA name)."""
    with ctx.read() as uow:
        return read_settings(uow.settings).timezone


def today(ctx: ServiceContext) -> date:
    """Today's date in the store's time zone."""
    return ctx.clock().astimezone(ZoneInfo(store_zone(ctx))).date()


def _now(ctx: ServiceContext, store: StoreInfo) -> datetime:
    return ctx.clock().astimezone(ZoneInfo(store.timezone))


def _local(at: datetime | None, zone: str) -> datetime | None:
    return None if at is None else at.astimezone(ZoneInfo(zone))


def _series(
    period: Period, cells: list[tuple[datetime, int | None, Figures]]
) -> tuple[Figures, tuple[DayRow, ...], tuple[HourRow, ...], dict[int | None, Figures]]:
    """Totals, every day of the period, the 24 hours of the day and each cashier, all
    added up from the same (hour, cashier) cells, placed by the period's local time."""
    days: dict[date, Figures] = {}
    hours: dict[int, Figures] = {}
    cashiers: dict[int | None, Figures] = {}
    tz = period.tz()
    for utc_at, cashier, figures in cells:
        at = utc_at.astimezone(tz)
        days[at.date()] = days.get(at.date(), Figures()) + figures
        hours[at.hour] = hours.get(at.hour, Figures()) + figures
        cashiers[cashier] = cashiers.get(cashier, Figures()) + figures
    by_day = tuple(
        DayRow(d, days.get(d, Figures()))
        for d in (period.start + timedelta(days=i) for i in range(period.days))
    )
    by_hour = tuple(HourRow(h, hours.get(h, Figures())) for h in range(24))
    return sum_figures([f for _, _, f in cells]), by_day, by_hour, cashiers


def _by_net(row: GroupRow | ProductRow) -> tuple[int, str]:
    key = row.sku if isinstance(row, ProductRow) else row.label
    return (-row.figures.net_minor, key)


def _products_and_tax(
    rows: list[tuple[str, str, str, Decimal, Figures]],
) -> tuple[tuple[ProductRow, ...], tuple[TaxRow, ...]]:
    products: dict[str, ProductRow] = {}
    rates: dict[Decimal, Figures] = {}
    for sku, name, category, rate, figures in rows:
        seen = products.get(sku)
        if seen is None:
            products[sku] = ProductRow(sku, name, category, figures)
        else:
            products[sku] = replace(
                seen, category=seen.category or category, figures=seen.figures + figures
            )
        key = rate.normalize() if rate else Decimal(0)
        rates[key] = rates.get(key, Figures()) + figures
    tax = tuple(TaxRow(rate, f.revenue_minor, f.tax_minor) for rate, f in sorted(rates.items()))
    return tuple(sorted(products.values(), key=_by_net)), tax


def _cashier_rows(uow: UnitOfWork, cashiers: dict[int | None, Figures]) -> tuple[GroupRow, ...]:
    names = uow.analytics.cashiers([c for c in cashiers if c is not None])
    rows = []
    for cid, figures in cashiers.items():
        if cid is None or cid not in names:
            rows.append(GroupRow("", NO_CASHIER, figures))
            continue
        username, full_name = names[cid]
        label = f"{full_name} ({username})" if full_name else username
        rows.append(GroupRow(username, label, figures))
    return tuple(sorted(rows, key=_by_net))


# ------------------------------------------------------------------ shift reports


def _shift_report(
    kind: str, store: StoreInfo, row: ShiftRow, f: ShiftFigures, now: datetime
) -> ShiftReport:
    return ShiftReport(
        store=store,
        kind=kind,
        generated_at=now.astimezone(ZoneInfo(store.timezone)),
        shift_id=f.shift_id,
        register_code=f.register_code,
        opened_at=f.opened_at.astimezone(ZoneInfo(store.timezone)),
        opened_by=row.opened_by,
        closed_at=_local(f.closed_at, store.timezone),
        sales_count=f.sales_count,
        refunds_count=f.refunds_count,
        voids_count=f.voids_count,
        gross_minor=f.gross_minor,
        discounts_minor=f.discounts_minor,
        sales_total_minor=f.sales_total_minor,
        returns_minor=f.returns_minor,
        net_minor=f.net_minor,
        tax=tuple(TaxRow(rate, net, tax) for rate, net, tax in f.tax_by_rate),
        tenders=tuple(TenderRow(method, amount) for method, amount in f.tenders),
        float_minor=f.float_minor,
        pay_ins_minor=f.pay_ins_minor,
        pay_outs_minor=f.pay_outs_minor,
        expected_cash_minor=f.expected_cash_minor,
        counted_cash_minor=f.counted_cash_minor,
        over_short_minor=f.over_short_minor,
        grand_total_minor=f.grand_total_minor,
        z_no=f.z_no,
        z_hash=f.z_hash,
        z_seq=f.z_seq,
    )


def z_report(ctx: ServiceContext, actor: Operator, shift_id: int | None = None) -> ShiftReport:
    """The Z report of a closed shift (``None``: the shift closed last, on any till)."""
    _allow(ctx, actor, Permission.CLOSE_SHIFT, "Reading the Z report")
    with ctx.read() as uow:
        if shift_id is None:
            shift_id = uow.analytics.last_closed_shift(None)
            if shift_id is None:
                raise NotFound("No shift has been closed yet, so there is no Z report.")
        row = uow.shifts.get(shift_id)
        if row is None:
            raise NotFound(f"No shift {shift_id} exists.")
        if row.closed_at is None:
            raise ShiftError(
                f"Shift {shift_id} is still open; its figures so far are the X report."
            )
        return _shift_report("Z", _store(uow), row, uow.shifts.figures(shift_id), ctx.clock())


def last_z_report(ctx: ServiceContext, actor: Operator, register_id: int) -> ShiftReport:
    """The Z report of the shift closed last on a register."""
    _allow(ctx, actor, Permission.CLOSE_SHIFT, "Reading the Z report")
    with ctx.read() as uow:
        shift_id = uow.analytics.last_closed_shift(register_id)
    if shift_id is None:
        raise NotFound("No shift has been closed on this register yet.")
    return z_report(ctx, actor, shift_id)


def x_report(ctx: ServiceContext, actor: Operator, register_id: int) -> ShiftReport:
    """The figures of the register's open shift so far (reads only, changes nothing)."""
    _allow(ctx, actor, Permission.SELL, "Reading the X report")
    with ctx.read() as uow:
        shift = require_open_shift(uow.shifts, register_id)
        figures = uow.shifts.figures(shift.id)
        return _shift_report("X", _store(uow), shift, figures, ctx.clock())


# ------------------------------------------------------------------ sales


def sales_report(
    ctx: ServiceContext, actor: Operator, start: date, end: date, top_n: int = 20
) -> SalesReport:
    """Sales of a period with the period of the same length before it beside it."""
    _allow(ctx, actor, Permission.VIEW_REPORTS, "Reading the sales report")
    period = make_period(start, end)
    top_n = _check_count(top_n, "top", MAX_TOP)
    with ctx.reports_read() as uow:
        store = _store(uow)
        period = replace(period, zone=store.timezone)
        previous = period.previous()
        repo = uow.analytics
        a, b = period.start_at, period.end_at
        totals, by_day, by_hour, cashiers = _series(period, repo.hourly(a, b))
        before, *_ = _series(previous, repo.hourly(previous.start_at, previous.end_at))
        products, tax = _products_and_tax(repo.products(a, b))
        return SalesReport(
            store=store,
            period=period,
            generated_at=_now(ctx, store),
            totals=totals,
            previous_period=previous,
            previous=before,
            by_day=by_day,
            by_hour=by_hour,
            by_category=tuple(sorted(repo.by_category(a, b), key=_by_net)),
            by_cashier=_cashier_rows(uow, cashiers),
            by_payment=tuple(repo.tenders(a, b)),
            tax=tax,
            top_n=top_n,
            top_products=products[:top_n],
            products=products,
        )


def dashboard(
    ctx: ServiceContext, actor: Operator, day: date | None = None, trend_days: int = TREND_DAYS
) -> Dashboard:
    """One day at a glance (``None``: today in the store's time zone), with the same
    weekday a week before for comparison, the ``trend_days`` days to it, sales per
    register, the payment mix and the open low-stock alerts."""
    _allow(ctx, actor, Permission.VIEW_REPORTS, "Reading the dashboard")
    trend_days = _check_count(trend_days, "trend days", 366)
    with ctx.reports_read() as uow:
        store = _store(uow)
        day = day or ctx.clock().astimezone(ZoneInfo(store.timezone)).date()
        period = make_period(day, day, store.timezone)
        week_before = make_period(day - timedelta(days=7), day - timedelta(days=7), store.timezone)
        trend = make_period(day - timedelta(days=trend_days - 1), day, store.timezone)
        repo = uow.analytics
        a, b = period.start_at, period.end_at
        today, _, by_hour, _ = _series(period, repo.hourly(a, b))
        wa, wb = week_before.start_at, week_before.end_at
        before, *_ = _series(week_before, repo.hourly(wa, wb))
        net: dict[date, int] = {}
        for at, amount in repo.net_by_hour(trend.start_at, b):
            day_of = at.astimezone(trend.tz()).date()
            net[day_of] = net.get(day_of, 0) + amount
        by_day = tuple(  # the trend carries net sales only
            DayRow(d, Figures(net_minor=net.get(d, 0)))
            for d in (trend.start + timedelta(days=i) for i in range(trend.days))
        )
        products, _ = _products_and_tax(repo.products(a, b))
        alerts, low = repo.open_alerts(DASHBOARD_ALERTS)
        return Dashboard(
            store=store,
            day=period.start,
            generated_at=_now(ctx, store),
            today=today,
            same_day_last_week=before,
            by_hour=by_hour,
            top_products=products[:DASHBOARD_TOP],
            low_stock_count=alerts,
            open_shifts=repo.open_shifts(),
            tenders=tuple(repo.tenders(a, b)),
            trend=by_day,
            by_register=tuple(sorted(repo.by_register(a, b), key=_by_net)),
            low_stock=tuple(
                LowStockRow(pid, sku, name, category, on_hand, threshold, 0, 0)
                for pid, sku, name, category, on_hand, threshold in low
            ),
            orders_open=repo.open_orders(),
        )


# ------------------------------------------------------------------ inventory


def inventory_report(
    ctx: ServiceContext, actor: Operator, start: date, end: date, dead_days: int = 90
) -> InventoryReport:
    """Stock value now, what is low, what moved in the period, and what has not sold in
    ``dead_days`` days before the period's end."""
    _allow(ctx, actor, Permission.VIEW_REPORTS, "Reading the inventory report")
    period = make_period(start, end)
    dead_days = _check_count(dead_days, "dead days", MAX_DAYS)
    with ctx.reports_read() as uow:
        store = _store(uow)
        period = replace(period, zone=store.timezone)
        repo = uow.analytics
        a, b = period.start_at, period.end_at
        valuation = sorted(repo.valuation(), key=lambda r: (-r.cost_value_minor, r.category))
        total = ValuationRow(
            "All categories",
            sum(r.products for r in valuation),
            sum(r.units for r in valuation),
            sum(r.cost_value_minor for r in valuation),
            sum(r.retail_value_minor for r in valuation),
            sum(r.uncosted_units for r in valuation),
        )
        low = repo.low_stock()
        sold = repo.units_sold(a, b, [pid for pid, *_ in low])
        low_rows = tuple(
            LowStockRow(
                pid,
                sku,
                name,
                category,
                on_hand,
                threshold,
                sold.get(pid, 0),
                suggest_order(on_hand, threshold, sold.get(pid, 0), period.days, REORDER_DAYS),
            )
            for pid, sku, name, category, on_hand, threshold in low
        )
        reasons, moves = repo.movements(a, b)
        dead, count, dead_cost, dead_retail = repo.dead_stock(
            b - timedelta(days=dead_days), LIST_LIMIT
        )  # = InventoryReport.dead_since
        return InventoryReport(
            store=store,
            period=period,
            generated_at=_now(ctx, store),
            dead_days=dead_days,
            valuation=tuple(valuation),
            valuation_total=total,
            low_stock=low_rows,
            reorder_days=REORDER_DAYS,
            movements_by_reason=tuple(reasons),
            movements=tuple(moves),
            dead_stock=tuple(dead),
            dead_stock_count=count,
            dead_stock_cost_minor=dead_cost,
            dead_stock_retail_minor=dead_retail,
            list_limit=LIST_LIMIT,
        )


# ------------------------------------------------------------------ customers


def customers_report(
    ctx: ServiceContext, actor: Operator, start: date, end: date, top_n: int = 20
) -> CustomersReport:
    """Who bought in the period: top customers, new against returning, repeat rate.

    A customer *bought* in the period when at least one of their orders with sold lines
    falls in it; they are *new* when that is their first such order ever. New, returning
    and anonymous net add up to the period's net sales: a customer whose only activity
    in the period is a return counts under returning net (but not as a customer).
    """
    _allow(ctx, actor, Permission.VIEW_REPORTS, "Reading the customers report")
    period = make_period(start, end)
    top_n = _check_count(top_n, "top", MAX_TOP)
    with ctx.reports_read() as uow:
        store = _store(uow)
        period = replace(period, zone=store.timezone)
        repo = uow.analytics
        rows = repo.customer_figures(period.start_at, period.end_at)
        known = {cid: (f, last) for cid, f, last in rows if cid is not None}
        anonymous = next((f for cid, f, _ in rows if cid is None), Figures())
        buyers = [cid for cid, (f, _) in known.items() if f.orders > 0]
        first = repo.first_orders(buyers)
        new = {cid for cid in buyers if first.get(cid, period.start_at) >= period.start_at}
        ranked = sorted(buyers, key=lambda c: (-known[c][0].net_minor, c))[:top_n]
        names = repo.customer_names(ranked)
        top = []
        for cid in ranked:
            figures, last = known[cid]
            first_at = first.get(cid)
            top.append(
                CustomerRow(
                    customer_id=cid,
                    name=names.get(cid, f"#{cid}"),
                    orders=figures.orders,
                    net_minor=figures.net_minor,
                    first_order=(first_at or period.start_at).astimezone(period.tz()).date(),
                    last_order=(last or period.start_at).astimezone(period.tz()).date(),
                    new=cid in new,
                )
            )
        return CustomersReport(
            store=store,
            period=period,
            generated_at=_now(ctx, store),
            customers=len(buyers),
            new_customers=len(new),
            returning_customers=len(buyers) - len(new),
            repeat_customers=sum(1 for c in buyers if known[c][0].orders >= 2),
            new_net_minor=sum(known[c][0].net_minor for c in new),
            returning_net_minor=sum(f.net_minor for c, (f, _) in known.items() if c not in new),
            anonymous_orders=anonymous.orders,
            anonymous_net_minor=anonymous.net_minor,
            customer_orders=sum(known[c][0].orders for c in buyers),
            top_n=top_n,
            top=tuple(top),
        )
