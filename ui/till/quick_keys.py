"""Quick keys for touch screens: favourite products, and the products of each category.

- Favourites are this till's own list (``QSettings`` key ``till/quick_keys``: product ids,
  in order); right-click a search hit or a category's key to add it, right-click a
  favourite to take it off. A till with no favourites yet shows products in stock, by
  name, so the grid is never empty on a new store.
- The tabs are "Favourites" and the top-level categories; a category shows its products
  (and its sub-categories' ones) by name, from ``catalog.search_products`` in SQL.
- Everything is read on the database worker; a tab's keys replace the grid when they come.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPoint, QSettings, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QScroller,
    QSizePolicy,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from pos.domain.errors import NotFound
from pos.domain.money import Currency
from pos.ports.catalog import ProductHit, SearchQuery
from pos.services import catalog
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import literal

SETTINGS_KEY = "till/quick_keys"
COLUMNS = 3
NARROW_COLUMNS = 2  # under WIDE_ENOUGH pixels: two wider keys, whose names fit
WIDE_ENOUGH = 470
MAX_KEYS = 30
MAX_FAVOURITES = 60
LINE_CHARS = 20


def two_lines(name: str, width: int = LINE_CHARS) -> str:
    """A product name on at most two lines of about ``width`` characters, cut with "…"."""
    words, lines, line = name.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if len(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    lines.append(line)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    if len(lines[-1]) > width:
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return "\n".join(lines)


def saved_favourites() -> list[int]:
    raw = QSettings().value(SETTINGS_KEY, [])
    items = raw if isinstance(raw, list) else [raw] if raw else []
    ids: list[int] = []
    for item in items:
        try:
            ids.append(int(str(item)))
        except (TypeError, ValueError):
            continue
    return list(dict.fromkeys(ids))[:MAX_FAVOURITES]


def save_favourites(ids: Sequence[int]) -> None:
    QSettings().setValue(SETTINGS_KEY, [str(i) for i in list(dict.fromkeys(ids))[:MAX_FAVOURITES]])


def load_favourites(ctx: ServiceContext, ids: Sequence[int]) -> list[ProductHit]:
    """Runs on the database worker: the favourites that still exist and are for sale,
    else (no favourites set) products in stock by name."""
    if not ids:
        return catalog.search_products(ctx, SearchQuery(sort="name", in_stock=True, limit=MAX_KEYS))
    hits = []
    for product_id in ids:
        try:
            p = catalog.get_product(ctx, product_id)
        except NotFound:
            continue
        if p.active:
            barcode = p.barcodes[0] if p.barcodes else ""
            hits.append(
                ProductHit(
                    p.id, p.sku, p.name, p.brand, p.price_minor, p.on_hand, barcode, p.category_path
                )
            )
    return hits


def top_categories(ctx: ServiceContext) -> list[tuple[int, str]]:
    """Runs on the database worker: (id, name) of the top-level categories, by name."""
    return sorted(
        ((c.id, c.name) for c in catalog.list_categories(ctx) if c.parent_id is None),
        key=lambda c: c[1].lower(),
    )


def category_products(ctx: ServiceContext, category_id: int) -> list[ProductHit]:
    return catalog.search_products(
        ctx, SearchQuery(category_id=category_id, sort="name", limit=MAX_KEYS)
    )


class ProductKey(QPushButton):
    """One product on the grid: name on two lines and the price."""

    chosen = Signal(object)  # the ProductHit
    menu_asked = Signal(object, QPoint)  # the ProductHit and where (global position)

    def __init__(self, hit: ProductHit, money: Currency, parent: QWidget | None = None) -> None:
        price = money.format(money.from_minor(hit.price_minor))
        super().__init__(literal(f"{two_lines(hit.name)}\n{price}"), parent)
        self.hit = hit
        self.setObjectName(f"quickKey{hit.id}")
        self.setProperty("role", "quickkey")
        self.setToolTip(f"{hit.name} ({hit.sku}) · {price} · {hit.on_hand:,} in stock")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(72)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(120)  # the grid, not the longest name, sets the width
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.clicked.connect(self._emit)
        self.customContextMenuRequested.connect(self._menu)

    def _emit(self) -> None:
        self.chosen.emit(self.hit)

    def _menu(self, pos: QPoint) -> None:
        self.menu_asked.emit(self.hit, self.mapToGlobal(pos))


class QuickKeys(QFrame):
    chosen = Signal(object)  # a ProductHit to add to the cart

    def __init__(self, ctx: ServiceContext, money: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quickKeys")
        self.ctx, self.money = ctx, money
        self.favourites = saved_favourites()
        self._categories: list[tuple[int, str]] = []
        self._generation = 0
        self.hits: list[ProductHit] = []
        self.columns = COLUMNS

        self.tabs = QTabBar()
        self.tabs.setObjectName("quickTabs")
        self.tabs.setExpanding(False)
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setDrawBase(False)
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.addTab("Favourites")
        self.tabs.currentChanged.connect(self._tab_changed)

        self.grid_holder = QWidget()
        self.grid_holder.setObjectName("quickGrid")
        self.grid = QGridLayout(self.grid_holder)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(8)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setObjectName("quickScroll")
        scroll.setWidget(self.grid_holder)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self.empty = QLabel("")
        self.empty.setObjectName("quickEmpty")
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        self.empty.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.tabs)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)

    def load(self) -> None:
        """Read the categories and show the current tab (call once the till is ready)."""
        ops.run(top_categories, self.ctx, on_done=self._categories_loaded, owner=self)
        self._tab_changed(self.tabs.currentIndex())

    def _categories_loaded(self, categories: list[tuple[int, str]]) -> None:
        self._categories = categories
        self.tabs.blockSignals(True)
        while self.tabs.count() > 1:
            self.tabs.removeTab(1)
        for _id, name in categories:
            self.tabs.addTab(literal(name))
        self.tabs.blockSignals(False)

    def _tab_changed(self, index: int) -> None:
        self._generation += 1
        generation = self._generation
        if index <= 0:
            ops.run(
                load_favourites,
                self.ctx,
                list(self.favourites),
                on_done=lambda hits: self._show(generation, hits),
                owner=self,
            )
            return
        category_id = self._categories[index - 1][0]
        ops.run(
            category_products,
            self.ctx,
            category_id,
            on_done=lambda hits: self._show(generation, hits),
            owner=self,
        )

    def _show(self, generation: int, hits: list[ProductHit]) -> None:
        if generation != self._generation:
            return
        self.hits = hits
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for n, hit in enumerate(hits):
            key = ProductKey(hit, self.money)
            key.chosen.connect(self.chosen)
            key.menu_asked.connect(self._menu)
            self.grid.addWidget(key, n // self.columns, n % self.columns)
        favourites_tab = self.tabs.currentIndex() <= 0
        if not hits:
            self.empty.setText(
                "No favourites yet: right-click a search result to add it here."
                if favourites_tab
                else "No products in this category."
            )
        self.empty.setVisible(not hits)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        columns = COLUMNS if event.size().width() >= WIDE_ENOUGH else NARROW_COLUMNS
        if columns != self.columns:
            self.columns = columns
            items = (self.grid.itemAt(n) for n in range(self.grid.count()))
            keys = [w for item in items if item is not None and (w := item.widget()) is not None]
            for key in keys:
                self.grid.removeWidget(key)
            for n, key in enumerate(keys):
                self.grid.addWidget(key, n // columns, n % columns)

    def _menu(self, hit: Any, where: QPoint) -> None:
        menu = QMenu(self)
        if hit.id in self.favourites:
            menu.addAction("Remove from favourites").setData(("remove", hit.id))
        else:
            menu.addAction("Add to favourites").setData(("add", hit.id))
        chosen = menu.exec(where)
        if chosen is not None:
            what, product_id = chosen.data()
            if what == "add":
                self.add_favourite(product_id)
            else:
                self.remove_favourite(product_id)

    def add_favourite(self, product_id: int) -> None:
        if product_id not in self.favourites:
            self.favourites.append(product_id)
            save_favourites(self.favourites)
        if self.tabs.currentIndex() <= 0:
            self._tab_changed(0)

    def remove_favourite(self, product_id: int) -> None:
        if product_id in self.favourites:
            self.favourites.remove(product_id)
            save_favourites(self.favourites)
        if self.tabs.currentIndex() <= 0:
            self._tab_changed(0)
