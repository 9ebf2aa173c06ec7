"""The card terminal's interface. The POS keeps only what a receipt and a refund need:
brand, last four digits, the authorisation code and the terminal's reference. Card
numbers never reach the POS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CardResult:
    approved: bool
    reason: str = ""
    brand: str = ""
    last4: str = ""
    auth_code: str = ""
    terminal_ref: str = ""


class TerminalUnavailable(Exception):
    """The terminal did not answer; nothing was charged."""


class PaymentTerminal(Protocol):
    def charge(self, amount_minor: int, currency: str, reference: str) -> CardResult: ...

    def refund(self, amount_minor: int, currency: str, reference: str) -> CardResult: ...
