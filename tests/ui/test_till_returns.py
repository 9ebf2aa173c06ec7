"""Returns at the till: scan the receipt, choose lines and quantities, refund to the card
or in cash, restock or not; every refund here needs a manager (the default threshold)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from pos.services import checkout, inventory, journal
from tests.ui.test_till_support import (
    MANAGER,
    WAIT,
    Store,
    _own_settings,
    cashier_till,
    click,
    dialog_of,
    press,
    scan,
    store,
    store_url,
    type_pin,
    windows,
)
from ui import ops

__all__ = ["_own_settings", "store", "store_url", "windows"]


def _sell_by_card(qtbot: Any, till: Any, codes: list[str]) -> Any:
    for code in codes:
        scan(qtbot, till, code)
    press(qtbot, till, Qt.Key.Key_F12)
    tender = dialog_of(qtbot, till, "tenderDialog")
    click(qtbot, tender, "tenderCardButton")
    qtbot.waitUntil(lambda: tender.sale is not None, timeout=WAIT)
    sale = tender.sale
    qtbot.keyClick(tender.new_sale_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.tender is None, timeout=WAIT)
    qtbot.waitUntil(till.window().isActiveWindow, timeout=WAIT)
    assert ops.wait_idle(10)
    return sale


def _returns_dialog(qtbot: Any, till: Any, receipt: str) -> Any:
    press(qtbot, till, Qt.Key.Key_F10)
    dialog = dialog_of(qtbot, till, "returnsDialog")
    qtbot.keyClicks(dialog.receipt, receipt)  # the receipt's Code 128, from the scanner
    qtbot.keyClick(dialog.receipt, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.sale is not None, timeout=WAIT)
    return dialog


def test_a_return_to_the_card_with_restock_needs_the_manager(
    qtbot: Any, windows: Any, store: Store
) -> None:
    window, till = cashier_till(qtbot, windows, store)
    ctx = window.backend.ctx
    sale = _sell_by_card(qtbot, till, [store.barcodes["TEA"], store.barcodes["COFFEE"]] * 2)
    assert [(ln.sku, ln.quantity) for ln in sale.lines] == [("TEA", 2), ("COFFEE", 2)]
    coffee_before = inventory.stock_level(ctx, store.ids["COFFEE"]).on_hand

    dialog = _returns_dialog(qtbot, till, "till-1-000001")  # any case
    assert dialog.found_label.text().startswith("TILL-1-000001 · ")
    assert dialog.table.rowCount() == 2
    dialog.set_return(1, 1)  # one of the two coffees, back on the shelf
    assert dialog.total_label.text() == "Refund £4.75"
    assert dialog.to_original.isChecked()
    click(qtbot, dialog, "returnsRefund")
    pad = dialog_of(qtbot, dialog, "pinPad")
    type_pin(qtbot, pad, MANAGER[0], MANAGER[2])
    qtbot.waitUntil(lambda: dialog.refund is not None, timeout=WAIT)
    refund = dialog.refund
    assert dialog.done_amount.text() == "£4.75"
    assert (refund.kind, refund.total_minor, refund.original_id) == ("refund", -475, sale.id)
    assert [(p.method, p.amount_minor) for p in refund.payments] == [("card", -475)]
    qtbot.keyClick(dialog.done_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Refund TILL-1-000002 recorded" in till.message.text(), timeout=WAIT)
    assert ops.wait_idle(10)

    level = inventory.stock_level(ctx, store.ids["COFFEE"])
    assert level.on_hand == coffee_before + 1
    assert (level.moves[0].delta, level.moves[0].reason) == (1, "return")
    again = checkout.find_sale(ctx, "TILL-1-000001")
    assert [ln.refunded_quantity for ln in again.lines] == [0, 1]
    [chain] = journal.verify_journal(ctx, "TILL-1")
    assert chain.ok and chain.rows == 2
    assert till.last_receipt is not None and till.last_receipt.title == "REFUND"


def test_a_cash_return_without_restock_and_a_refused_approval(
    qtbot: Any, windows: Any, store: Store
) -> None:
    window, till = cashier_till(qtbot, windows, store)
    ctx = window.backend.ctx
    sale = _sell_by_card(qtbot, till, [store.barcodes["HONEY"]])
    honey_before = inventory.stock_level(ctx, store.ids["HONEY"]).on_hand

    dialog = _returns_dialog(qtbot, till, f"TILL-1-{sale.receipt_no:06d}")
    dialog.set_return(0, 1, restock=False)  # opened and spilt: it does not go back
    dialog.to_cash.setChecked(True)
    dialog.reason.setText("jar broken")
    click(qtbot, dialog, "returnsRefund")
    pad = dialog_of(qtbot, dialog, "pinPad")
    qtbot.mouseClick(
        pad.findChild(type(dialog.refund_button), "pinCancel"), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT)
    assert dialog.message.text() == "A refund needs a manager's approval."
    assert dialog.refund is None and dialog.refund_button.isEnabled()

    click(qtbot, dialog, "returnsRefund")
    pad = dialog_of(qtbot, dialog, "pinPad")
    type_pin(qtbot, pad, MANAGER[0], MANAGER[2])
    qtbot.waitUntil(lambda: dialog.refund is not None, timeout=WAIT)
    assert [(p.method, p.amount_minor) for p in dialog.refund.payments] == [("cash", -399)]
    assert dialog.refund.note == "jar broken"
    assert inventory.stock_level(ctx, store.ids["HONEY"]).on_hand == honey_before
    dialog.accept()

    # Nothing is left to refund on that receipt now
    dialog = _returns_dialog(qtbot, till, f"TILL-1-{sale.receipt_no:06d}")
    assert dialog.message.text() == "Everything on this receipt has already been refunded."
    assert not dialog.quantity_box(0).isEnabled() and not dialog.refund_button.isEnabled()
    dialog.reject()
    assert ops.wait_idle(10)


def test_an_unknown_receipt_is_one_sentence(qtbot: Any, windows: Any, store: Store) -> None:
    _window, till = cashier_till(qtbot, windows, store)
    qtbot.keyClick(till.box, Qt.Key.Key_F10)
    dialog = dialog_of(qtbot, till, "returnsDialog")
    qtbot.keyClicks(dialog.receipt, "TILL-1-000099")
    qtbot.keyClick(dialog.receipt, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT)
    assert dialog.message.text() == "No receipt TILL-1-000099 exists."
    dialog.reject()
