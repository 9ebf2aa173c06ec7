"""Cash in and out of the drawer at the till: a pay-in or a pay-out with a reason, and
"no sale" (the drawer opened with nothing sold). Each is recorded in the shift (counted
in the X and Z reports) and in the audit log by :func:`pos.services.shifts.cash_movement`;
a pay-in or pay-out above the store's limit opens the PIN pad for a manager, like any
other approval on the till. "No sale" then opens the drawer through the register's
ESC/POS printer, when it has one that kicks the drawer.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from pos.adapters.printing import EscposPrinter
from pos.domain.receipt import PrinterConfig
from pos.domain.staff import Permission
from pos.ports.staff import Actor, Approval
from pos.services import settings, shifts, till
from pos.services.context import ServiceContext
from ui import ops
from ui.back_office.order_actions import ask_fields

TITLES = {"pay_in": "Pay in", "pay_out": "Pay out", "drawer_open": "No sale"}


def move_cash(
    ctx: ServiceContext,
    actor: Actor,
    register_id: int,
    kind: str,
    amount_text: str,
    reason: str,
    approver: Approval | None = None,
) -> tuple[str, PrinterConfig | None]:
    """On the worker: the amount typed (in the store's currency), the movement recorded;
    (what to tell the cashier, the printer that opens the drawer for a no-sale)."""
    s = settings.get_settings(ctx)
    money = s.money
    minor = 0 if kind == "drawer_open" else money.to_minor(money.parse(amount_text, "amount"))
    figures = shifts.cash_movement(ctx, actor, register_id, kind, minor, reason, approver)
    if kind == "drawer_open":
        printer = till.receipt_printer(ctx, register_id)
        return "No sale recorded.", printer if printer.kick_drawer else None
    done = "Paid in" if kind == "pay_in" else "Paid out"
    expected = money.format(money.from_minor(figures.expected_cash_minor))
    return f"{done} {money.format(money.from_minor(minor))}. Cash expected: {expected}.", None


def open_drawer(config: PrinterConfig) -> None:
    EscposPrinter(config).open_drawer()


class CashActions(QObject):
    def __init__(self, screen: Any) -> None:
        super().__init__(screen)
        self.screen = screen

    def ask(self, kind: str) -> None:
        s = self.screen
        if not s.loaded or s.register is None or s.shift is None:
            s.message.show_error("Open the shift first.")
            return
        fields = [("Reason", "cashReason")]
        if kind != "drawer_open":
            fields.insert(0, ("Amount", "cashAmount"))
        ask_fields(s, TITLES[kind], fields, lambda v: self._submit(kind, v))

    def _submit(self, kind: str, values: list[str]) -> None:
        s = self.screen
        amount, reason = (values[0], values[1]) if kind != "drawer_open" else ("0", values[0])
        register_id = s.session.register_id

        def submit(approver: Approval | None, on_done: Any, on_error: Any) -> None:
            ops.run(
                move_cash,
                s.ctx,
                s.actor,
                register_id,
                kind,
                amount,
                reason,
                approver,
                on_done=on_done,
                on_error=on_error,
                owner=s,
            )

        s.approval.run(
            s.actor,
            register_id,
            Permission.CASH_OVER_LIMIT,
            submit,
            on_done=self._done,
            on_error=s.show_error,
        )

    def _done(self, result: tuple[str, PrinterConfig | None]) -> None:
        text, drawer = result
        self.screen.message.show_notice(text)
        if drawer is not None:
            ops.run_network(open_drawer, drawer, on_error=self.screen.show_error, owner=self.screen)
