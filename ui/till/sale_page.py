"""The till's selling page: the scan box and the customer chip, the cart, the suggestions,
the message line and the totals on the left; the quick keys, the action keys and Pay on
the right; the search hits over the cart.

Widgets only. The page shows a cart view (:meth:`SalePage.show_view`) and moves the
cart's selection; what a key, a tap or Enter does is the till screen's
(:class:`~ui.till.till_screen.TillScreen`). Nothing here takes the keyboard focus from
the scan box: the cart, the quick keys and the buttons never take it, so a scanner can
fire at any moment.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QIcon, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Currency
from pos.ports.sales import CartLineView, CartView
from pos.services.context import ServiceContext
from ui import theme
from ui.forms import MessageLine, literal, styled
from ui.till import keymap
from ui.till.cart_model import COLUMNS, ITEM, PRICE, QTY, TOTAL, CartModel
from ui.till.quick_keys import QuickKeys
from ui.till.search_popup import ScanInput, SearchController, SearchFn, SearchPopup
from ui.till.suggestions import SuggestionStrip
from ui.till.totals_panel import TotalsPanel

CART_ROW_HEIGHT = 40
NARROW_ROW_HEIGHT = 50  # two lines of a name
# Qty, Price, Discount, Total; the item's name takes the rest
WIDE_WIDTHS = (64, 110, 150, 120)
NARROW_WIDTHS = (46, 88, 122, 96)
COMPACT_BELOW = 1200  # the page's width under which the action buttons drop their icons
ACTION_GRID = (
    ("more", "less", "remove", "quantity"),
    ("line_discount", "cart_discount", "price", "customer"),
    ("hold", "recall", "returns", "shift"),
    ("reprint", "switch", "void", "help"),
)


class CartTable(QTableView):
    """The cart; never takes the focus. Notes when it last painted (the benchmark
    measures a scan from the scanner's Enter to here)."""

    def __init__(self, model: CartModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paints = 0
        self.setObjectName("cartTable")
        self.setModel(model)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(CART_ROW_HEIGHT)
        head = self.horizontalHeader()
        head.setHighlightSections(False)
        head.setSectionResizeMode(ITEM, QHeaderView.ResizeMode.Stretch)
        for col in (QTY, PRICE, 3, TOTAL):
            head.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
        self._set_widths(WIDE_WIDTHS)
        assert len(COLUMNS) == 5

    def _set_widths(self, widths: tuple[int, int, int, int]) -> None:
        self.widths = widths
        head = self.horizontalHeader()
        for col, width in zip((QTY, PRICE, 3, TOTAL), widths, strict=True):
            head.resizeSection(col, width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Narrow (the smallest window): tighter figures, and a long name on two lines,
        so names are read whole rather than cut."""
        narrow = event.size().width() < 660
        widths = NARROW_WIDTHS if narrow else WIDE_WIDTHS
        if widths != self.widths:
            self._set_widths(widths)
            self.setWordWrap(narrow)
            self.verticalHeader().setDefaultSectionSize(
                NARROW_ROW_HEIGHT if narrow else CART_ROW_HEIGHT
            )
        super().resizeEvent(event)

    def paintEvent(self, event: Any) -> None:
        super().paintEvent(event)
        self.paints += 1


class ActionButton(QPushButton):
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


class SalePage(QWidget):
    def __init__(
        self,
        ctx: ServiceContext,
        money: Currency,
        search: SearchFn,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("salePage")
        self.money = money
        self._selected_line: int | None = None
        self.compact = False
        row = QHBoxLayout(self)
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

        self.model = CartModel(money, self)
        self.table = CartTable(self.model)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        left.addWidget(self.table, 1)
        self.suggestions = SuggestionStrip(ctx, money)
        left.addWidget(self.suggestions)
        self.message = MessageLine("tillMessage")
        left.addWidget(self.message)
        self.totals = TotalsPanel(money, True)
        left.addWidget(self.totals)
        row.addWidget(self.left, 3)

        right = QVBoxLayout()
        right.setSpacing(10)
        self.quick_keys = QuickKeys(ctx, money)
        right.addWidget(self.quick_keys, 1)
        grid = QGridLayout()
        grid.setSpacing(6)
        self.action_buttons: dict[str, ActionButton] = {}
        for r, names in enumerate(ACTION_GRID):
            for c, name in enumerate(names):
                button = ActionButton(name)
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

        self.popup = SearchPopup(money, self.left)
        self.search = SearchController(self.box, self.popup, search, self)
        self.left.installEventFilter(self)

    def key_buttons(self) -> list[tuple[str, QPushButton]]:
        """The buttons that do what a key does: the action keys, Pay, the customer chip."""
        keys: list[tuple[str, QPushButton]] = list(self.action_buttons.items())
        return [*keys, ("pay", self.pay_button), ("customer", self.customer_button)]

    # -- the hits over the cart ----------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.left and event.type() == QEvent.Type.Resize:
            self.place_popup()
        return super().eventFilter(watched, event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit(event.size().width() < COMPACT_BELOW)
        self.place_popup()

    def _fit(self, compact: bool) -> None:
        """The smallest windows: the action buttons without icons (their words need the
        room) and a shorter hint in the scan box, so nothing is cut."""
        if compact == self.compact:
            return
        self.compact = compact
        self.box.setPlaceholderText(keymap.SCAN_BOX_SHORT if compact else keymap.SCAN_BOX_HINT)
        self.refresh_icons()

    def place_popup(self) -> None:
        top = self.table.geometry().top()
        bottom = self.totals.geometry().bottom()
        self.popup.setGeometry(0, top, self.left.width(), max(160, bottom - top))

    def refresh_icons(self) -> None:
        """Re-tint the icons after a theme change."""
        for name, button in self.action_buttons.items():
            icon = keymap.action(name).icon
            if icon:
                button.setIcon(QIcon() if self.compact else theme.icon(icon))
        self.customer_button.setIcon(theme.icon("customer"))
        for action in self.box.actions():
            action.setIcon(theme.icon("search"))

    # -- the cart --------------------------------------------------------------------------

    def show_view(self, view: CartView | None) -> None:
        """Lines (the line just touched selected), totals, customer, the Pay button."""
        touched = self.model.set_view(view)
        row = touched
        if row is None and self._selected_line is not None:
            row = self.model.row_of(self._selected_line)
        if row is None and self.model.rowCount():
            row = self.model.rowCount() - 1
        if row is not None:
            self.select_row(row)
        self.totals.show_view(view)
        customer = view.customer_name if view is not None else ""
        shown = literal(customer)
        self.customer_button.setText(f"{shown}  F4" if customer else "No customer  F4")
        due = view.due_minor if view is not None else 0
        self.pay_button.setText(f"Pay {self.fmt(due)}  F12" if due > 0 else "Pay  F12")
        self.pay_button.setEnabled(bool(view and view.lines))
        self.suggestions.cart_changed([ln.product_id for ln in view.lines] if view else [])

    def fmt(self, minor: int) -> str:
        return self.money.format(self.money.from_minor(minor))

    def _row_changed(self, current: Any, _previous: Any) -> None:
        line = self.model.line(current.row()) if current is not None else None
        self._selected_line = line.id if line is not None else None

    def selected_line(self) -> CartLineView | None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            return self.model.line(rows[0].row())
        return None

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))

    def navigate(self, step: int) -> None:
        """↑↓ PgUp PgDn: in the hits while they are shown, otherwise in the cart."""
        if self.popup.isVisible():
            self.popup.move_selection(step)
            return
        rows = self.model.rowCount()
        if not rows:
            return
        line = self.selected_line()
        current = self.model.row_of(line.id) if line is not None else rows
        self.select_row(max(0, min(rows - 1, (current if current is not None else rows) + step)))

    def escape(self) -> None:
        """Esc: closes the hits, then clears the box, then the message."""
        if self.popup.isVisible():
            self.search.reset()
        elif self.box.text():
            self.box.clear()
        else:
            self.message.clear_message()
