"""Categories page, typed as a manager types: add under the selected category (Ins),
rename (F2), move (Ctrl+M) with the refusal under its own sub-category, merge (Ctrl+G)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from tests.ui.test_back_office_owner import answer, owner_window, shop
from tests.ui.test_till_support import MANAGER, WAIT, Store, _own_settings, windows
from ui import ops
from ui.back_office.categories_page import CategoriesPage

__all__ = ["_own_settings", "shop", "windows"]


def paths(page: CategoriesPage) -> list[str]:
    return [n.path for n in page.nodes]


def select(qtbot: Any, page: CategoriesPage, path: str) -> None:
    qtbot.waitUntil(lambda: path in paths(page), timeout=WAIT)
    cid = next(n.id for n in page.nodes if n.path == path)
    found = [
        it
        for it in page.tree.findItems("", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive)
        if it.data(0, Qt.ItemDataRole.UserRole) == cid
    ]
    page.tree.setCurrentItem(found[0])


def test_add_rename_move_merge_by_keys(qtbot: Any, windows: Any, shop: Store) -> None:
    window = owner_window(qtbot, windows, shop, MANAGER)
    window.show_back_office("categories")
    assert window.back_office is not None
    page = window.back_office.show_page("categories")
    assert isinstance(page, CategoriesPage)
    qtbot.waitUntil(lambda: paths(page) == ["Grocery"], timeout=WAIT)

    qtbot.keyClick(page.tree, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    answer(qtbot, {"categoryName": "Food"})
    select(qtbot, page, "Food")
    qtbot.keyClick(page.tree, Qt.Key.Key_Insert)
    answer(qtbot, {"categoryName": "Dairy"})
    select(qtbot, page, "Food/Dairy")
    qtbot.keyClick(page.tree, Qt.Key.Key_Insert)
    answer(qtbot, {"categoryName": "Cheese"})
    qtbot.waitUntil(lambda: "Food/Dairy/Cheese" in paths(page), timeout=WAIT)

    select(qtbot, page, "Food/Dairy")
    qtbot.keyClick(page.tree, Qt.Key.Key_F2)
    answer(qtbot, {"categoryName": "Milk"})  # the old name is selected: typing replaces it
    qtbot.waitUntil(lambda: "Food/Milk/Cheese" in paths(page), timeout=WAIT)

    select(qtbot, page, "Food")
    qtbot.keyClick(page.tree, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    answer(qtbot, {"categoryParent": "Food/Milk"})
    qtbot.waitUntil(lambda: "inside Food" in page.message.text(), timeout=WAIT)
    assert "Food/Milk/Cheese" in paths(page)

    select(qtbot, page, "Food/Milk")
    qtbot.keyClick(page.tree, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    answer(qtbot, {"categoryParent": "Grocery"})
    qtbot.waitUntil(lambda: "Grocery/Milk/Cheese" in paths(page), timeout=WAIT)

    select(qtbot, page, "Grocery")
    qtbot.keyClick(page.tree, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    answer(qtbot, {"categoryInto": "Food"})
    qtbot.waitUntil(lambda: "Grocery" not in paths(page), timeout=WAIT)
    assert paths(page) == ["Food", "Food/Milk", "Food/Milk/Cheese"]
    food = next(n for n in page.nodes if n.path == "Food")
    assert food.products == len(shop.ids)
    assert ops.wait_idle(10)


def test_ctrl_l_saves_shelf_labels_for_a_category(
    qtbot: Any, windows: Any, shop: Store, tmp_path: Any
) -> None:
    window = owner_window(qtbot, windows, shop, MANAGER)
    window.show_back_office("categories")
    assert window.back_office is not None
    page = window.back_office.show_page("categories")
    assert isinstance(page, CategoriesPage)
    select(qtbot, page, "Grocery")
    qtbot.keyClick(page.tree, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.labels_dialog is not None, timeout=WAIT)
    dialog = page.labels_dialog
    assert dialog is not None
    assert dialog.summary.text() == f"{len(shop.ids)} labels on 1 sheet."
    qtbot.keyClick(dialog.layout_box, Qt.Key.Key_Down)  # 2 x 7
    target = tmp_path / "labels.pdf"
    dialog.path.selectAll()
    qtbot.keyClicks(dialog.path, str(target))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    qtbot.waitUntil(target.exists, timeout=WAIT)
    assert target.read_bytes().startswith(b"%PDF")
    assert ops.wait_idle(10)
