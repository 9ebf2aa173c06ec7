"""Suppliers page, typed: add a supplier, edit its lead time, a bad email refused with
the field named."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from tests.ui.test_back_office_owner import fields_dialog, owner_window, shop
from tests.ui.test_till_support import MANAGER, WAIT, Store, _own_settings, windows
from ui import ops
from ui.back_office.suppliers_page import SuppliersPage

__all__ = ["_own_settings", "shop", "windows"]


def fill(qtbot: Any, values: dict[str, str]) -> None:
    """Replace the named fields' text by typing, then Enter."""
    dialog = fields_dialog(qtbot)
    last = None
    for name, text in values.items():
        last = dialog.findChild(QLineEdit, name)
        last.selectAll()
        qtbot.keyClicks(last, text)
    assert last is not None
    qtbot.keyClick(last, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT)


def test_add_and_edit_a_supplier_by_keys(qtbot: Any, windows: Any, shop: Store) -> None:
    window = owner_window(qtbot, windows, shop, MANAGER)
    window.show_back_office("suppliers")
    assert window.back_office is not None
    page = window.back_office.show_page("suppliers")
    assert isinstance(page, SuppliersPage)

    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    fill(
        qtbot,
        {
            "supplierName": "Harbour Dairy",
            "supplierContact": "Ann Baker",
            "supplierEmail": "orders@harbour.example",
            "supplierLead": "3",
        },
    )
    qtbot.waitUntil(lambda: [r.name for r in page.rows] == ["Harbour Dairy"], timeout=WAIT)
    assert page.table.item(0, 4).text() == "3 days"

    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    fill(qtbot, {"supplierLead": "1", "supplierActive": "no"})
    qtbot.waitUntil(lambda: page.table.item(0, 4).text() == "1 day", timeout=WAIT)
    assert page.rows[0].fields.contact == "Ann Baker" and not page.rows[0].fields.active

    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    fill(qtbot, {"supplierEmail": "nobody"})
    qtbot.waitUntil(lambda: page.message.text().startswith("email:"), timeout=WAIT)
    assert page.rows[0].fields.email == "orders@harbour.example"
    assert ops.wait_idle(10)
