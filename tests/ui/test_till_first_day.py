"""The till as a new cashier found it (issue 13): each rough edge, typed the way a cashier
types it, on the real main window."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from pos.services import catalog, customers, staff
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
    press,
    scan,
    store,
    store_url,
    windows,
)
from ui import ops
from ui.login import LoginDialog

__all__ = ["_own_settings", "store", "store_url", "windows"]


def _login_dialog(qtbot: Any, window: Any) -> LoginDialog:
    qtbot.waitUntil(
        lambda: isinstance(window.dialog, LoginDialog) and window.dialog.isVisible(), timeout=WAIT
    )
    login = window.dialog
    assert isinstance(login, LoginDialog)
    return login


def test_enter_signs_in_after_a_wrong_password(qtbot: Any, windows: Any, store: Store) -> None:
    window = windows(store.url)
    login = _login_dialog(qtbot, window)
    qtbot.keyClicks(login.username, CASHIER[0])
    qtbot.keyClick(login.username, Qt.Key.Key_Tab)
    qtbot.keyClicks(login.password, "wrong-password")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: login.message.isVisible(), timeout=WAIT)
    assert ops.wait_idle(10)
    assert login.isVisible() and login.password.hasFocus()
    assert login.sign_in_button.isDefault() and not login.quit_button.isDefault()
    qtbot.keyClicks(login.password, CASHIER[1])
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.actor is not None, timeout=WAIT)
    assert window.isVisible() and window.actor.username == CASHIER[0]


def test_the_manager_pin_pad_approves_with_enter(qtbot: Any, windows: Any, store: Store) -> None:
    _window, till = cashier_till(qtbot, windows, store)
    scan(qtbot, till, store.barcodes["COFFEE"])
    press(qtbot, till, Qt.Key.Key_F7)
    price = dialog_of(qtbot, till, "priceDialog")
    qtbot.keyClicks(price.field, "3.50")
    qtbot.keyClick(price.field, Qt.Key.Key_Return)
    pad = dialog_of(qtbot, till, "pinPad")
    pad.username.clear()
    qtbot.keyClicks(pad.username, MANAGER[0])
    qtbot.keyClick(pad.username, Qt.Key.Key_Return)
    assert pad.isVisible()
    assert pad.focusWidget() is pad.pin  # the pad's focus (the window may not be active)
    qtbot.keyClicks(pad.pin, MANAGER[2])
    qtbot.keyClick(pad.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: bool(till.model.lines) and till.model.lines[0].unit_price_minor == 350,
        timeout=WAIT,
    )
    assert "approval" not in till.message.text()


def test_enter_after_a_sale_starts_the_next_one(qtbot: Any, windows: Any, store: Store) -> None:
    _window, till = cashier_till(qtbot, windows, store)
    scan(qtbot, till, store.barcodes["TEA"])
    press(qtbot, till, Qt.Key.Key_F12)
    tender = dialog_of(qtbot, till, "tenderDialog")
    qtbot.keyClicks(tender.cash_amount, "5")
    qtbot.keyClick(tender.cash_amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tender.sale is not None, timeout=WAIT)
    assert ops.wait_idle(10)
    qtbot.waitUntil(lambda: "receipt" in tender.receipt_label.text().lower(), timeout=WAIT)
    assert tender.new_sale_button.hasFocus()
    # The customer wants to see the receipt: Ctrl+R shows it, Esc closes it; a tap on
    # "Show receipt" (a touch screen) does the same
    qtbot.keyClick(tender.new_sale_button, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    receipt = dialog_of(qtbot, till, "receiptDialog")
    qtbot.keyClick(receipt, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not receipt.isVisible(), timeout=WAIT)
    qtbot.waitUntil(tender.isActiveWindow, timeout=WAIT)
    click(qtbot, tender, "tenderShowReceipt")
    receipt = dialog_of(qtbot, till, "receiptDialog")
    qtbot.keyClick(receipt, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not receipt.isVisible(), timeout=WAIT)
    qtbot.waitUntil(tender.isActiveWindow, timeout=WAIT)
    # Enter is the next sale, wherever the focus was left
    assert not tender.findChild(QPushButton, "tenderShowReceipt").hasFocus()
    qtbot.keyClick(QApplication.focusWidget() or tender, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.tender is None, timeout=WAIT)
    qtbot.wait(50)
    assert not any(
        w.objectName() == "receiptDialog" and w.isVisible() for w in QApplication.topLevelWidgets()
    )
    qtbot.waitUntil(till.window().isActiveWindow, timeout=WAIT)
    qtbot.waitUntil(till.box.hasFocus, timeout=WAIT)
    scan(qtbot, till, store.barcodes["MILK"])
    assert [ln.sku for ln in till.model.lines] == ["MILK"]


def test_ampersands_in_names_are_shown_as_typed(qtbot: Any, windows: Any, store: Store) -> None:
    from pos.app import open_app

    app = open_app(store.url)
    try:
        owner = staff.login(app.ctx, OWNER[0], OWNER[1])
        catalog.create_category(app.ctx, owner, "Health & Beauty")
        catalog.create_product(
            app.ctx,
            owner,
            sku="SOAP",
            name="Soap & Glory",
            category_path="Health & Beauty",
            price_minor=250,
            on_hand=10,
        )
        customers.create_customer(app.ctx, owner, "Ann & Bo", "Lee", "", "07700 900999")
    finally:
        app.close()
    _window, till = cashier_till(qtbot, windows, store)
    tabs = till.quick_keys.tabs
    qtbot.waitUntil(lambda: tabs.count() == 3, timeout=WAIT)
    index = [tabs.tabText(n).replace("&&", "&") for n in range(tabs.count())].index(
        "Health & Beauty"
    )
    assert tabs.tabText(index) == "Health && Beauty"  # shown as "Health & Beauty"
    tabs.setCurrentIndex(index)
    qtbot.waitUntil(lambda: [h.sku for h in till.quick_keys.hits] == ["SOAP"], timeout=WAIT)

    def keys() -> list[QPushButton]:
        buttons = till.quick_keys.grid_holder.findChildren(QPushButton)
        return [b for b in buttons if b.isVisible()]

    qtbot.waitUntil(lambda: len(keys()) == 1, timeout=WAIT)
    [key] = keys()
    assert "Soap && Glory" in key.text() and "Soap & Glory" not in key.text()

    scan(qtbot, till, store.barcodes["TEA"])
    press(qtbot, till, Qt.Key.Key_F4)
    dialog = dialog_of(qtbot, till, "customerDialog")
    qtbot.keyClicks(dialog.search, "07700 900999")
    qtbot.waitUntil(lambda: dialog.results.count() == 1, timeout=WAIT)
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(till.view and till.view.customer_name), timeout=WAIT)
    assert till.customer_button.text() == "Ann && Bo Lee  F4"


def test_held_sales_are_listed_by_time_items_total_and_name(
    qtbot: Any, windows: Any, store: Store
) -> None:
    _window, till = cashier_till(qtbot, windows, store)
    scan(qtbot, till, store.barcodes["TEA"])
    scan(qtbot, till, store.barcodes["TEA"])
    scan(qtbot, till, store.barcodes["MILK"])
    press(qtbot, till, Qt.Key.Key_F8)
    hold = dialog_of(qtbot, till, "holdDialog")
    qtbot.keyClicks(hold.field, "red coat")
    qtbot.keyClick(hold.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Sale held" in till.message.text(), timeout=WAIT)
    scan(qtbot, till, store.barcodes["JAM"])
    press(qtbot, till, Qt.Key.Key_F8)
    hold = dialog_of(qtbot, till, "holdDialog")
    qtbot.keyClick(hold.field, Qt.Key.Key_Return)  # no name given
    qtbot.waitUntil(lambda: "Sale held (£4.51)" in till.message.text(), timeout=WAIT)
    press(qtbot, till, Qt.Key.Key_F9)
    held = dialog_of(qtbot, till, "heldCartsDialog")
    qtbot.waitUntil(lambda: held.list.count() == 2, timeout=WAIT)
    texts = [held.list.item(n).text() for n in range(2)]
    named = next(t for t in texts if "red coat" in t)
    unnamed = next(t for t in texts if "red coat" not in t)
    import re

    assert re.search(r"\b\d\d:\d\d\b", named) and re.search(r"\b\d\d:\d\d\b", unnamed)
    assert "3 items" in named and "£8.13" in named
    assert "1 item" in unnamed and "£4.51" in unnamed
    assert not unnamed.startswith("Sale ")
    for text in texts:
        assert not re.search(r"[0-9a-f]{8}", text), text  # no client id
    qtbot.keyClick(held.list, Qt.Key.Key_Escape)


def _no_back_office(window: Any, qtbot: Any) -> None:
    assert not window.back_office_action.isVisible()
    button = window.toolbar.widgetForAction(window.back_office_action)
    # the toolbar lays its buttons out again on its next event, not in setVisible itself
    qtbot.waitUntil(lambda: button is None or not button.isVisible(), timeout=WAIT)
    assert not any(
        b.isVisible() and "back office" in b.text().lower()
        for b in window.findChildren(QPushButton)
    )


def test_cashiers_have_no_back_office_button(qtbot: Any, windows: Any, store: Store) -> None:
    from tests.ui.test_till_support import open_till, sign_in

    window, till = cashier_till(qtbot, windows, store)
    _no_back_office(window, qtbot)
    qtbot.keyClick(till.box, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.back_office is None and window.pages.currentWidget() is till

    # A manager's till, taken over by a cashier with a PIN: the button goes with them
    window.close()
    window = windows(store.url)
    sign_in(qtbot, window, MANAGER[0], MANAGER[1])
    assert window.back_office_action.isVisible()
    till = open_till(qtbot, window)
    qtbot.keyClick(till.box, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    pad = dialog_of(qtbot, till, "switchPinPad")
    qtbot.keyClicks(pad.username, CASHIER[0])
    qtbot.keyClick(pad.username, Qt.Key.Key_Return)
    qtbot.keyClicks(pad.pin, CASHIER[2])
    qtbot.keyClick(pad.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.actor.username == CASHIER[0], timeout=WAIT)
    _no_back_office(window, qtbot)


def _sell_for_cash(qtbot: Any, till: Any, codes: list[str]) -> Any:
    for code in codes:
        scan(qtbot, till, code)
    press(qtbot, till, Qt.Key.Key_F12)
    tender = dialog_of(qtbot, till, "tenderDialog")
    qtbot.keyClick(tender.cash_amount, Qt.Key.Key_Return)  # empty: exact cash
    qtbot.waitUntil(lambda: tender.sale is not None, timeout=WAIT)
    sale = tender.sale
    qtbot.keyClick(tender.new_sale_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.tender is None, timeout=WAIT)
    assert ops.wait_idle(10)
    return sale


def test_a_refund_without_a_printer_says_so(qtbot: Any, windows: Any, store: Store) -> None:
    _window, till = cashier_till(qtbot, windows, store)
    sale = _sell_for_cash(qtbot, till, [store.barcodes["HONEY"]])
    press(qtbot, till, Qt.Key.Key_F10)
    dialog = dialog_of(qtbot, till, "returnsDialog")
    qtbot.keyClicks(dialog.receipt, f"TILL-1-{sale.receipt_no:06d}")
    qtbot.keyClick(dialog.receipt, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.sale is not None, timeout=WAIT)
    dialog.set_return(0, 1)
    qtbot.keyClick(dialog.refund_button, Qt.Key.Key_Return)
    pad = dialog_of(qtbot, dialog, "pinPad")
    pad.username.clear()
    qtbot.keyClicks(pad.username, MANAGER[0])
    qtbot.keyClick(pad.username, Qt.Key.Key_Return)
    qtbot.keyClicks(pad.pin, MANAGER[2])
    qtbot.keyClick(pad.pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.refund is not None, timeout=WAIT)
    assert ops.wait_idle(10)
    qtbot.waitUntil(lambda: "printer" in dialog.receipt_label.text(), timeout=WAIT)
    said = " ".join((dialog.done_detail.text(), dialog.receipt_label.text()))
    assert "is printing" not in said
    assert dialog.receipt_label.text() == (
        "No receipt printer is set up, so nothing was printed; “Show receipt” (Ctrl+R) shows it."
    )
    qtbot.keyClick(dialog.done_button, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    receipt = dialog_of(qtbot, till, "receiptDialog")
    assert receipt.snapshot.title == "REFUND"
    qtbot.keyClick(receipt, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not receipt.isVisible(), timeout=WAIT)
    qtbot.keyClick(dialog.done_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Ctrl+P shows the receipt" in till.message.text(), timeout=WAIT)

    # Ctrl+P without a printer shows the last receipt, as F1 says
    press(qtbot, till, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    receipt = dialog_of(qtbot, till, "receiptDialog")
    qtbot.keyClick(receipt, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not receipt.isVisible(), timeout=WAIT)


def test_the_low_stock_notice_covers_nothing(qtbot: Any, windows: Any, store: Store) -> None:
    from PySide6.QtCore import QPoint, QRect

    from tests.ui.test_till_support import open_till, sign_in

    window = windows(store.url)
    sign_in(qtbot, window, MANAGER[0], MANAGER[1])
    till = open_till(qtbot, window)
    for _ in range(4):  # the bread goes from 7 to 3, under its threshold of 5
        scan(qtbot, till, store.barcodes["BREAD"])
    _sell_for_cash(qtbot, till, [])
    notice = window.low_stock
    qtbot.waitUntil(notice.isVisible, timeout=WAIT)

    def on_window(widget: Any) -> QRect:
        return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())

    shown = on_window(notice)
    assert not shown.intersects(on_window(till.pay_button))
    assert not shown.intersects(on_window(till))  # nothing of the till is under it
    assert till.pay_button.isVisible() and till.pay_button.visibleRegion().boundingRect() == (
        till.pay_button.rect()
    )


def _more_categories(url: str) -> None:
    from pos.app import open_app

    app = open_app(url)
    try:
        owner = staff.login(app.ctx, OWNER[0], OWNER[1])
        for n, name in enumerate(("Health & Beauty", "Household cleaning", "Frozen", "Pets")):
            catalog.create_category(app.ctx, owner, name)
            catalog.create_product(
                app.ctx,
                owner,
                sku=f"MORE{n}",
                name=f"Ariel Lemon washing liquid {n} 1.5 l",
                category_path=name,
                price_minor=599,
                on_hand=10,
            )
    finally:
        app.close()


def _settle(qtbot: Any) -> None:
    assert ops.wait_idle(10)
    qtbot.wait(60)


def test_everything_is_readable_at_the_smallest_window(
    qtbot: Any, windows: Any, store: Store
) -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QLabel

    from tests.ui.test_till_support import open_till, sign_in

    _more_categories(store.url)
    window = windows(store.url)
    sign_in(qtbot, window, CASHIER[0], CASHIER[1])
    window.resize(window.minimumSize())
    assert (window.minimumWidth(), window.minimumHeight()) == (1024, 640)
    window.till_action.trigger()
    till = window.till
    qtbot.waitUntil(lambda: till is not None and till.loaded, timeout=WAIT)
    _settle(qtbot)
    assert window.size() == window.minimumSize()

    def fits(widget: QLabel) -> bool:
        if widget.wordWrap():
            return widget.heightForWidth(widget.width()) <= widget.height() + 1
        return widget.sizeHint().width() <= widget.width() + 1

    # The open-shift page: the subtitle whole
    shown = [w for w in till.findChildren(QLabel) if w.isVisible() and w.text()]
    assert shown and all(fits(w) for w in shown), [w.text() for w in shown if not fits(w)]

    till = open_till(qtbot, window)
    for code in (store.barcodes["TEA"], store.barcodes["COFFEE"], store.barcodes["JAM"]):
        scan(qtbot, till, code)
    scan(qtbot, till, "MORE0")
    press(qtbot, till, Qt.Key.Key_F4)
    customer = dialog_of(qtbot, till, "customerDialog")
    qtbot.keyClick(customer, Qt.Key.Key_Escape)
    _settle(qtbot)

    # Buttons: every caption fits its button
    buttons = [b for b in till.findChildren(QPushButton) if b.isVisible()]
    assert len(buttons) > 20
    cut = [b.text() for b in buttons if b.sizeHint().width() > b.width() + 1]
    assert not cut, cut

    # Labels (totals, the message line, the key strip) are whole, and the key strip shows
    # only whole keys, inside the window
    shown = [w for w in window.findChildren(QLabel) if w.isVisible() and w.text()]
    assert all(fits(w) for w in shown), [w.text() for w in shown if not fits(w)]
    strip = window.findChild(QWidget, "keyStrip")
    visible = [p for p in strip.pairs if p.isVisible()]
    assert len(visible) >= 8 and all(p.geometry().right() <= strip.width() for p in visible)

    # The cart: each name read whole (on at most its row's lines)
    table = till.table
    metrics = QFontMetrics(table.font())
    width = table.columnWidth(0) - 16
    for row in range(till.model.rowCount()):
        name = till.model.data(till.model.index(row, 0))
        needed = metrics.boundingRect(QRect(0, 0, width, 1000), Qt.TextFlag.TextWordWrap, name)
        assert needed.height() <= table.rowHeight(row), name

    # The quick-key tabs: whole names (they scroll rather than shrink)
    tabs = till.quick_keys.tabs
    assert tabs.elideMode() == Qt.TextElideMode.ElideNone
    for n in range(tabs.count()):
        assert tabs.tabSizeHint(n).width() <= tabs.tabRect(n).width() + 1


def test_the_tab_scroll_arrows_are_drawn_in_the_dark_theme(
    qtbot: Any, windows: Any, store: Store
) -> None:
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QToolButton

    _more_categories(store.url)
    window, till = cashier_till(qtbot, windows, store)
    window.resize(window.minimumSize())
    window.theme_action.trigger()  # dark
    tabs = till.quick_keys.tabs
    qtbot.waitUntil(lambda: tabs.count() == 6, timeout=WAIT)
    _settle(qtbot)
    arrows = [b for b in tabs.findChildren(QToolButton) if b.isVisible()]
    assert len(arrows) == 2
    try:
        for arrow in arrows:
            image = arrow.grab().toImage()
            colours = {
                image.pixel(x, y) for x in range(image.width()) for y in range(image.height())
            }
            middle = QColor(image.pixel(2, image.height() // 2))
            assert middle.lightness() < 100, "a light square on the dark theme"
            assert len(colours) > 4, "no arrow drawn"
    finally:
        window.theme_action.trigger()  # light again, for the tests after this one
