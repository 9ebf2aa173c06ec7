"""The shift at the till: the X report at any time, the Z close with a cash count by
denomination, whose figures match the sales, and the Z report PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from pos.services import journal, shifts
from tests.ui.test_till_support import (
    WAIT,
    Store,
    _own_settings,
    cashier_till,
    click,
    dialog_of,
    pdf_text,
    press,
    scan,
    store,
    store_url,
    windows,
)
from ui import ops

__all__ = ["_own_settings", "store", "store_url", "windows"]


def _sell(qtbot: Any, till: Any, code: str, *, card: bool = False, cash: str = "") -> Any:
    scan(qtbot, till, code)
    press(qtbot, till, Qt.Key.Key_F12)
    tender = dialog_of(qtbot, till, "tenderDialog")
    if card:
        click(qtbot, tender, "tenderCardButton")
    else:
        tender.cash_amount.setText(cash)
        qtbot.keyClick(tender.cash_amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tender.sale is not None, timeout=WAIT)
    sale = tender.sale
    qtbot.keyClick(tender.new_sale_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.tender is None, timeout=WAIT)
    assert ops.wait_idle(10)
    return sale


def test_x_report_then_z_close_matches_the_sales(
    qtbot: Any, windows: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POS_REPORTS_DIR", str(tmp_path / "z"))
    window, till = cashier_till(qtbot, windows, store)  # float £100.00
    ctx = window.backend.ctx
    cash_sale = _sell(qtbot, till, store.barcodes["TEA"], cash="5")  # £3.49, change £1.51
    card_sale = _sell(qtbot, till, store.barcodes["MILK"], card=True)  # £1.15
    assert (cash_sale.total_minor, card_sale.total_minor) == (349, 115)

    press(qtbot, till, Qt.Key.Key_F11)
    x = dialog_of(qtbot, till, "xReportDialog")
    figures = x.figures
    assert (figures.sales_count, figures.sales_total_minor, figures.net_minor) == (2, 464, 464)
    assert figures.expected_cash_minor == 10000 + 349
    texts = [w.text() for w in x.findChildren(QLabel)]
    assert "£4.64" in texts and "£103.49" in texts  # net sales and cash expected, on screen
    click(qtbot, x, "xCloseShift")

    close = dialog_of(qtbot, till, "closeShiftDialog")
    for face, count in (("20.00", 5), ("2.00", 1), ("1.00", 1), ("0.20", 2)):
        close.set_count(face, count)
    assert close.total_label.text() == "£103.40"
    click(qtbot, close, "closeShiftButton")
    qtbot.waitUntil(lambda: close.result_ is not None, timeout=WAIT)
    z = close.result_.figures
    assert close.expected_label.text() == "£103.49"
    assert close.counted_label.text() == "£103.40"
    assert close.over_short_label.text() == "-£0.09 short"
    assert (z.z_no, z.sales_count, z.sales_total_minor, z.net_minor) == (1, 2, 464, 464)
    assert dict(z.tenders) == {"cash": 349, "card": 115}
    assert (z.expected_cash_minor, z.counted_cash_minor, z.over_short_minor) == (10349, 10340, -9)
    assert sum(r[2] for r in z.tax_by_rate) == cash_sale.tax_minor + card_sale.tax_minor

    qtbot.waitUntil(lambda: close.pdf_path is not None, timeout=WAIT)
    assert close.pdf_path == tmp_path / "z" / "Z-TILL-1-00001.pdf"
    text = pdf_text(close.pdf_path.read_bytes())
    for expected in ("Z report", "TILL-1", "4.64", "103.49", "103.40"):
        assert expected in text, expected

    click(qtbot, close, "zDone")
    qtbot.waitUntil(lambda: till.pages.currentWidget().objectName() == "openShiftPanel")
    assert shifts.current_shift(ctx, till.register.id) is None
    [chain] = journal.verify_journal(ctx, "TILL-1")
    assert chain.ok and chain.rows == 3  # two sales and the Z close
    assert not till.box.isVisible()  # nothing sells until a new shift is opened
