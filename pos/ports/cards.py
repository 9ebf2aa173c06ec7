"""Card operations: every call to the card terminal is recorded before it is made, and
its answer recorded after (see :mod:`pos.services.cards`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pos.ports.terminal import CardKind, CardResult


class CardPurpose(StrEnum):
    """What an approval means for the books."""

    TENDER = "tender"  # a card payment on an open cart
    REFUND = "refund"  # money back for some units of a recorded sale
    VOID = "void"  # money back for a whole sale
    CLEAR = "clear"  # the card payments of an abandoned cart given back
    REVERSE = "reverse"  # a charge given back because it could not be recorded


class CardState(StrEnum):
    PENDING = "pending"  # recorded; the terminal may or may not have acted
    APPROVED = "approved"  # approved, and what it means is recorded
    DECLINED = "declined"
    FAILED = "failed"  # the terminal never acted on it


@dataclass(frozen=True, slots=True)
class NewCardOperation:
    ref: str
    kind: CardKind
    purpose: CardPurpose
    register_id: int
    amount_minor: int
    currency: str
    user_id: int | None
    at: datetime
    cart_id: int | None = None
    original_id: int | None = None
    request: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CardOperation:
    id: int
    ref: str
    kind: CardKind
    purpose: CardPurpose
    state: CardState
    register_id: int
    cart_id: int | None
    original_id: int | None
    order_id: int | None
    user_id: int | None
    amount_minor: int
    currency: str
    request: dict[str, Any]
    created_at: datetime


class CardOperationRepo(Protocol):
    def begin(self, op: NewCardOperation) -> int:
        """Record an operation about to be asked of the terminal (state pending)."""
        ...

    def get(self, ref: str) -> CardOperation | None: ...

    def set_order(self, ref: str, order_id: int) -> None:
        """The order an approved refund or void was recorded as."""
        ...

    def settle(
        self,
        ref: str,
        state: CardState,
        result: CardResult | None,
        at: datetime,
        *,
        was: CardState = CardState.PENDING,
        order_id: int | None = None,
    ) -> bool:
        """Move an operation from ``was`` (pending) to ``state`` with the terminal's answer;
        False (and no change) when it was no longer ``was``: someone settled it first."""
        ...

    def pending(self, register_id: int | None, older_than: datetime | None) -> list[CardOperation]:
        """Pending operations, oldest first (of one register, created before a time)."""
        ...

    def pending_for_original(self, order_id: int) -> bool: ...

    def set_cart_pending(self, cart_id: int, ref: str | None) -> None:
        """Mark the cart as waiting for the terminal (``ref``), or free it (``None``)."""
        ...
