"""The till: scan or search, the cart and its totals, quick keys, and every cashier action.

Start (on the database worker, :func:`start_till`): the register named by
``POS_REGISTER`` (default ``TILL-1``) is ensured, then its open shift and the cashier's
open cart, which is how a cart survives a crash or a power cut: every change was saved
when it was made, and ``cart.current_cart`` hands the open one back. Without an open
shift the till shows :class:`~ui.till.shift_dialogs.OpenShiftPanel` first.

Every action is a service call through :mod:`ui.ops`; the cart view it returns replaces
the screen's (:meth:`TillScreen.show_cart`). Calls run one after another on the
database worker in the order they were made, so a burst of scans lands in order and
the last view shown is the database's. The scan box keeps the keyboard focus: the cart,
quick keys and buttons never take it, so a scanner can fire at any moment.

Actions that a manager may have to approve go through
:class:`~ui.till.pin_pad.ApprovalFlow`: the service refuses, the PIN pad opens with its
sentence, and the same call is repeated with the approver (recorded by the service).

Receipts print after the sale is committed (:meth:`TillScreen.print_receipt`, rendering
on the database worker, the printer on the network pool): a printer failure leaves the
sale recorded, the till says the receipt did not print, and Ctrl+P reprints it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import Conflict, NotFound, PosError, ValidationError
from pos.domain.money import Currency
from pos.domain.receipt import PrinterConfig, ReceiptSnapshot
from pos.domain.sale import receipt_ref
from pos.domain.staff import Permission
from pos.ports.catalog import ProductHit, SearchQuery
from pos.ports.sales import CartLineView, CartView, SaleView
from pos.ports.settings import StoreSettings
from pos.ports.shifts import RegisterView, ShiftFigures, ShiftRow
from pos.ports.staff import Actor
from pos.services import cart as carts
from pos.services import catalog, checkout, receipts, shifts
from pos.services import settings as settings_service
from pos.services.context import ServiceContext
from ui import ops, theme
from ui.forms import MessageLine, label, styled
from ui.till import keymap
from ui.till.cart_model import COLUMNS, ITEM, PRICE, QTY, TOTAL, CartModel
from ui.till.customer_dialog import CustomerDialog
from ui.till.held_carts_dialog import HeldCartsDialog
from ui.till.pin_pad import ApprovalFlow, PinPadDialog
from ui.till.quick_keys import QuickKeys
from ui.till.receipt_view import ReceiptDialog
from ui.till.returns_dialog import ReturnsDialog
from ui.till.search_popup import (
    ScanInput,
    SearchController,
    SearchPopup,
    looks_like_barcode,
    split_quantity,
)
from ui.till.shift_dialogs import ClosedShift, CloseShiftDialog, OpenShiftPanel, XReportDialog
from ui.till.suggestions import SuggestionStrip
from ui.till.tender_dialog import TenderDialog
from ui.till.value_dialog import ValueDialog

DEFAULT_REGISTER = "TILL-1"
CART_ROW_HEIGHT = 40
LOADING, OPEN_SHIFT, SELLING = range(3)

PrintFn = Callable[[PrinterConfig, ReceiptSnapshot], bool]


def register_code() -> str:
    """This till's register: ``POS_REGISTER``, else ``TILL-1``."""
    return (os.environ.get("POS_REGISTER") or DEFAULT_REGISTER).strip().upper()


@dataclass(frozen=True, slots=True)
class TillStart:
    register: RegisterView
    settings: StoreSettings
    shift: ShiftRow | None
    cart: CartView | None


class CartRef:
    """The cart the till works on, as the database worker sees it.

    Calls run on the worker one at a time, in the order they were made. A call that moves
    the till to another cart (the next sale after a payment, a hold, a clear, a recall, a
    cashier switch) sets ``id`` there, inside that same call; every call on "the cart"
    reads it there too (:func:`on_cart`). So a scan made a moment after a sale was paid,
    before the GUI has even seen the new cart, lands on the new cart, never on the sold
    one. Only the worker-side functions of this module touch it."""

    __slots__ = ("id",)

    def __init__(self) -> None:
        self.id: int | None = None


def on_cart(
    ref: CartRef,
    fn: Callable[..., Any],
    ctx: ServiceContext,
    actor: Actor,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """Runs on the database worker: ``fn(ctx, actor, <the till's cart>, *args)``."""
    if ref.id is None:
        raise Conflict("No sale is open on this till; open the shift first.")
    return fn(ctx, actor, ref.id, *args, **kwargs)


def open_cart(ref: CartRef, ctx: ServiceContext, actor: Actor, register_id: int) -> CartView:
    """Runs on the database worker: the cashier's open cart (a new one if none)."""
    view = carts.current_cart(ctx, actor, register_id)
    ref.id = view.id
    return view


def hold_and_next(
    ref: CartRef, ctx: ServiceContext, actor: Actor, register_id: int, label: str
) -> tuple[CartView, CartView]:
    """Runs on the database worker: hold the cart, then open the next one."""
    held = on_cart(ref, carts.hold_cart, ctx, actor, label)
    return held, open_cart(ref, ctx, actor, register_id)


def clear_and_next(
    ref: CartRef, ctx: ServiceContext, actor: Actor, register_id: int, reason: str
) -> CartView:
    """Runs on the database worker: abandon the cart, then open the next one."""
    on_cart(ref, checkout.clear_cart, ctx, actor, reason)
    return open_cart(ref, ctx, actor, register_id)


def recall_into(ref: CartRef, ctx: ServiceContext, actor: Actor, cart_id: int) -> CartView:
    """Runs on the database worker: bring a held cart back as the till's cart."""
    view = carts.recall_cart(ctx, actor, cart_id)
    ref.id = view.id
    return view


def complete_and_next(
    ref: CartRef,
    register_id: int,
    ctx: ServiceContext,
    actor: Actor,
    cart_id: int,
    cash_minor: int,
) -> SaleView:
    """Runs on the database worker: record the sale, then open the next cart at once."""
    sale = checkout.complete_sale(ctx, actor, cart_id, cash_minor)
    if ref.id == cart_id:
        open_cart(ref, ctx, actor, register_id)
    return sale


def start_till(ctx: ServiceContext, actor: Actor, code: str, ref: CartRef) -> TillStart:
    """Runs on the database worker: the register, the settings, its shift and the open
    cart of this cashier (restored after a crash)."""
    register = shifts.ensure_register(ctx, code)
    settings = settings_service.get_settings(ctx)
    shift = shifts.current_shift(ctx, register.id)
    view = open_cart(ref, ctx, actor, register.id) if shift is not None else None
    return TillStart(register, settings, shift, view)


def resolve_text(
    ctx: ServiceContext, actor: Actor, cart_id: int, text: str, quantity: int
) -> CartView | list[ProductHit]:
    """Runs on the database worker: Enter on text that is not a GTIN. An in-store
    barcode adds its product; otherwise a search with exactly one hit adds
    it, and several hits come back for the cashier to choose from."""
    if " " not in text and len(text) <= 48:
        try:
            return carts.scan(ctx, actor, cart_id, text, quantity)
        except (NotFound, ValidationError):
            pass
    hits = catalog.search_products(ctx, SearchQuery(text=text, limit=21))
    if len(hits) == 1:
        return carts.add_product(ctx, actor, cart_id, hits[0].id, quantity)
    return hits


def search_hits(ctx: ServiceContext, text: str, limit: int) -> list[ProductHit]:
    return catalog.search_products(ctx, SearchQuery(text=text, limit=limit))


def receipt_job(
    ctx: ServiceContext, register_id: int, order_id: int | None, copy: bool
) -> tuple[ReceiptSnapshot, PrinterConfig]:
    """Runs on the database worker: the receipt snapshot (the register's last receipt
    when ``order_id`` is None) and the printer as configured now."""
    printer = settings_service.get_settings(ctx).printer
    if order_id is None:
        return receipts.last_receipt(ctx, register_id), printer
    return receipts.receipt_for(ctx, order_id, copy=copy), printer


def default_print(config: PrinterConfig, snapshot: ReceiptSnapshot) -> bool:
    from ui.printing import print_receipt

    return print_receipt(config, snapshot)


class CartTable(QTableView):
    """The cart; never takes the focus. Notes when it last painted (the benchmark
    measures a scan from the scanner's Enter to here)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paints = 0

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        self.paints += 1


class TotalsPanel(QFrame):
    """Subtotal, discounts, tax by rate, card payments taken, and the total, large."""

    def __init__(self, money: Currency, tax_inclusive: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("tillTotals")
        self.money = money
        self.inclusive = tax_inclusive
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(2)
        self.items = label("", "muted", "tillItems")
        self.total_title = label("Total", "totaltitle")
        self.total = label("", "total", "tillTotal")
        self.total.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        right = QVBoxLayout()
        right.setSpacing(0)
        right.addWidget(self.total_title, 0, Qt.AlignmentFlag.AlignRight)
        right.addWidget(self.total)
        right.addWidget(self.items, 0, Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 10, 16, 10)
        row.addLayout(self.grid, 1)
        row.addLayout(right)
        self._pairs: list[tuple[QLabel, QLabel]] = []

    def _fmt(self, minor: int) -> str:
        return self.money.format(self.money.from_minor(minor))

    def _pair(self, n: int) -> tuple[QLabel, QLabel]:
        """Row ``n`` of the figures (labels are made once and reused: a scan repaints
        text, it never rebuilds widgets)."""
        while len(self._pairs) <= n:
            k = len(self._pairs)
            left = label("", "muted")
            amount = label("", "strong")
            amount.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            col, row = (0, k) if k < 3 else (2, k - 3)
            self.grid.addWidget(left, row, col)
            self.grid.addWidget(amount, row, col + 1)
            self._pairs.append((left, amount))
        return self._pairs[n]

    def show_view(self, view: CartView | None) -> None:
        rows: list[tuple[str, str, str]] = []
        if view is not None:
            rows.append(("Subtotal", self._fmt(view.subtotal_minor), "tillSubtotal"))
            if view.discount_minor:
                what = f"Discount {view.cart_discount_label}".strip()
                rows.append((what, self._fmt(-view.discount_minor), "tillDiscount"))
            word = "incl." if self.inclusive else "plus"
            for rate, _net, tax in view.tax_by_rate:
                pct = f"{(rate * 100).normalize():f}%"
                rows.append((f"Tax {pct} ({word})", self._fmt(tax), ""))
            if view.paid_minor:
                rows.append(("Paid by card", self._fmt(view.paid_minor), "tillPaid"))
                rows.append(("Left to pay", self._fmt(view.due_minor), "tillDue"))
        for n, (title, value, name) in enumerate(rows):
            left, amount = self._pair(n)
            left.setText(title)
            amount.setText(value)
            amount.setObjectName(name)
            left.show()
            amount.show()
        for left, amount in self._pairs[len(rows) :]:
            amount.setObjectName("")
            left.hide()
            amount.hide()
        self.total.setText(self._fmt(view.total_minor if view is not None else 0))
        n = view.item_count if view is not None else 0
        self.items.setText(f"{n:,} item{'s' if n != 1 else ''}" if view is not None else "")


class _ActionButton(QPushButton):
    """A touch button for one key action (its caption shows the key)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(keymap.button_text(name), parent)
        a = keymap.action(name)
        self.setObjectName(f"action_{name}")
        styled(self, "action")
        if a.icon:
            self.setIcon(theme.icon(a.icon))
        self.setToolTip(a.help)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(50)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)


ACTION_GRID = (
    ("more", "less", "remove", "quantity"),
    ("line_discount", "cart_discount", "price", "customer"),
    ("hold", "recall", "returns", "shift"),
    ("reprint", "switch", "void", "help"),
)


class TillScreen(QWidget):
    ready = Signal()  # the register, shift and cart are loaded
    cart_shown = Signal(object)  # a CartView now on screen
    sale_done = Signal(object)  # a SaleView (sale or refund) recorded
    receipt_status = Signal(str, bool)  # what happened to the last receipt; ok?
    cashier_switched = Signal(object)  # the Actor who took over with a PIN
    shift_closed = Signal(object)  # ClosedShift

    def __init__(
        self,
        ctx: ServiceContext,
        actor: Actor,
        money: Currency,
        *,
        register: str | None = None,
        print_fn: PrintFn | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("tillScreen")
        self.ctx = ctx
        self.actor = actor
        self.money = money
        self.register_code = register or register_code()
        self.print_fn: PrintFn = print_fn or default_print
        self.register: RegisterView | None = None
        self.settings: StoreSettings | None = None
        self.shift: ShiftRow | None = None
        self.view: CartView | None = None
        self.last_sale: SaleView | None = None
        self.last_receipt: ReceiptSnapshot | None = None
        self.receipt_ok = True
        self._receipt_error = ""
        self._sale_notice = ""
        self.loaded = False
        self._selected_line: int | None = None
        self._qty_target: dict[int, int] = {}
        self._qty_inflight: dict[int, int] = {}
        self.tender: TenderDialog | None = None
        self.approval = ApprovalFlow(ctx, self)
        self.ref = CartRef()
        self.actions_by_name: dict[str, QAction] = {}
        self._void_box: QMessageBox | None = None

        self.pages = QStackedWidget()
        self.pages.setObjectName("tillPages")
        loading = QWidget()
        loading_box = QVBoxLayout(loading)
        self.loading_label = label("Opening the till…", "muted", "tillLoading")
        loading_box.addWidget(self.loading_label, 0, Qt.AlignmentFlag.AlignCenter)
        self.open_shift = OpenShiftPanel(ctx, money)
        self.open_shift.opened.connect(self._shift_opened)
        self.pages.addWidget(loading)
        self.pages.addWidget(self.open_shift)
        self.pages.addWidget(self._sale_page())
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.pages, 1)
        self.key_strip = keymap.KeyStrip()
        outer.addWidget(self.key_strip)
        self._make_actions()

    # -- building ----------------------------------------------------------------------

    def _sale_page(self) -> QWidget:
        page = QWidget()
        page.setObjectName("salePage")
        row = QHBoxLayout(page)
        row.setContentsMargins(14, 12, 14, 10)
        row.setSpacing(14)

        self.left = QWidget()
        self.left.setObjectName("tillLeft")
        left = QVBoxLayout(self.left)
        left.setContentsMargins(0, 0, 0, 0)
        left.setSpacing(8)
        top = QHBoxLayout()
        top.setSpacing(8)
        self.box = ScanInput()
        self.box.setPlaceholderText(keymap.SCAN_BOX_HINT)
        self.box.setToolTip(keymap.SCAN_BOX_HELP)
        top.addWidget(self.box, 1)
        self.customer_button = QPushButton("No customer  F4")
        self.customer_button.setObjectName("tillCustomer")
        self.customer_button.setIcon(theme.icon("customer"))
        styled(self.customer_button, "chip")
        self.customer_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        top.addWidget(self.customer_button)
        left.addLayout(top)

        self.model = CartModel(self.money, self)
        self.table = CartTable()
        self.table.setObjectName("cartTable")
        self.table.setModel(self.model)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setCornerButtonEnabled(False)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(CART_ROW_HEIGHT)
        head = self.table.horizontalHeader()
        head.setHighlightSections(False)
        head.setSectionResizeMode(ITEM, QHeaderView.ResizeMode.Stretch)
        for col, width in ((QTY, 64), (PRICE, 110), (3, 150), (TOTAL, 120)):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            head.resizeSection(col, width)
        assert len(COLUMNS) == 5
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        left.addWidget(self.table, 1)
        self.suggestions = SuggestionStrip(self.ctx, self.money)
        self.suggestions.chosen.connect(self.add_product)
        left.addWidget(self.suggestions)

        self.message = MessageLine("tillMessage")
        left.addWidget(self.message)
        self.totals = TotalsPanel(self.money, True)
        left.addWidget(self.totals)
        row.addWidget(self.left, 3)

        right = QVBoxLayout()
        right.setSpacing(10)
        self.quick_keys = QuickKeys(self.ctx, self.money)
        self.quick_keys.chosen.connect(self.add_hit)
        right.addWidget(self.quick_keys, 1)
        grid = QGridLayout()
        grid.setSpacing(6)
        self.action_buttons: dict[str, _ActionButton] = {}
        for r, names in enumerate(ACTION_GRID):
            for c, name in enumerate(names):
                button = _ActionButton(name)
                self.action_buttons[name] = button
                grid.addWidget(button, r, c)
        right.addLayout(grid)
        self.pay_button = QPushButton("Pay  F12")
        self.pay_button.setObjectName("payButton")
        styled(self.pay_button, "pay")
        self.pay_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pay_button.setMinimumHeight(64)
        right.addWidget(self.pay_button)
        holder = QWidget()
        holder.setObjectName("tillRight")
        holder.setLayout(right)
        holder.setMinimumWidth(420)
        holder.setMaximumWidth(620)
        row.addWidget(holder, 2)

        self.popup = SearchPopup(self.money, self.left)
        self.popup.picked.connect(self._picked)
        self.popup.favourite.connect(self._add_favourite)
        self.search = SearchController(self.box, self.popup, self._search, self)
        self.box.submitted.connect(self._submitted)
        self.box.navigate.connect(self._navigate)
        self.box.escape.connect(self._escape)
        self.box.cart_key.connect(self._cart_key)
        self.left.installEventFilter(self)
        return page

    def _make_actions(self) -> None:
        for a in keymap.KEYMAP:
            act = QAction(a.label, self)
            act.setObjectName(f"tillAction_{a.name}")
            if a.key:
                act.setShortcut(QKeySequence(a.key))
                act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(getattr(self, f"do_{a.name}"))
            self.addAction(act)
            self.actions_by_name[a.name] = act
            button = self.action_buttons.get(a.name)
            if button is not None:
                button.clicked.connect(act.trigger)
        self.pay_button.clicked.connect(self.actions_by_name["pay"].trigger)
        self.customer_button.clicked.connect(self.actions_by_name["customer"].trigger)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.left and event.type() == QEvent.Type.Resize:
            self._place_popup()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_popup()

    def _place_popup(self) -> None:
        top = self.table.geometry().top()
        bottom = self.totals.geometry().bottom()
        self.popup.setGeometry(0, top, self.left.width(), max(160, bottom - top))

    def refresh_icons(self) -> None:
        """Re-tint the icons after a theme change."""
        for name, button in self.action_buttons.items():
            icon = keymap.action(name).icon
            if icon:
                button.setIcon(theme.icon(icon))
        self.customer_button.setIcon(theme.icon("customer"))
        for action in self.box.actions():
            action.setIcon(theme.icon("search"))

    # -- start and state -----------------------------------------------------------------

    def start(self) -> None:
        """Load the register, shift and cart for the signed-in cashier."""
        self.loaded = False
        self.pages.setCurrentIndex(LOADING)
        ops.run(
            start_till,
            self.ctx,
            self.actor,
            self.register_code,
            self.ref,
            on_done=self._started,
            on_error=self._start_failed,
            owner=self,
        )

    def _started(self, start: TillStart) -> None:
        self.register, self.settings, self.shift = start.register, start.settings, start.shift
        self.totals.inclusive = start.settings.tax_mode == "inclusive"
        self.loaded = True
        if start.shift is None:
            self._show_open_shift()
        else:
            self.pages.setCurrentIndex(SELLING)
            self.show_cart(start.cart)
            self.quick_keys.load()
            self.box.setFocus()
        self.ready.emit()

    def _start_failed(self, exc: BaseException) -> None:
        self.loading_label.setText("The till could not start: " + ops.user_message(exc))

    def _show_open_shift(self) -> None:
        assert self.register is not None
        self.pages.setCurrentIndex(OPEN_SHIFT)
        self.open_shift.prepare(self.actor, self.register)

    def _shift_opened(self, shift: ShiftRow) -> None:
        self.shift = shift
        self.pages.setCurrentIndex(SELLING)
        self.quick_keys.load()
        self.reload_cart()
        self.box.setFocus()

    def set_actor(self, actor: Actor) -> None:
        """Another cashier took over: show their own open cart."""
        self.actor = actor
        self.open_shift.actor = actor
        self.search.reset()
        self.box.clear()
        self.message.clear_message()
        if self.shift is not None:
            self.reload_cart()

    @property
    def selling(self) -> bool:
        return self.loaded and self.pages.currentIndex() == SELLING and self.view is not None

    def reload_cart(self) -> None:
        assert self.register is not None
        ops.run(
            open_cart,
            self.ref,
            self.ctx,
            self.actor,
            self.register.id,
            on_done=self.show_cart,
            on_error=self.show_error,
            owner=self,
        )

    def show_cart(self, view: CartView | None) -> None:
        """Put ``view`` on screen: lines, totals, customer, the Pay button."""
        self.view = view
        touched = self.model.set_view(view)
        row = touched
        if row is None and self._selected_line is not None:
            row = self.model.row_of(self._selected_line)
        if row is None and self.model.rowCount():
            row = self.model.rowCount() - 1
        if row is not None:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        self.totals.show_view(view)
        customer = view.customer_name if view is not None else ""
        shown = customer.replace("&", "&&")
        self.customer_button.setText(f"{shown}  F4" if customer else "No customer  F4")
        due = view.due_minor if view is not None else 0
        self.pay_button.setText(f"Pay {self._fmt(due)}  F12" if due > 0 else "Pay  F12")
        self.pay_button.setEnabled(bool(view and view.lines))
        self.suggestions.cart_changed([ln.product_id for ln in view.lines] if view else [])
        if view is not None and view.tenders and view.due_minor > 0:
            self.message.show_notice(
                f"{self._fmt(view.paid_minor)} is paid by card: finish the payment (F12), or "
                "clear the sale (Ctrl+Del, the card is refunded)."
            )
        self.cart_shown.emit(view)

    def _row_changed(self, current: Any, _previous: Any) -> None:
        line = self.model.line(current.row()) if current is not None else None
        self._selected_line = line.id if line is not None else None

    def selected_line(self) -> CartLineView | None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            return self.model.line(rows[0].row())
        return None

    def _fmt(self, minor: int) -> str:
        return self.money.format(self.money.from_minor(minor))

    def show_error(self, exc: BaseException) -> None:
        self.message.show_error(ops.user_message(exc))
        if isinstance(exc, PosError):
            QApplication.beep()

    def _need_cart(self) -> bool:
        if self.selling:
            return True
        if self.loaded and self.shift is None:
            self.message.show_error("Open the shift first.")
        return False

    def _need_line(self) -> CartLineView | None:
        if not self._need_cart():
            return None
        line = self.selected_line()
        if line is None:
            self.message.show_error("Choose a line first (↑↓ or a tap).")
        return line

    def _refocus(self) -> None:
        """After a dialog: the keys go back to the till (and its window, which some
        platforms leave inactive when a dialog closes)."""
        self.window().activateWindow()
        if self.pages.currentIndex() == SELLING:
            self.box.setFocus()

    def _open(self, dialog: Any) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._refocus)
        dialog.open()

    # -- the box -----------------------------------------------------------------------

    def _search(self, text: str, limit: int) -> list[ProductHit]:
        return search_hits(self.ctx, text, limit)

    def _submitted(self, text: str) -> None:
        quantity, code = split_quantity(text)
        if not code:
            return
        if not self._need_cart():
            return
        assert self.view is not None
        hit = self.popup.current() if self.search.shown_for(text) else None
        if hit is not None or looks_like_barcode(code):
            self.box.clear()
            self.search.reset()
            if hit is not None:
                self.add_hit(hit, quantity)
            else:
                self.scan(code, quantity)
        else:
            self.search.reset()  # the answer below shows the hits, or adds the one
            ops.run(
                on_cart,
                self.ref,
                resolve_text,
                self.ctx,
                self.actor,
                code,
                quantity,
                on_done=lambda result: self._resolved(text, code, result),
                on_error=self.show_error,
                owner=self,
            )

    def _resolved(self, typed: str, code: str, result: CartView | list[ProductHit]) -> None:
        if isinstance(result, CartView):
            if self.box.text() == typed:
                self.box.clear()
            self.message.clear_message()
            self.show_cart(result)
            return
        if self.box.text() == typed:
            self.popup.show_hits(code, result[:20], len(result) > 20)
            if not result:
                self.message.show_error(f"No product matches “{code}”.")
                QApplication.beep()

    def scan(self, code: str, quantity: int = 1) -> None:
        """A barcode: added at once (``cart.scan``: look-up and add in one transaction)."""
        if not self._need_cart():
            return
        assert self.view is not None
        ops.run(
            on_cart,
            self.ref,
            carts.scan,
            self.ctx,
            self.actor,
            code,
            quantity,
            on_done=self._added,
            on_error=self.show_error,
            owner=self,
        )

    def add_hit(self, hit: ProductHit, quantity: int = 1) -> None:
        self.add_product(hit.id, quantity)

    def add_product(self, product_id: int, quantity: int = 1) -> None:
        """A product chosen by a tap or from the hits (``cart.add_product``)."""
        if not self._need_cart():
            return
        assert self.view is not None
        self.box.setFocus()
        ops.run(
            on_cart,
            self.ref,
            carts.add_product,
            self.ctx,
            self.actor,
            product_id,
            quantity,
            on_done=self._added,
            on_error=self.show_error,
            owner=self,
        )

    def _added(self, view: CartView) -> None:
        if self.message.property("role") == "error":
            self.message.clear_message()
        self.show_cart(view)

    def _picked(self, hit: ProductHit) -> None:
        quantity, _ = split_quantity(self.box.text())
        self.box.clear()
        self.search.reset()
        self.add_hit(hit, quantity)

    def _add_favourite(self, hit: ProductHit) -> None:
        self.quick_keys.add_favourite(hit.id)
        self.message.show_notice(f"{hit.name} is now a quick key.")

    def _navigate(self, step: int) -> None:
        if self.popup.isVisible():
            self.popup.move_selection(step)
            return
        rows = self.model.rowCount()
        if not rows:
            return
        line = self.selected_line()
        current = self.model.row_of(line.id) if line is not None else rows
        row = max(0, min(rows - 1, (current if current is not None else rows) + step))
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))

    def _escape(self) -> None:
        if self.popup.isVisible():
            self.search.reset()
        elif self.box.text():
            self.box.clear()
        else:
            self.message.clear_message()

    def _cart_key(self, name: str) -> None:
        {"more": self.do_more, "less": self.do_less, "remove": self.do_remove}[name]()

    # -- line actions --------------------------------------------------------------------

    def do_more(self) -> None:
        self.change_quantity(+1)

    def do_less(self) -> None:
        self.change_quantity(-1)

    def change_quantity(self, delta: int) -> None:
        line = self._need_line()
        if line is None:
            return
        target = self._qty_target.get(line.id, line.quantity) + delta
        if target < 1:
            self.message.show_error("The quantity is 1 already; Del removes the line.")
            return
        self.set_quantity(line, target)

    def set_quantity(self, line: CartLineView, quantity: int) -> None:
        assert self.view is not None
        self._qty_target[line.id] = quantity
        self._qty_inflight[line.id] = self._qty_inflight.get(line.id, 0) + 1
        line_id = line.id
        ops.run(
            on_cart,
            self.ref,
            carts.set_quantity,
            self.ctx,
            self.actor,
            line_id,
            quantity,
            on_done=lambda view: self._quantity_done(line_id, view),
            on_error=lambda exc: self._quantity_failed(line_id, exc),
            owner=self,
        )

    def _settle_quantity(self, line_id: int) -> None:
        left = self._qty_inflight.get(line_id, 1) - 1
        if left <= 0:
            self._qty_inflight.pop(line_id, None)
            self._qty_target.pop(line_id, None)
        else:
            self._qty_inflight[line_id] = left

    def _quantity_done(self, line_id: int, view: CartView) -> None:
        self._settle_quantity(line_id)
        self.show_cart(view)

    def _quantity_failed(self, line_id: int, exc: BaseException) -> None:
        self._settle_quantity(line_id)
        self._qty_target.pop(line_id, None)
        self.show_error(exc)

    def do_quantity(self) -> None:
        line = self._need_line()
        if line is None:
            return
        dialog = ValueDialog(
            "Quantity",
            f"How many of {line.name}?",
            value=str(line.quantity),
            accept_text="Set quantity",
            parent=self,
        )
        dialog.entered.connect(self._quantity_entered)
        self._open(dialog)

    def _quantity_entered(self, text: str, _kind: str) -> None:
        line = self.selected_line()
        if line is None:
            return
        try:
            quantity = int(text.replace(",", ""))
        except ValueError:
            self.message.show_error(f"quantity: {text!r} is not a whole number")
            return
        self.set_quantity(line, quantity)

    def do_remove(self) -> None:
        line = self._need_line()
        if line is None:
            return
        assert self.view is not None
        ops.run(
            on_cart,
            self.ref,
            carts.remove_line,
            self.ctx,
            self.actor,
            line.id,
            on_done=self.show_cart,
            on_error=self.show_error,
            owner=self,
        )

    def do_line_discount(self) -> None:
        line = self._need_line()
        if line is None:
            return
        dialog = ValueDialog(
            "Line discount",
            f"Discount on {line.name} ({line.quantity} × {self._fmt(line.unit_price_minor)}). "
            "Empty removes it.",
            placeholder="e.g. 10",
            kinds=(("percent", "Percent"), ("amount", "Amount")),
            accept_text="Apply discount",
            parent=self,
        )
        dialog.setObjectName("lineDiscountDialog")
        dialog.entered.connect(self._line_discount_entered)
        self._open(dialog)

    def _line_discount_entered(self, text: str, kind: str) -> None:
        line = self.selected_line()
        if line is None or self.view is None:
            return
        self.apply_discount(text, kind, line.id)

    def apply_discount(self, text: str, kind: str, line_id: int | None) -> None:
        """A line discount (``line_id``) or a cart discount (None); a manager approves
        one over the cashier's limit in place."""
        assert self.view is not None and self.register is not None
        try:
            discount = carts.parse_discount(kind, text, self.money) if text else None
        except ValidationError as exc:
            self.message.show_error(str(exc))
            return
        args: tuple[Any, ...]
        if line_id is None:
            args = (self.ref, carts.set_cart_discount, self.ctx, self.actor, discount)
        else:
            args = (self.ref, carts.set_line_discount, self.ctx, self.actor, line_id, discount)
        self.approval.run(
            self.actor,
            self.register.id,
            Permission.DISCOUNT_OVER_LIMIT,
            on_cart,
            *args,
            on_done=self.show_cart,
            on_error=self.show_error,
        )

    def do_cart_discount(self) -> None:
        if not self._need_cart():
            return
        dialog = ValueDialog(
            "Sale discount",
            "Discount on the whole sale. Empty removes it.",
            placeholder="e.g. 5",
            kinds=(("percent", "Percent"), ("amount", "Amount")),
            accept_text="Apply discount",
            parent=self,
        )
        dialog.setObjectName("cartDiscountDialog")
        dialog.entered.connect(self._cart_discount_entered)
        self._open(dialog)

    def _cart_discount_entered(self, text: str, kind: str) -> None:
        if self.view is not None:
            self.apply_discount(text, kind, None)

    def do_price(self) -> None:
        line = self._need_line()
        if line is None:
            return
        dialog = ValueDialog(
            "Price override",
            f"New unit price for {line.name} (list price "
            f"{self._fmt(line.list_price_minor)}). Empty restores the list price.",
            placeholder="e.g. 2.50",
            accept_text="Set price",
            parent=self,
        )
        dialog.setObjectName("priceDialog")
        dialog.entered.connect(self._price_entered)
        self._open(dialog)

    def _price_entered(self, text: str, _kind: str) -> None:
        line = self.selected_line()
        if line is None or self.view is None or self.register is None:
            return
        self.approval.run(
            self.actor,
            self.register.id,
            Permission.PRICE_OVERRIDE,
            on_cart,
            self.ref,
            carts.override_price,
            self.ctx,
            self.actor,
            line.id,
            text or None,
            on_done=self.show_cart,
            on_error=self.show_error,
            ask_first=True,
        )

    # -- the sale ------------------------------------------------------------------------

    def do_customer(self) -> None:
        if not self._need_cart():
            return
        assert self.view is not None
        dialog = CustomerDialog(self.ctx, self.actor, current=self.view.customer_name, parent=self)
        dialog.chosen.connect(self._customer_chosen)
        self._open(dialog)

    def _customer_chosen(self, customer: Any) -> None:
        if self.view is None:
            return
        ops.run(
            on_cart,
            self.ref,
            carts.attach_customer,
            self.ctx,
            self.actor,
            None if customer is None else customer.id,
            on_done=self.show_cart,
            on_error=self.show_error,
            owner=self,
        )

    def do_hold(self) -> None:
        if not self._need_cart():
            return
        assert self.view is not None
        if not self.view.lines:
            self.message.show_error("The sale is empty; there is nothing to hold.")
            return
        dialog = ValueDialog(
            "Hold the sale",
            "A name to find it again by (optional), e.g. the customer's.",
            value=self.view.customer_name,
            placeholder="e.g. lady in the red coat",
            accept_text="Hold",
            parent=self,
        )
        dialog.setObjectName("holdDialog")
        dialog.entered.connect(self._hold_entered)
        self._open(dialog)

    def _hold_entered(self, text: str, _kind: str) -> None:
        if self.view is None or self.register is None:
            return
        ops.run(
            hold_and_next,
            self.ref,
            self.ctx,
            self.actor,
            self.register.id,
            text,
            on_done=self._held,
            on_error=self.show_error,
            owner=self,
        )

    def _held(self, result: tuple[CartView, CartView]) -> None:
        held, view = result
        self.message.show_notice(f"Sale held ({self._fmt(held.total_minor)}); F9 recalls it.")
        self.show_cart(view)

    def do_recall(self) -> None:
        if not self._need_cart():
            return
        assert self.register is not None
        dialog = HeldCartsDialog(
            self.ctx,
            self.actor,
            self.register.id,
            self.money,
            recall=partial(recall_into, self.ref),
            parent=self,
        )
        dialog.recalled.connect(self._recalled)
        self._open(dialog)

    def _recalled(self, view: CartView) -> None:
        self.message.show_notice("Held sale recalled.")
        self.show_cart(view)

    def do_void(self) -> None:
        if not self._need_cart():
            return
        assert self.view is not None
        if not self.view.lines and not self.view.tenders:
            self.message.show_error("The sale is empty.")
            return
        box = QMessageBox(self)
        box.setObjectName("voidConfirm")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Clear the sale")
        refund = (
            f" The {self._fmt(self.view.paid_minor)} paid by card is refunded to the card."
            if self.view.paid_minor
            else ""
        )
        box.setText(f"Clear this sale of {self._fmt(self.view.total_minor)}?{refund}")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.buttonClicked.connect(self._void_answered)
        self._void_box = box
        self._open(box)

    def _void_answered(self, button: Any) -> None:
        box, self._void_box = self._void_box, None
        yes = box is not None and box.standardButton(button) == QMessageBox.StandardButton.Yes
        if yes:
            self.clear_sale()

    def clear_sale(self) -> None:
        """Abandon the open sale (``checkout.clear_cart``: card payments are refunded)."""
        if self.view is None or self.register is None:
            return
        ops.run(
            clear_and_next,
            self.ref,
            self.ctx,
            self.actor,
            self.register.id,
            "cleared at the till",
            on_done=self._voided,
            on_error=self.show_error,
            owner=self,
        )

    def _voided(self, view: CartView) -> None:
        self.message.show_notice("Sale cleared.")
        self.show_cart(view)

    def do_pay(self) -> None:
        if not self._need_cart():
            return
        assert self.view is not None and self.settings is not None
        if self.tender is not None:
            return  # already open
        if not self.view.lines:
            self.message.show_error("The sale is empty: scan something first.")
            return
        assert self.register is not None
        dialog = TenderDialog(
            self.ctx,
            self.actor,
            self.view,
            self.settings,
            complete=partial(complete_and_next, self.ref, self.register.id),
            parent=self,
        )
        dialog.completed.connect(self._sale_completed)
        dialog.cart_changed.connect(self.show_cart)
        dialog.show_receipt.connect(self.do_show_receipt)
        dialog.finished.connect(self._tender_closed)
        self.receipt_status.connect(dialog.set_receipt_status)
        self.tender = dialog
        self._open(dialog)

    def _tender_closed(self) -> None:
        self.tender = None

    def _sale_completed(self, sale: SaleView) -> None:
        self.last_sale = sale
        self._sale_notice = f"Sale {receipt_ref(sale.register_code, sale.receipt_no)} recorded" + (
            f"; change {self._fmt(sale.change_minor)}." if sale.change_minor else "."
        )
        self.message.show_notice(self._sale_notice)
        self.sale_done.emit(sale)
        self.reload_cart()
        self.print_receipt(sale.id)

    # -- receipts ------------------------------------------------------------------------

    def print_receipt(self, order_id: int | None, copy: bool = False) -> None:
        """Print a receipt (``None``: the register's last, as a copy). The sale is
        recorded before this runs; a failure only changes what the till says."""
        assert self.register is not None
        ops.run(
            receipt_job,
            self.ctx,
            self.register.id,
            order_id,
            copy,
            on_done=self._receipt_ready,
            on_error=self._receipt_failed,
            owner=self,
        )

    def _receipt_ready(self, job: tuple[ReceiptSnapshot, PrinterConfig]) -> None:
        snapshot, printer = job
        self.last_receipt = snapshot
        ops.run_network(
            self.print_fn,
            printer,
            snapshot,
            on_done=self._printed,
            on_error=self._receipt_failed,
            owner=self,
        )

    def _printed(self, printed: bool) -> None:
        self.receipt_ok = True
        if printed:
            self._receipt_said("Receipt printed.", True)
        else:
            self._receipt_said("No receipt printer is set up: “Show receipt” shows it.", True)

    def _receipt_failed(self, exc: BaseException) -> None:
        self.receipt_ok = False
        self._receipt_said(
            "The receipt did not print: "
            + ops.user_message(exc)
            + " The sale is recorded; Ctrl+P (Reprint) prints it again.",
            False,
        )

    def _receipt_said(self, text: str, ok: bool) -> None:
        """Say what became of a receipt; a good outcome never hides another error, but
        replaces the news of an earlier receipt failure."""
        showing = self.message.text() if self.message.isVisible() else ""
        if not ok:
            self.message.show_error(text)
        elif showing and showing == self._sale_notice:
            self.message.show_notice(f"{showing} {text}")  # "Sale ... recorded. Receipt printed."
        elif self.message.property("role") != "error" or showing == self._receipt_error:
            self.message.show_notice(text)
        self._receipt_error = "" if ok else text
        self.receipt_status.emit(text, ok)

    def do_reprint(self) -> None:
        if self.register is None:
            return
        self.print_receipt(None, copy=True)

    def do_show_receipt(self) -> None:
        if self.last_receipt is None:
            self.message.show_error("No receipt yet on this till.")
            return
        dialog = ReceiptDialog(self.last_receipt, parent=self)
        dialog.print_requested.connect(self._print_snapshot)
        self._open(dialog)

    def _print_snapshot(self, _snapshot: ReceiptSnapshot) -> None:
        self.do_reprint()

    # -- returns, shift, cashier -----------------------------------------------------------

    def do_returns(self) -> None:
        if not self._need_cart():
            return
        assert self.register is not None
        dialog = ReturnsDialog(self.ctx, self.actor, self.register.id, self.money, parent=self)
        dialog.refunded.connect(self._refunded)
        self._open(dialog)

    def _refunded(self, refund: SaleView) -> None:
        self.last_sale = refund
        self._sale_notice = (
            f"Refund {receipt_ref(refund.register_code, refund.receipt_no)} recorded: "
            f"{self._fmt(-refund.total_minor)}."
        )
        self.message.show_notice(self._sale_notice)
        self.sale_done.emit(refund)
        self.print_receipt(refund.id)

    def do_shift(self) -> None:
        if not self.loaded or self.register is None or self.shift is None:
            return
        ops.run(
            shifts.x_report,
            self.ctx,
            self.actor,
            self.register.id,
            on_done=self._x_report,
            on_error=self.show_error,
            owner=self,
        )

    def _x_report(self, figures: ShiftFigures) -> None:
        dialog = XReportDialog(figures, self.money, parent=self)
        dialog.close_requested.connect(self.close_shift)
        self._open(dialog)

    def close_shift(self) -> None:
        assert self.register is not None
        dialog = CloseShiftDialog(self.ctx, self.actor, self.register, self.money, parent=self)
        dialog.closed.connect(self._shift_closed)
        dialog.finished.connect(self._after_close)
        self._open(dialog)

    def _shift_closed(self, closed: ClosedShift) -> None:
        self.shift = None
        self.shift_closed.emit(closed)

    def _after_close(self) -> None:
        if self.shift is None and self.loaded:
            self.view = None
            self.model.set_view(None)
            self.totals.show_view(None)
            self._show_open_shift()

    def do_switch(self) -> None:
        if not self.loaded:
            return
        dialog = PinPadDialog(
            self.ctx,
            title="Switch cashier",
            reason="The next cashier types their username and PIN.",
            register_id=self.register.id if self.register else None,
            parent=self,
        )
        dialog.setObjectName("switchPinPad")
        dialog.approved.connect(self._switched)
        self._open(dialog)

    def _switched(self, actor: Actor) -> None:
        self.cashier_switched.emit(actor)

    def do_help(self) -> None:
        dialog = keymap.KeyHelpDialog(self)
        self._open(dialog)

    def do_search(self) -> None:
        if self.pages.currentIndex() == SELLING:
            self.box.setFocus()
            self.box.selectAll()

    def do_back(self) -> None:
        self._escape()
