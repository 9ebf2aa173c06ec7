"""What the till asks of the database per cashier action (``ui.till.session``): a payment
records the sale and opens the next cart in one unit of work, and the till shows that
cart without asking for it again; its receipt is one read."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from PySide6.QtCore import Qt

from pos.services import cart as carts
from tests.ui.test_till_support import (
    WAIT,
    Store,
    _own_settings,
    cashier_till,
    dialog_of,
    press,
    scan,
    store,
    store_url,
    windows,
)
from ui import ops

__all__ = ["_own_settings", "store", "store_url", "windows"]


def _count_units_of_work(ctx: Any) -> Counter[str]:
    """Units of work ``ctx`` opens from now on, on the database worker."""
    opened: Counter[str] = Counter()
    write, read = ctx.uow, ctx.read

    def on_worker() -> bool:
        return threading.current_thread().name.startswith(ops.DB_THREAD_NAME)

    def counted_write() -> Any:
        opened["write"] += on_worker()
        return write()

    def counted_read() -> Any:
        opened["read"] += on_worker()
        return read()

    ctx.uow, ctx.read = counted_write, counted_read
    return opened


def test_a_payment_is_one_unit_of_work_and_the_next_cart_comes_with_it(
    qtbot: Any, windows: Any, store: Store
) -> None:
    window, till = cashier_till(qtbot, windows, store)
    ctx = window.backend.ctx
    scan(qtbot, till, store.barcodes["TEA"])
    sold = till.view
    assert sold is not None and sold.lines
    shown: list[Any] = []
    till.cart_shown.connect(shown.append)

    opened = _count_units_of_work(ctx)
    press(qtbot, till, Qt.Key.Key_F12)
    tender = dialog_of(qtbot, till, "tenderDialog")
    qtbot.keyClick(tender.cash_amount, Qt.Key.Key_Return)  # exact cash
    qtbot.waitUntil(lambda: tender.sale is not None and till.last_receipt is not None, timeout=WAIT)
    assert ops.wait_idle(10)

    # the sale and the next cart: one write; the receipt: one read; nothing else
    assert opened == Counter(write=1, read=1)
    assert till.view is not None and till.view.id != sold.id and not till.view.lines
    assert [v.id for v in shown] == [till.view.id]  # shown once, as it came with the sale
    assert till.view.id == carts.current_cart(ctx, till.actor, till.register.id).id
    qtbot.keyClick(tender.new_sale_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.tender is None, timeout=WAIT)


def test_a_reprint_is_one_read(qtbot: Any, windows: Any, store: Store) -> None:
    window, till = cashier_till(qtbot, windows, store)
    scan(qtbot, till, store.barcodes["MILK"])
    press(qtbot, till, Qt.Key.Key_F12)
    tender = dialog_of(qtbot, till, "tenderDialog")
    qtbot.keyClick(tender.cash_amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.last_receipt is not None, timeout=WAIT)
    qtbot.keyClick(tender.new_sale_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.tender is None, timeout=WAIT)
    assert ops.wait_idle(10)

    opened = _count_units_of_work(window.backend.ctx)
    press(qtbot, till, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: till.last_receipt is not None and till.last_receipt.copy, timeout=WAIT)
    assert ops.wait_idle(10)
    assert opened == Counter(read=1)
