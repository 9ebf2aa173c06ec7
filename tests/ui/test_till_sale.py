"""A cashier's sale through the real main window on a real database: sign in, open the
shift, scan three barcodes as a scanner types them, change a quantity, a discount that a
manager approves with a PIN, half cash half card; then the sale, the stock ledger, the
journal, the audit log and the receipt PDF are checked.

The GUI tests run on SQLite: the services they drive are tested on SQLite and PostgreSQL
in tests/integration, and this file adds nothing database-specific except the first
test, which also runs on PostgreSQL when it is configured.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from pos.domain.gtin import make
from pos.ports.sales import SaleView
from pos.services import checkout, inventory, journal
from reports.receipt import render_receipt_pdf
from tests.ui.test_till_support import (
    CASHIER,
    MANAGER,
    OWNER,
    WAIT,
    Store,
    _own_settings,
    cashier_till,
    click,
    dialog_of,
    money_text,
    open_till,
    pdf_text,
    scan,
    seed_store,
    sign_in,
    store,
    store_url,
    type_into,
    type_pin,
    windows,
)
from ui import ops
from ui.till.till_screen import TillScreen

__all__ = ["_own_settings", "store", "store_url", "windows"]  # fixtures used by name


def _lines(till: TillScreen) -> list[tuple[str, int]]:
    return [(ln.name, ln.quantity) for ln in till.model.lines]


def _select(qtbot: Any, till: TillScreen, name: str) -> None:
    """Move the cart selection with ↑/↓ from the scan box (the box keeps the focus)."""
    names = [ln.name for ln in till.model.lines]
    current = till.selected_line()
    assert current is not None
    steps = names.index(name) - names.index(current.name)
    key = Qt.Key.Key_Down if steps > 0 else Qt.Key.Key_Up
    for _ in range(abs(steps)):
        qtbot.keyClick(till.box, key)
    line = till.selected_line()
    assert line is not None and line.name == name


@pytest.fixture
def any_store(db_url: str) -> Store:
    return seed_store(db_url)


def test_a_cashier_sells_with_a_manager_discount_and_split_tender(
    qtbot: Any, windows: Any, any_store: Store
) -> None:
    store = any_store
    window = windows(store.url)
    sign_in(qtbot, window, CASHIER[0], CASHIER[1])
    assert window.pages.currentWidget() is window.till  # a cashier starts on the till
    till = window.till
    assert till is not None
    qtbot.waitUntil(lambda: till.loaded, timeout=WAIT)
    assert till.pages.currentWidget().objectName() == "openShiftPanel"  # no shift yet
    till = open_till(qtbot, window, "100.00")
    assert till.box.hasFocus()

    for sku in ("TEA", "MILK", "BREAD"):
        scan(qtbot, till, store.barcodes[sku])
    assert _lines(till) == [
        ("Breakfast tea 80 bags", 1),
        ("Whole milk 1 l", 1),
        ("Sourdough loaf", 1),
    ]
    assert till.box.text() == "" and not till.popup.isVisible()

    # + on the milk line (the box is empty, so + is a cart key)
    _select(qtbot, till, "Whole milk 1 l")
    qtbot.keyClick(till.box, Qt.Key.Key_Plus)
    qtbot.waitUntil(lambda: ("Whole milk 1 l", 2) in _lines(till), timeout=WAIT)

    # 50 % off the bread: over the cashier's 10 %, so the manager types a PIN in place
    _select(qtbot, till, "Sourdough loaf")
    qtbot.keyClick(till.box, Qt.Key.Key_F5)
    discount = dialog_of(qtbot, till, "lineDiscountDialog")
    type_into(qtbot, discount, "valueInput", "50")
    qtbot.keyClick(discount.field, Qt.Key.Key_Return)
    pad = dialog_of(qtbot, till, "pinPad")
    assert "needs a manager's approval" in pad.findChild(QLabel, "dialogSubtitle").text()
    type_pin(qtbot, pad, MANAGER[0], MANAGER[2])
    qtbot.waitUntil(lambda: till.view is not None and till.view.discount_minor == 160, timeout=WAIT)
    bread = next(ln for ln in till.model.lines if ln.name == "Sourdough loaf")
    assert (bread.discount_label, bread.total_minor) == ("-50%", 160)
    assert till.view is not None and till.view.total_minor == 349 + 230 + 160 == 739
    assert till.totals.total.text() == "£7.39"

    # Pay: half by card, the rest in cash with a £5 note
    qtbot.keyClick(till.box, Qt.Key.Key_F12)
    tender = dialog_of(qtbot, till, "tenderDialog")
    assert tender.due_label.text() == "£7.39"
    type_into(qtbot, tender, "tenderCardAmount", "3.69")
    click(qtbot, tender, "tenderCardButton")
    qtbot.waitUntil(lambda: tender.view.paid_minor == 369, timeout=WAIT)
    assert tender.due_label.text() == "£3.70"
    assert "Card approved" in tender.message.text()
    assert till.totals.findChild(QLabel, "tillPaid") is not None  # the till knows
    five = next(b for b in tender.findChildren(type(tender.cash_button)) if b.text() == "£5.00")
    qtbot.mouseClick(five, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(five, Qt.MouseButton.LeftButton)  # a second click changes nothing
    qtbot.waitUntil(lambda: tender.sale is not None, timeout=WAIT)
    assert tender.change_label.text() == "£1.30"
    assert tender.calls == ["card 369", "cash 500"]
    qtbot.waitUntil(lambda: till.last_receipt is not None, timeout=WAIT)
    qtbot.waitUntil(lambda: "No receipt printer" in tender.receipt_label.text(), timeout=WAIT)
    qtbot.keyClick(tender.new_sale_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not tender.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: till.view is not None and not till.view.lines, timeout=WAIT)
    assert ops.wait_idle(10)

    # What the database holds
    ctx = window.backend.ctx
    assert till.register is not None
    sale = checkout.last_sale(ctx, till.register.id)
    assert isinstance(sale, SaleView) and till.last_sale is not None
    assert sale.id == till.last_sale.id
    assert (sale.kind, sale.total_minor, sale.discount_minor, sale.cashier) == (
        "sale",
        739,
        160,
        CASHIER[0],
    )
    assert [(ln.sku, ln.quantity, ln.total_minor) for ln in sale.lines] == [
        ("TEA", 1, 349),
        ("MILK", 2, 230),
        ("BREAD", 1, 160),
    ]
    assert sorted((p.method, p.amount_minor) for p in sale.payments) == [
        ("card", 369),
        ("cash", 500),
        ("change", -130),
    ]
    for sku, sold, stock in (("TEA", 1, 50), ("MILK", 2, 40), ("BREAD", 1, 7)):
        level = inventory.stock_level(ctx, store.ids[sku])
        assert level.on_hand == stock - sold
        move = level.moves[0]
        assert (move.delta, move.reason, move.order_id) == (-sold, "sale", sale.id)
    assert inventory.verify_ledger(ctx) == []
    [chain] = journal.verify_journal(ctx, "TILL-1")
    assert chain.ok and chain.rows == 1 and chain.last_hash == sale.journal_hash

    # The override is recorded with the manager as approver
    from pos.services import audit, staff

    owner = staff.login(ctx, OWNER[0], OWNER[1])
    [override] = audit.recent_audit(ctx, owner, 10, "discount_override")
    assert (override.user, override.approver) == (CASHIER[0], MANAGER[0])

    # The receipt the till printed, as a PDF
    assert till.last_receipt is not None
    text = pdf_text(render_receipt_pdf(till.last_receipt))
    for expected in (
        "Harbour Street Grocer",
        "TILL-1-000001",
        "Breakfast tea 80 bags",
        "Whole milk 1 l",
        "Sourdough loaf",
        "7.39",
        "3.69",
        "1.30",
    ):
        assert expected in text, expected
    assert money_text(sale.total_minor) == "£7.39"


def test_the_box_searches_as_you_type_and_enter_adds_the_highlighted_hit(
    qtbot: Any, windows: Any, store: Store
) -> None:
    _window, till = cashier_till(qtbot, windows, store)
    qtbot.keyClicks(till.box, "co")  # a person typing: the search runs after a pause
    with qtbot.waitSignal(till.search.searched, timeout=WAIT):
        pass
    assert till.popup.isVisible()
    assert [h.sku for h in till.popup.model.hits] == ["COFFEE"]
    qtbot.keyClicks(till.box, "ffee")
    qtbot.waitUntil(lambda: till.popup.text == "coffee", timeout=WAIT)
    qtbot.keyClick(till.box, Qt.Key.Key_Down)
    qtbot.keyClick(till.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _lines(till) == [("Ground coffee 227 g", 1)], timeout=WAIT)
    assert not till.popup.isVisible() and till.box.text() == ""

    # "2*h": the hits for "h"; Enter adds two of the highlighted one
    qtbot.keyClicks(till.box, "2*h")
    qtbot.waitUntil(lambda: till.popup.isVisible() and till.popup.text == "h", timeout=WAIT)
    hits = till.popup.model.hits
    assert hits and all("h" in (h.name + h.sku).lower() for h in hits)
    qtbot.keyClick(till.box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(till.model.lines) == 2, timeout=WAIT)
    assert till.model.lines[-1].quantity == 2

    # Esc closes the hits, then clears the box; Enter on an unknown barcode beeps, adds nothing
    qtbot.keyClicks(till.box, "honey")
    qtbot.waitUntil(lambda: till.popup.isVisible(), timeout=WAIT)
    qtbot.keyClick(till.box, Qt.Key.Key_Escape)
    assert not till.popup.isVisible() and till.box.text() == "honey"
    qtbot.keyClick(till.box, Qt.Key.Key_Escape)
    assert till.box.text() == ""
    unknown = make("500000000000")
    scan(qtbot, till, unknown)
    assert till.message.text() == f"No product has the barcode {unknown}."
    assert len(till.model.lines) == 2
