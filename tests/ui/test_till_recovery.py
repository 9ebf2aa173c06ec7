"""An open cart survives a crash; held carts come back; a cashier switch by PIN keeps
each cashier's cart their own."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from tests.ui.test_till_support import (
    CASHIER,
    CASHIER2,
    WAIT,
    Store,
    _own_settings,
    cashier_till,
    dialog_of,
    open_till,
    scan,
    sign_in,
    store,
    store_url,
    type_into,
    type_pin,
    windows,
)
from ui import ops

__all__ = ["_own_settings", "store", "store_url", "windows"]


def _lines(till: Any) -> list[tuple[str, int]]:
    return [(ln.name, ln.quantity) for ln in till.model.lines]


def test_an_open_cart_survives_a_crash(
    qtbot: Any, windows: Any, store: Store, tmp_path: Path
) -> None:
    _window, till = cashier_till(qtbot, windows, store)
    scan(qtbot, till, store.barcodes["TEA"])
    scan(qtbot, till, store.barcodes["COFFEE"])
    qtbot.keyClick(till.box, Qt.Key.Key_Plus)  # 2 coffees
    qtbot.waitUntil(lambda: ("Ground coffee 227 g", 2) in _lines(till), timeout=WAIT)
    assert ops.wait_idle(10)
    before = _lines(till)

    # The power goes: what is on the disk now is all there is (the database file and its
    # write-ahead log, copied while the app is still running, as a power cut leaves them).
    source = Path(store.url.removeprefix("sqlite:///"))
    crashed = tmp_path / "after-the-crash"
    crashed.mkdir()
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", crashed / f"pos.sqlite3{suffix}")

    again = windows(f"sqlite:///{crashed / 'pos.sqlite3'}")
    sign_in(qtbot, again, CASHIER[0], CASHIER[1])
    restored = again.till
    assert restored is not None
    qtbot.waitUntil(lambda: restored.loaded, timeout=WAIT)
    assert restored.shift is not None  # the shift is still open: no float asked for
    qtbot.waitUntil(lambda: restored.selling, timeout=WAIT)
    assert _lines(restored) == before == [("Breakfast tea 80 bags", 1), ("Ground coffee 227 g", 2)]
    assert restored.totals.total.text() == "£12.99"
    assert restored.view is not None and till.view is not None
    assert restored.view.client_id == till.view.client_id  # the same cart, not a copy


def test_hold_and_recall(qtbot: Any, windows: Any, store: Store) -> None:
    _window, till = cashier_till(qtbot, windows, store)
    scan(qtbot, till, store.barcodes["TEA"])
    qtbot.keyClick(till.box, Qt.Key.Key_F8)
    hold = dialog_of(qtbot, till, "holdDialog")
    type_into(qtbot, hold, "valueInput", "red coat")
    qtbot.keyClick(hold.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: till.view is not None and not till.view.lines, timeout=WAIT)
    assert "Sale held" in till.message.text()

    scan(qtbot, till, store.barcodes["MILK"])
    qtbot.waitUntil(till.window().isActiveWindow, timeout=WAIT)
    qtbot.keyClick(till.box, Qt.Key.Key_F9)
    held = dialog_of(qtbot, till, "heldCartsDialog")
    qtbot.waitUntil(lambda: held.list.count() == 1, timeout=WAIT)
    assert held.list.item(0).text().split(" · ", 1)[1].startswith("red coat · 1 item · £3.49")
    qtbot.mouseClick(held.recall_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _lines(till) == [("Breakfast tea 80 bags", 1)], timeout=WAIT)

    # The milk sale was held in its place: nothing is lost by a recall
    qtbot.waitUntil(till.window().isActiveWindow, timeout=WAIT)
    qtbot.keyClick(till.box, Qt.Key.Key_F9)
    held = dialog_of(qtbot, till, "heldCartsDialog")
    qtbot.waitUntil(lambda: held.list.count() == 1, timeout=WAIT)
    assert "Whole milk 1 l" in held.list.item(0).text()
    held.reject()


def test_a_cashier_switch_by_pin_keeps_each_cart_apart(
    qtbot: Any, windows: Any, store: Store
) -> None:
    window = windows(store.url)
    sign_in(qtbot, window, CASHIER[0], CASHIER[1])
    till = open_till(qtbot, window)
    scan(qtbot, till, store.barcodes["HONEY"])

    qtbot.keyClick(till.box, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    pad = dialog_of(qtbot, till, "switchPinPad")
    type_pin(qtbot, pad, CASHIER2[0], "0000")  # a wrong PIN: refused, counted
    qtbot.waitUntil(lambda: pad.message.text() == "Wrong username or PIN.", timeout=WAIT)
    assert window.actor is not None and window.actor.username == CASHIER[0]
    type_pin(qtbot, pad, CASHIER2[0], CASHIER2[2])
    qtbot.waitUntil(
        lambda: window.actor is not None and window.actor.username == CASHIER2[0], timeout=WAIT
    )
    qtbot.waitUntil(lambda: till.view is not None and not till.view.lines, timeout=WAIT)
    assert till.actor.username == CASHIER2[0]
    status = window.findChild(QLabel, "statusUser")
    assert status is not None and status.text() == "Cleo Cashier (cashier)"
    scan(qtbot, till, store.barcodes["JAM"])

    # Carl comes back: his honey is waiting; Cleo's jam stays on her cart
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)
    qtbot.keyClick(till.box, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    pad = dialog_of(qtbot, till, "switchPinPad")
    type_pin(qtbot, pad, CASHIER[0], CASHIER[2])
    qtbot.waitUntil(lambda: _lines(till) == [("Clear honey 454 g", 1)], timeout=WAIT)
    assert ops.wait_idle(10)
