"""The manager's Products page and product editor, typed as a manager types, on SQLite and
PostgreSQL: a new product made in the editor is sold at the till by its new barcode; a
price changed in the editor is what another till charges at the next scan; bad input names
the field; the table's filters and sort; jumping to the middle; a cashier is kept out."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos.domain.gtin import make
from tests.conftest import _truncate_postgres
from tests.ui.test_till_support import (
    CASHIER,
    MANAGER,
    WAIT,
    Store,
    _own_settings,
    open_till,
    scan,
    seed_store,
    sign_in,
    type_into,
    windows,
)
from ui import ops
from ui.back_office.product_editor import ProductEditor
from ui.back_office.products_page import ProductsPage

__all__ = ["_own_settings", "windows"]


@pytest.fixture(params=["sqlite", "postgres"])
def shop(request: pytest.FixtureRequest, tmp_path: Any) -> Store:
    if request.param == "sqlite":
        import shutil

        path = tmp_path / "pos.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return seed_store(f"sqlite:///{path}")
    url = request.getfixturevalue("pg_database")
    for attempt in range(5):
        try:
            _truncate_postgres(url)
            break
        except Exception:
            if attempt == 4:
                raise
            time.sleep(0.5)
    return seed_store(url)


def products_page(qtbot: Any, windows: Any, shop: Store) -> tuple[Any, ProductsPage]:
    window = windows(shop.url)
    sign_in(qtbot, window, MANAGER[0], MANAGER[1])
    window.show_back_office("products")
    qtbot.waitUntil(lambda: window.back_office is not None, timeout=WAIT)
    page = window.back_office.show_page("products")
    assert isinstance(page, ProductsPage)
    qtbot.waitUntil(lambda: page.model.total == 6 and not page.model.loading, timeout=WAIT)
    window.activateWindow()  # the sign-in dialog had it; shortcuts need an active window
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    page.table.setFocus()
    return window, page


def editor_shown(qtbot: Any) -> ProductEditor:
    found: list[ProductEditor] = []

    def shown() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, ProductEditor) and w.isVisible() and w.isEnabled()
        ]
        return bool(found)

    qtbot.waitUntil(shown, timeout=WAIT)
    return found[0]


def test_a_product_made_in_the_editor_is_sold_by_its_new_barcode(
    qtbot: Any, windows: Any, shop: Store
) -> None:
    window, page = products_page(qtbot, windows, shop)
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = editor_shown(qtbot)
    code = make("501234577001")
    type_into(qtbot, editor, "editorName", "Oat biscuits 300 g")
    type_into(qtbot, editor, "editorSku", "OATS")
    type_into(qtbot, editor, "editorBrand", "Harbour")
    type_into(qtbot, editor, "editorPrice", "1.85")
    type_into(qtbot, editor, "editorOpening", "12")
    bad = code[:-1] + str((int(code[-1]) + 3) % 10)
    box = type_into(qtbot, editor, "editorBarcodeInput", bad)
    qtbot.keyClick(box, Qt.Key.Key_Return)  # a bad check digit: named, not added
    assert "check digit" in editor.message.text() and editor.barcode_list() == []
    box = type_into(qtbot, editor, "editorBarcodeInput", code)
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter in the barcode box adds the code
    assert editor.barcode_list() == [code] and editor.isVisible()
    qtbot.keyClick(editor.findChild(type(box), "editorPrice"), Qt.Key.Key_Return)  # saves
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: page.model.total == 7 and not page.model.loading, timeout=WAIT)

    till = open_till(qtbot, window)
    scan(qtbot, till, code)
    qtbot.waitUntil(lambda: till.view is not None and bool(till.view.lines), timeout=WAIT)
    line = till.view.lines[0]
    assert (line.name, line.quantity, till.view.total_minor) == ("Oat biscuits 300 g", 1, 185)


def test_a_price_changed_in_the_editor_is_charged_at_the_next_scan(
    qtbot: Any, windows: Any, shop: Store
) -> None:
    cashier_window = windows(shop.url)  # a till of its own, already selling
    sign_in(qtbot, cashier_window, CASHIER[0], CASHIER[1])
    till = open_till(qtbot, cashier_window)
    scan(qtbot, till, shop.barcodes["TEA"])
    qtbot.waitUntil(lambda: till.view is not None and till.view.total_minor == 349, timeout=WAIT)

    _window, page = products_page(qtbot, windows, shop)
    editor = page.edit(shop.ids["TEA"])
    editor = editor_shown(qtbot)
    assert editor.price.text() == "3.49"
    box = type_into(qtbot, editor, "editorPrice", "3.79")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=WAIT)

    scan(qtbot, till, shop.barcodes["TEA"])
    qtbot.waitUntil(
        lambda: till.view is not None and till.view.lines[0].quantity == 2, timeout=WAIT
    )
    assert till.view.total_minor == 2 * 379


def test_bad_input_names_the_field_and_esc_cancels(qtbot: Any, windows: Any, shop: Store) -> None:
    _window, page = products_page(qtbot, windows, shop)
    page.new_product()
    editor = editor_shown(qtbot)
    type_into(qtbot, editor, "editorName", "Nameless")
    box = type_into(qtbot, editor, "editorPrice", "abc")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.message.text() != "", timeout=WAIT)
    assert editor.message.text().startswith("sku") and editor.isVisible()
    type_into(qtbot, editor, "editorSku", "NEW-1")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.message.text().startswith("price"), timeout=WAIT)
    type_into(qtbot, editor, "editorPrice", "2.00")
    box = type_into(qtbot, editor, "editorReorder", "-4")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.message.text().startswith("reorder quantity"), timeout=WAIT)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=WAIT)
    assert ops.wait_idle(10) and page.model.total == 6


def test_filters_sort_and_jump_to_the_middle(qtbot: Any, windows: Any, shop: Store) -> None:
    from pos.app import open_app
    from pos.services import catalog

    app = open_app(shop.url)
    try:
        owner = app.ctx  # bulk rows through the service, a few thousand of them
        from pos.services import staff

        manager = staff.login(owner, MANAGER[0], MANAGER[1])
        catalog.create_category(owner, manager, "Grocery/Biscuits")
        for i in range(2000):
            catalog.create_product(
                owner,
                manager,
                sku=f"B{i:04d}",
                name=f"Biscuit {i:04d}",
                price_minor=100 + i,
                category_path="Grocery/Biscuits",
                on_hand=i % 3,
            )
    finally:
        app.close()
    _window, page = products_page_total(qtbot, windows, shop, 2006)
    # jump to the middle: only that page is read, and it holds the middle rows
    page.table.verticalScrollBar().setValue(1000)
    qtbot.waitUntil(lambda: page.model.row_at(page.table.rowAt(0)) is not None, timeout=WAIT)
    top = page.model.row_at(page.table.rowAt(0))
    assert top is not None and top.name == "Biscuit 1000"  # the Biscuits sort first
    assert len(page.model._pages) <= 3

    page.category.setCurrentIndex(page.category.findData("Grocery"))  # with sub-categories
    qtbot.waitUntil(lambda: page.model.total == 2006 and not page.model.loading, timeout=WAIT)
    page.stock.setCurrentIndex(page.stock.findData("out"))
    qtbot.waitUntil(lambda: page.model.total == 667 and not page.model.loading, timeout=WAIT)
    qtbot.keyClicks(page.search, "Biscuit 19")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.total == 33 and not page.model.loading, timeout=WAIT)
    price = next(i for i, c in enumerate(page.model.columns) if c.sort_key == "price")
    page.table.horizontalHeader().sectionClicked.emit(price)
    page.table.horizontalHeader().sectionClicked.emit(price)  # again: highest first
    qtbot.waitUntil(lambda: page.model.query.descending and not page.model.loading, timeout=WAIT)
    first = page.model.row_at(0)
    assert first is not None and first.sku == "B1998"
    assert page.count.text() == "33 products"
    box = type_into(qtbot, page, "productListMinPrice", "abc")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert page.message.text().startswith("minimum price")
    assert page.model.total == 33  # the rows stay as they were


def products_page_total(
    qtbot: Any, windows: Any, shop: Store, total: int
) -> tuple[Any, ProductsPage]:
    window = windows(shop.url)
    sign_in(qtbot, window, MANAGER[0], MANAGER[1])
    window.show_back_office("products")
    qtbot.waitUntil(lambda: window.back_office is not None, timeout=WAIT)
    page = window.back_office.show_page("products")
    assert isinstance(page, ProductsPage)
    qtbot.waitUntil(lambda: page.model.total == total and not page.model.loading, timeout=WAIT)
    return window, page


def test_a_cashier_has_no_products_page(qtbot: Any, windows: Any, shop: Store) -> None:
    window = windows(shop.url)
    sign_in(qtbot, window, CASHIER[0], CASHIER[1])
    window.show_back_office("products")
    assert window.back_office is None
    assert ops.wait_idle(10)
