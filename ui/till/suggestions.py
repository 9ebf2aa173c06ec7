""" "Goes well with": a strip of suggestions under the cart, from ``pos.services.recommend``.

- Asked for a moment after the cart last changed (:data:`DELAY_MS`), so a burst of scans
  makes one request, and an answer for an older cart is dropped.
- Read on the network pool (``ops.run_network``), not the database worker: a suggestion
  is a read-only query, and it must never queue in front of a scan. SQLite's WAL and
  PostgreSQL both let it read while the worker writes.
- A tap adds the product like a quick key. The strip hides itself when there is nothing
  to suggest (an empty cart, or no sales to learn from yet).
- :func:`refresh_counts` keeps the co-occurrence counts fresh in the background (the main
  window calls it on a timer); the service refreshes at most once a minute and only when
  sales came in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QSizePolicy, QWidget

from pos.domain.money import Currency
from pos.services import recommend
from pos.services.context import ServiceContext
from ui import ops
from ui.forms import label, literal
from ui.till.quick_keys import two_lines

log = logging.getLogger(__name__)
DELAY_MS = 400
LIMIT = 4


class SuggestionKey(QPushButton):
    chosen = Signal(int)  # the product id

    def __init__(self, rec: Any, money: Currency, parent: QWidget | None = None) -> None:
        price = money.format(money.from_minor(rec.price_minor))
        text = literal(f"{two_lines(rec.name, 22)}  ·  {price}")
        super().__init__(text.replace("\n", " ", 1) if len(rec.name) < 24 else text, parent)
        self.product_id = rec.product_id
        self.setObjectName(f"suggestion{rec.product_id}")
        self.setProperty("role", "suggestion")
        self.setToolTip(f"{rec.name} ({rec.sku}) · {price} · {rec.reason}")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.clicked.connect(self._emit)

    def _emit(self) -> None:
        self.chosen.emit(self.product_id)


class SuggestionStrip(QFrame):
    chosen = Signal(int)  # a product id to add to the cart

    def __init__(self, ctx: ServiceContext, money: Currency, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("suggestions")
        self.ctx, self.money = ctx, money
        self._generation = 0
        self._wanted: tuple[int, ...] = ()
        self.items: list[Any] = []
        self._keys: list[SuggestionKey] = []
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(10, 6, 10, 6)
        self.row.setSpacing(8)
        self.row.addWidget(label("Goes well with", "muted", "suggestionsTitle"))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self._ask)
        self.hide()

    def cart_changed(self, product_ids: Sequence[int]) -> None:
        """The cart now holds ``product_ids``: suggest for it in a moment."""
        wanted = tuple(dict.fromkeys(product_ids))
        if wanted == self._wanted and (self.items or self._timer.isActive()):
            return
        self._wanted = wanted
        self._generation += 1
        if not wanted:
            self._timer.stop()
            self.show_items([])
            return
        self._timer.start()

    def _ask(self) -> None:
        generation, wanted = self._generation, self._wanted
        ops.run_network(
            recommend.recommend,
            self.ctx,
            list(wanted),
            LIMIT,
            on_done=lambda recs: self._arrived(generation, recs),
            on_error=self._failed,
            owner=self,
        )

    def _arrived(self, generation: int, recs: list[Any]) -> None:
        if generation == self._generation:
            self.show_items(recs)

    def _failed(self, exc: BaseException) -> None:
        log.warning("suggestions failed: %r", exc)  # a suggestion is never worth a dialog
        self.show_items([])

    def show_items(self, recs: Sequence[Any]) -> None:
        for key in self._keys:
            self.row.removeWidget(key)
            key.hide()
            key.deleteLater()
        self._keys = []
        self.items = list(recs)
        for rec in recs:
            key = SuggestionKey(rec, self.money)
            key.chosen.connect(self.chosen)
            self.row.addWidget(key, 1)
            self._keys.append(key)
        self.setVisible(bool(recs))


def refresh_counts(refresher: Any) -> object:
    """Runs on the network pool: fold new sales into the counts if it is time."""
    return refresher.refresh_if_stale()


def attach_refresher(ctx: ServiceContext) -> Any:
    return recommend.attach_recommendation_refresher(ctx)
