"""The dashboard: the back office's landing page. Today at a glance, beside the same
weekday last week, with charts (QtCharts, from PySide6-Addons): sales by hour, the
30-day trend, the payment mix and sales per register; top products and the open
low-stock alerts.

It updates by itself: every sale, refund, void or order change committed by this app or
any other on the same database (the change feed, :mod:`ui.live`) reads the figures again,
coalesced over :data:`COALESCE_MS`, so a sale shows within a second. A minute's timer
moves "today" past midnight. The figures are :func:`pos.services.analytics.dashboard`'s,
read on the database worker.
"""

from __future__ import annotations

import time

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QPieSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QListWidget,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Currency, currency
from pos.domain.reports import Dashboard, change_percent
from pos.ports.events import LowStock
from pos.ports.staff import Actor
from pos.services import analytics
from pos.services.context import ServiceContext
from ui import ops, theme
from ui.forms import label, styled
from ui.live import SALES_EVENTS, Coalescer, LiveEvents

COALESCE_MS = 150
CLOCK_MS = 60_000
ACCENT = QColor("#2f6fed")
PALETTE = ("#2f6fed", "#12a594", "#f5a524", "#e5484d", "#8e4ec6", "#6f7787")


class Kpi(QFrame):
    """A figure, what it was a week before, and the change."""

    def __init__(self, title: str, name: str) -> None:
        super().__init__()
        styled(self, "card")
        self.setObjectName(name + "Card")
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 12, 16, 12)
        box.setSpacing(2)
        box.addWidget(label(title, "muted"))
        self.value = label("—", "bigfigure", name)
        self.compare = label("", "muted", name + "Compare")
        box.addWidget(self.value)
        box.addWidget(self.compare)

    def show_figure(self, text: str, before_text: str, now: int, before: int) -> None:
        self.value.setText(text)
        change = change_percent(now, before)
        arrow = "" if change is None else ("▲ " if change >= 0 else "▼ ")
        pct = "" if change is None else f"{arrow}{abs(change)} % · "
        self.compare.setText(f"{pct}{before_text} last week")


def _chart(title: str) -> tuple[QChart, QChartView]:
    chart = QChart()
    chart.setTitle(title)
    chart.legend().hide()
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setBackgroundRoundness(8)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(220)
    view.setStyleSheet("background: transparent;")  # the chart draws its own card
    return chart, view


def _major(money: Currency, minor: int) -> float:
    """For chart geometry only: a float is never used for money anywhere else."""
    return float(money.from_minor(minor))


class DashboardPage(QWidget):
    refreshed = Signal()  # new figures are on screen

    def __init__(
        self,
        ctx: ServiceContext,
        actor: Actor,
        live: LiveEvents | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardPage")
        self.ctx, self.actor = ctx, actor
        self.snapshot: Dashboard | None = None
        self.refreshes = 0
        self.last_refresh_ms = 0.0
        self._loading = False
        self._again = False
        self._coalesce = Coalescer(self.refresh, COALESCE_MS, self)
        if live is not None:
            live.changed.connect(self._live)
        self._clock = QTimer(self)
        self._clock.timeout.connect(self.refresh)
        self._clock.start(CLOCK_MS)
        self._build()
        self.refresh()

    # -- layout -------------------------------------------------------------------------

    def _build(self) -> None:
        self.title = label("Today", "title", "dashTitle")
        self.status = label("Loading…", "muted", "dashStatus")
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.status)

        self.net = Kpi("Net sales", "dashNetSales")
        self.orders = Kpi("Sales", "dashOrders")
        self.average = Kpi("Average sale", "dashAverage")
        self.items = Kpi("Items sold", "dashItems")
        kpis = QHBoxLayout()
        kpis.setSpacing(12)
        for kpi in (self.net, self.orders, self.average, self.items):
            kpis.addWidget(kpi, 1)
        self.notes = label("", "muted", "dashNotes")

        self.hour_chart, hour_view = _chart("Sales by hour")
        self.trend_chart, trend_view = _chart("Last 30 days")
        self.pay_chart, pay_view = _chart("Payment mix")
        self.register_chart, register_view = _chart("Sales per register")
        self.pay_chart.legend().show()
        self.pay_chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)

        self.top_list = QListWidget()
        self.top_list.setObjectName("dashTopProducts")
        self.low_list = QListWidget()
        self.low_list.setObjectName("dashLowStock")
        for lst in (self.top_list, self.low_list):
            lst.setMinimumHeight(150)
            lst.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            lst.setWordWrap(True)  # a long product name wraps instead of scrolling sideways
            lst.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        grid = QGridLayout()
        grid.setSpacing(12)
        grid.addWidget(hour_view, 0, 0, 1, 2)
        grid.addWidget(trend_view, 0, 2, 1, 2)
        grid.addWidget(pay_view, 1, 0)
        grid.addWidget(register_view, 1, 1)
        grid.addWidget(self._titled("Top products today", self.top_list), 1, 2)
        grid.addWidget(self._titled("Low stock", self.low_list, "dashLowTitle"), 1, 3)
        for column in range(4):
            grid.setColumnStretch(column, 1)

        inner = QWidget()
        inner.setObjectName("dashInner")
        box = QVBoxLayout(inner)
        box.setContentsMargins(16, 14, 16, 14)
        box.setSpacing(12)
        box.addLayout(top)
        box.addLayout(kpis)
        box.addWidget(self.notes)
        box.addLayout(grid, 1)
        scroll = QScrollArea()
        scroll.setObjectName("dashScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _titled(self, title: str, body: QWidget, name: str = "") -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        heading = label(title, "section", name or None)
        column.addWidget(heading)
        column.addWidget(body, 1)
        if name:
            self.low_title = heading
        return box

    # -- reading ------------------------------------------------------------------------

    def _live(self, event: object) -> None:
        if isinstance(event, (*SALES_EVENTS, LowStock)):
            self._coalesce.poke()

    def refresh(self) -> None:
        """Read the figures again (one read at a time; a request meanwhile runs after)."""
        if self._loading:
            self._again = True
            return
        self._loading = True
        started = time.perf_counter()
        ops.run(
            analytics.dashboard,
            self.ctx,
            self.actor,
            on_done=lambda snap: self._show(snap, started),
            on_error=self._failed,
            owner=self,
        )

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.status.setText(ops.user_message(exc))

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.refresh()

    def refresh_icons(self) -> None:
        if self.snapshot is not None:
            self._charts(self.snapshot)

    # -- showing ------------------------------------------------------------------------

    def _show(self, d: Dashboard, started: float) -> None:
        self._loading = False
        self.snapshot = d
        money = currency(d.store.currency)

        def fmt(minor: int | None) -> str:
            return "—" if minor is None else money.format(money.from_minor(minor))

        t, w = d.today, d.same_day_last_week
        self.title.setText(f"Today · {d.day:%A %d %B %Y}")
        self.net.show_figure(fmt(t.net_minor), fmt(w.net_minor), t.net_minor, w.net_minor)
        self.orders.show_figure(f"{t.orders:,}", f"{w.orders:,}", t.orders, w.orders)
        self.average.show_figure(
            fmt(t.average_sale_minor),
            fmt(w.average_sale_minor),
            t.average_sale_minor or 0,
            w.average_sale_minor or 0,
        )
        self.items.show_figure(f"{t.units_sold:,}", f"{w.units_sold:,}", t.units_sold, w.units_sold)
        self.notes.setText(
            f"Returns today {fmt(t.returns_minor)} · {d.open_shifts} till(s) open · "
            f"{d.orders_open} online or phone order(s) to confirm or ship"
        )
        self.top_list.clear()
        for row in d.top_products:
            self.top_list.addItem(
                f"{row.name} — {row.figures.units_sold - row.figures.units_returned} sold, "
                f"{fmt(row.figures.net_minor)}"
            )
        if not d.top_products:
            self.top_list.addItem("No sales yet today")
        self.low_title.setText(f"Low stock ({d.low_stock_count:,} open alerts)")
        self.low_list.clear()
        for low in d.low_stock:
            self.low_list.addItem(
                f"{low.name} ({low.sku}): {low.on_hand} left, alert at {low.threshold}"
            )
        if not d.low_stock:
            self.low_list.addItem("Nothing is low")
        self._charts(d)
        self.last_refresh_ms = (time.perf_counter() - started) * 1000
        self.refreshes += 1
        self.status.setText(f"Updated {d.generated_at:%H:%M:%S} · live")
        self.refreshed.emit()
        if self._again:
            self._again = False
            self.refresh()

    def _charts(self, d: Dashboard) -> None:
        money = currency(d.store.currency)
        dark = theme.current_theme() == "dark"
        chart_theme = (
            QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight
        )
        for chart in (self.hour_chart, self.trend_chart, self.pay_chart, self.register_chart):
            chart.setTheme(chart_theme)
            chart.removeAllSeries()
            for axis in chart.axes():
                chart.removeAxis(axis)
        hours = [r for r in d.by_hour if 7 <= r.hour <= 21 or r.figures.orders]
        self._bars(
            self.hour_chart,
            [f"{r.hour:02d}" for r in hours],
            [_major(money, r.figures.net_minor) for r in hours],
        )
        line = QLineSeries()
        line.setColor(ACCENT)
        for n, r in enumerate(d.trend):
            line.append(n, _major(money, r.figures.net_minor))
        self.trend_chart.addSeries(line)
        x = QBarCategoryAxis()
        x.append([f"{r.day:%d}" if n % 5 == 0 else " " * (n % 5) for n, r in enumerate(d.trend)])
        y = QValueAxis()
        y.setLabelFormat("%.0f")
        top = max((_major(money, r.figures.net_minor) for r in d.trend), default=0.0)
        y.setRange(0, max(top * 1.1, 1.0))
        self.trend_chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        self.trend_chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        line.attachAxis(y)
        pie = QPieSeries()
        for n, tender in enumerate(t for t in d.tenders if t.amount_minor > 0):
            piece = pie.append(tender.method.title(), _major(money, tender.amount_minor))
            piece.setColor(QColor(PALETTE[n % len(PALETTE)]))
        if not pie.count():
            pie.append("No payments yet", 1).setColor(QColor("#c9ced6"))
        self.pay_chart.addSeries(pie)
        self._bars(
            self.register_chart,
            [r.key or "Online" for r in d.by_register] or ["—"],
            [_major(money, r.figures.net_minor) for r in d.by_register] or [0.0],
        )

    @staticmethod
    def _bars(chart: QChart, labels: list[str], values: list[float]) -> None:
        bars = QBarSet("Net sales")
        bars.setColor(ACCENT)
        bars.append(values)
        series = QBarSeries()
        series.append(bars)
        chart.addSeries(series)
        x = QBarCategoryAxis()
        x.append(labels)
        y = QValueAxis()
        y.setLabelFormat("%.0f")
        y.setRange(0, max(max(values, default=0.0) * 1.15, 1.0))
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)
