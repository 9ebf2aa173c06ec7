"""The back office's storefront page, driven the way an owner does it: type the address
and the token, Enter, sync, create the unpaired products online."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTableWidget

from pos.app import open_app
from pos.domain.money import currency
from pos.services import sync
from tests.storefront_fake import Storefront
from tests.sync_support import seed, wire
from ui import ops
from ui.back_office.sync_page import SyncPage
from ui.sync_worker import describe

WAIT = 10_000


@pytest.fixture
def shop() -> Iterator[Storefront]:
    with Storefront(token="tok-visible-nowhere") as s:
        yield s


def test_an_owner_links_the_storefront_and_creates_the_products_online(
    qtbot: Any, shown_errors: list[str], shop: Storefront, tmp_path: Path
) -> None:
    app = open_app(f"sqlite:///{tmp_path / 'pos.sqlite3'}")
    try:
        wire(app.ctx, tmp_path / "secrets")
        store = seed(app.ctx, [("MUG-1", 899, 10), ("TEA-1", 250, 50)])
        page = SyncPage(app.ctx, store.owner, currency("GBP"))
        qtbot.addWidget(page)
        page.show()
        qtbot.waitUntil(lambda: "Not linked" in page.link_label.text(), timeout=WAIT)
        assert not page.sync_button.isEnabled()
        qtbot.keyClicks(page.url_edit, shop.url)
        qtbot.keyClicks(page.token_edit, shop.token)
        qtbot.keyClick(page.token_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Linked to" in page.result_label.text(), timeout=WAIT)
        assert page.token_edit.text() == ""
        qtbot.waitUntil(lambda: page.sync_button.isEnabled(), timeout=WAIT)

        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.local_table.rowCount() == 2, timeout=WAIT)
        assert {page.local_table.item(r, 0).text() for r in range(2)} == {"MUG-1", "TEA-1"}
        qtbot.mouseClick(page.create_all_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.local_table.rowCount() == 0, timeout=WAIT)
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: len(shop.products) == 2, timeout=WAIT)
        qtbot.waitUntil(lambda: "went through" in page.cycle_label.text(), timeout=WAIT)
        assert ops.wait_idle(WAIT)
        texts = [w.text() for w in page.findChildren(QLabel)] + [
            t.item(r, c).text()
            for t in page.findChildren(QTableWidget)
            for r in range(t.rowCount())
            for c in range(t.columnCount())
        ]
        assert not any(shop.token in t for t in texts)
        assert shown_errors == []
    finally:
        app.close()


def test_the_status_bar_says_where_the_sync_stands() -> None:
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert describe(sync.SyncStatus(False)) == ("", "")
    text, tip = describe(
        sync.SyncStatus(True, "https://shop.example", last_cycle_at=at, last_ok=True)
    )
    assert text.startswith("Storefront: synced") and tip == "https://shop.example"
    text, tip = describe(
        sync.SyncStatus(True, "https://s", last_cycle_at=at, last_ok=False, last_error="down")
    )
    assert text.startswith("Storefront: offline since") and tip.endswith("down")
