"""The lazy table model against an in-memory keyset page source: what it fetches, when,
and which answers it throws away."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from pos.domain.errors import PosError
from ui import ops
from ui.models import PLACEHOLDER, Column, LazyTableModel, PageRequest
from ui.product_browser import configure_lazy_view


@dataclass(frozen=True)
class Q:
    text: str = ""
    descending: bool = False


class ListSource:
    """Rows "row 00000".. as strings, keyset-paged like the catalogue (the cursor is the
    last row itself); filtering by substring. Records every call and its thread."""

    def __init__(self, n: int, counts: bool = False) -> None:
        self.rows = [f"row {i:05d}" for i in range(n)]
        self.counts = counts
        self.pages: list[PageRequest] = []
        self.queries: list[Q] = []
        self.threads: set[threading.Thread] = set()
        self.gate: threading.Event | None = None

    def _match(self, q: Q) -> list[str]:
        rows = [r for r in self.rows if q.text in r]
        return rows[::-1] if q.descending else rows

    def count(self, q: Q) -> int | None:
        self.threads.add(threading.current_thread())
        if self.gate is not None:
            self.gate.wait(10)
        self.queries.append(q)
        return len(self._match(q)) if self.counts else None

    def page(self, q: Q, request: PageRequest) -> Sequence[str]:
        self.threads.add(threading.current_thread())
        self.pages.append(request)
        rows = self._match(q)
        start = 0 if request.after is None else rows.index(request.after) + 1
        return rows[start : start + request.size]

    def cursor(self, q: Q, row: str) -> str:
        return row

    def sorted(self, q: Q, key: str, descending: bool) -> Q | None:
        return replace(q, descending=descending)


COLUMNS = [Column("Row", lambda r: r, "row"), Column("Length", lambda r: str(len(r)))]


def make(n: int, counts: bool = False, **kw: int) -> tuple[LazyTableModel[Q, str], ListSource]:
    source = ListSource(n, counts)
    return LazyTableModel(COLUMNS, source, **kw), source


def load(qtbot, model: LazyTableModel[Q, str], query: Q = Q()) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(model.loaded, timeout=5000):
        model.set_query(query)


def test_first_page_arrives_off_the_gui_thread(qtbot) -> None:
    model, source = make(1000, page_size=50)
    load(qtbot, model)
    assert model.rowCount() == 50
    assert model.canFetchMore()
    assert model.data(model.index(0, 0)) == "row 00000"
    assert model.data(model.index(49, 1)) == "9"
    assert model.describe_count() == "50 products shown, more below"
    assert [p.index for p in source.pages] == [0]
    assert threading.main_thread() not in source.threads


def test_fetch_more_follows_the_keyset_cursor_to_the_end(qtbot) -> None:
    model, source = make(120, page_size=50)
    load(qtbot, model)
    while model.canFetchMore():
        with qtbot.waitSignal(model.grew, timeout=5000):
            model.fetchMore()
    assert model.rowCount() == 120 and model.complete
    assert model.describe_count() == "120 products"
    assert [(p.index, p.after) for p in source.pages] == [
        (0, None),
        (1, "row 00049"),
        (2, "row 00099"),
    ]
    assert model.data(model.index(119, 0)) == "row 00119"


def test_an_exact_multiple_of_the_page_size_ends_with_an_empty_page(qtbot) -> None:
    model, _ = make(100, page_size=50)
    load(qtbot, model)
    for _ in range(2):
        with qtbot.waitSignal(model.grew, timeout=5000):
            model.fetchMore()
    assert model.rowCount() == 100 and model.complete and not model.canFetchMore()


def test_only_a_few_pages_are_kept_and_evicted_ones_come_back_by_cursor(qtbot) -> None:
    model, source = make(2000, page_size=10, cache_pages=3)
    load(qtbot, model)
    for _ in range(7):
        with qtbot.waitSignal(model.grew, timeout=5000):
            model.fetchMore()
    assert model.rowCount() == 80
    assert model.cached_pages() == [5, 6, 7]
    assert model.data(model.index(25, 0)) == PLACEHOLDER  # page 2 left the cache
    assert model.data(model.index(26, 0)) == PLACEHOLDER  # same page: asked once
    with qtbot.waitSignal(model.dataChanged, timeout=5000):
        pass
    assert model.data(model.index(25, 0)) == "row 00025"
    assert [(p.index, p.after) for p in source.pages][-1] == (2, "row 00019")
    assert [p.index for p in source.pages].count(2) == 2
    assert model.rowCount() == 80  # a page fetched again adds no rows


def test_answers_to_older_queries_are_dropped(qtbot) -> None:
    model, source = make(1000, page_size=50, counts=True)
    source.gate = threading.Event()
    model.set_query(Q("row 001"))  # held at the gate on the worker
    model.set_query(Q("row 0000"))  # the one that must show
    loaded: list[int] = []
    model.loaded.connect(lambda: loaded.append(model.rowCount()))
    source.gate.set()
    assert ops.wait_idle(5)
    assert loaded == [10]
    assert model.query == Q("row 0000")
    assert model.total == 10 and model.describe_count() == "10 products"
    assert model.data(model.index(9, 0)) == "row 00009"


def test_a_counting_source_gives_the_total_before_the_end(qtbot) -> None:
    model, _ = make(1000, page_size=50, counts=True)
    load(qtbot, model)
    assert model.rowCount() == 50 and model.total == 1000
    assert model.describe_count("row") == "1,000 rows"


def test_sorting_is_handed_to_the_source(qtbot) -> None:
    model, source = make(300, page_size=100)
    load(qtbot, model)
    with qtbot.waitSignal(model.loaded):
        model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.query == Q(descending=True)
    assert model.data(model.index(0, 0)) == "row 00299"
    asked = len(source.queries)
    model.sort(1, Qt.SortOrder.AscendingOrder)  # not sortable: nothing asked
    assert ops.wait_idle(5)
    assert len(source.queries) == asked


def test_a_failed_page_is_reported_once_and_not_retried(qtbot, shown_errors) -> None:
    model, source = make(1000, page_size=50)
    load(qtbot, model)

    def broken(q: Q, request: PageRequest) -> Sequence[str]:
        raise PosError("The database is not reachable.")

    source.page = broken  # type: ignore[method-assign]
    failures: list[str] = []
    model.failed.connect(failures.append)
    for _ in range(3):
        model.fetchMore()
        assert ops.wait_idle(5)
    assert shown_errors == ["The database is not reachable."] == failures
    assert not model.canFetchMore()


@pytest.mark.parametrize("rows", [0, 1])
def test_tiny_results(qtbot, rows: int) -> None:
    model, _ = make(rows)
    load(qtbot, model)
    assert model.rowCount() == rows and model.complete
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.data(model.index(rows, 0)) is None
    assert model.data(QModelIndex()) is None


def test_a_view_fetches_one_page_per_scroll_to_the_bottom(qtbot) -> None:
    model, source = make(100_000, page_size=200)
    view = QTableView()
    qtbot.addWidget(view)
    configure_lazy_view(view, model)
    view.resize(800, 500)
    view.show()
    load(qtbot, model)
    qtbot.wait(20)
    assert [p.index for p in source.pages] == [0]
    with qtbot.waitSignal(model.grew, timeout=5000):
        view.scrollToBottom()
    qtbot.wait(50)
    assert model.rowCount() == 400
    assert [p.index for p in source.pages] == [0, 1]
