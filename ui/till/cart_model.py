"""The cart as a Qt table: a view over the lines of the latest :class:`CartView`.

The till never edits this model; every change is a service call whose returned view is
handed to :meth:`CartModel.set_view`. To keep the scan-to-paint path short and the
selection steady, a new view that only appends lines inserts rows, one with the same
lines updates cells, and anything else resets the model.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from pos.domain.money import Currency
from pos.ports.sales import CartLineView, CartView

AnyIndex = QModelIndex | QPersistentModelIndex
LINE_ROLE = Qt.ItemDataRole.UserRole + 1
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTRE = Qt.AlignmentFlag.AlignCenter

COLUMNS = ("Item", "Qty", "Price", "Discount", "Total")
ITEM, QTY, PRICE, DISCOUNT, TOTAL = range(5)


class CartModel(QAbstractTableModel):
    def __init__(self, money: Currency, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.money = money
        self.view: CartView | None = None
        self._lines: tuple[CartLineView, ...] = ()
        self._bold = QFont()
        self._bold.setBold(True)

    # -- content ------------------------------------------------------------------------

    def set_view(self, view: CartView | None) -> int | None:
        """Show ``view``; returns the row of the line this change touched (added, or its
        quantity or price changed), if one did."""
        old = self._lines
        new = view.lines if view is not None else ()
        self.view = view
        old_ids = [ln.id for ln in old]
        new_ids = [ln.id for ln in new]
        if new_ids == old_ids:
            self._lines = new
            if new:
                self.dataChanged.emit(self.index(0, 0), self.index(len(new) - 1, len(COLUMNS) - 1))
        elif new_ids[: len(old_ids)] == old_ids:
            self._lines = old  # rows the view knows, updated below
            self.beginInsertRows(QModelIndex(), len(old), len(new) - 1)
            self._lines = new
            self.endInsertRows()
            if old:
                self.dataChanged.emit(self.index(0, 0), self.index(len(old) - 1, len(COLUMNS) - 1))
        else:
            self.beginResetModel()
            self._lines = new
            self.endResetModel()
        return _touched(old, new)

    def line(self, row: int) -> CartLineView | None:
        return self._lines[row] if 0 <= row < len(self._lines) else None

    def row_of(self, line_id: int) -> int | None:
        for row, ln in enumerate(self._lines):
            if ln.id == line_id:
                return row
        return None

    @property
    def lines(self) -> tuple[CartLineView, ...]:
        return self._lines

    def _fmt(self, minor: int) -> str:
        return self.money.format(self.money.from_minor(minor))

    # -- QAbstractTableModel ----------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        ln = self._lines[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(ln, col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if col == ITEM else CENTRE if col == QTY else RIGHT
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(ln)
        if role == Qt.ItemDataRole.FontRole and col in (QTY, TOTAL):
            return self._bold
        if role == LINE_ROLE:
            return ln
        return None

    def _text(self, ln: CartLineView, col: int) -> str:
        if col == ITEM:
            return ln.name
        if col == QTY:
            return f"{ln.quantity:,}"
        if col == PRICE:
            price = self._fmt(ln.unit_price_minor)
            return f"{price} *" if ln.unit_price_minor != ln.list_price_minor else price
        if col == DISCOUNT:
            if not ln.discount_minor:
                return ""
            return f"{ln.discount_label}  {self._fmt(-ln.discount_minor)}"
        return self._fmt(ln.total_minor)

    def _tooltip(self, ln: CartLineView) -> str:
        parts = [f"{ln.name} ({ln.sku})"]
        if ln.unit_price_minor != ln.list_price_minor:
            parts.append(f"Price changed from {self._fmt(ln.list_price_minor)}")
        rate = (ln.tax_rate * 100).normalize()
        parts.append(f"Tax {rate:f}%")
        return "\n".join(parts)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if section == ITEM else CENTRE if section == QTY else RIGHT
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def _touched(old: tuple[CartLineView, ...], new: tuple[CartLineView, ...]) -> int | None:
    """The row of the first line that is new or whose quantity, price or discount
    changed (the line a scan or an edit affected)."""
    before = {ln.id: ln for ln in old}
    for row, ln in enumerate(new):
        was = before.get(ln.id)
        if (
            was is None
            or was.quantity != ln.quantity
            or was.unit_price_minor != ln.unit_price_minor
            or was.discount_minor != ln.discount_minor
        ):
            return row
    return None
