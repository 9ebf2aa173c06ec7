"""A simulated card terminal for tills without hardware: a real implementation of
:class:`pos.ports.terminal.PaymentTerminal`.

The POS keeps only what a receipt and a refund need: brand, last four digits, the
authorisation code and the terminal's reference. Card numbers never reach the POS.

Simulated terminal rules, by the minor-unit part of the amount (like card-network test
amounts), so anyone can trigger each outcome from the till:

=================  =========================================
amount ends in     outcome
=================  =========================================
``.51``            declined: insufficient funds
``.52``            declined: card expired
``.53``            declined: PIN incorrect
``.54``            terminal unreachable (a retry may succeed)
anything else      approved
=================  =========================================

Refunds to a card are always approved. Amounts of 0 or below are refused.
"""

from __future__ import annotations

import itertools
import threading

from pos.ports.terminal import CardResult, TerminalUnavailable

DECLINES = {51: "insufficient funds", 52: "card expired", 53: "PIN incorrect"}
UNREACHABLE = 54
_BRANDS = ("VISA", "MASTERCARD", "AMEX", "MAESTRO")


class SimulatedTerminal:
    """A deterministic stand-in for a card terminal (see the module's table of rules)."""

    def __init__(self) -> None:
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def _next(self) -> int:
        with self._lock:
            return next(self._seq)

    def charge(self, amount_minor: int, currency: str, reference: str) -> CardResult:
        if amount_minor <= 0:
            raise ValueError("a card charge must be above zero")
        n = self._next()
        cents = amount_minor % 100
        if cents == UNREACHABLE:
            raise TerminalUnavailable("The card terminal did not answer; nothing was charged.")
        if cents in DECLINES:
            return CardResult(False, DECLINES[cents], terminal_ref=f"SIM-{n:06d}")
        return self._approved(n, reference)

    def refund(self, amount_minor: int, currency: str, reference: str) -> CardResult:
        if amount_minor <= 0:
            raise ValueError("a card refund must be above zero")
        return self._approved(self._next(), reference)

    @staticmethod
    def _approved(n: int, reference: str) -> CardResult:
        return CardResult(
            True,
            brand=_BRANDS[n % len(_BRANDS)],
            last4=f"{(4242 + n * 7) % 10000:04d}",
            auth_code=f"A{(n * 7919) % 1000000:06d}",
            terminal_ref=f"SIM-{n:06d}",
        )
