"""The till's totals: subtotal, discounts, tax by rate, card payments taken, and the
total, large. A scan relabels the figures; it never rebuilds widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from pos.domain.money import Currency
from pos.ports.sales import CartView
from ui.forms import label


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
