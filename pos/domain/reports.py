"""Report snapshots: every figure a report shows, computed by ``pos.services.analytics``.

A snapshot is a frozen dataclass of plain values, so a renderer (``reports/``), the
dashboard, a JSON export and a test all see the same numbers. Money is in integer minor
units of ``StoreInfo.currency`` (format with :func:`pos.domain.money.currency`); rates
and percentages are ``Decimal``; times are in the store's time zone
(``StoreInfo.timezone``), and so are the days of a period and the hours of the day.

What counts, and when (the rules every report and the dashboard share):
- Sold lines (quantity above zero) of till sales, of imported history and of online or
  phone orders whose payment is ``paid`` or ``refunded`` (they were paid), at the time
  the order was taken.
- Returned lines (quantity below zero) of till refunds and voids and of imported history,
  at the time of the return; a refunded online order is returned whole at the time of
  its refund.
- ``gross`` is list value before discounts (unit price x quantity, in the store's tax
  mode), ``sales`` what the sold lines charged after discounts, ``returns`` what was
  given back (positive), ``net`` = sales - returns. ``tax`` is the tax in ``net``.
- Margin is counted on lines whose unit cost is known (the cost at the time of the
  sale; a return takes the cost of the line it returns): revenue excluding tax minus cost.
  ``costed_revenue`` says how much of the revenue that covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from pos.domain.journal import anchor_token

HUNDRED = Decimal(100)


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` as a percent of ``whole``, to one decimal place; None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def change_percent(now: int, before: int) -> Decimal | None:
    """Change from ``before`` to ``now`` in percent; None when there was nothing before."""
    if not before:
        return None
    return percent(now - before, abs(before))


@dataclass(frozen=True, slots=True)
class StoreInfo:
    name: str
    address: str
    tax_number: str
    currency: str  # ISO code, e.g. "GBP"
    tax_mode: str  # "inclusive" or "exclusive"
    paper_size: str  # "A4" or "Letter"
    timezone: str = "UTC"  # IANA name; every time in a snapshot is in it


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days from ``start`` to ``end``, both included, in the time zone ``zone``
    (a day from local midnight to local midnight, 23 or 25 hours long across a change
    of clocks)."""

    start: date
    end: date
    zone: str = "UTC"

    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time(), self.tz())

    @property
    def end_at(self) -> datetime:
        """The first moment after the period (local midnight after its last day)."""
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time(), self.tz())

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(
            self.start - timedelta(days=self.days), self.start - timedelta(days=1), self.zone
        )

    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start:%a} {self.start.day} {self.start:%b %Y}"
        if self.start.year == self.end.year:
            return f"{self.start.day} {self.start:%b} – {self.end.day} {self.end:%b %Y}"
        return f"{self.start.day} {self.start:%b %Y} – {self.end.day} {self.end:%b %Y}"


@dataclass(frozen=True, slots=True)
class Figures:
    """Sales figures of one group of lines (a period, a day, a product, a cashier...)."""

    orders: int = 0  # orders with sold lines
    returns: int = 0  # documents with returned lines (refunds, voids, returns)
    units_sold: int = 0
    units_returned: int = 0  # positive
    gross_minor: int = 0
    discounts_minor: int = 0
    sales_minor: int = 0
    returns_minor: int = 0  # positive
    net_minor: int = 0  # sales - returns
    tax_minor: int = 0  # tax in net
    revenue_minor: int = 0  # net excluding tax
    costed_revenue_minor: int = 0  # revenue of lines whose cost is known
    cost_minor: int = 0  # cost of those lines

    def __add__(self, other: Figures) -> Figures:
        a, b = self, other
        return Figures(
            a.orders + b.orders,
            a.returns + b.returns,
            a.units_sold + b.units_sold,
            a.units_returned + b.units_returned,
            a.gross_minor + b.gross_minor,
            a.discounts_minor + b.discounts_minor,
            a.sales_minor + b.sales_minor,
            a.returns_minor + b.returns_minor,
            a.net_minor + b.net_minor,
            a.tax_minor + b.tax_minor,
            a.revenue_minor + b.revenue_minor,
            a.costed_revenue_minor + b.costed_revenue_minor,
            a.cost_minor + b.cost_minor,
        )

    @property
    def margin_minor(self) -> int | None:
        """Revenue minus cost where the cost is known; None when no cost is known."""
        if not self.costed_revenue_minor and not self.cost_minor:
            return None
        return self.costed_revenue_minor - self.cost_minor

    @property
    def margin_percent(self) -> Decimal | None:
        margin = self.margin_minor
        return None if margin is None else percent(margin, self.costed_revenue_minor)

    @property
    def cost_coverage_percent(self) -> Decimal | None:
        """How much of the revenue the margin covers (lines with a known cost)."""
        return percent(self.costed_revenue_minor, self.revenue_minor)

    @property
    def average_sale_minor(self) -> int | None:
        """Sales after discounts per order, rounded half up to the minor unit."""
        if not self.orders:
            return None
        q, r = divmod(self.sales_minor, self.orders)
        return q + (1 if 2 * r >= self.orders else 0)


def suggest_order(on_hand: int, threshold: int, sold: int, days: int, cover_days: int) -> int:
    """Units to order for a low-stock product.

    Enough to cover ``cover_days`` of sales at the rate of the last ``days`` (``sold``
    units, net of returns) on top of the threshold, kept as safety stock; and never less
    than what lifts the product off the low-stock list (threshold + 1).
    """
    rate_units = -(-max(sold, 0) * cover_days // max(days, 1))  # ceiling
    target = max(threshold + rate_units, threshold + 1)
    return max(target - on_hand, 0)


def sum_figures(items: list[Figures] | tuple[Figures, ...]) -> Figures:
    total = Figures()
    for f in items:
        total = total + f
    return total


@dataclass(frozen=True, slots=True)
class TaxRow:
    rate: Decimal  # 0.20 for 20 %
    net_minor: int  # excluding tax
    tax_minor: int

    @property
    def gross_minor(self) -> int:
        return self.net_minor + self.tax_minor


@dataclass(frozen=True, slots=True)
class TenderRow:
    method: str  # cash (net of change), card, rounding, ..., or "none recorded"
    amount_minor: int
    payments: int = 0  # payment rows (cash and its change count once)


@dataclass(frozen=True, slots=True)
class DayRow:
    day: date
    figures: Figures


@dataclass(frozen=True, slots=True)
class HourRow:
    hour: int  # 0-23, the store's local time
    figures: Figures


@dataclass(frozen=True, slots=True)
class GroupRow:
    """A category (key = its path), a cashier (key = username) or any other group."""

    key: str
    label: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class ProductRow:
    sku: str
    name: str
    category: str  # path, "" when none
    figures: Figures


# ------------------------------------------------------------------ shift close (X / Z)


@dataclass(frozen=True, slots=True)
class ShiftReport:
    """An X report (``kind`` "X": the open shift so far) or a Z report (the close)."""

    store: StoreInfo
    kind: str  # "X" or "Z"
    generated_at: datetime
    shift_id: int
    register_code: str
    opened_at: datetime
    opened_by: str
    closed_at: datetime | None
    sales_count: int
    refunds_count: int
    voids_count: int
    gross_minor: int
    discounts_minor: int
    sales_total_minor: int
    returns_minor: int
    net_minor: int
    tax: tuple[TaxRow, ...]
    tenders: tuple[TenderRow, ...]
    float_minor: int
    pay_ins_minor: int
    pay_outs_minor: int
    expected_cash_minor: int
    counted_cash_minor: int | None
    over_short_minor: int | None
    grand_total_minor: int
    z_no: int | None
    z_hash: str | None
    z_seq: int | None = None  # the Z close's journal entry: the register's head at the close

    @property
    def journal_head(self) -> str | None:
        """The journal's head at the close (``TILL-1:57:<hash>``), an anchor outside the
        database: ``pos journal verify --anchor`` checks the chain still holds it."""
        if self.z_hash is None or self.z_seq is None:
            return None
        return anchor_token(self.register_code, self.z_seq, self.z_hash)

    @property
    def cash_sales_minor(self) -> int:
        """Cash taken net of change and cash refunds (the cash tender)."""
        return sum(t.amount_minor for t in self.tenders if t.method == "cash")


# ------------------------------------------------------------------------ sales


@dataclass(frozen=True, slots=True)
class SalesReport:
    store: StoreInfo
    period: Period
    generated_at: datetime
    totals: Figures
    previous_period: Period
    previous: Figures
    by_day: tuple[DayRow, ...]  # every day of the period, days without trade included
    by_hour: tuple[HourRow, ...]  # 24 rows, hour of day
    by_category: tuple[GroupRow, ...]
    by_cashier: tuple[GroupRow, ...]
    by_payment: tuple[TenderRow, ...]
    tax: tuple[TaxRow, ...]
    top_n: int
    top_products: tuple[ProductRow, ...]  # the first top_n of ``products``
    products: tuple[ProductRow, ...]  # every product sold or returned, by net sales


# ------------------------------------------------------------------------ inventory


@dataclass(frozen=True, slots=True)
class ValuationRow:
    category: str  # path; "Uncategorised" when none
    products: int  # products with stock
    units: int
    cost_value_minor: int  # units x unit cost, for products with a cost
    retail_value_minor: int  # units x shelf price
    uncosted_units: int  # units of products without a cost (not in cost value)


@dataclass(frozen=True, slots=True)
class LowStockRow:
    product_id: int
    sku: str
    name: str
    category: str
    on_hand: int
    threshold: int
    sold: int  # units sold (net of returns) in the period
    suggested_order: int


@dataclass(frozen=True, slots=True)
class MovementReasonRow:
    reason: str  # the stock ledger's reason: sale, return, receiving, adjustment...
    moves: int
    units_in: int
    units_out: int  # positive


@dataclass(frozen=True, slots=True)
class MovementRow:
    product_id: int
    sku: str
    name: str
    received: int
    sold: int  # positive: units out for till sales and online orders
    returned: int  # back in from refunds and cancellations
    adjusted: int  # adjustments and counts, signed
    net: int


@dataclass(frozen=True, slots=True)
class DeadStockRow:
    product_id: int
    sku: str
    name: str
    category: str
    on_hand: int
    cost_value_minor: int | None
    retail_value_minor: int
    last_sold: date | None


@dataclass(frozen=True, slots=True)
class InventoryReport:
    store: StoreInfo
    period: Period
    generated_at: datetime
    dead_days: int
    valuation: tuple[ValuationRow, ...]
    valuation_total: ValuationRow
    low_stock: tuple[LowStockRow, ...]
    reorder_days: int  # the suggested order covers this many days of sales
    movements_by_reason: tuple[MovementReasonRow, ...]
    movements: tuple[MovementRow, ...]  # products that moved in the period
    dead_stock: tuple[DeadStockRow, ...]  # the most valuable first, at most ``list_limit``
    dead_stock_count: int  # all dead-stock products, listed or not
    dead_stock_cost_minor: int
    dead_stock_retail_minor: int
    list_limit: int

    @property
    def dead_since(self) -> datetime:
        """Dead stock has not sold since this moment (``dead_days`` before the period's
        end)."""
        return self.period.end_at - timedelta(days=self.dead_days)


# ------------------------------------------------------------------------ customers


@dataclass(frozen=True, slots=True)
class CustomerRow:
    customer_id: int
    name: str
    orders: int  # in the period
    net_minor: int  # in the period
    first_order: date  # ever
    last_order: date  # in the period
    new: bool  # first order ever in the period


@dataclass(frozen=True, slots=True)
class CustomersReport:
    store: StoreInfo
    period: Period
    generated_at: datetime
    customers: int  # known customers who bought in the period
    new_customers: int
    returning_customers: int
    repeat_customers: int  # two orders or more in the period
    new_net_minor: int
    returning_net_minor: int
    anonymous_orders: int  # sales with no customer
    anonymous_net_minor: int
    customer_orders: int  # sales with a customer
    top_n: int
    top: tuple[CustomerRow, ...]  # by net spend in the period

    @property
    def repeat_rate_percent(self) -> Decimal | None:
        """Share of the period's customers who bought twice or more in it."""
        return percent(self.repeat_customers, self.customers)

    @property
    def new_percent(self) -> Decimal | None:
        return percent(self.new_customers, self.customers)

    @property
    def average_orders_per_customer(self) -> Decimal | None:
        if not self.customers:
            return None
        return (Decimal(self.customer_orders) / self.customers).quantize(Decimal("0.01"))


# ------------------------------------------------------------------------ dashboard


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The day at a glance for the GUI: the same figures as the sales report's."""

    store: StoreInfo
    day: date
    generated_at: datetime
    today: Figures
    same_day_last_week: Figures
    by_hour: tuple[HourRow, ...]
    top_products: tuple[ProductRow, ...]
    low_stock_count: int
    open_shifts: int
    tenders: tuple[TenderRow, ...] = field(default=())
    trend: tuple[DayRow, ...] = ()  # the 30 days to ``day`` (net sales only), all days
    by_register: tuple[GroupRow, ...] = ()  # key = register code ("" for no register)
    low_stock: tuple[LowStockRow, ...] = ()  # open alerts, lowest first (a few)
    orders_open: int = 0  # online and phone orders waiting to be confirmed or shipped


Snapshot = ShiftReport | SalesReport | InventoryReport | CustomersReport | Dashboard
