"""The back office's frame: a navigation list of the pages the signed-in user may open,
under their headings (Sales, Catalog, Stock, Admin), and the page shown beside it.

Keyboard first: Ctrl+PgDown / Ctrl+PgUp go to the next / previous page, the navigation
list takes ↑↓ (headings are skipped) and Enter, and each page keeps its own focus. Pages
are built the first time they are shown (:mod:`ui.back_office.pages`) and kept.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QWidget,
)

from pos.ports.settings import StoreSettings
from pos.ports.staff import Actor
from pos.services.context import ServiceContext
from ui import theme
from ui.back_office.pages import PAGES, PageContext, PageSpec
from ui.live import LiveEvents

NAV_WIDTH = 200


class BackOffice(QWidget):
    page_changed = Signal(str)  # the key of the page now shown

    def __init__(
        self,
        ctx: ServiceContext,
        actor: Actor,
        settings: StoreSettings,
        register_code: str,
        parent: QWidget | None = None,
        live: LiveEvents | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("backOffice")
        self.pc = PageContext(ctx, actor, settings, register_code, self, live)
        self._built: dict[str, QWidget] = {}
        self._specs: list[PageSpec] = []

        self.nav = QListWidget()
        self.nav.setObjectName("backOfficeNav")
        self.nav.setFixedWidth(NAV_WIDTH)
        self.nav.setIconSize(QSize(20, 20))
        self.nav.currentRowChanged.connect(self._row_changed)
        self.stack = QStackedWidget()
        self.stack.setObjectName("backOfficePages")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        for keys, step in (("Ctrl+PgDown", 1), ("Ctrl+PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self._step(step))
        self._fill_nav()

    # -- navigation -------------------------------------------------------------------

    def _fill_nav(self) -> None:
        self.nav.blockSignals(True)
        self.nav.clear()
        self._specs = [s for s in PAGES if self.pc.actor.role.at_least(s.min_role)]
        group = ""
        for spec in self._specs:
            if spec.group and spec.group != group:
                heading = QListWidgetItem(spec.group.upper())
                heading.setFlags(Qt.ItemFlag.NoItemFlags)  # not a page: ↑↓ skip it
                heading.setData(Qt.ItemDataRole.AccessibleDescriptionRole, "heading")
                self.nav.addItem(heading)
            group = spec.group
            item = QListWidgetItem(theme.icon(spec.icon), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.nav.addItem(item)
        self.nav.blockSignals(False)

    def _nav_row(self, key: str) -> int:
        """The navigation row of page ``key`` (headings take rows too)."""
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                return row
        return -1

    def keys(self) -> list[str]:
        """The pages the signed-in user may open, in order."""
        return [s.key for s in self._specs]

    def _step(self, step: int) -> None:
        keys = self.keys()
        if keys:
            current = self.current_key()
            at = keys.index(current) if current in keys else -step
            self.show_page(keys[(at + step) % len(keys)])

    def _row_changed(self, row: int) -> None:
        item = self.nav.item(row)
        key = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        if key:
            self.show_page(key)

    def show_page(self, key: str, **kwargs: Any) -> QWidget | None:
        """Show (building it the first time) the page ``key``; ``kwargs`` go to its
        ``show_with``. None when the signed-in user may not open it."""
        spec = next((s for s in self._specs if s.key == key), None)
        if spec is None:
            return None
        page = self._built.get(key)
        if page is None:
            page = self._built[key] = spec.build(self.pc)
            page.setProperty("pageKey", key)
            self.stack.addWidget(page)
        elif hasattr(page, "refresh"):
            page.refresh()
        if kwargs and hasattr(page, "show_with"):
            page.show_with(**kwargs)
        self.stack.setCurrentWidget(page)
        row = self._nav_row(key)
        if self.nav.currentRow() != row:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(row)
            self.nav.blockSignals(False)
        self.page_changed.emit(key)
        return page

    def page(self, key: str) -> QWidget | None:
        """The page ``key`` if it was built."""
        return self._built.get(key)

    def current_key(self) -> str | None:
        page = self.stack.currentWidget()
        return None if page is None else page.property("pageKey")

    # -- the signed-in user and the look ----------------------------------------------

    def set_actor(self, actor: Actor) -> None:
        self.pc.actor = actor
        current = self.current_key()
        self._fill_nav()
        for key, page in list(self._built.items()):
            if key not in self.keys():
                self.stack.removeWidget(page)
                page.deleteLater()
                del self._built[key]
            elif hasattr(page, "set_actor"):
                page.set_actor(actor)
        if current in self.keys():
            self.show_page(current)
        elif self._specs:
            self.show_page(self._specs[0].key)

    def refresh_icons(self) -> None:
        for spec in self._specs:
            item = self.nav.item(self._nav_row(spec.key))
            if item is not None:
                item.setIcon(theme.icon(spec.icon))
        for page in self._built.values():
            if hasattr(page, "refresh_icons"):
                page.refresh_icons()
