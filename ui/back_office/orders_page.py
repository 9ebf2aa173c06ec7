"""Orders: every order (till sales and returns, online and phone orders, imported
history) in one lazy list, with filters and a click-to-sort on Date and Total, and an
order's page (:mod:`ui.back_office.order_view`) opened with Enter or a double click.

The list is a :class:`ui.models.LazyTableModel` over :mod:`pos.services.order_list`:
keyset pages of 200 rows on the database worker, a count that stops at 10,000, so the
first paint costs the same over a hundred orders or a million. Filters apply at once;
the search box (a receipt number, an order number or another system's reference)
applies on Enter or after a short pause. New orders from this app or any other appear
by themselves (the change feed, :mod:`ui.live`) while the list shows its first page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Currency
from pos.domain.orders import OrderStatus, PaymentStatus
from pos.domain.sale import OrderKind, receipt_ref
from pos.ports.orders import OrderListRow, OrderQuery
from pos.ports.staff import Actor
from pos.services import order_list, settings, staff
from pos.services.context import ServiceContext
from ui import ops, theme
from ui.back_office.order_view import OrderView
from ui.back_office.phone_order import PhoneOrderDialog
from ui.forms import label, styled
from ui.live import SALES_EVENTS, Coalescer, LiveEvents
from ui.models import ALIGN_RIGHT, Column, LazyTableModel, PageRequest
from ui.product_browser import configure_lazy_view

DEBOUNCE_MS = 200
ANY = "Any"


class OrderSource:
    """:class:`ui.models.PageSource` over the order list (runs on the worker)."""

    def __init__(self, ctx: ServiceContext, actor: Actor) -> None:
        self.ctx, self.actor = ctx, actor

    def count(self, query: OrderQuery) -> int | None:
        return order_list.count_orders(self.ctx, self.actor, query)

    def page(self, query: OrderQuery, request: PageRequest) -> Sequence[OrderListRow]:
        return order_list.search_orders(self.ctx, self.actor, query, request.size, request.after)

    def cursor(self, query: OrderQuery, row: OrderListRow) -> Any:
        return row.cursor(query.sort)

    def sorted(self, query: OrderQuery, key: str, descending: bool) -> OrderQuery | None:
        return replace(query, sort=key, descending=descending)


def reference(row: OrderListRow) -> str:
    if row.register_code and row.receipt_no is not None:
        return receipt_ref(row.register_code, row.receipt_no)
    return row.external_ref or f"#{row.id}"


def order_columns(money: Currency, zone: Any) -> list[Column[OrderListRow]]:
    def amount(row: OrderListRow) -> str:
        return money.format(money.from_minor(row.total_minor))

    return [
        Column("Order", lambda r: f"#{r.id}", width=80),
        Column(
            "Date", lambda r: f"{r.created_at.astimezone(zone):%d %b %Y %H:%M}", "date", width=140
        ),
        Column("Reference", reference, width=150),
        Column("Channel", lambda r: r.kind, width=80),
        Column("Status", lambda r: r.status, width=90),
        Column("Payment", lambda r: r.payment_status, width=90),
        Column("Customer", lambda r: r.customer_name or "", width=180, stretch=True),
        Column("Cashier", lambda r: r.cashier or "", width=100),
        Column("Total", amount, "total", align=ALIGN_RIGHT, width=100),
    ]


def _combo(name: str, items: Sequence[tuple[str, Any]]) -> QComboBox:
    box = QComboBox()
    box.setObjectName(name)
    box.addItem(ANY, None)
    for text, value in items:
        box.addItem(text, value)
    return box


class OrdersPage(QWidget):
    def __init__(
        self,
        ctx: ServiceContext,
        actor: Actor,
        money: Currency,
        zone: Any,
        register_code: str,
        live: LiveEvents | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ordersPage")
        self.ctx, self.actor, self.money = ctx, actor, money
        self.zone_name = str(zone)
        self.source = OrderSource(ctx, actor)
        self.model: LazyTableModel[OrderQuery, OrderListRow] = LazyTableModel(
            order_columns(money, zone), self.source, parent=self
        )
        self.customer_id: int | None = None
        self.stack = QStackedWidget()
        self.list_page = QWidget()
        self.detail = OrderView(ctx, actor, money, zone, register_code)
        self.detail.back.connect(self.show_list)
        self.detail.open_order.connect(self.open_order)
        self.detail.changed.connect(self.model.refresh)
        self.stack.addWidget(self.list_page)
        self.stack.addWidget(self.detail)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self._build_list()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply)
        self._live = Coalescer(self._new_orders, 300, self)
        if live is not None:
            live.changed.connect(
                lambda e: self._live.poke() if isinstance(e, SALES_EVENTS) else None
            )
        self._load_choices()
        self.apply()

    # -- the list -----------------------------------------------------------------------

    def _build_list(self) -> None:
        self.search = QLineEdit()
        self.search.setObjectName("orderSearch")
        self.search.setPlaceholderText("Receipt (TILL-1-000042), order number or reference")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self.apply)
        self.dates = QCheckBox("From")
        self.dates.setObjectName("orderDatesOn")
        today = QDate.currentDate()
        self.start = QDateEdit(today.addDays(-30))
        self.end = QDateEdit(today)
        for name, edit in (("orderFrom", self.start), ("orderTo", self.end)):
            edit.setObjectName(name)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd MMM yyyy")
            edit.setMinimumWidth(130)
            edit.setEnabled(False)
            edit.dateChanged.connect(lambda _d: self.apply())
        self.dates.toggled.connect(self._dates_toggled)
        self.status = _combo("orderStatus", [(s.value, s.value) for s in OrderStatus])
        self.payment = _combo("orderPayment", [(p.value, p.value) for p in PaymentStatus])
        self.kind = _combo("orderChannel", [(k.value, k.value) for k in OrderKind])
        self.register = _combo("orderRegister", [])
        self.cashier = _combo("orderCashier", [])
        for box in (self.status, self.payment, self.kind, self.register, self.cashier):
            box.currentIndexChanged.connect(lambda _i: self.apply())
        self.customer_chip = QPushButton("")
        self.customer_chip.setObjectName("orderCustomerChip")
        styled(self.customer_chip, "chip")
        self.customer_chip.clicked.connect(lambda: self.show_with(customer_id=None))
        self.customer_chip.hide()
        self.phone = QPushButton("New phone order…")
        self.phone.setObjectName("newPhoneOrder")
        self.phone.clicked.connect(self.new_phone_order)
        self.count = label("", "muted", "orderCount")

        self.table = QTableView()
        self.table.setObjectName("orderTable")
        configure_lazy_view(self.table, self.model)
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._sort_clicked)
        header.setSortIndicator(1, Qt.SortOrder.DescendingOrder)
        self.table.activated.connect(self._activated)
        self.model.loaded.connect(self._show_count)
        self.model.grew.connect(self._show_count)
        self.model.failed.connect(lambda _m: self.count.setText("The list could not be read"))

        row1 = QHBoxLayout()
        row1.addWidget(self.search, 2)
        row1.addWidget(self.customer_chip)
        row1.addWidget(self.phone)
        row2 = QHBoxLayout()
        row2.setSpacing(8)
        row2.addWidget(self.dates)
        row2.addWidget(self.start)
        row2.addWidget(QLabel("to"))
        row2.addWidget(self.end)
        for text, box in (
            ("Status", self.status),
            ("Payment", self.payment),
            ("Channel", self.kind),
            ("Register", self.register),
            ("Cashier", self.cashier),
        ):
            row2.addSpacing(6)
            row2.addWidget(QLabel(text))
            row2.addWidget(box)
        row2.addStretch(1)
        row2.addWidget(self.count)
        column = QVBoxLayout(self.list_page)
        column.setContentsMargins(16, 14, 16, 12)
        column.setSpacing(10)
        column.addLayout(row1)
        column.addLayout(row2)
        column.addWidget(self.table, 1)
        shortcut = QShortcut(QKeySequence("Ctrl+F"), self.list_page)
        shortcut.activated.connect(self.search.setFocus)

    def _dates_toggled(self, on: bool) -> None:
        self.start.setEnabled(on)
        self.end.setEnabled(on)
        self.apply()

    def _load_choices(self) -> None:
        ops.run(settings.list_registers, self.ctx, on_done=self._registers, owner=self)
        ops.run(staff.visible_staff, self.ctx, self.actor, on_done=self._cashiers, owner=self)

    def _registers(self, registers: list[Any]) -> None:
        for r in registers:
            self.register.addItem(r.code, r.id)

    def _cashiers(self, users: list[Any]) -> None:
        for u in users:
            self.cashier.addItem(u.username, u.id)

    def filters(self) -> dict[str, Any]:
        on = self.dates.isChecked()
        start: date | None = self.start.date().toPython() if on else None  # type: ignore[assignment]
        end: date | None = self.end.date().toPython() if on else None  # type: ignore[assignment]
        return {
            "start": start,
            "end": end,
            "status": self.status.currentData(),
            "payment_status": self.payment.currentData(),
            "kind": self.kind.currentData(),
            "register_id": self.register.currentData(),
            "cashier_id": self.cashier.currentData(),
            "customer_id": self.customer_id,
            "text": self.search.text().strip(),
        }

    def apply(self) -> None:
        """Show the orders the filters name (the query is checked on the worker)."""
        self._debounce.stop()
        current = self.model.latest_query
        sort = current.sort if current else "date"
        descending = current.descending if current else True
        self.count.setText("Searching…")
        ops.run(
            order_list.make_query,
            self.zone_name,
            **self.filters(),
            sort=sort,
            descending=descending,
            on_done=self._query_ready,
            on_error=lambda exc: self.count.setText(ops.user_message(exc)),
            owner=self,
        )

    def _query_ready(self, query: OrderQuery) -> None:
        if query != self.model.latest_query:
            self.model.set_query(query)
        else:
            self._show_count()

    def _sort_clicked(self, section: int) -> None:
        column = self.model.columns[section]
        query = self.model.latest_query
        header = self.table.horizontalHeader()
        if column.sort_key is None or query is None:
            order = (
                Qt.SortOrder.DescendingOrder
                if query is None or query.descending
                else Qt.SortOrder.AscendingOrder
            )
            header.setSortIndicator(1 if query is None or query.sort == "date" else 8, order)
            return
        descending = not query.descending if query.sort == column.sort_key else True
        header.setSortIndicator(
            section, Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        )
        self.model.set_query(replace(query, sort=column.sort_key, descending=descending))

    def _show_count(self) -> None:
        total = self.model.total
        if total is not None and total > order_list.COUNT_CAP:
            self.count.setText(f"{order_list.COUNT_CAP:,}+ orders")
        elif self.model.rowCount() or total:
            self.count.setText(self.model.describe_count("order"))
        else:
            self.count.setText("No orders match")

    def _new_orders(self) -> None:
        """Another sale or order change: refresh while the top of the list is shown."""
        if (
            self.stack.currentWidget() is self.list_page
            and self.table.verticalScrollBar().value() == 0
        ):
            self.model.refresh()

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.open_order(row.id)

    # -- the order's page ---------------------------------------------------------------

    def open_order(self, order_id: int) -> None:
        self.stack.setCurrentWidget(self.detail)
        self.detail.load(order_id)

    def show_list(self) -> None:
        self.stack.setCurrentWidget(self.list_page)
        self.table.setFocus()

    def show_with(self, **kwargs: Any) -> None:
        """``order_id=`` opens an order; ``customer_id=`` lists a customer's orders
        (``None`` lists everyone's again)."""
        if "order_id" in kwargs:
            self.open_order(int(kwargs["order_id"]))
            return
        if "customer_id" in kwargs:
            self.customer_id = kwargs["customer_id"]
            self.customer_chip.setText(f"Customer {self.customer_id} ✕" if self.customer_id else "")
            self.customer_chip.setVisible(self.customer_id is not None)
            self.show_list()
            self.apply()

    def new_phone_order(self) -> None:
        dialog = PhoneOrderDialog(self.ctx, self.actor, self.money, self)
        dialog.created.connect(self._phone_created)
        dialog.open()

    def _phone_created(self, order_id: int) -> None:
        self.model.refresh()
        self.open_order(order_id)

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.source.actor = actor
        self.detail.actor = actor
        self.model.refresh()

    def refresh(self) -> None:
        if self.stack.currentWidget() is self.list_page:
            self.model.refresh()
