"""Lazy Qt table models over lists too big to hold (a million products, every order).

The catalogue search pages by keyset only (``after`` = the id of the previous page's last
hit; ``db/search.py`` never uses OFFSET, and has no count, because both cost ~1 µs per
skipped or counted row). So a :class:`LazyTableModel` is a *growing* list, Qt's
``canFetchMore``/``fetchMore`` pattern:

- it knows the rows discovered so far; when the view scrolls to the bottom, Qt calls
  :meth:`~LazyTableModel.fetchMore` and the next page is fetched after the last one;
- it holds a few pages of rows (an LRU of ``cache_pages`` pages of ``page_size`` rows)
  and, for every page discovered, the cursor that starts it (one value per page). A page
  that fell out of the cache is fetched again from its cursor when the view shows it;
- ``data()`` for a row whose page is not cached returns a placeholder and asks for that
  page once; the view only asks for visible rows, so only visible pages are fetched;
- :meth:`~LazyTableModel.set_query` starts a new generation: results of older generations
  are dropped when they arrive (typing "ab" never shows the rows for "a"), and their
  queued calls are cancelled. The current rows stay until the new first page arrives,
  so a new search replaces the old rows in one reset, without a flash of placeholders;
- filtering and sorting are the :class:`PageSource`'s (the service's, hence SQL's) job.

Why every fetch goes through :mod:`ui.ops` to the database worker, though a keyset page
costs well under a millisecond on a warm SQLite file (PERF-NOTES: 0.05 ms keyset, FTS
first page 0.2-4.6 ms): the same call can take tens of milliseconds over a PostgreSQL
link or while a big match set is sorted, and it queues behind any write on the serialised
worker (an import, a stock count). A row that reads "Loading…" for one frame is better
than a till that freezes, and the GUI thread never runs a service call.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from pos.domain import gtin
from pos.domain.money import Currency
from pos.services.context import ServiceContext
from ui import ops

R = TypeVar("R")
Q = TypeVar("Q")
AnyIndex = QModelIndex | QPersistentModelIndex

PLACEHOLDER = "Loading…"
ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Page ``index`` (``size`` rows), starting after the row whose cursor is ``after``
    (None: from the start)."""

    index: int
    size: int
    after: Any = None


class PageSource(Protocol[Q, R]):
    """What a lazy model reads through. ``count`` and ``page`` run on a worker thread."""

    def count(self, query: Q) -> int | None:
        """How many rows ``query`` has, or None when that is not known cheaply."""
        ...

    def page(self, query: Q, request: PageRequest) -> Sequence[R]: ...

    def cursor(self, query: Q, row: R) -> Any:
        """The keyset cursor that continues after ``row`` in ``query``'s order."""
        ...

    def sorted(self, query: Q, key: str, descending: bool) -> Q | None:
        """``query`` ordered by the column key ``key``; None if that order is not offered."""
        ...


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    sort_key: str | None = None  # handed to PageSource.sorted; None = not sortable
    align: Qt.AlignmentFlag = ALIGN_LEFT
    width: int = 120  # initial width in device-independent pixels
    stretch: bool = False  # takes the width left over


Submit = Callable[..., ops.Task]


@dataclass
class _Generation:
    """Everything the model knows about one query's result."""

    number: int
    query: Any
    total: int | None  # from PageSource.count, when it counts
    rows: int = 0  # rows discovered so far
    complete: bool = False  # the last page has been seen
    pages: OrderedDict[int, Sequence[Any]] = field(default_factory=OrderedDict)
    starts: list[Any] = field(default_factory=lambda: [None])  # cursor before page i
    inflight: dict[int, ops.Task] = field(default_factory=dict)
    failed: bool = False


class LazyTableModel(QAbstractTableModel, Generic[Q, R]):
    """A read-only table over a :class:`PageSource`; see the module docstring."""

    loaded = Signal()  # a query's first page has arrived and replaced the rows
    grew = Signal()  # more rows were discovered (or the end was reached)
    failed = Signal(str)  # a fetch failed; the message is already shown to the user

    def __init__(
        self,
        columns: Sequence[Column[R]],
        source: PageSource[Q, R],
        *,
        page_size: int = 200,
        cache_pages: int = 6,
        submit: Submit | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if page_size < 1 or cache_pages < 2:
            raise ValueError("page_size must be >= 1 and cache_pages >= 2")
        self.columns = list(columns)
        self.source = source
        self.page_size = page_size
        self.cache_pages = cache_pages
        self._submit: Submit = submit or ops.run
        self._gen: _Generation | None = None
        self._numbers = 0
        self._loading: ops.Task | None = None
        self._pending_query: Q | None = None

    # -- what is shown ------------------------------------------------------------------

    @property
    def query(self) -> Q | None:
        """The query whose rows are shown."""
        return self._gen.query if self._gen else None

    @property
    def latest_query(self) -> Q | None:
        """The query last asked for: the one on its way, else the one shown."""
        return self._pending_query if self._loading is not None else self.query

    @property
    def loading(self) -> bool:
        """True while a query (or any page of it) is on its way."""
        return self._loading is not None or bool(self._gen and self._gen.inflight)

    @property
    def complete(self) -> bool:
        """True once every row of the shown query has been discovered."""
        return bool(self._gen and self._gen.complete)

    @property
    def total(self) -> int | None:
        """The exact row count when known: counted by the source or every page seen."""
        if self._gen is None:
            return None
        return self._gen.rows if self._gen.complete else self._gen.total

    def describe_count(self, noun: str = "product") -> str:
        """``"1 product"``, ``"3,412 products"``, or ``"400 products shown, more below"``
        while more may come (not "400+", which read as a count of about 400)."""
        if self._gen is None:
            return ""
        total = self.total
        n = total if total is not None else self._gen.rows
        plural = noun if n == 1 else noun + "s"
        return f"{n:,} {plural}" if total is not None else f"{n:,} {plural} shown, more below"

    # -- queries ------------------------------------------------------------------------

    def set_query(self, query: Q) -> None:
        """Show ``query``'s rows: its first page (and count) are fetched off-thread."""
        self._cancel_pending()
        self._numbers += 1
        number = self._numbers
        first = PageRequest(0, self.page_size)
        source = self.source

        def first_page() -> tuple[int | None, Sequence[R]]:
            return source.count(query), source.page(query, first)

        self._pending_query = query
        self._loading = self._submit(
            first_page,
            on_done=lambda result: self._on_loaded(number, query, result),
            on_error=lambda exc: self._on_failed(number, exc),
            owner=self,
        )

    def refresh(self) -> None:
        """Fetch the current query again (after an edit elsewhere)."""
        query = self.latest_query
        if query is not None:
            self.set_query(query)

    def _cancel_pending(self) -> None:
        if self._loading is not None:
            self._loading.cancel()
            self._loading = None
        if self._gen is not None:
            for task in self._gen.inflight.values():
                task.cancel()
            self._gen.inflight.clear()

    def _on_loaded(self, number: int, query: Q, result: tuple[int | None, Sequence[R]]) -> None:
        if number != self._numbers:
            return  # an older query answered late
        self._loading = None
        total, first = result
        self.beginResetModel()
        gen = self._gen = _Generation(number, query, total)
        self._add_page(gen, 0, first)
        self.endResetModel()
        self.loaded.emit()

    def _on_failed(self, number: int, exc: BaseException) -> None:
        if number != self._numbers:
            return
        self._loading = None
        self.failed.emit(ops.report(exc))

    # -- pages --------------------------------------------------------------------------

    def _cache(self, gen: _Generation, index: int, rows: Sequence[R]) -> None:
        gen.pages[index] = rows
        gen.pages.move_to_end(index)
        while len(gen.pages) > self.cache_pages:
            gen.pages.popitem(last=False)

    def _add_page(self, gen: _Generation, index: int, rows: Sequence[R]) -> None:
        """Record newly discovered page ``index`` (the one after the last known)."""
        self._cache(gen, index, rows)
        gen.rows += len(rows)
        if len(rows) < self.page_size:
            gen.complete = True
        else:
            gen.starts.append(self.source.cursor(gen.query, rows[-1]))

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:
        gen = self._gen
        if parent.isValid() or gen is None or gen.complete or gen.failed:
            return False
        return len(gen.starts) - 1 not in gen.inflight

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:
        """Ask for the page after the last one discovered (Qt calls this at the bottom)."""
        if not self.canFetchMore(parent):
            return
        assert self._gen is not None
        self._request(self._gen, len(self._gen.starts) - 1)

    def _request(self, gen: _Generation, index: int) -> None:
        if index in gen.inflight or gen.failed:
            return
        request = PageRequest(index, self.page_size, gen.starts[index])
        number = gen.number
        gen.inflight[index] = self._submit(
            self.source.page,
            gen.query,
            request,
            on_done=lambda rows: self._on_page(number, index, rows),
            on_error=lambda exc: self._on_page_failed(number, index, exc),
            owner=self,
        )

    def _on_page(self, number: int, index: int, rows: Sequence[R]) -> None:
        gen = self._gen
        if gen is None or gen.number != number:
            return
        gen.inflight.pop(index, None)
        first = index * self.page_size
        if index == len(gen.starts) - 1 and first == gen.rows:  # a new page at the end
            if rows:
                self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
                self._add_page(gen, index, rows)
                self.endInsertRows()
            else:
                gen.complete = True
            self.grew.emit()
            return
        self._cache(gen, index, rows)  # a page fetched again after it left the cache
        last = min(first + self.page_size, gen.rows) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    def _on_page_failed(self, number: int, index: int, exc: BaseException) -> None:
        gen = self._gen
        if gen is None or gen.number != number:
            return
        gen.inflight.pop(index, None)
        gen.failed = True  # no retry storm: the next query or refresh() tries again
        self.failed.emit(ops.report(exc))

    def row_at(self, row: int) -> R | None:
        """The row if its page is cached, else None (and the page is requested)."""
        gen = self._gen
        if gen is None or not 0 <= row < gen.rows:
            return None
        index, offset = divmod(row, self.page_size)
        rows = gen.pages.get(index)
        if rows is None:
            self._request(gen, index)
            return None
        gen.pages.move_to_end(index)
        return rows[offset] if offset < len(rows) else None

    def cached_pages(self) -> list[int]:
        """Indexes of the pages held, least recently used first."""
        return list(self._gen.pages) if self._gen else []

    # -- QAbstractTableModel ------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self._gen is None else self._gen.rows

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.row_at(index.row())
        if row is None:
            first = index.column() == 0 and role == Qt.ItemDataRole.DisplayRole
            return PLACEHOLDER if first else None
        return column.text(row)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.columns[section].align
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is SQL's job: the query is asked again in the column's order."""
        query = self.latest_query
        if query is None or not 0 <= column < len(self.columns):
            return
        key = self.columns[column].sort_key
        if key is None:
            return
        wanted = self.source.sorted(query, key, order == Qt.SortOrder.DescendingOrder)
        if wanted is not None and wanted != query:
            self.set_query(wanted)


# -- products ------------------------------------------------------------------------


class CatalogSource:
    """:class:`PageSource` over ``pos.services.catalog.search_products``; its methods that
    touch the service run on the database worker.

    Orders: with text, relevance (best matches first; see ``db/search.py``); without,
    by name. A column click chooses name or price (either way for price); that choice
    then stays while the text changes.
    """

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        count: Callable[[ServiceContext, Any], int] | None = None,
    ) -> None:
        self.ctx = ctx
        self._count = count

    def initial_query(self) -> Any:
        from pos.ports.catalog import SearchQuery

        return SearchQuery(text="", sort="name")

    def with_text(self, query: Any, text: str, chosen_sort: str | None) -> Any:
        sort = chosen_sort or ("relevance" if text.strip() else "name")
        return replace(query, text=text, sort=sort, after=None)

    def count(self, query: Any) -> int | None:
        return self._count(self.ctx, query) if self._count is not None else None

    def page(self, query: Any, request: PageRequest) -> Sequence[Any]:
        from pos.services import catalog

        q = replace(query, limit=request.size, after=request.after)
        return catalog.search_products(self.ctx, q)

    def cursor(self, query: Any, row: Any) -> Any:
        return row.id  # SearchQuery.after is the last hit's id, whatever the order

    def sorted(self, query: Any, key: str, descending: bool) -> Any:
        if key == "price":
            return replace(query, sort="-price" if descending else "price", after=None)
        if key == "name" and not descending:
            return replace(query, sort="name", after=None)
        return None  # names are offered A-Z only

    @staticmethod
    def sort_column(query: Any) -> tuple[str, bool] | None:
        """(column key, descending) of the query's order, None for relevance."""
        return {"name": ("name", False), "price": ("price", False), "-price": ("price", True)}.get(
            query.sort
        )


ProductModel = LazyTableModel[Any, Any]


def product_columns(money: Currency) -> list[Column[Any]]:
    def price(hit: Any) -> str:
        return money.format(money.from_minor(hit.price_minor))

    return [
        Column("Name", lambda h: h.name, "name", width=300, stretch=True),
        Column("SKU", lambda h: h.sku, width=120),
        Column("Brand", lambda h: h.brand, width=130),
        Column("Category", lambda h: h.category_path or "", width=170),
        Column("Barcode", lambda h: gtin.display(h.barcode) if h.barcode else "", width=130),
        Column("Price", price, "price", align=ALIGN_RIGHT, width=100),
        Column("On hand", lambda h: f"{h.on_hand:,}", align=ALIGN_RIGHT, width=84),
    ]


def make_product_model(
    ctx: ServiceContext, money: Currency, *, parent: QObject | None = None
) -> ProductModel:
    return LazyTableModel(product_columns(money), CatalogSource(ctx), parent=parent)
