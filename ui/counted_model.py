"""A lazy table that knows its real size: jump anywhere, fetch only what is seen.

Unlike :class:`ui.models.LazyTableModel` (a growing keyset list), this model asks its
source for the real row count of the query (right after the first page, which is shown
at once), so the scrollbar is the true size of the result; a row's page is fetched by
its position (``offset = page * page_size``), so dragging the scrollbar to row 500,000
fetches that page alone (the source may speed such jumps up with anchors it prepares, off
the database worker, once the count is known). Pages are kept in a small LRU; every
fetch goes through :mod:`ui.ops` (never on the GUI thread) and answers of an older query
are dropped.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from ui import ops
from ui.models import PLACEHOLDER, Column

R = TypeVar("R")
Q = TypeVar("Q")
R_co = TypeVar("R_co", covariant=True)
Q_contra = TypeVar("Q_contra", contravariant=True)
AnyIndex = QModelIndex | QPersistentModelIndex
Submit = Callable[..., ops.Task]


class CountedSource(Protocol[Q_contra, R_co]):
    """What a counted model reads through; both run on the database worker."""

    def count(self, query: Q_contra) -> int: ...

    def page(self, query: Q_contra, offset: int, limit: int) -> Sequence[R_co]: ...

    def prepare(self, query: Q_contra, total: int) -> None:
        """Runs on the worker once the count is known (e.g. to build jump anchors)."""
        ...


class CountedTableModel(QAbstractTableModel, Generic[Q, R]):
    loaded = Signal()  # a query's first page arrived (the count may follow)
    counted_total = Signal()  # the true row count is known (``total``)
    failed = Signal(str)

    def __init__(
        self,
        columns: Sequence[Column[R]],
        source: CountedSource[Q, R],
        *,
        page_size: int = 100,
        cache_pages: int = 8,
        submit: Submit | None = None,
        prepare_submit: Submit | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.source = source
        self.page_size = page_size
        self.cache_pages = cache_pages
        self._submit: Submit = submit or ops.run
        self._prepare_submit: Submit = prepare_submit or ops.run_network
        self._number = 0
        self._query: Q | None = None
        self._pending: Q | None = None
        self._total = 0
        self._pages: OrderedDict[int, Sequence[R]] = OrderedDict()
        self._inflight: dict[int, ops.Task] = {}
        self._loading: ops.Task | None = None
        self._counting: ops.Task | None = None
        self._preparing: ops.Task | None = None
        self.counted = False  # total is the true count (else the rows seen so far)
        self.prepared = False  # the source has prepared for this query (after the count)

    # -- queries ------------------------------------------------------------------------

    @property
    def query(self) -> Q | None:
        return self._query

    @property
    def latest_query(self) -> Q | None:
        return self._pending if self._loading is not None else self._query

    @property
    def total(self) -> int:
        return self._total

    @property
    def loading(self) -> bool:
        return self._loading is not None or self._counting is not None or bool(self._inflight)

    def set_query(self, query: Q, keep_position: int = 0) -> None:
        """Show ``query``: the page holding row ``keep_position`` is fetched first and
        shown at once; the COUNT follows as a second call (on a million products with a
        filter on an unindexed column it is the slower half) and sets the true size."""
        self._cancel()
        self._number += 1
        number = self._number
        source, size = self.source, self.page_size
        start = (max(keep_position, 0) // size) * size

        def first() -> tuple[int, Sequence[R]]:
            rows = source.page(query, start, size)
            if not rows and start:
                return 0, source.page(query, 0, size)
            return start, rows

        self._pending = query
        self._loading = self._submit(
            first,
            on_done=lambda result: self._on_loaded(number, query, result),
            on_error=lambda exc: self._on_failed(number, exc),
            owner=self,
        )

    def refresh(self, keep_position: int = 0) -> None:
        query = self.latest_query
        if query is not None:
            self.set_query(query, keep_position)

    def _cancel(self) -> None:
        for task in (self._loading, self._counting, self._preparing):
            if task is not None:
                task.cancel()
        self._loading = self._counting = self._preparing = None
        for task in self._inflight.values():
            task.cancel()
        self._inflight.clear()

    def _on_loaded(self, number: int, query: Q, result: tuple[int, Sequence[R]]) -> None:
        if number != self._number:
            return
        self._loading = None
        offset, rows = result
        exact = len(rows) < self.page_size
        self.beginResetModel()
        self._query = query
        self._total = offset + len(rows)
        self.counted = exact
        self.prepared = False
        self._pages.clear()
        self._cache(offset // self.page_size, rows)
        self.endResetModel()
        self.loaded.emit()
        if exact:
            self.prepared = True  # nothing to prepare for a single page
            self.counted_total.emit()
            return
        self._counting = self._submit(
            self.source.count,
            query,
            on_done=lambda total: self._on_counted(number, total),
            on_error=lambda exc: self._on_failed(number, exc),
            owner=self,
        )

    def _on_counted(self, number: int, total: int) -> None:
        if number != self._number:
            return
        self._counting = None
        self.counted = True
        if total > self._total:
            self.beginInsertRows(QModelIndex(), self._total, total - 1)
            self._total = total
            self.endInsertRows()
        elif total < self._total:  # rows went away between the two calls
            self.beginResetModel()
            self._total = total
            self.endResetModel()
        self.counted_total.emit()
        query = self._query
        # on the pool, not the database worker: a long pass must not hold up the pages
        self._preparing = self._prepare_submit(
            self.source.prepare,
            query,
            total,
            on_done=lambda _none: self._on_prepared(number),
            on_error=lambda exc: self._on_failed(number, exc),
            owner=self,
        )

    def _on_prepared(self, number: int) -> None:
        if number == self._number:
            self._preparing = None
            self.prepared = True

    def _on_failed(self, number: int, exc: BaseException) -> None:
        if number != self._number:
            return
        self._loading = self._counting = None
        self.failed.emit(ops.report(exc))

    # -- pages --------------------------------------------------------------------------

    def _cache(self, index: int, rows: Sequence[R]) -> None:
        self._pages[index] = rows
        self._pages.move_to_end(index)
        while len(self._pages) > self.cache_pages:
            self._pages.popitem(last=False)

    def _request(self, index: int) -> None:
        if index in self._inflight or self._query is None:
            return
        number, query = self._number, self._query
        self._inflight[index] = self._submit(
            self.source.page,
            query,
            index * self.page_size,
            self.page_size,
            on_done=lambda rows: self._on_page(number, index, rows),
            on_error=lambda exc: self._on_page_failed(number, index, exc),
            owner=self,
        )

    def _on_page(self, number: int, index: int, rows: Sequence[R]) -> None:
        if number != self._number:
            return
        self._inflight.pop(index, None)
        self._cache(index, rows)
        first = index * self.page_size
        last = min(first + self.page_size, self._total) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.columns) - 1))

    def _on_page_failed(self, number: int, index: int, exc: BaseException) -> None:
        if number != self._number:
            return
        self._inflight.pop(index, None)
        self.failed.emit(ops.report(exc))

    def row_at(self, row: int) -> R | None:
        """The row if its page is here (without asking for it)."""
        page = self._pages.get(row // self.page_size)
        offset = row % self.page_size
        return page[offset] if page is not None and offset < len(page) else None

    # -- Qt -----------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        page_index = index.row() // self.page_size
        page = self._pages.get(page_index)
        if page is None:
            self._request(page_index)
            return PLACEHOLDER
        self._pages.move_to_end(page_index)
        offset = index.row() % self.page_size
        return column.text(page[offset]) if offset < len(page) else ""

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.columns[section].title
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return self.columns[section].align
        return None
