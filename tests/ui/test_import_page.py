"""Import / export page, typed as a manager types: a file imported with its bad lines
listed and saved, a big import cancelled with Esc leaving the catalog as it was, an
export, and a cashier kept out."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from sqlalchemy import text, update

from db.models import ImportBatch, table
from pos.app import open_app
from pos.services import product_io as pio
from tests.integration.test_catalog_import import _killed_import
from tests.ui.test_back_office_owner import answer, button, owner_window, shop
from tests.ui.test_till_support import (
    CASHIER,
    MANAGER,
    WAIT,
    Store,
    _own_settings,
    sign_in,
    windows,
)
from ui import ops
from ui.back_office.import_page import ImportPage

__all__ = ["_own_settings", "shop", "windows"]
HEADER = ",".join(pio.HEADER)


def page_of(qtbot: Any, windows: Any, shop: Store) -> ImportPage:
    window = owner_window(qtbot, windows, shop, MANAGER)
    window.show_back_office("import")
    assert window.back_office is not None
    page = window.back_office.show_page("import")
    assert isinstance(page, ImportPage)
    return page


def catalog_dump(url: str) -> list[Any]:
    app = open_app(url, migrate=False)
    try:
        with app.ctx.read() as uow:
            s = uow.session  # type: ignore[attr-defined]
            return [
                [tuple(r) for r in s.execute(text(sql))]
                for sql in (
                    "SELECT * FROM products ORDER BY id",
                    "SELECT * FROM barcodes ORDER BY code",
                )
            ]
    finally:
        app.close()


def test_import_lists_bad_lines_and_saves_them(
    qtbot: Any, windows: Any, shop: Store, tmp_path: Path
) -> None:
    page = page_of(qtbot, windows, shop)
    source = tmp_path / "in.csv"
    source.write_text(
        "\n".join(
            [
                HEADER,
                "NEW-1,Apple juice,,,Drinks,1.50,,,,10,,true",
                "NEW-2,Bad,,,,1.2.3,,,,,,true",
                "NEW-3,Worse,,,,1.00,,nosuch,,,,true",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    qtbot.keyClicks(page.path, str(source))
    qtbot.keyClick(page.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.status.text().startswith("Done"), timeout=WAIT)
    assert "1 created" in page.status.text() and "2 bad" in page.status.text()
    assert page.table.rowCount() == 2
    assert [page.table.item(r, 0).text() for r in range(2)] == ["3", "4"]
    assert page.table.item(1, 2).text() == "tax_class: there is no tax class 'nosuch'"
    target = tmp_path / "errors.csv"
    qtbot.mouseClick(button(page, "importSaveErrors"), Qt.MouseButton.LeftButton)
    from tests.ui.test_back_office_owner import fields_dialog

    edit = fields_dialog(qtbot).edits[0]
    edit.clear()
    answer(qtbot, {"errorsPath": str(target)})
    qtbot.waitUntil(target.exists, timeout=WAIT)
    qtbot.waitUntil(lambda: "saved" in page.message.text(), timeout=WAIT)
    with target.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["line", "sku", "problem"] and [r[0] for r in rows[1:]] == ["3", "4"]
    assert ops.wait_idle(10)


def test_esc_cancels_a_big_import_and_the_catalog_is_as_it_was(
    qtbot: Any, windows: Any, shop: Store, tmp_path: Path
) -> None:
    before = catalog_dump(shop.url)
    page = page_of(qtbot, windows, shop)
    source = tmp_path / "big.csv"
    rows = [
        f"BIG-{i},Big {i},,,Bulk/Cat{i % 5},{i % 90}.25,,,,{i % 7},,true" for i in range(40_000)
    ]
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    qtbot.keyClicks(page.path, str(source))
    qtbot.keyClick(page.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.bar.value() >= 2000, timeout=60_000)
    assert page.bar.maximum() == 40_000
    qtbot.keyClick(page.cancel, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.status.text().startswith("Cancelled"), timeout=60_000)
    assert "nothing was kept" in page.status.text()
    assert ops.wait_idle(10)
    assert catalog_dump(shop.url) == before


def test_an_import_killed_mid_way_is_offered_and_undone_from_the_page(
    qtbot: Any, windows: Any, shop: Store, tmp_path: Path
) -> None:
    before = catalog_dump(shop.url)
    source = tmp_path / "cut.csv"
    rows = [f"CUT-{i},Cut {i},,,Bulk,{i % 90}.25,,,,{i % 7},,true" for i in range(3000)]
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    _killed_import(shop.url, source, 1000, 2)  # two batches in, then the power went
    assert len(catalog_dump(shop.url)[0]) == len(before[0]) + 2000
    app = open_app(shop.url, migrate=False)
    try:  # ten minutes have passed since its last batch
        with app.ctx.uow() as uow:
            at = datetime.now(UTC) - timedelta(minutes=10)
            uow.connection.execute(  # type: ignore[attr-defined]
                update(table(ImportBatch)).values(last_batch_at=at)
            )
            uow.commit()
    finally:
        app.close()
    page = page_of(qtbot, windows, shop)
    window = page.window()
    window.activateWindow()  # the sign-in dialog had it
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.waitUntil(lambda: page.stopped_box.isVisible(), timeout=WAIT)
    assert "The import of cut.csv stopped on " in page.stopped_text.text()
    page.path.setFocus()  # where the page leaves it: nothing is undone by a stray key
    qtbot.keyClick(page.path, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # &Undo it
    qtbot.waitUntil(lambda: page.status.text().startswith("Undone"), timeout=WAIT)
    assert "2,000 new products removed" in page.status.text()
    qtbot.waitUntil(lambda: not page.stopped_box.isVisible(), timeout=WAIT)
    assert ops.wait_idle(10)
    assert catalog_dump(shop.url) == before


def test_export_writes_every_product(qtbot: Any, windows: Any, shop: Store, tmp_path: Path) -> None:
    page = page_of(qtbot, windows, shop)
    target = tmp_path / "out.csv"
    qtbot.mouseClick(button(page, "exportProducts"), Qt.MouseButton.LeftButton)
    from tests.ui.test_back_office_owner import fields_dialog

    fields_dialog(qtbot).edits[0].clear()
    answer(qtbot, {"exportPath": str(target)})
    qtbot.waitUntil(lambda: "products written" in page.status.text(), timeout=WAIT)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER and len(lines) == 1 + len(shop.ids)


def test_a_cashier_cannot_open_it(qtbot: Any, windows: Any, shop: Store) -> None:
    window = windows(shop.url)
    sign_in(qtbot, window, CASHIER[0], CASHIER[1])
    window.show_back_office("import")
    assert window.back_office is None
    assert ops.wait_idle(10)
