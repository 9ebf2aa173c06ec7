"""The product browser: a search box over the lazy product table.

Typing filters as you type: after a short pause (``DEBOUNCE_MS``) the model is given the
new query; its first page comes back from the database worker, and answers to older
queries are dropped by the model, so the table only ever shows the rows of the latest
text. Enter searches at once. Sorting is by a click on Name or Price (done in SQL).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from pos.domain.money import Currency
from pos.services.context import ServiceContext
from ui import theme
from ui.counted_model import CountedTableModel
from ui.models import CatalogSource, LazyTableModel, ProductModel, make_product_model

DEBOUNCE_MS = 150
ROW_HEIGHT = 30


class ProductBrowser(QWidget):
    activated = Signal(object)  # the ProductHit the user double-clicked or pressed Enter on

    def __init__(
        self,
        ctx: ServiceContext,
        currency: Currency,
        *,
        model: ProductModel | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("productBrowser")
        self.model: ProductModel = model or make_product_model(ctx, currency, parent=self)
        source = self.model.source
        assert isinstance(source, CatalogSource)
        self.source: CatalogSource = source
        self.chosen_sort: str | None = None  # set by a click on a column header

        self.search = QLineEdit()
        self.search.setObjectName("productSearch")
        self.search.setPlaceholderText("Search by name, brand, SKU or barcode")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.count = QLabel("")
        self.count.setObjectName("productCount")
        self.count.setProperty("role", "muted")
        self.count.setMinimumWidth(150)
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.table = QTableView()
        self.table.setObjectName("productTable")
        configure_lazy_view(self.table, self.model)
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._header_clicked)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_search)
        self.search.textChanged.connect(self._debounce.start)
        self.search.returnPressed.connect(self.apply_search)
        self.model.loaded.connect(self._on_loaded)
        self.model.grew.connect(self._show_count)
        self.model.failed.connect(self._show_failure)
        self.table.activated.connect(self._activated)

        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(self.search, 1)
        top.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

        self.count.setText("Loading…")
        self._show_sort(self.source.initial_query())
        self.model.set_query(self.source.initial_query())

    def _query_for(self, text: str) -> Any:
        base = self.model.latest_query or self.source.initial_query()
        return self.source.with_text(base, text, self.chosen_sort)

    def apply_search(self) -> None:
        """Give the model the text as it is now (also the debounce timer's target)."""
        self._debounce.stop()
        query = self._query_for(self.search.text().strip())
        if query != self.model.latest_query:
            self.count.setText("Searching…")
            self._show_sort(query)
            self.model.set_query(query)

    def _header_clicked(self, section: int) -> None:
        """A click on a column header: Name A-Z, or Price up and down."""
        current = self.model.latest_query
        column = self.model.columns[section]
        if current is None or column.sort_key is None:
            self._show_sort(current)
            return
        was = self.source.sort_column(current)
        descending = was is not None and was == (column.sort_key, False)
        wanted = self.source.sorted(current, column.sort_key, descending)
        if wanted is None:
            wanted = self.source.sorted(current, column.sort_key, False)
        if wanted is not None:
            self.chosen_sort = wanted.sort
            self._show_sort(wanted)
            if wanted != current:
                self.count.setText("Sorting…")
                self.model.set_query(wanted)
        else:
            self._show_sort(current)

    def _show_sort(self, query: Any) -> None:
        header = self.table.horizontalHeader()
        order = self.source.sort_column(query) if query is not None else None
        if order is None:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            return
        key, descending = order
        section = next(i for i, c in enumerate(self.model.columns) if c.sort_key == key)
        direction = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        header.setSortIndicator(section, direction)

    def _on_loaded(self) -> None:
        self.table.scrollToTop()
        self._show_count()

    def _show_count(self) -> None:
        query = self.model.query
        if self.model.rowCount():
            self.count.setText(self.model.describe_count("product"))
        elif query is not None and query.text.strip():
            self.count.setText("No product matches")
        else:
            self.count.setText("No products yet")

    def _show_failure(self, _message: str) -> None:
        self.count.setText("Search failed")

    def _activated(self, index: QModelIndex) -> None:
        hit = self.model.row_at(index.row())
        if hit is not None:
            self.activated.emit(hit)


def configure_lazy_view(
    view: QTableView, model: LazyTableModel[Any, Any] | CountedTableModel[Any, Any]
) -> None:
    """Settings that keep a view lazy: fixed row heights (no size-hint pass over the
    rows) and column widths from the model's columns, never ResizeToContents."""
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setCornerButtonEnabled(False)
    view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    vertical = view.verticalHeader()
    vertical.setVisible(False)
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(ROW_HEIGHT)
    vertical.setMinimumSectionSize(ROW_HEIGHT)
    horizontal = view.horizontalHeader()
    horizontal.setHighlightSections(False)
    horizontal.setSectionsMovable(False)
    horizontal.setStretchLastSection(False)
    horizontal.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for number, column in enumerate(model.columns):
        horizontal.resizeSection(number, column.width)
        if column.stretch:
            horizontal.setSectionResizeMode(number, QHeaderView.ResizeMode.Stretch)
