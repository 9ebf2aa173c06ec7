"""More of the till: the low-stock notice for managers, customers, a price override, the
quick keys and the line keys, and first-start setup with the demo store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTableWidget, QToolButton

from pos.services import audit, catalog, checkout, settings, staff
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
    open_till,
    press,
    scan,
    sign_in,
    store,
    store_url,
    type_into,
    type_pin,
    windows,
)
from ui import ops

__all__ = ["_own_settings", "store", "store_url", "windows"]


def _pay_exact(qtbot: Any, till: Any) -> Any:
    press(qtbot, till, Qt.Key.Key_F12)
    tender = dialog_of(qtbot, till, "tenderDialog")
    qtbot.keyClick(tender.cash_amount, Qt.Key.Key_Return)  # empty: exact cash
    qtbot.waitUntil(lambda: tender.sale is not None or tender.message.isVisible(), timeout=WAIT)
    assert tender.sale is not None, tender.message.text()
    sale = tender.sale
    qtbot.keyClick(tender.new_sale_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.tender is None, timeout=WAIT)
    return sale


def test_a_manager_sees_a_low_stock_notice_and_a_cashier_does_not(
    qtbot: Any, windows: Any, store: Store
) -> None:
    from pos.ports.events import LowStock

    # A cashier takes the bread from 7 to 5, its threshold: the event is published, but a
    # cashier is not shown a notice
    window, till = cashier_till(qtbot, windows, store)
    events: list[LowStock] = []
    unsubscribe = window.backend.ctx.bus.subscribe(LowStock, events.append)
    scan(qtbot, till, store.barcodes["BREAD"])
    qtbot.keyClick(till.box, Qt.Key.Key_Plus)
    qtbot.waitUntil(lambda: bool(till.model.lines) and till.model.lines[0].quantity == 2)
    _pay_exact(qtbot, till)
    assert ops.wait_idle(10)
    qtbot.wait(50)
    assert [(e.sku, e.on_hand) for e in events] == [("BREAD", 5)]
    assert not window.low_stock.isVisible()
    unsubscribe()
    window.close()

    # A manager on the till (the back office first: a manager's home) takes the coffee
    # under its threshold: the notice appears, and nothing waits for it
    ctx = window.backend.ctx
    owner = staff.login(ctx, OWNER[0], OWNER[1])
    catalog.update_product(ctx, owner, store.ids["COFFEE"], low_stock_threshold=29)
    manager_window = windows(store.url)
    sign_in(qtbot, manager_window, MANAGER[0], MANAGER[1])
    assert manager_window.pages.currentWidget() is manager_window.back_office
    assert manager_window.back_office.current_key() == "dashboard"  # its landing page
    manager_till = open_till(qtbot, manager_window)
    assert manager_window.till_action.isChecked()
    scan(qtbot, manager_till, store.barcodes["COFFEE"])
    _pay_exact(qtbot, manager_till)
    notice = manager_window.low_stock
    qtbot.waitUntil(notice.isVisible, timeout=WAIT)
    assert notice.body.text() == "Ground coffee 227 g (COFFEE): 29 left, reorder at 29"
    assert not notice.isModal() and manager_till.box.isEnabled()
    scan(qtbot, manager_till, store.barcodes["TEA"])  # the till goes on meanwhile
    close = notice.findChild(QToolButton, "lowStockClose")
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    assert not notice.isVisible()


def test_attach_a_new_customer_to_the_sale(qtbot: Any, windows: Any, store: Store) -> None:
    window, till = cashier_till(qtbot, windows, store)
    scan(qtbot, till, store.barcodes["TEA"])
    press(qtbot, till, Qt.Key.Key_F4)
    dialog = dialog_of(qtbot, till, "customerDialog")
    qtbot.keyClicks(dialog.search, "07700 900")
    qtbot.waitUntil(lambda: "No customer matches" in dialog.status.text(), timeout=WAIT)
    click(qtbot, dialog, "customerNew")
    assert dialog.phone.text() == "07700 900"
    type_into(qtbot, dialog, "newCustomerFirst", "Amelia")
    type_into(qtbot, dialog, "newCustomerLast", "Stone")
    type_into(qtbot, dialog, "newCustomerPhone", "07700 900123")
    click(qtbot, dialog, "newCustomerCreate")
    qtbot.waitUntil(lambda: bool(till.view and till.view.customer_name), timeout=WAIT)
    assert till.customer_button.text() == "Amelia Stone  F4"
    sale = _pay_exact(qtbot, till)
    assert sale.customer_name == "Amelia Stone"

    # The next sale: found by a prefix of the phone number, attached with Enter
    scan(qtbot, till, store.barcodes["MILK"])
    press(qtbot, till, Qt.Key.Key_F4)
    dialog = dialog_of(qtbot, till, "customerDialog")
    qtbot.keyClicks(dialog.search, "0770")
    qtbot.waitUntil(lambda: dialog.results.count() == 1, timeout=WAIT)
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(till.view and till.view.customer_name), timeout=WAIT)
    assert ops.wait_idle(10)
    assert window.actor is not None


def test_a_price_override_asks_the_manager_first(qtbot: Any, windows: Any, store: Store) -> None:
    window, till = cashier_till(qtbot, windows, store)
    scan(qtbot, till, store.barcodes["COFFEE"])
    press(qtbot, till, Qt.Key.Key_F7)
    price = dialog_of(qtbot, till, "priceDialog")
    type_into(qtbot, price, "valueInput", "3.50")
    qtbot.keyClick(price.field, Qt.Key.Key_Return)
    pad = dialog_of(qtbot, till, "pinPad")  # a cashier never may: the pad comes first
    type_pin(qtbot, pad, CASHIER[0], CASHIER[2])  # the cashier cannot approve their own
    qtbot.waitUntil(lambda: "Someone else must approve" in pad.message.text(), timeout=WAIT)
    type_pin(qtbot, pad, MANAGER[0], MANAGER[2])
    qtbot.waitUntil(
        lambda: bool(till.model.lines) and till.model.lines[0].unit_price_minor == 350,
        timeout=WAIT,
    )
    assert till.model.data(till.model.index(0, 2)) == "£3.50 *"  # marked as changed
    assert ops.wait_idle(10)
    owner = staff.login(window.backend.ctx, OWNER[0], OWNER[1])
    [override] = audit.recent_audit(window.backend.ctx, owner, 5, "price_override")
    assert (override.user, override.approver) == (CASHIER[0], MANAGER[0])
    assert (override.detail["old_price"], override.detail["new_price"]) == (475, 350)


def test_quick_keys_and_line_keys(qtbot: Any, windows: Any, store: Store) -> None:
    window, till = cashier_till(qtbot, windows, store)
    keys = till.quick_keys
    qtbot.waitUntil(lambda: len(keys.hits) == len(store.ids), timeout=WAIT)  # in stock, A-Z
    honey = keys.findChild(type(till.pay_button), f"quickKey{store.ids['HONEY']}")
    assert honey is not None and honey.text().startswith("Clear honey")
    qtbot.mouseClick(honey, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(honey, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: [(ln.sku, ln.quantity) for ln in till.model.lines] == [("HONEY", 2)],
        timeout=WAIT,
    )
    assert till.box.hasFocus() or window.focusWidget() is till.box  # a tap never takes it

    # A favourite: only that product on the Favourites tab (kept for this till)
    keys.add_favourite(store.ids["JAM"])
    qtbot.waitUntil(lambda: [h.sku for h in keys.hits] == ["JAM"], timeout=WAIT)
    # The category tab lists the category's products
    qtbot.waitUntil(lambda: keys.tabs.count() == 2, timeout=WAIT)
    keys.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: len(keys.hits) == len(store.ids), timeout=WAIT)

    # "-" at 1 is refused (Del removes); "3*" scans three; F3 sets a quantity; Del removes
    scan(qtbot, till, f"3*{store.barcodes['MILK']}")
    assert till.model.lines[-1].quantity == 3
    press(qtbot, till, Qt.Key.Key_F3)
    qty = dialog_of(qtbot, till, "valueDialog")
    type_into(qtbot, qty, "valueInput", "12")
    qtbot.keyClick(qty.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.model.lines[-1].quantity == 12, timeout=WAIT)
    press(qtbot, till, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: len(till.model.lines) == 1, timeout=WAIT)
    qtbot.keyClick(till.box, Qt.Key.Key_Minus)
    qtbot.keyClick(till.box, Qt.Key.Key_Minus)
    qtbot.waitUntil(lambda: till.model.lines[0].quantity == 1, timeout=WAIT)
    qtbot.keyClick(till.box, Qt.Key.Key_Minus)
    assert till.message.text() == "The quantity is 1 already; Del removes the line."

    # With text in the box, "-" is typed (SKUs and names have them)
    qtbot.keyClicks(till.box, "a-b")
    assert till.box.text() == "a-b"
    qtbot.keyClick(till.box, Qt.Key.Key_Escape)
    qtbot.keyClick(till.box, Qt.Key.Key_Escape)
    assert till.box.text() == ""

    press(qtbot, till, Qt.Key.Key_F1)
    help_dialog = dialog_of(qtbot, till, "keyHelpDialog")
    assert "F12" in [w.text() for w in help_dialog.findChildren(QLabel)]
    help_dialog.reject()
    assert ops.wait_idle(10)


def test_first_start_with_the_demo_store(
    qtbot: Any, windows: Any, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import setup
    from ui.setup import SetupDialog

    monkeypatch.setattr(setup, "DEMO_PRODUCTS", 24)
    monkeypatch.setattr(setup, "DEMO_DAYS", 1)
    window = windows(store_url)
    qtbot.waitUntil(lambda: isinstance(window.dialog, SetupDialog), timeout=WAIT)
    dialog = window.dialog
    type_into(qtbot, dialog, "setupStoreName", "Corner Shop")
    dialog.address.setPlainText("1 High Street\nAnytown")
    type_into(qtbot, dialog, "setupUsername", "olivia")
    type_into(qtbot, dialog, "setupPassword", OWNER[1])
    type_into(qtbot, dialog, "setupPasswordAgain", OWNER[1])
    dialog.demo.setChecked(True)
    click(qtbot, dialog, "setupButton")
    qtbot.waitUntil(
        lambda: dialog.pages.currentIndex() == 2 or dialog.skip_demo.isVisible(), timeout=60_000
    )
    assert not dialog.skip_demo.isVisible(), dialog.demo_message.text()
    accounts = dialog.findChild(QTableWidget, "setupDemoAccounts")
    rows = [[accounts.item(r, c).text() for c in range(4)] for r in range(accounts.rowCount())]
    assert [r[1] for r in rows] == ["manager", "cashier", "cashier"]
    assert all(len(r[2]) >= 8 and r[3].isdigit() for r in rows)
    assert window.actor is None  # not yet: the passwords are on screen
    click(qtbot, dialog, "setupDemoDone")
    qtbot.waitUntil(lambda: window.actor is not None, timeout=WAIT)
    ctx = window.backend.ctx
    assert len(catalog.search_products(ctx, catalog.SearchQuery(limit=100))) == 24
    s = settings.get_settings(ctx)
    assert (s.store_name, s.store_address) == ("Corner Shop", "1 High Street\nAnytown")

    # A demo cashier signs in with the password shown, and sells
    window.sign_out_action.trigger()
    cashier = next(r for r in rows if r[1] == "cashier")
    sign_in(qtbot, window, cashier[0], cashier[2])
    till = open_till(qtbot, window)
    hit = catalog.search_products(ctx, catalog.SearchQuery(limit=1, in_stock=True))[0]
    scan(qtbot, till, hit.barcode)
    assert till.model.lines[0].product_id == hit.id
    _pay_exact(qtbot, till)
    assert ops.wait_idle(10)
    assert checkout.last_sale(ctx, till.register.id) is not None
    assert Path(store_url.removeprefix("sqlite:///")).exists()


def test_goes_well_with_suggests_what_sold_together(qtbot: Any, windows: Any, store: Store) -> None:
    from pos.services import recommend

    window, till = cashier_till(qtbot, windows, store)
    for _ in range(2):  # tea and milk, twice: enough evidence (min support 2)
        scan(qtbot, till, store.barcodes["TEA"])
        scan(qtbot, till, store.barcodes["MILK"])
        _pay_exact(qtbot, till)
    assert ops.wait_idle(10)
    recommend.refresh_recommendations(window.backend.ctx)

    scan(qtbot, till, store.barcodes["TEA"])
    strip = till.suggestions
    qtbot.waitUntil(lambda: strip.isVisible() and bool(strip.items), timeout=WAIT)
    first = strip.items[0]
    assert (first.sku, first.reason) == ("MILK", recommend.BOUGHT_TOGETHER)
    key = strip.findChild(type(till.pay_button), f"suggestion{store.ids['MILK']}")
    qtbot.mouseClick(key, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [ln.sku for ln in till.model.lines] == ["TEA", "MILK"], timeout=WAIT)
    qtbot.waitUntil(lambda: all(r.sku != "MILK" for r in strip.items), timeout=WAIT)
    assert ops.wait_idle(10)


def test_a_scan_never_searches_and_typing_searches_at_once(
    qtbot: Any, windows: Any, store: Store
) -> None:
    _window, till = cashier_till(qtbot, windows, store)
    asked: list[str] = []
    search = till.search._search

    def recording(text: str, limit: int) -> Any:
        asked.append(text)  # on the worker; read after ops.wait_idle
        return search(text, limit)

    till.search._search = recording
    scan(qtbot, till, store.barcodes["JAM"])  # 13 digits and Enter, a few ms apart
    qtbot.wait(100)  # longer than any debounce
    assert ops.wait_idle(10)
    assert asked == [] and [ln.sku for ln in till.model.lines] == ["JAM"]

    qtbot.keyClicks(till.box, "hon")  # letters: searched at once, the latest text last
    qtbot.waitUntil(lambda: till.popup.text == "hon", timeout=WAIT)
    assert ops.wait_idle(10)
    assert asked[0] == "h" and asked[-1] == "hon" and len(asked) <= 3
    assert [h.sku for h in till.popup.model.hits] == ["HONEY"]
