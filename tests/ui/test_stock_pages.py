"""The manager's stock screens, typed as a manager types them, on SQLite and PostgreSQL:
adjust with a reason (Ctrl+E, Enter) and read the ledger; an alert seen, acknowledged
(Ctrl+K), then closed by a delivery scanned in (barcode + Enter) and posted
(Ctrl+Enter); the corner notice opens the alerts page; a cashier gets no stock pages."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QTableWidget

from pos.app import open_app
from pos.services import inventory, staff, stock_admin
from tests.pdf_fonts import unembedded_fonts
from tests.ui.test_back_office_owner import owner_window, shop
from tests.ui.test_till_support import CASHIER, MANAGER, WAIT, Store, sign_in, windows
from ui import ops
from ui.back_office.alerts_page import AlertsPage
from ui.back_office.receive_page import ReceivePage
from ui.back_office.stock_page import AdjustDialog, StockPage

__all__ = ["shop", "windows"]


def type_in_cell(qtbot: Any, table: QTableWidget, row: int, column: int, text: str) -> None:
    """F2 on the cell, the new value typed over the old one, Enter: as a manager edits."""
    table.setFocus()
    table.setCurrentCell(row, column)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = table.viewport().findChild(QLineEdit)
    qtbot.waitUntil(lambda: editor is not None and editor.isVisible(), timeout=WAIT)
    assert editor is not None
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits it on the next turn

    def committed() -> bool:
        item = table.item(row, column)
        return item is not None and item.text() == text

    qtbot.waitUntil(committed, timeout=WAIT)


def manager_login(url: str) -> Any:
    app = open_app(url)
    return app, staff.login(app.ctx, MANAGER[0], MANAGER[1])


def test_adjust_with_a_reason_and_read_the_ledger(qtbot: Any, windows: Any, shop: Store) -> None:
    window = owner_window(qtbot, windows, shop, MANAGER)
    office = window.back_office
    assert office is not None and {"stock", "alerts", "receive"} <= set(office.keys())
    window.show_back_office("stock")
    page = office.page("stock")
    assert isinstance(page, StockPage)
    qtbot.waitUntil(lambda: page.model.rowCount() == 6, timeout=WAIT)
    qtbot.keyClicks(page.search, "sourdough")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 0))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.current is not None, timeout=WAIT)
    assert page.ledger.rowCount() == 1
    qtbot.keyClick(page.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = QApplication.activeModalWidget()
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), AdjustDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, AdjustDialog)
    dialog.quantity.selectAll()
    qtbot.keyClicks(dialog.quantity, "-2")
    dialog.reason.setFocus()
    qtbot.keyClicks(dialog.reason, "Dam")  # types to the "Damaged" item
    qtbot.keyClicks(dialog.note, "dropped")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.ledger.rowCount() == 2, timeout=WAIT)
    assert page.ledger.item(0, 1).text() == "-2"
    assert page.ledger.item(0, 2).text() == "5"
    assert page.ledger.item(0, 5).text() == "damaged: dropped"
    assert page.ledger.item(0, 4).text() == MANAGER[0]
    assert "Low" in page.figures.text()
    # the state filter, in SQL
    page.search.clear()
    page.state.setCurrentIndex(page.state.findData("low"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=WAIT)
    assert page.model.row_at(0).sku == "BREAD"  # type: ignore[union-attr]


def test_a_delivery_scanned_in_closes_the_alert(qtbot: Any, windows: Any, shop: Store) -> None:
    window = owner_window(qtbot, windows, shop, MANAGER)
    app, manager = manager_login(shop.url)
    try:
        stock_admin.adjust(app.ctx, manager, shop.ids["BREAD"], -4, "expired")  # 3 left: alert
    finally:
        app.close()
    assert window.back_office is not None
    window.show_back_office("alerts")
    alerts = window.back_office.page("alerts")
    assert isinstance(alerts, AlertsPage)
    qtbot.waitUntil(lambda: len(alerts.alerts) == 1, timeout=WAIT)
    alerts.table.setFocus()
    qtbot.keyClick(alerts.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: bool(alerts.alerts) and alerts.alerts[0].state == "acknowledged", timeout=WAIT
    )
    qtbot.keyClick(alerts.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    receive = window.back_office.page("receive")
    assert isinstance(receive, ReceivePage)
    qtbot.waitUntil(lambda: len(receive.lines) == 1, timeout=WAIT)  # the alert's product
    for _ in range(3):  # three more loaves scanned
        qtbot.keyClicks(receive.scan, shop.barcodes["BREAD"])
        qtbot.keyClick(receive.scan, Qt.Key.Key_Return)
    qtbot.keyClicks(receive.scan, "JAM")
    qtbot.keyClick(receive.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(receive.lines) == 2, timeout=WAIT)
    qtbot.waitUntil(lambda: receive.cell(0, 2) == "4", timeout=WAIT)
    type_in_cell(qtbot, receive.table, 0, 3, "1.10")
    qtbot.keyClick(receive.scan, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not receive.lines, timeout=WAIT)
    assert "Received 5 units on 2 lines" in receive.message.text()
    window.show_back_office("alerts")
    qtbot.waitUntil(lambda: alerts.alerts == [], timeout=WAIT)
    app, manager = manager_login(shop.url)
    try:
        assert inventory.stock_level(app.ctx, shop.ids["BREAD"], 0).on_hand == 7
        assert inventory.verify_ledger(app.ctx) == []
    finally:
        app.close()


def test_the_corner_notice_opens_the_alerts_page(qtbot: Any, windows: Any, shop: Store) -> None:
    window = owner_window(qtbot, windows, shop, MANAGER)
    assert window.backend is not None and window.actor is not None
    # this app's own change (another app's reaches the notice through the change feed)
    ops.run(stock_admin.adjust, window.backend.ctx, window.actor, shop.ids["BREAD"], -3, "theft")
    qtbot.waitUntil(lambda: window.low_stock.isVisible(), timeout=WAIT)
    qtbot.mouseClick(window.low_stock.open_button, Qt.MouseButton.LeftButton)
    assert window.back_office is not None
    qtbot.waitUntil(lambda: window.back_office.current_key() == "alerts", timeout=WAIT)  # type: ignore[union-attr]
    alerts = window.back_office.page("alerts")
    assert isinstance(alerts, AlertsPage)
    qtbot.waitUntil(lambda: len(alerts.alerts) == 1, timeout=WAIT)
    assert alerts.selected() is not None and alerts.selected().sku == "BREAD"  # type: ignore[union-attr]


def test_a_cashier_gets_no_stock_pages(qtbot: Any, windows: Any, shop: Store) -> None:
    window = windows(shop.url)
    sign_in(qtbot, window, CASHIER[0], CASHIER[1])
    qtbot.waitUntil(lambda: window.till is not None, timeout=WAIT)
    window.show_back_office("stock")
    assert window.back_office is None


def test_count_a_category_with_a_sale_in_the_middle(qtbot: Any, windows: Any, shop: Store) -> None:
    import subprocess

    from tests.ui.test_back_office_owner import child_command
    from ui.back_office.count_page import CountPage, NewCountDialog

    window = owner_window(qtbot, windows, shop, MANAGER)
    assert window.back_office is not None
    window.show_back_office("count")
    page = window.back_office.page("count")
    assert isinstance(page, CountPage)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), NewCountDialog))
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, NewCountDialog)
    qtbot.keyClicks(dialog.name, "Grocery shelf")
    dialog.category.setFocus()
    qtbot.keyClicks(dialog.category, "Gro")
    dialog.blind.setFocus()
    qtbot.keyClick(dialog.blind, Qt.Key.Key_Space)
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.count is not None and len(page.count.lines) == 6, timeout=WAIT)
    assert page.count is not None and page.count.blind
    assert page.table.isColumnHidden(2)  # blind: the expected stays hidden
    # JAM: 20 on hand, 18 on the shelf (scan, type 18, Enter)
    qtbot.keyClicks(page.scan, shop.barcodes["JAM"])
    qtbot.keyClick(page.scan, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.counted.isEnabled(), timeout=WAIT)
    qtbot.keyClicks(page.counted, "18")
    qtbot.keyClick(page.counted, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "18 counted" in page.message.text(), timeout=WAIT)
    # a till sells 3 jars before the count is posted
    out = subprocess.run(child_command(shop, "JAM", 3), capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    # BREAD: 7 on hand, counted by scanning twice (Enter takes one more each time)
    for _ in range(2):
        qtbot.keyClicks(page.scan, "BREAD")
        qtbot.keyClick(page.scan, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.counted.isEnabled(), timeout=WAIT)
        qtbot.keyClick(page.counted, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not page.counted.isEnabled(), timeout=WAIT)
    qtbot.waitUntil(lambda: "2 of 6 counted" in page.summary.text(), timeout=WAIT)
    qtbot.keyClick(page.scan, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # review
    assert not page.table.isColumnHidden(2)
    assert "2 differences, -7 units" in page.summary.text()
    qtbot.keyClick(page.scan, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # post
    qtbot.waitUntil(lambda: "posted" in page.message.text(), timeout=WAIT)
    app, manager = manager_login(shop.url)
    try:
        jam = stock_admin.product_moves(app.ctx, manager, shop.ids["JAM"])
        assert [(m.reason, m.delta, m.on_hand_after) for m in jam[:2]] == [
            ("count", -2, 15),  # 18 on the shelf, less the 3 sold since
            ("sale", -3, 17),
        ]
        bread = inventory.stock_level(app.ctx, shop.ids["BREAD"], 1)
        assert bread.on_hand == 2 and bread.moves[0].reason == "count"
        assert inventory.verify_ledger(app.ctx) == []
    finally:
        app.close()


def test_reorder_to_purchase_order_to_partial_receipt(
    qtbot: Any, windows: Any, shop: Store, tmp_path: Any, monkeypatch: Any
) -> None:
    from db.models import Product, Supplier
    from ui.back_office.purchase_orders_page import PurchaseOrdersPage

    app, manager = manager_login(shop.url)
    try:
        with app.ctx.uow() as uow:
            s = uow.session  # type: ignore[attr-defined]
            bakery = Supplier(name="Harbour Bakery", lead_time_days=2, email="orders@bakery.test")
            s.add(bakery)
            s.flush()
            bread = s.get(Product, shop.ids["BREAD"])
            bread.supplier_id, bread.reorder_qty, bread.cost_minor = bakery.id, 10, 150
            uow.commit()
        stock_admin.adjust(app.ctx, manager, shop.ids["BREAD"], -3, "damaged")  # 4: an alert
    finally:
        app.close()
    window = owner_window(qtbot, windows, shop, MANAGER)
    assert window.back_office is not None
    window.show_back_office("reorder")
    page = window.back_office.page("reorder")
    assert isinstance(page, PurchaseOrdersPage)
    qtbot.waitUntil(lambda: len(page.suggestions) == 1, timeout=WAIT)
    assert page.suggested.item(0, 7).text() == "10"  # one case of ten
    page.suggested.setFocus()
    qtbot.keyClick(page.suggested, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(page.orders) == 1, timeout=WAIT)
    po = page.orders[0]
    assert po.state == "draft" and po.lines[0].quantity == 10
    pdf = tmp_path / "po.pdf"
    monkeypatch.setattr(
        "ui.back_office.purchase_orders_page.QFileDialog.getSaveFileName",
        lambda *a, **k: (str(pdf), "PDF (*.pdf)"),
    )
    page.po_table.setFocus()
    qtbot.keyClick(page.po_table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.orders and page.orders[0].state == "sent", timeout=WAIT)
    assert pdf.read_bytes().startswith(b"%PDF") and unembedded_fonts(pdf) == set()
    qtbot.keyClick(page.po_table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    receive = window.back_office.page("receive")
    assert isinstance(receive, ReceivePage)
    qtbot.waitUntil(lambda: len(receive.lines) == 1, timeout=WAIT)
    assert receive.po.currentData() == po.id and receive.cell(0, 2) == "10"
    type_in_cell(qtbot, receive.table, 0, 2, "6")
    qtbot.keyClick(receive.scan, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not receive.lines, timeout=WAIT)
    app, manager = manager_login(shop.url)
    try:
        after = stock_admin.get_po(app.ctx, manager, po.id)
        assert after.state == "partial" and after.lines[0].received == 6
        assert inventory.stock_level(app.ctx, shop.ids["BREAD"], 0).on_hand == 10
        assert stock_admin.open_alerts(app.ctx, manager) == []  # 10 is above 5: closed
    finally:
        app.close()
