"""The till's one input box, for the barcode scanner and for search-as-you-type.

A keyboard-wedge scanner "types" a character every few milliseconds, then Enter; a
person types a letter every 80 ms or more. So:

- text with a letter is searched at once, off the GUI thread, one search in flight at
  most (see :class:`SearchController`); digits only may be a scan in progress and wait for
  a :data:`DEBOUNCE_MS` pause (30 ms), which no scanner makes before its Enter, so a scan
  never starts a search. Each search has a generation number and an answer to an older
  one is dropped, so the list only ever shows hits for the text in the box;
- Enter on a GTIN (8, 12, 13 or 14 digits) scans it at once (the till adds the product);
  Enter on other text picks the highlighted hit, or resolves the text (an in-store code,
  or a search with exactly one hit) and adds it;
- ``↑``/``↓``/``PgUp``/``PgDn`` move in the hits while they are shown, otherwise in the
  cart; ``Esc`` closes the hits, then clears the box; ``+``, ``-`` and ``Del`` act on the
  cart while the box is empty (see :mod:`ui.till.keymap`);
- ``3*5012345678900`` (or ``3*tea`` then Enter on a hit) adds three.

The hits are an overlay child of the till (not a popup window), so the keyboard focus
never leaves the box and typing is never interrupted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from pos.domain.gtin import is_gtin
from pos.domain.money import Currency
from ui import ops, theme

DEBOUNCE_MS = 30
MAX_HITS = 20
_QTY = re.compile(r"^\s*(\d{1,5})\s*[*×]\s*(\S.*)$")
AnyIndex = QModelIndex | QPersistentModelIndex
HIT_ROLE = Qt.ItemDataRole.UserRole + 1


def split_quantity(text: str) -> tuple[int, str]:
    """``"3*5012345678900"`` -> (3, ``"5012345678900"``); text without a prefix -> (1, text)."""
    match = _QTY.match(text)
    if match is None:
        return 1, text.strip()
    return int(match.group(1)), match.group(2).strip()


def looks_like_barcode(text: str) -> bool:
    return is_gtin(text.strip())


class ScanInput(QLineEdit):
    """The scan-or-search box; see the module rules for its keys."""

    submitted = Signal(str)  # Enter, with the text as typed
    navigate = Signal(int)  # -1, +1, -10, +10
    escape = Signal()
    cart_key = Signal(str)  # "more", "less", "remove" while the box is empty

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scanInput")
        self.setClearButtonEnabled(True)
        self.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.setMaxLength(200)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submitted.emit(self.text())  # the receiver clears the box
            return
        steps = {
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -10,
            Qt.Key.Key_PageDown: 10,
        }
        if key in steps and mods == Qt.KeyboardModifier.NoModifier:
            self.navigate.emit(steps[key])
            return
        if key == Qt.Key.Key_Escape:
            self.escape.emit()
            return
        if not self.text() and mods in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.ShiftModifier,
        ):
            named = {
                Qt.Key.Key_Plus: "more",
                Qt.Key.Key_Minus: "less",
                Qt.Key.Key_Delete: "remove",
            }.get(Qt.Key(key))
            if named is not None:
                self.cart_key.emit(named)
                return
        super().keyPressEvent(event)


class HitsModel(QAbstractListModel):
    """The search hits: a short list (at most :data:`MAX_HITS`), replaced at once."""

    def __init__(self, money: Currency, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.money = money
        self.hits: list[Any] = []

    def set_hits(self, hits: Sequence[Any]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.hits):
            return None
        hit = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            price = self.money.format(self.money.from_minor(hit.price_minor))
            brand = f"{hit.brand} · " if hit.brand else ""
            return f"{hit.name}\n{brand}{hit.sku} · {hit.on_hand:,} in stock · {price}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{hit.name} ({hit.sku})"
        if role == HIT_ROLE:
            return hit
        return None


class SearchPopup(QFrame):
    """The hits under the box, over the cart. Click or tap a hit to add it."""

    picked = Signal(object)  # the ProductHit
    favourite = Signal(object)  # right-click: add the hit to the quick keys

    def __init__(self, money: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchPopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.model = HitsModel(money, self)
        self.list = QListView()
        self.list.setObjectName("searchResults")
        self.list.setModel(self.model)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the focus stays in the box
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setUniformItemSizes(True)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.clicked.connect(self._clicked)
        self.list.customContextMenuRequested.connect(self._context)
        self.status = QLabel("")
        self.status.setObjectName("searchStatus")
        self.status.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        self.text = ""  # the text whose hits are shown
        self.hide()

    def show_hits(self, text: str, hits: Sequence[Any], more: bool) -> None:
        self.text = text
        self.model.set_hits(hits)
        if hits:
            self.list.setCurrentIndex(self.model.index(0, 0))
            extra = " (keep typing to narrow them)" if more else ""
            self.status.setText(f"{len(hits)} shown{extra} · ↑↓ choose · Enter adds · Esc closes")
        else:
            self.status.setText(f"Nothing matches “{text}”.")
        self.show()
        self.raise_()

    def move_selection(self, step: int) -> None:
        rows = self.model.rowCount()
        if not rows:
            return
        current = self.list.currentIndex().row()
        row = max(0, min(rows - 1, (current if current >= 0 else -1) + step))
        self.list.setCurrentIndex(self.model.index(row, 0))

    def current(self) -> Any | None:
        index = self.list.currentIndex()
        return self.model.data(index, HIT_ROLE) if index.isValid() else None

    def close_hits(self) -> None:
        self.hide()
        self.text = ""
        self.model.set_hits(())

    def _clicked(self, index: QModelIndex) -> None:
        hit = self.model.data(index, HIT_ROLE)
        if hit is not None:
            self.picked.emit(hit)

    def _context(self, pos: Any) -> None:
        hit = self.model.data(self.list.indexAt(pos), HIT_ROLE)
        if hit is not None:
            self.favourite.emit(hit)


SearchFn = Callable[[str, int], Sequence[Any]]


class SearchController(QObject):
    """Off-thread search for the box, feeding the popup; drops stale answers.

    Text with a letter in it is a person searching: the search starts at once, and while
    one is on its way further keys only note that the latest text must be searched when it
    answers (one search in flight at most, the latest text always searched last). Text of
    digits only may be a scan in progress: it waits for a :data:`DEBOUNCE_MS` pause, which
    a scanner never makes before its Enter."""

    searched = Signal(str)  # the hits for this text are now shown (tests and benchmarks)

    def __init__(
        self, box: ScanInput, popup: SearchPopup, search: SearchFn, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.box = box
        self.popup = popup
        self._search = search
        self._generation = 0
        self._task: ops.Task | None = None
        self._again = False  # the text changed while a search was on its way
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search_now)
        box.textChanged.connect(self._changed)

    def _changed(self, text: str) -> None:
        self._generation += 1  # whatever is on its way is now stale
        _qty, query = split_quantity(text)
        if not query:
            self.reset()
            return
        if query.isdigit():
            self._timer.start()  # perhaps a scanner: wait for a pause
            return
        self._timer.stop()
        if self._task is not None and not self._task.done():
            self._again = True
        else:
            self.search_now()

    def reset(self) -> None:
        """Forget any search in progress and close the hits (after a scan or a pick)."""
        self._generation += 1
        self._timer.stop()
        self._again = False
        self._cancel()
        self.popup.close_hits()

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def search_now(self, text: str | None = None) -> None:
        self._timer.stop()
        self._again = False
        raw = self.box.text() if text is None else text
        _qty, query = split_quantity(raw)
        if not query:
            return
        self._cancel()
        self._generation += 1
        generation = self._generation
        self._task = ops.run(
            self._search,
            query,
            MAX_HITS + 1,
            on_done=lambda hits: self._arrived(generation, query, hits),
            on_error=lambda exc: self._failed(generation, exc),
            owner=self,
        )

    def _arrived(self, generation: int, text: str, hits: Sequence[Any]) -> None:
        if generation == self._generation:
            self._task = None
            self.popup.show_hits(text, list(hits)[:MAX_HITS], len(hits) > MAX_HITS)
            self.searched.emit(text)
        self._follow_up()

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._task = None
            self.popup.show_hits(self.box.text(), [], False)
            self.popup.status.setText(ops.user_message(exc))
        self._follow_up()

    def _follow_up(self) -> None:
        if self._again:
            self.search_now()  # the latest text, now that nothing is on its way

    def shown_for(self, text: str) -> bool:
        """True when the hits on screen are for ``text`` (so Enter may pick from them)."""
        return self.popup.isVisible() and self.popup.text == split_quantity(text)[1]
