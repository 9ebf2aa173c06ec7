"""The owner's back office, used as an owner uses it (keys typed, buttons pressed) on a
real database: the live dashboard (also across two processes), an online order shipped
and delivered, a paid order cancelled, a sale voided and the X report moving, a customer
erased with the sales report unchanged, settings reaching the receipt, backup and
restore, and a cashier who cannot open any of it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

from pos.app import open_app
from pos.services import analytics, customers, orders, shifts, staff, till
from tests.conftest import _truncate_postgres
from tests.ui.test_till_support import (
    CASHIER,
    MANAGER,
    OWNER,
    WAIT,
    Store,
    _own_settings,
    seed_store,
    sign_in,
    windows,
)
from ui import ops
from ui.main_window import MainWindow

__all__ = ["_own_settings", "windows"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgres"])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        import shutil

        path = tmp_path / "pos.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return seed_store(f"sqlite:///{path}")
    url = request.getfixturevalue("pg_database")
    for attempt in range(5):  # the last test's app may still be letting go of a table
        try:
            _truncate_postgres(url)
            break
        except Exception:
            if attempt == 4:
                raise
            time.sleep(0.5)
    return seed_store(url)


def owner_window(
    qtbot: Any, windows: Any, shop: Store, user: tuple[str, ...] = OWNER
) -> MainWindow:
    window = windows(shop.url)
    sign_in(qtbot, window, user[0], user[1])
    qtbot.waitUntil(lambda: window.back_office is not None, timeout=WAIT)
    return window


def child_command(shop: Store, sku: str, count: int) -> list[str]:
    return [
        sys.executable,
        str(Path(__file__).with_name("sale_child.py")),
        shop.url,
        CASHIER[0],
        CASHIER[1],
        sku,
        str(count),
    ]


def child_sale(shop: Store, sku: str, count: int) -> int:
    """A sale by another process on the same database (TILL-2)."""
    out = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).with_name("sale_child.py")),
            shop.url,
            CASHIER[0],
            CASHIER[1],
            sku,
            str(count),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[1])


def button(root: Any, name: str) -> QPushButton:
    found = root.findChild(QPushButton, name)
    assert found is not None, name
    return found


def fields_dialog(qtbot: Any) -> Any:
    found: list[Any] = []

    def shown() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if w.objectName() == "fieldsDialog" and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(shown, timeout=WAIT)
    return found[-1]


def answer(qtbot: Any, values: dict[str, str]) -> None:
    """Type into the question's fields, then Enter."""
    dialog = fields_dialog(qtbot)
    last = None
    for name, text in values.items():
        last = dialog.findChild(QLineEdit, name)
        qtbot.keyClicks(last, text)
    qtbot.keyClick(last, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)


def test_the_dashboard_is_the_landing_page_and_a_sale_in_another_process_moves_it(
    qtbot: Any, windows: Any, shop: Store
) -> None:
    window = owner_window(qtbot, windows, shop)
    office = window.back_office
    assert office.current_key() == "dashboard" and office.keys()[0] == "dashboard"
    page = office.page("dashboard")
    qtbot.waitUntil(lambda: page.snapshot is not None, timeout=WAIT)
    before = page.snapshot.today.net_minor
    shown_at: list[float] = []
    page.refreshed.connect(lambda: shown_at.append(time.time()))
    child = subprocess.Popen(  # sells 2 loaves: 7 -> 5, at their low-stock level
        child_command(shop, "BREAD", 2),
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    qtbot.waitUntil(lambda: page.snapshot.today.net_minor > before, timeout=WAIT)
    out, _ = child.communicate(timeout=60)
    committed_at = float(out.split()[2])
    assert page.snapshot.today.net_minor == before + 2 * 320
    assert shown_at[-1] - committed_at < 1.0  # the other app's dashboard moved within a second
    qtbot.waitUntil(lambda: window.low_stock.isVisible(), timeout=WAIT)
    assert any(e.sku == "BREAD" for e in window.low_stock.events)
    assert "TILL-2" in [r.key for r in page.snapshot.by_register]


def test_ship_then_deliver_an_online_order_from_its_page(
    qtbot: Any, windows: Any, shop: Store
) -> None:
    app = open_app(shop.url)
    try:
        manager = staff.login(app.ctx, MANAGER[0], MANAGER[1])
        order = orders.create_order(
            app.ctx, manager, [(shop.ids["TEA"], 2)], source="storefront", external_ref="WEB-1001"
        )
        orders.mark_paid(app.ctx, manager, order.id, "card")
    finally:
        app.close()
    window = owner_window(qtbot, windows, shop)
    page = window.back_office.show_page("orders")
    qtbot.keyClicks(page.search, "WEB-1001")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: page.model.rowCount() == 1 and page.model.row_at(0) is not None, timeout=WAIT
    )
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    view = page.detail
    qtbot.waitUntil(lambda: view.order is not None and view.order.id == order.id, timeout=WAIT)
    button(view, "order_confirm").click()
    qtbot.waitUntil(lambda: view.order.status == "confirmed", timeout=WAIT)
    button(view, "order_deliver").click()  # refused: it has not shipped yet
    qtbot.waitUntil(
        lambda: view.message.isVisible() and "delivered" in view.message.text(), timeout=WAIT
    )
    button(view, "order_ship").click()
    answer(qtbot, {"shipCarrier": "Royal Mail", "shipTracking": "RM123456GB"})
    qtbot.waitUntil(lambda: view.order.status == "shipped", timeout=WAIT)
    button(view, "order_deliver").click()
    qtbot.waitUntil(lambda: view.order.status == "delivered", timeout=WAIT)
    history = [(e.old, e.new, e.user) for e in view.order.events if e.field == "status"]
    assert history == [
        ("", "pending", "mia"),
        ("pending", "confirmed", "olivia"),
        ("confirmed", "shipped", "olivia"),
        ("shipped", "delivered", "olivia"),
    ]
    assert view.order.carrier == "Royal Mail" and view.order.tracking_number == "RM123456GB"
    assert view.history.rowCount() >= 5


def test_cancel_a_paid_order_puts_stock_and_money_back(
    qtbot: Any, windows: Any, shop: Store
) -> None:
    app = open_app(shop.url)
    try:
        manager = staff.login(app.ctx, MANAGER[0], MANAGER[1])
        order = orders.create_order(app.ctx, manager, [(shop.ids["JAM"], 3)], source="phone")
        orders.mark_paid(app.ctx, manager, order.id, "card")
    finally:
        app.close()
    window = owner_window(qtbot, windows, shop)
    page = window.back_office.show_page("orders", order_id=order.id)
    view = page.detail
    qtbot.waitUntil(lambda: view.order is not None, timeout=WAIT)
    button(view, "order_cancel").click()
    answer(qtbot, {"cancelReason": "Customer changed their mind"})
    qtbot.waitUntil(lambda: view.order.status == "cancelled", timeout=WAIT)
    assert view.order.payment_status == "refunded" and view.order.paid_minor == 0
    app = open_app(shop.url)
    try:
        from pos.services import catalog

        assert catalog.get_product(app.ctx, shop.ids["JAM"]).on_hand == 20
    finally:
        app.close()


def test_void_a_sale_and_the_x_report_changes(qtbot: Any, windows: Any, shop: Store) -> None:
    sale_id = child_sale(shop, "COFFEE", 1)
    app = open_app(shop.url)
    try:
        register = shifts.get_register(app.ctx, "TILL-2")
        cashier = staff.login(app.ctx, CASHIER[0], CASHIER[1])
        x_before = shifts.x_report(app.ctx, cashier, register.id)
    finally:
        app.close()
    window = owner_window(qtbot, windows, shop)
    page = window.back_office.show_page("orders", order_id=sale_id)
    view = page.detail
    qtbot.waitUntil(lambda: view.order is not None, timeout=WAIT)
    button(view, "order_void").click()
    answer(qtbot, {"voidReason": "Rang up by mistake"})
    qtbot.waitUntil(lambda: bool(view.order.reversals), timeout=WAIT)
    assert view.order.reversals[0].kind == "void"
    app = open_app(shop.url)
    try:
        x_after = shifts.x_report(
            app.ctx, staff.login(app.ctx, CASHIER[0], CASHIER[1]), register.id
        )
    finally:
        app.close()
    assert x_after.voids_count == x_before.voids_count + 1
    assert x_after.net_minor == x_before.net_minor - 475


def test_erase_a_customer_and_the_sales_report_is_unchanged(
    qtbot: Any, windows: Any, shop: Store
) -> None:
    app = open_app(shop.url)
    try:
        manager = staff.login(app.ctx, MANAGER[0], MANAGER[1])
        ann = customers.create_customer(
            app.ctx, manager, "Ann", "Erasable", email="ann@example.com"
        )
        order = orders.create_order(
            app.ctx,
            manager,
            [(shop.ids["HONEY"], 1)],
            customer_id=ann.id,
            shipping_address={"name": "Ann Erasable", "line1": "1 Road"},
        )
        orders.mark_paid(app.ctx, manager, order.id, "card")
        today = datetime.now(UTC).date()
        before = analytics.sales_report(app.ctx, manager, today, today).totals
    finally:
        app.close()
    window = owner_window(qtbot, windows, shop)
    page = window.back_office.show_page("customers")
    qtbot.keyClicks(page.search, "Erasable")
    qtbot.waitUntil(
        lambda: page.model.rowCount() == 1 and page.model.row_at(0) is not None, timeout=WAIT
    )
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.current is not None, timeout=WAIT)
    button(page, "customer_erase").click()
    answer(qtbot, {"eraseReason": "Asked by email"})
    qtbot.waitUntil(lambda: page.current.erased_at is not None, timeout=WAIT)
    assert page.heading.text().startswith("Erased customer")
    app = open_app(shop.url)
    try:
        manager = staff.login(app.ctx, MANAGER[0], MANAGER[1])
        assert analytics.sales_report(app.ctx, manager, today, today).totals == before
        kept = orders.get_order(app.ctx, order.id)
        assert kept.total_minor == order.total_minor and "name" not in kept.shipping_address
    finally:
        app.close()


def test_a_settings_change_reaches_the_receipt(qtbot: Any, windows: Any, shop: Store) -> None:
    sale_id = child_sale(shop, "TEA", 1)
    window = owner_window(qtbot, windows, shop)
    page = window.back_office.show_page("settings")
    qtbot.waitUntil(lambda: page.current is not None, timeout=WAIT)
    footer = page.fields["receipt_footer"]
    footer.clear()
    qtbot.keyClicks(footer, "Open Sundays 10-4")
    zone = page.fields["timezone"]
    zone.setCurrentText("Europe/London")
    button(page, "settingsSave").click()
    qtbot.waitUntil(lambda: page.message.isVisible(), timeout=WAIT)
    assert "Saved" in page.message.text(), page.message.text()
    app = open_app(shop.url)
    try:
        register = shifts.get_register(app.ctx, "TILL-2")
        job = till.receipt_job(app.ctx, register.id, sale_id, True)
        assert job.snapshot.footer == "Open Sundays 10-4"
    finally:
        app.close()
    # a bad value is refused with a sentence, nothing saved
    zone.setCurrentText("Mars/Olympus")
    button(page, "settingsSave").click()
    qtbot.waitUntil(lambda: "timezone" in page.message.text(), timeout=WAIT)


def test_backup_change_restore_and_the_change_is_gone(
    qtbot: Any, windows: Any, shop: Store, tmp_path: Path
) -> None:
    window = owner_window(qtbot, windows, shop)
    page = window.back_office.show_page("settings")
    qtbot.waitUntil(lambda: page.current is not None, timeout=WAIT)
    if not shop.url.startswith("sqlite"):
        assert not page.backup_button.isVisible() and "pg_dump" in page.backup_note.text()
        return
    target = tmp_path / "before.sqlite3"
    page.backup_to(str(target))
    qtbot.waitUntil(lambda: "Backed up" in page.message.text(), timeout=WAIT)
    assert target.exists() and page.progress.value() == page.progress.maximum()
    name = page.fields["store_name"]
    name.clear()
    qtbot.keyClicks(name, "Renamed Store")
    button(page, "settingsSave").click()
    qtbot.waitUntil(lambda: "Saved" in page.message.text(), timeout=WAIT)
    page.restore_from(str(target))
    qtbot.waitUntil(lambda: "Restored" in page.message.text(), timeout=WAIT)
    page.refresh()
    qtbot.waitUntil(
        lambda: page.fields["store_name"].text() == "Harbour Street Grocer", timeout=WAIT
    )


def test_a_cashier_cannot_open_any_of_it(qtbot: Any, windows: Any, shop: Store) -> None:
    window = windows(shop.url)
    sign_in(qtbot, window, CASHIER[0], CASHIER[1])
    assert window.back_office is None and not window.back_office_action.isVisible()
    window.show_back_office("orders")
    assert window.back_office is None
    assert ops.wait_idle(10)


def test_a_pay_out_over_the_limit_needs_a_managers_pin_and_no_sale_is_audited(
    qtbot: Any, windows: Any, shop: Store
) -> None:
    from pos.services import audit
    from tests.ui.test_till_support import cashier_till, dialog_of, type_pin

    window, screen = cashier_till(qtbot, windows, shop)
    qtbot.keyClick(screen.box, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    answer(qtbot, {"cashAmount": "80.00", "cashReason": "Window cleaner"})
    pad = dialog_of(qtbot, screen, "pinPad")
    type_pin(qtbot, pad, MANAGER[0], MANAGER[2])
    qtbot.waitUntil(lambda: "Paid out £80.00" in screen.message.text(), timeout=WAIT)
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(screen.box, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    answer(qtbot, {"cashReason": "Change for a note"})
    qtbot.waitUntil(lambda: "No sale recorded" in screen.message.text(), timeout=WAIT)
    app = open_app(shop.url)
    try:
        owner = staff.login(app.ctx, OWNER[0], OWNER[1])
        x = shifts.x_report(app.ctx, owner, screen.session.register_id)
        assert x.pay_outs_minor == 8000 and x.expected_cash_minor == 10000 - 8000
        log = audit.search_audit(app.ctx, owner)
        [pay_out] = [e for e in log if e.action == "pay_out"]
        assert pay_out.approver == MANAGER[0] and pay_out.detail["reason"] == "Window cleaner"
        assert any(e.action == "drawer_open" for e in log)
    finally:
        app.close()


@pytest.mark.parametrize("shop", ["sqlite"], indirect=True)  # the frame, not the database
def test_the_navigation_fits_a_laptop_screen_under_headings_and_keys_skip_them(
    qtbot: Any, windows: Any, shop: Store
) -> None:
    window = owner_window(qtbot, windows, shop)
    window.resize(1366, 768)
    office = window.back_office
    nav = office.nav
    qtbot.waitUntil(lambda: nav.height() < 768, timeout=WAIT)
    QApplication.processEvents()
    rows = [nav.item(r) for r in range(nav.count())]
    headings = [i.text() for i in rows if not i.flags() & Qt.ItemFlag.ItemIsSelectable]
    assert headings == ["SALES", "CATALOG", "STOCK", "ADMIN"]
    assert nav.verticalScrollBar().maximum() == 0  # all 18 pages without scrolling
    nav.setFocus()
    qtbot.keyClick(nav, Qt.Key.Key_Down)  # over the SALES heading
    assert office.current_key() == "orders"
    for _ in range(4):  # Storefront, then over CATALOG
        qtbot.keyClick(nav, Qt.Key.Key_Down)
    assert office.current_key() == "products"
    qtbot.keyClick(nav, Qt.Key.Key_Up)
    assert office.current_key() == "sync"
    ctrl = Qt.KeyboardModifier.ControlModifier
    window.activateWindow()  # shortcuts reach only the active window
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    office.show_page("settings")
    qtbot.keyClick(nav, Qt.Key.Key_PageDown, ctrl)  # round to the first page
    assert office.current_key() == "dashboard" and nav.currentItem().text() == "Dashboard"
    qtbot.keyClick(nav, Qt.Key.Key_PageUp, ctrl)
    assert office.current_key() == "settings" and nav.currentItem().text() == "Settings"
