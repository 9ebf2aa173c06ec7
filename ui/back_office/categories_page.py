"""Categories as a tree: add (Insert: under the selected one; Ctrl+N: at the top),
rename (F2), move (Ctrl+M: type the new parent's path, empty for the top level) and merge
(Ctrl+G: type the path to merge into). Every change is one call to
:mod:`pos.services.categories`, which checks the permission and keeps paths true."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos.ports.categories import CategoryNode
from pos.ports.staff import Actor
from pos.services import categories as cats
from pos.services import labels
from pos.services.context import ServiceContext
from ui import ops
from ui.back_office.order_actions import ask_fields
from ui.forms import MessageLine, button_bar, label
from ui.labels_dialog import LabelsDialog, open_labels_dialog

ID_ROLE = Qt.ItemDataRole.UserRole


def _parent_id(ctx: ServiceContext, path: str) -> int | None:
    return cats.find_path(ctx, path).id if path.strip() else None


def move_to_path(ctx: ServiceContext, actor: Actor, category_id: int, path: str) -> int:
    """On the worker: the typed parent path resolved, then the move."""
    return cats.move_category(ctx, actor, category_id, _parent_id(ctx, path))


def merge_into_path(ctx: ServiceContext, actor: Actor, category_id: int, path: str) -> int:
    return cats.merge_categories(ctx, actor, category_id, cats.find_path(ctx, path).id)


class CategoriesPage(QWidget):
    def __init__(self, ctx: ServiceContext, actor: Actor) -> None:
        super().__init__()
        self.setObjectName("categoriesPage")
        self.ctx, self.actor = ctx, actor
        self.nodes: list[CategoryNode] = []
        self.labels_dialog: LabelsDialog | None = None
        self.tree = QTreeWidget()
        self.tree.setObjectName("categoryTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Category", "Products"])
        self.tree.setEditTriggers(QTreeWidget.EditTrigger.NoEditTriggers)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.tree.setColumnWidth(1, 110)
        self.message = MessageLine("categoriesMessage")
        bar = button_bar(
            (
                ("Add at top (Ctrl+N)", "categoryAddTop", self.do_add_top),
                ("Add under (Ins)", "categoryAdd", self.do_add),
                ("Rename (F2)", "categoryRename", self.do_rename),
                ("Move (Ctrl+M)", "categoryMove", self.do_move),
                ("Merge into (Ctrl+G)", "categoryMerge", self.do_merge),
                ("Shelf labels (Ctrl+L)", "categoryLabels", self.do_labels),
            )
        )
        box = QVBoxLayout(self)
        box.setContentsMargins(16, 14, 16, 12)
        box.addWidget(label("Categories", "title"))
        box.addWidget(
            label(
                "Moving or renaming a category takes its sub-categories with it; merging "
                "moves its products and sub-categories into another and removes it.",
                "muted",
            )
        )
        box.addLayout(bar)
        box.addWidget(self.message)
        box.addWidget(self.tree, 1)
        self.refresh()

    def set_actor(self, actor: Actor) -> None:
        self.actor = actor

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        actions: dict[tuple[int, bool], Callable[[], None]] = {
            (Qt.Key.Key_Insert, False): self.do_add,
            (Qt.Key.Key_N, True): self.do_add_top,
            (Qt.Key.Key_F2, False): self.do_rename,
            (Qt.Key.Key_M, True): self.do_move,
            (Qt.Key.Key_G, True): self.do_merge,
            (Qt.Key.Key_L, True): self.do_labels,
        }
        action = actions.get((key, ctrl))
        if action is None:
            super().keyPressEvent(event)
            return
        action()

    def refresh(self, select: str | None = None) -> None:
        ops.run(
            cats.category_tree,
            self.ctx,
            self.actor,
            on_done=lambda nodes: self._show(nodes, select),
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def _show(self, nodes: list[CategoryNode], select: str | None) -> None:
        current = self.selected_path() if select is None else select
        self.nodes = nodes
        self.tree.clear()
        items: dict[int, QTreeWidgetItem] = {}
        chosen: QTreeWidgetItem | None = None
        for n in nodes:  # path order: parents first
            parent = items.get(n.parent_id) if n.parent_id is not None else None
            item = QTreeWidgetItem([n.name, f"{n.products:,}" if n.products else ""])
            item.setData(0, ID_ROLE, n.id)
            item.setData(0, Qt.ItemDataRole.ToolTipRole, n.path)
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            items[n.id] = item
            if n.path == current:
                chosen = item
        self.tree.expandAll()
        if chosen is not None:
            self.tree.setCurrentItem(chosen)
        elif (first := self.tree.topLevelItem(0)) is not None:
            self.tree.setCurrentItem(first)
        self.tree.setFocus()

    def selected(self) -> CategoryNode | None:
        item = self.tree.currentItem()
        if item is not None:
            cid = item.data(0, ID_ROLE)
            for n in self.nodes:
                if n.id == cid:
                    return n
        self.message.show_error("Choose a category in the tree first.")
        return None

    def selected_path(self) -> str | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        return str(item.data(0, Qt.ItemDataRole.ToolTipRole))

    def _run(self, fn: Any, *args: Any, done: str, select: str | None = None) -> None:
        ops.run_and_tell(
            self,
            self.message,
            fn,
            self.ctx,
            self.actor,
            *args,
            done=done,
            then=lambda: self.refresh(select),
        )

    def do_add_top(self) -> None:
        ask_fields(
            self,
            "Add a category at the top",
            [("Name", "categoryName")],
            lambda v: self._run(cats.add_category, v[0], None, done=f"{v[0]} added.", select=v[0]),
        )

    def do_add(self) -> None:
        if (n := self.selected()) is None:
            return
        ask_fields(
            self,
            f"Add a category under {n.path}",
            [("Name", "categoryName")],
            lambda v: self._run(
                cats.add_category, v[0], n.id, done=f"{v[0]} added.", select=f"{n.path}/{v[0]}"
            ),
        )

    def do_rename(self) -> None:
        if (n := self.selected()) is None:
            return
        dialog = ask_fields(
            self,
            f"Rename {n.path}",
            [("New name", "categoryName")],
            lambda v: self._run(cats.rename_category, n.id, v[0], done="Renamed."),
        )
        dialog.edits[0].setText(n.name)
        dialog.edits[0].selectAll()

    def do_move(self) -> None:
        if (n := self.selected()) is None:
            return
        ask_fields(
            self,
            f"Move {n.path}",
            [("New parent (a path; empty: the top level)", "categoryParent")],
            lambda v: self._run(
                move_to_path,
                n.id,
                v[0],
                done=f"{n.name} moved.",
                select=f"{v[0].strip().strip('/')}/{n.name}" if v[0].strip() else n.name,
            ),
        )

    def do_labels(self) -> None:
        """Shelf labels for every active product of the category (sub-categories too)."""
        if (n := self.selected()) is None:
            return

        def chosen(ids: list[int]) -> None:
            if not ids:
                self.message.show_error(f"{n.path} has no active products to label.")
                return
            self.labels_dialog = open_labels_dialog(self, self.ctx, self.actor, ids)

        ops.run(
            labels.category_product_ids,
            self.ctx,
            self.actor,
            n.id,
            on_done=chosen,
            on_error=ops.shown_on(self.message),
            owner=self,
        )

    def do_merge(self) -> None:
        if (n := self.selected()) is None:
            return
        ask_fields(
            self,
            f"Merge {n.path} into another category",
            [("Merge into (a path)", "categoryInto")],
            lambda v: self._run(
                merge_into_path, n.id, v[0], done=f"{n.path} merged.", select=v[0].strip()
            ),
        )
