"""Payment edges at the till: a declined card then cash, a sale that cannot be recorded
twice, and a receipt printer that fails (the sale stays recorded; reprint works)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from pos.services import checkout, settings, staff
from pos.services.audit import recent_audit
from tests.ui.test_till_support import (
    OWNER,
    WAIT,
    Store,
    _own_settings,
    cashier_till,
    click,
    dialog_of,
    scan,
    store,
    store_url,
    type_into,
    windows,
)
from ui import ops

__all__ = ["_own_settings", "store", "store_url", "windows"]


def _pay_dialog(qtbot: Any, till: Any) -> Any:
    qtbot.keyClick(till.box, Qt.Key.Key_F12)
    return dialog_of(qtbot, till, "tenderDialog")


def test_a_declined_card_then_cash(qtbot: Any, windows: Any, store: Store) -> None:
    window, till = cashier_till(qtbot, windows, store)
    scan(qtbot, till, store.barcodes["JAM"])  # £4.51: the simulated terminal declines .51
    tender = _pay_dialog(qtbot, till)
    click(qtbot, tender, "tenderCardButton")
    qtbot.waitUntil(lambda: tender.message.property("role") == "error", timeout=WAIT)
    assert tender.message.text() == (
        "The card was declined: insufficient funds. Try the card again, or take another payment."
    )
    assert tender.view.paid_minor == 0 and tender.sale is None
    assert tender.findChild(type(tender.cash_button), "tenderCardButton").isEnabled()  # retry

    # Retrying declines again; then the customer pays cash with a £10 note
    click(qtbot, tender, "tenderCardButton")
    qtbot.waitUntil(lambda: tender.calls == ["card 451", "card 451"] and not tender.busy)
    type_into(qtbot, tender, "tenderCashAmount", "10")
    qtbot.keyClick(tender.cash_amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tender.sale is not None, timeout=WAIT)
    assert tender.change_label.text() == "£5.49"
    sale = tender.sale
    assert [(p.method, p.amount_minor) for p in sale.payments] == [
        ("cash", 1000),
        ("change", -549),
    ]
    assert ops.wait_idle(10)
    owner = staff.login(window.backend.ctx, OWNER[0], OWNER[1])
    declined = recent_audit(window.backend.ctx, owner, 10, "card_declined")
    assert len(declined) == 2 and declined[0].detail["reason"] == "insufficient funds"


def test_the_sale_is_recorded_once_whatever_is_clicked_twice(
    qtbot: Any, windows: Any, store: Store
) -> None:
    window, till = cashier_till(qtbot, windows, store)
    scan(qtbot, till, store.barcodes["TEA"])
    tender = _pay_dialog(qtbot, till)
    exact = tender.findChild(type(tender.cash_button), "tenderQuick0")
    qtbot.mouseClick(exact, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(exact, Qt.MouseButton.LeftButton)
    qtbot.keyClick(tender, Qt.Key.Key_F2)
    tender.take_cash(349)  # even a direct second call while the first runs
    qtbot.waitUntil(lambda: tender.sale is not None, timeout=WAIT)
    assert tender.calls == ["cash 349"]
    # The service is idempotent as well: completing the done cart returns the same sale
    again = checkout.complete_sale(window.backend.ctx, till.actor, tender.view.id, 349)
    assert again.id == tender.sale.id and again.receipt_no == 1
    qtbot.keyClick(tender.new_sale_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.tender is None, timeout=WAIT)
    assert ops.wait_idle(10)
    assert checkout.last_sale(window.backend.ctx, till.register.id).receipt_no == 1
    # the receipt's word comes back from the printing pool: let it land first
    qtbot.waitUntil(lambda: "recorded" in till.message.text(), timeout=WAIT)
    # F12 on the new, empty sale says so and opens nothing
    qtbot.keyClick(till.box, Qt.Key.Key_F12)
    assert till.tender is None and till.message.text() == "The sale is empty: scan something first."


def test_a_failed_receipt_keeps_the_sale_and_reprint_works(
    qtbot: Any, windows: Any, store: Store, tmp_path: Path
) -> None:
    window, till = cashier_till(qtbot, windows, store)
    ctx = window.backend.ctx
    owner = staff.login(ctx, OWNER[0], OWNER[1])
    settings.update_settings(
        ctx, owner, printer_kind="escpos-network", printer_target="127.0.0.1:9"
    )
    scan(qtbot, till, store.barcodes["MILK"])
    tender = _pay_dialog(qtbot, till)
    click(qtbot, tender, "tenderQuick0")
    qtbot.waitUntil(lambda: tender.sale is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: not till.receipt_ok, timeout=WAIT)
    said = "The receipt did not print: The receipt printer at 127.0.0.1:9 did not answer."
    assert tender.receipt_label.text().startswith(said)
    assert till.message.text().startswith(said)
    assert "Ctrl+P" in till.message.text()
    sale = checkout.last_sale(ctx, till.register.id)
    assert sale is not None and sale.id == tender.sale.id  # recorded all the same
    qtbot.keyClick(tender.new_sale_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.tender is None, timeout=WAIT)

    # The printer is fixed (here: a device file); Ctrl+P prints a copy of the last receipt
    device = tmp_path / "printer.bin"
    device.write_bytes(b"")
    settings.update_settings(ctx, owner, printer_kind="escpos-file", printer_target=str(device))
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)  # back from the payment dialog
    qtbot.keyClick(till.box, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: till.receipt_ok, timeout=WAIT)
    assert till.message.text() == "Receipt printed."
    printed = device.read_bytes()
    assert b"TILL-1-000001" in printed and b"Whole milk 1 l" in printed
    assert till.last_receipt is not None and till.last_receipt.copy


def test_a_scan_right_after_payment_starts_the_next_sale(
    qtbot: Any, windows: Any, store: Store
) -> None:
    """The payment and the next scan are queued back to back, before the GUI has seen
    either answer: the scan lands on the next sale, never on the one just sold."""
    window, till = cashier_till(qtbot, windows, store)
    scan(qtbot, till, store.barcodes["TEA"])
    tender = _pay_dialog(qtbot, till)
    sold_cart = tender.view.id
    tender.take_exact_cash()
    till.scan(store.barcodes["HONEY"])  # no events processed in between
    assert ops.wait_idle(10)
    assert tender.sale is not None
    assert [ln.sku for ln in tender.sale.lines] == ["TEA"]
    assert till.view is not None and till.view.id != sold_cart
    assert [ln.sku for ln in till.view.lines] == ["HONEY"]
    assert till.message.property("role") != "error"
    tender.accept()
    assert window.actor is not None
