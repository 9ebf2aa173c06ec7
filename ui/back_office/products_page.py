"""The Products page: the whole catalog in one table, filtered and sorted in SQL.

The table is a :class:`~ui.counted_model.CountedTableModel`: it knows the real number of
matching products (the scrollbar is true) and fetches only the pages on screen, by their
position, so a jump to the middle of a million products reads one page. Filters: the
till's search text, category (with its sub-categories), brand, price range, stock state,
active or not. A click on a column header sorts by it (again: the other way). Column
widths and the sort are remembered (``QSettings``, ``products/header`` and
``products/sort``). Enter or a double-click opens the product editor; Ctrl+N a new
product; Delete removes a product never sold and deactivates one with sales.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import PosError
from pos.domain.money import Currency
from pos.ports.catalog import ProductListQuery, ProductListRow
from pos.ports.staff import Actor
from pos.services import catalog, product_list
from pos.services.context import ServiceContext
from ui import ops, theme
from ui.back_office.product_editor import ProductEditor
from ui.counted_model import CountedTableModel
from ui.forms import MessageLine
from ui.models import ALIGN_RIGHT, Column
from ui.product_browser import configure_lazy_view

DEBOUNCE_MS = 150
HEADER_KEY = "products/header"
SORT_KEY = "products/sort"
STOCK_CHOICES = (("Any stock", None), ("In stock", "in"), ("Low stock", "low"), ("Out", "out"))
ACTIVE_CHOICES = (("Active or not", None), ("Active", True), ("Inactive", False))


ANCHOR_FROM = 20_000  # below this many rows OFFSET alone is as quick


class ProductListSource:
    """Pages by position; for a big result, sparse anchors (built once per query in the
    background, after the count) make a jump skip at most a thousand index entries."""

    def __init__(self, ctx: ServiceContext, actor: Actor) -> None:
        self.ctx, self.actor = ctx, actor
        self.anchors: dict[ProductListQuery, product_list.Anchors | None] = {}

    def count(self, query: ProductListQuery) -> int:
        return product_list.count_products(self.ctx, self.actor, query)

    def page(self, query: ProductListQuery, offset: int, limit: int) -> Sequence[ProductListRow]:
        anchors = self.anchors.get(query)
        return product_list.product_page(self.ctx, self.actor, query, offset, limit, anchors)

    def prepare(self, query: ProductListQuery, total: int) -> None:
        if total >= ANCHOR_FROM and query not in self.anchors:
            found = product_list.product_anchors(self.ctx, self.actor, query)
            self.anchors = {query: found}  # one query's anchors are kept (the latest)


def columns(money: Currency) -> list[Column[ProductListRow]]:
    def amount(minor: int | None) -> str:
        return "" if minor is None else money.format(money.from_minor(minor))

    def stock(r: ProductListRow) -> str:
        low = r.low_stock_threshold
        mark = (
            " (out)" if r.on_hand <= 0 else " (low)" if low is not None and r.on_hand <= low else ""
        )
        return f"{r.on_hand:,}{mark}"

    return [
        Column("SKU", lambda r: r.sku, "sku", width=120),
        Column("Name", lambda r: r.name, "name", width=300, stretch=True),
        Column("Brand", lambda r: r.brand, "brand", width=140),
        Column("Category", lambda r: r.category_path or "", "category", width=200),
        Column("Price", lambda r: amount(r.price_minor), "price", ALIGN_RIGHT, 90),
        Column("Cost", lambda r: amount(r.cost_minor), "cost", ALIGN_RIGHT, 90),
        Column("Stock", stock, "on_hand", ALIGN_RIGHT, 100),
        Column("Active", lambda r: "yes" if r.active else "no", "active", width=70),
    ]


def page_data(ctx: ServiceContext, actor: Actor) -> tuple[list[str], list[str]]:
    """Category paths and brands for the filter boxes (one call on the worker)."""
    paths = [c.path for c in catalog.list_categories(ctx)]
    return paths, product_list.list_brands(ctx, actor)


class ProductsPage(QWidget):
    def __init__(self, ctx: ServiceContext, actor: Actor, money: Currency) -> None:
        super().__init__()
        self.setObjectName("productsPage")
        self.ctx, self.actor, self.money = ctx, actor, money
        self.source = ProductListSource(ctx, actor)
        self.model: CountedTableModel[ProductListQuery, ProductListRow] = CountedTableModel(
            columns(money), self.source, parent=self
        )
        settings = QSettings()
        saved = str(settings.value(SORT_KEY, "name") or "name")
        self.sort, _, way = saved.partition(" ")
        if self.sort not in (c.sort_key for c in self.model.columns):
            self.sort = "name"
        self.descending: bool = way == "desc"

        self.search = QLineEdit()
        self.search.setObjectName("productListSearch")
        self.search.setPlaceholderText("Search by name, brand, SKU or barcode")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.category = QComboBox()
        self.category.setObjectName("productListCategory")
        self.category.addItem("All categories", None)
        self.category.setMinimumWidth(180)
        self.brand = QComboBox()
        self.brand.setObjectName("productListBrand")
        self.brand.addItem("All brands", None)
        self.brand.setMinimumWidth(140)
        self.min_price = QLineEdit()
        self.min_price.setObjectName("productListMinPrice")
        self.min_price.setPlaceholderText("Price from")
        self.max_price = QLineEdit()
        self.max_price.setObjectName("productListMaxPrice")
        self.max_price.setPlaceholderText("to")
        for box in (self.min_price, self.max_price):
            box.setMaximumWidth(90)
        self.stock = QComboBox()
        self.stock.setObjectName("productListStock")
        for text, value in STOCK_CHOICES:
            self.stock.addItem(text, value)
        self.active = QComboBox()
        self.active.setObjectName("productListActive")
        for text, flag in ACTIVE_CHOICES:
            self.active.addItem(text, flag)
        self.count = QLabel("Loading…")
        self.count.setObjectName("productListCount")
        self.count.setProperty("role", "muted")
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count.setMinimumWidth(130)
        self.new_button = QPushButton("New product")
        self.new_button.setObjectName("newProduct")
        self.new_button.setToolTip("Ctrl+N")
        self.new_button.clicked.connect(self.new_product)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("deleteProduct")
        self.delete_button.setToolTip("Delete: a product never sold is deleted, else deactivated")
        self.delete_button.clicked.connect(self.delete_current)
        self.message = MessageLine("productListMessage")

        self.table = QTableView()
        self.table.setObjectName("productListTable")
        configure_lazy_view(self.table, self.model)
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._header_clicked)
        state = settings.value(HEADER_KEY)
        if state is not None:
            header.restoreState(state)
        header.sectionResized.connect(lambda *_: self._save_header())
        self.table.activated.connect(self._activated)

        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.delete_button)
        filters = QHBoxLayout()
        filters.setSpacing(8)
        for w in (self.category, self.brand, self.min_price, self.max_price):
            filters.addWidget(w)
        filters.addWidget(self.stock)
        filters.addWidget(self.active)
        filters.addStretch(1)
        filters.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self.apply)
        for box in (self.min_price, self.max_price):
            box.returnPressed.connect(self.apply)
            box.editingFinished.connect(self.apply)
        for combo in (self.category, self.brand, self.stock, self.active):
            combo.currentIndexChanged.connect(lambda _i: self.apply())
        self.model.loaded.connect(self._show_count)
        self.model.counted_total.connect(self._show_count)
        self.model.failed.connect(lambda _m: self.count.setText("Failed"))
        QShortcut(QKeySequence("Ctrl+N"), self, self.new_product)
        delete = QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table, self.delete_current)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        self._show_sort()
        self.apply()
        ops.run(page_data, ctx, actor, on_done=self._fill_filters, owner=self)

    # -- filters and sort ---------------------------------------------------------------

    def current_query(self) -> ProductListQuery:
        return product_list.make_query(
            self.ctx,
            text=self.search.text().strip(),
            category_path=self.category.currentData(),
            brand=self.brand.currentData(),
            min_price=self.min_price.text().strip() or None,
            max_price=self.max_price.text().strip() or None,
            stock=self.stock.currentData(),
            active=self.active.currentData(),
            sort=self.sort,
            descending=self.descending,
        )

    def apply(self) -> None:
        """Show the rows of the filters as they are now."""
        self._debounce.stop()
        try:
            query = self.current_query()
        except PosError as exc:  # a bad price in a filter box: say which
            self.message.show_error(str(exc))
            return
        self.message.clear_message()
        if query != self.model.latest_query:
            self.count.setText("Searching…")
            self.model.set_query(query)

    def _fill_filters(self, data: tuple[list[str], list[str]]) -> None:
        paths, brands = data
        for combo, items in ((self.category, paths), (self.brand, brands)):
            combo.blockSignals(True)
            for item in items:
                combo.addItem(item, item)
            combo.blockSignals(False)

    def _header_clicked(self, section: int) -> None:
        key = self.model.columns[section].sort_key
        if key is None:
            return
        self.descending = not self.descending if key == self.sort else False
        self.sort = key
        QSettings().setValue(SORT_KEY, f"{key} {'desc' if self.descending else 'asc'}")
        self._show_sort()
        self.apply()

    def _show_sort(self) -> None:
        section = next(i for i, c in enumerate(self.model.columns) if c.sort_key == self.sort)
        order = Qt.SortOrder.DescendingOrder if self.descending else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(section, order)

    def _save_header(self) -> None:
        QSettings().setValue(HEADER_KEY, self.table.horizontalHeader().saveState())

    def _show_count(self) -> None:
        n = self.model.total
        if not self.model.counted:
            self.count.setText("Counting…")
            return
        self.count.setText(f"{n:,} product{'' if n == 1 else 's'}" if n else "No product matches")

    # -- actions ------------------------------------------------------------------------

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.edit(row.id)

    def edit(self, product_id: int | None) -> ProductEditor:
        editor = ProductEditor(self.ctx, self.actor, self.money, product_id, parent=self)
        editor.saved.connect(lambda _view: self.refresh())
        editor.open()
        return editor

    def new_product(self) -> ProductEditor:
        return self.edit(None)

    def current_row(self) -> ProductListRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def delete_current(self) -> None:
        row = self.current_row()
        if row is None:
            return
        answer = QMessageBox.question(
            self,
            "Delete product",
            f"Delete {row.name} ({row.sku})? A product that was ever sold is deactivated "
            "instead, so its history stays whole.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.remove(row)

    def remove(self, row: ProductListRow) -> None:
        def done(outcome: str) -> None:
            self.message.show_notice(f"{row.name} ({row.sku}) was {outcome}.")
            self.refresh()

        ops.run(
            catalog.remove_product,
            self.ctx,
            self.actor,
            row.id,
            on_done=done,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def refresh(self) -> None:
        top = self.table.rowAt(0)
        self.model.refresh(max(top, 0))

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor
        self.source.actor = actor
        self.refresh()

    def show_with(self, product_id: int | None = None, **_: Any) -> None:
        if product_id is not None:
            self.edit(product_id)
