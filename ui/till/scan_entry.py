"""What the scan box, the hits, the quick keys and the suggestions put in the cart.

- Enter on a GTIN scans it at once (``cart.scan``: look-up and add in one transaction);
- Enter while the hits for the text are shown adds the highlighted hit;
- Enter on other text is resolved by the till (``till.resolve_text``: an in-store code, or
  a search with exactly one hit, is added); otherwise its hits are shown to choose from;
- a tap on a hit, a quick key or a suggestion adds that product; ``3*`` adds three.

Nothing is sent while the till has no sale open (``ready``); every answer is a cart view
for the till screen to show, or a failure for it to say.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from pos.ports.catalog import ProductHit
from pos.ports.sales import CartView
from ui.till.sale_page import SalePage
from ui.till.search_popup import MAX_HITS, looks_like_barcode, split_quantity
from ui.till.session import Resolved, TillSession


class ScanEntry(QObject):
    def __init__(
        self,
        session: TillSession,
        page: SalePage,
        *,
        ready: Callable[[], bool],
        show: Callable[[CartView], None],
        failed: Callable[[BaseException], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session, self.page = session, page
        self._ready, self._show, self._failed = ready, show, failed
        page.box.submitted.connect(self.submitted)
        page.popup.picked.connect(self.picked)
        page.popup.favourite.connect(self.favourite)
        page.quick_keys.chosen.connect(self.add_hit)
        page.suggestions.chosen.connect(self.add_product)

    def submitted(self, text: str) -> None:
        """Enter in the box, with ``text`` as typed."""
        page = self.page
        quantity, code = split_quantity(text)
        if not code or not self._ready():
            return
        hit = page.popup.current() if page.search.shown_for(text) else None
        if hit is not None or looks_like_barcode(code):
            page.box.clear()
            page.search.reset()
            if hit is not None:
                self.add_hit(hit, quantity)
            else:
                self.scan(code, quantity)
        else:
            page.search.reset()  # the answer below shows the hits, or adds the one
            self.session.enter_text(
                code,
                quantity,
                on_done=lambda result: self._resolved(text, code, result),
                on_error=self._failed,
            )

    def _resolved(self, typed: str, code: str, result: Resolved) -> None:
        page = self.page
        if isinstance(result, CartView):
            if page.box.text() == typed:
                page.box.clear()
            page.message.clear_message()
            self._show(result)
            return
        if page.box.text() == typed:
            page.popup.show_hits(code, result[:MAX_HITS], len(result) > MAX_HITS)
            if not result:
                page.message.show_error(f"No product matches “{code}”.")
                QApplication.beep()

    def scan(self, code: str, quantity: int = 1) -> None:
        """A barcode: added at once (``cart.scan``: look-up and add in one transaction)."""
        if self._ready():
            self.session.scan(code, quantity, on_done=self._added, on_error=self._failed)

    def add_hit(self, hit: ProductHit, quantity: int = 1) -> None:
        self.add_product(hit.id, quantity)

    def add_product(self, product_id: int, quantity: int = 1) -> None:
        """A product chosen by a tap or from the hits (``cart.add_product``)."""
        if not self._ready():
            return
        self.page.box.setFocus()
        self.session.add_product(product_id, quantity, on_done=self._added, on_error=self._failed)

    def _added(self, view: CartView) -> None:
        if self.page.message.property("role") == "error":
            self.page.message.clear_message()
        self._show(view)

    def picked(self, hit: ProductHit) -> None:
        """A hit tapped (or chosen with Enter in the list)."""
        quantity, _ = split_quantity(self.page.box.text())
        self.page.box.clear()
        self.page.search.reset()
        self.add_hit(hit, quantity)

    def favourite(self, hit: ProductHit) -> None:
        self.page.quick_keys.add_favourite(hit.id)
        self.page.message.show_notice(f"{hit.name} is now a quick key.")
