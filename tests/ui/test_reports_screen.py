"""The back office's reports screen: a manager picks the sales report for a period with
sales, sees it, and saves it as PDF and CSV with the same figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pos.app import open_app
from pos.services import cart as carts
from pos.services import checkout, shifts, staff
from reports.csv_out import read_sections
from tests.ui.test_till_support import (
    CASHIER,
    MANAGER,
    WAIT,
    Store,
    _own_settings,
    click,
    pdf_text,
    sign_in,
    store,
    store_url,
    windows,
)
from ui import ops
from ui.reports_screen import ReportsScreen

__all__ = ["_own_settings", "store", "store_url", "windows"]


def _one_sale(store: Store) -> int:
    """A £3.49 tea sold through the services (the till itself is tested elsewhere)."""
    app = open_app(store.url)
    try:
        ctx = app.ctx
        cashier = staff.login(ctx, CASHIER[0], CASHIER[1])
        register = shifts.ensure_register(ctx, "TILL-1")
        shifts.open_shift(ctx, cashier, register.id, 0)
        cart = carts.current_cart(ctx, cashier, register.id)
        carts.add_product(ctx, cashier, cart.id, store.ids["TEA"])
        return checkout.complete_sale(ctx, cashier, cart.id, 500).total_minor
    finally:
        app.close()


def test_a_manager_previews_and_saves_the_sales_report(
    qtbot: Any, windows: Any, store: Store, tmp_path: Path
) -> None:
    total = _one_sale(store)
    assert total == 349
    window = windows(store.url)
    sign_in(qtbot, window, MANAGER[0], MANAGER[1])
    assert window.reports_action.isVisible()
    window.show_reports()
    screen = window.reports
    assert isinstance(screen, ReportsScreen)
    click(qtbot, screen, "showReportButton")
    qtbot.waitUntil(lambda: screen.shown is not None, timeout=WAIT)
    preview = screen.preview.toPlainText()
    assert "Sales report" in preview and "£3.49" in preview

    pdf, csv = tmp_path / "sales.pdf", tmp_path / "sales.csv"
    screen.save_to("pdf", str(pdf))
    screen.save_to("csv", str(csv))
    assert ops.wait_idle(20)
    qtbot.waitUntil(lambda: pdf.exists() and csv.exists(), timeout=WAIT)
    assert "£3.49" in pdf_text(pdf.read_bytes())
    sections = read_sections(csv.read_bytes())
    assert any("3.49" in cell for rows in sections.values() for row in rows for cell in row)


def test_the_reports_screen_is_for_managers_and_says_why_a_report_is_missing(
    qtbot: Any, windows: Any, store: Store
) -> None:
    window = windows(store.url)
    sign_in(qtbot, window, CASHIER[0], CASHIER[1])
    assert not window.reports_action.isVisible()
    window.close()
    manager_window = windows(store.url)
    sign_in(qtbot, manager_window, MANAGER[0], MANAGER[1])
    manager_window.show_reports()
    screen = manager_window.reports
    screen.kind.setCurrentIndex(screen.kind.findData("z"))
    click(qtbot, screen, "showReportButton")
    message = screen.message
    qtbot.waitUntil(lambda: message.isVisible(), timeout=WAIT)
    assert "No shift has been closed" in message.text()
