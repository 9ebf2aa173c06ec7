"""The card terminal's interface. The POS keeps only what a receipt and a refund need:
brand, last four digits, the authorisation code and the terminal's reference. Card
numbers never reach the POS.

Every call carries a reference the POS chose and recorded first (see
:mod:`pos.services.cards`). Terminals treat the reference as an idempotency key: asking
again with the same reference never moves money twice, it answers what happened the first
time; and :meth:`PaymentTerminal.status` answers "what happened to reference X" after a
crash, as real terminal APIs do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

CardKind = Literal["charge", "refund"]


@dataclass(frozen=True, slots=True)
class CardResult:
    approved: bool
    reason: str = ""  # why it was declined
    brand: str = ""
    last4: str = ""
    auth_code: str = ""
    terminal_ref: str = ""


class TerminalUnavailable(Exception):
    """The terminal did not answer. Whether money moved is unknown until
    :meth:`PaymentTerminal.status` answers for the reference."""


class PaymentTerminal(Protocol):
    def charge(self, amount_minor: int, currency: str, reference: str) -> CardResult: ...

    def refund(self, amount_minor: int, currency: str, reference: str) -> CardResult: ...

    def status(self, reference: str) -> CardResult | None:
        """The answer given for ``reference``, or ``None`` when the terminal never acted
        on it (nothing was charged or refunded). Raises :class:`TerminalUnavailable`."""
        ...
