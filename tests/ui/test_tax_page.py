"""Tax classes page, typed: add a class, schedule a new rate for a later date, change a
rate from now (the till's next sale uses it)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from tests.ui.test_back_office_owner import answer, owner_window, shop
from tests.ui.test_till_support import MANAGER, WAIT, Store, _own_settings, windows
from ui import ops
from ui.back_office.tax_page import TaxPage

__all__ = ["_own_settings", "shop", "windows"]


def cell(page: TaxPage, code: str, col: int) -> str:
    for row in range(page.table.rowCount()):
        if page.table.item(row, 0).text() == code:
            return page.table.item(row, col).text()
    return ""


def test_add_a_class_and_change_rates_by_keys(qtbot: Any, windows: Any, shop: Store) -> None:
    window = owner_window(qtbot, windows, shop, MANAGER)
    window.show_back_office("tax")
    assert window.back_office is not None
    page = window.back_office.show_page("tax")
    assert isinstance(page, TaxPage)
    qtbot.waitUntil(lambda: page.table.rowCount() == 1, timeout=WAIT)

    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    answer(qtbot, {"taxCode": "reduced", "taxName": "Reduced rate", "taxRate": "5%"})
    qtbot.waitUntil(lambda: cell(page, "reduced", 2) == "5 %", timeout=WAIT)

    page.table.selectRow(next(r for r in range(2) if page.table.item(r, 0).text() == "reduced"))
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    answer(qtbot, {"taxNewRate": "0.08", "taxFrom": "2099-01-01"})
    qtbot.waitUntil(lambda: "8 % from 01 Jan 2099" in cell(page, "reduced", 3), timeout=WAIT)
    assert cell(page, "reduced", 2) == "5 %"

    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    answer(qtbot, {"taxNewRate": "6%"})  # from now
    qtbot.waitUntil(lambda: cell(page, "reduced", 2) == "6 %", timeout=WAIT)

    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    answer(qtbot, {"taxNewRate": "7%", "taxFrom": "2001-01-01"})
    qtbot.waitUntil(lambda: "in the past" in page.message.text(), timeout=WAIT)
    assert ops.wait_idle(10)
