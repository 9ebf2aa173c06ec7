"""The till's keys: one table that makes the shortcuts (:func:`make_actions`), the on-screen
key strip, the labels of the touch buttons and the F1 help, so the four can never disagree.

Function keys are shortcuts of the till screen (they work wherever the focus is inside
it). ``+``, ``-`` and ``Del`` act on the cart only while the scan box is empty; with text
in the box they type or delete as usual (``-`` appears in SKUs and names).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.forms import header, label, styled


@dataclass(frozen=True, slots=True)
class KeyAction:
    name: str  # the action's id: "pay", "hold", ...
    key: str  # as QKeySequence reads it ("F12", "Ctrl+P"); "" for keys the box handles
    label: str  # short, for the button and the strip
    help: str  # one sentence for the F1 list
    icon: str = ""
    shown: str = ""  # how the key is printed when it differs from ``key``
    on_strip: bool = True

    @property
    def key_text(self) -> str:
        return self.shown or self.key


KEYMAP: tuple[KeyAction, ...] = (
    KeyAction("help", "F1", "Help", "Show this list of keys.", "help"),
    KeyAction("search", "F2", "Search", "Put the cursor in the scan and search box.", "search"),
    KeyAction(
        "quantity", "F3", "Quantity", "Type a new quantity for the selected line.", "quantity"
    ),
    KeyAction("customer", "F4", "Customer", "Attach a customer to the sale.", "customer"),
    KeyAction(
        "line_discount",
        "F5",
        "Line discount",
        "Discount the selected line (a percent, or an amount).",
        "discount",
    ),
    KeyAction(
        "cart_discount",
        "F6",
        "Sale discount",
        "Discount the whole sale.",
        "discount",
        on_strip=False,
    ),
    KeyAction(
        "price",
        "F7",
        "Price",
        "Sell the selected line at another price (needs a manager).",
        "price",
    ),
    KeyAction("hold", "F8", "Hold", "Park this sale to serve someone else.", "hold"),
    KeyAction("recall", "F9", "Recall", "Bring back a held sale.", "recall"),
    KeyAction("returns", "F10", "Returns", "Refund items from a receipt.", "returns"),
    KeyAction(
        "shift", "F11", "Shift", "X report so far, or close the shift with a cash count.", "shift"
    ),
    KeyAction("pay", "F12", "Pay", "Take payment for the sale.", "cash"),
    KeyAction(
        "remove",
        "",
        "Remove",
        "Remove the selected line (with the scan box empty).",
        "trash",
        shown="Del",
    ),
    KeyAction(
        "more", "", "Qty +1", "One more of the selected line (scan box empty).", "plus", shown="+"
    ),
    KeyAction(
        "less", "", "Qty −1", "One less of the selected line (scan box empty).", "minus", shown="−"
    ),
    KeyAction("back", "", "Back", "Close the search results, or clear the scan box.", shown="Esc"),
    KeyAction(
        "reprint",
        "Ctrl+P",
        "Reprint",
        "Print the last receipt again (or show it, without a printer).",
        "printer",
        on_strip=False,
    ),
    KeyAction(
        "switch",
        "Ctrl+U",
        "Switch cashier",
        "Another cashier takes over the till with a PIN.",
        "switch-user",
        on_strip=False,
    ),
    KeyAction(
        "pay_in",
        "Ctrl+I",
        "Pay in",
        "Put cash into the drawer, with a reason (a manager over the limit).",
        "cash",
        on_strip=False,
    ),
    KeyAction(
        "pay_out",
        "Ctrl+O",
        "Pay out",
        "Take cash out of the drawer, with a reason (a manager over the limit).",
        "cash",
        on_strip=False,
    ),
    KeyAction(
        "no_sale",
        "Ctrl+D",
        "No sale",
        "Open the drawer with nothing sold (recorded with a reason).",
        "cash",
        on_strip=False,
    ),
    KeyAction(
        "void",
        "Ctrl+Del",
        "Clear sale",
        "Abandon the sale (card payments are refunded).",
        "void",
        on_strip=False,
    ),
)
BY_NAME = {a.name: a for a in KEYMAP}
SCAN_BOX_HINT = "Scan a barcode or type to search"
SCAN_BOX_SHORT = "Scan or search"
SCAN_BOX_HELP = (
    "Scan a barcode, or type to search: ↑↓ choose a hit, Enter adds it. "
    "3*code adds three. F1 lists every key."
)


def action(name: str) -> KeyAction:
    return BY_NAME[name]


def button_text(name: str) -> str:
    """A touch button's caption: the label and, smaller in spirit, its key."""
    a = BY_NAME[name]
    return f"{a.label}\n{a.key_text}" if a.key_text else a.label


def make_actions(
    screen: QWidget, buttons: Iterable[tuple[str, QAbstractButton]]
) -> dict[str, QAction]:
    """One action per key on ``screen`` (its shortcut works wherever the focus is inside
    it), triggering ``screen.do_<name>``; each ``(name, button)`` triggers it too."""
    actions: dict[str, QAction] = {}
    for a in KEYMAP:
        act = QAction(a.label, screen)
        act.setObjectName(f"tillAction_{a.name}")
        if a.key:
            act.setShortcut(QKeySequence(a.key))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        act.triggered.connect(getattr(screen, f"do_{a.name}"))
        screen.addAction(act)
        actions[a.name] = act
    for name, button in buttons:
        button.clicked.connect(actions[name].trigger)
    return actions


class KeyStrip(QWidget):
    """The key map along the bottom of the till: ``F1 Help  F2 Search ...``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyStrip")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 3, 10, 3)
        row.setSpacing(12)
        self.pairs: list[QWidget] = []
        for a in KEYMAP:
            if not a.on_strip:
                continue
            holder = QWidget()
            holder.setObjectName(f"keyPair_{a.name}")
            pair = QHBoxLayout(holder)
            pair.setContentsMargins(0, 0, 0, 0)
            pair.setSpacing(4)
            cap = label(a.key_text, "keycap")
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            pair.addWidget(cap)
            pair.addWidget(label(a.label, "keyname"))
            holder.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            row.addWidget(holder)
            self.pairs.append(holder)
        row.addStretch(1)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Show the keys that fit whole, in order; the rest are on the buttons and in F1
        (a key cut in half helps nobody)."""
        super().resizeEvent(event)
        room = self.width() - 20
        spacing = 12
        used = 0
        fits = True
        for holder in self.pairs:
            need = holder.sizeHint().width() + (spacing if used else 0)
            fits = fits and used + need <= room
            if fits:
                used += need
            if holder.isHidden() == fits:
                holder.setVisible(fits)


class KeyHelpDialog(QDialog):
    """F1: every key of the till with what it does (non-modal; Esc or F1 closes it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyHelpDialog")
        self.setWindowTitle("Till keys")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(12)
        layout.addWidget(header("Till keys", SCAN_BOX_HELP))
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        for row, a in enumerate(KEYMAP):
            cap = label(a.key_text, "keycap")
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            cap.setMinimumWidth(70)
            grid.addWidget(cap, row, 0)
            name = QLabel(a.label)
            styled(name, "strong")
            grid.addWidget(name, row, 1)
            grid.addWidget(label(a.help, "muted"), row, 2)
        grid.setColumnStretch(2, 1)
        layout.addLayout(grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(640)
