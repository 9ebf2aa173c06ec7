"""Money on the card terminal never moves without a record.

Rules:
- The terminal is never called inside a database transaction. First an *intent* is
  committed (a card operation: amount, kind, purpose and a fresh reference the terminal
  echoes back); then the terminal is asked, with that reference; then its answer and what
  the answer means for the books (a tender on the cart, the refund or void order, the
  cart cleared) are recorded together in a second transaction.
- While an operation is in flight its cart cannot change, and its sale cannot be
  refunded or voided again, so the second transaction records exactly what was asked.
- A crash between the two (or a terminal that did not answer) leaves the intent
  pending. :func:`reconcile` asks the terminal what happened to each pending reference
  ("status of ref X") and records it then: approved -> recorded as if the till had heard
  the answer; never acted on -> failed, the cart freed; declined -> declined. The till
  reconciles its register when it starts; ``pos cards reconcile`` does it on demand.
- Settling is a conditional update of the pending intent, so a till and a reconciliation
  acting at the same moment never both record one approval. If a charge turns out to be
  approved after its intent was given up, the money is given back (a ``reverse``
  operation, recorded first like every other).
- Terminal money always equals book money: approved charges minus approved refunds equal
  the card payments of recorded orders plus the card tenders on carts not yet sold.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pos.domain.errors import PaymentDeclined, TerminalError
from pos.domain.sale import CartStatus, NewPayment, PaymentMethod, Reversal
from pos.ports.cards import CardOperation, CardPurpose, CardState, NewCardOperation
from pos.ports.terminal import CardKind, CardResult, PaymentTerminal, TerminalUnavailable
from pos.ports.uow import UnitOfWork
from pos.services.context import ServiceContext, retry_busy
from pos.services.reversals import record_reversal

# A pending operation younger than this may still be in the hands of a live till.
GRACE = timedelta(minutes=2)


def new_ref() -> str:
    return uuid.uuid4().hex


def terminal(ctx: ServiceContext) -> PaymentTerminal:
    if ctx.terminal is None:
        raise TerminalError("No card terminal is configured on this till.")
    return ctx.terminal


def intent(
    ctx: ServiceContext,
    uow: UnitOfWork,
    kind: CardKind,
    purpose: CardPurpose,
    register_id: int,
    amount_minor: int,
    currency: str,
    user_id: int | None,
    *,
    cart_id: int | None = None,
    original_id: int | None = None,
    request: dict[str, Any] | None = None,
) -> NewCardOperation:
    """Record an operation about to be asked of the terminal, in the caller's unit of
    work (which must commit before the terminal is called); a cart is held meanwhile."""
    op = NewCardOperation(
        ref=new_ref(),
        kind=kind,
        purpose=purpose,
        register_id=register_id,
        amount_minor=amount_minor,
        currency=currency,
        user_id=user_id,
        at=ctx.clock(),
        cart_id=cart_id,
        original_id=original_id,
        request=request or {},
    )
    uow.cards.begin(op)
    if cart_id is not None:
        uow.cards.set_cart_pending(cart_id, op.ref)
    return op


def ask(ctx: ServiceContext, op: NewCardOperation) -> CardResult | None:
    """Call the terminal for a committed intent. ``None``: the terminal did not answer
    and says it never acted on the reference. Raises :class:`TerminalError` when it cannot
    say (the intent stays pending for :func:`reconcile`)."""
    device = terminal(ctx)
    try:
        if op.kind == "charge":
            return device.charge(op.amount_minor, op.currency, op.ref)
        return device.refund(op.amount_minor, op.currency, op.ref)
    except TerminalUnavailable:
        try:
            return device.status(op.ref)
        except TerminalUnavailable:
            raise TerminalError(
                "The card terminal did not answer; the payment will be checked "
                "as soon as it answers again."
            ) from None


@retry_busy
def settle(ctx: ServiceContext, ref: str, result: CardResult | None) -> CardOperation:
    """Record the terminal's answer for ``ref`` and what it means, in one transaction.
    Returns the operation as settled (by this call or, before it, by another)."""
    with ctx.uow() as uow:
        op = uow.cards.get(ref)
        if op is None:
            raise TerminalError(f"No card operation {ref} is recorded.")
        state = _state(result)
        # A refund found approved after it was given up is recorded late: the money is
        # back on the card, so the books must say so.
        late = op.state is CardState.FAILED and state is CardState.APPROVED and op.kind == "refund"
        settled = op
        if op.state is CardState.PENDING or late:
            if uow.cards.settle(ref, state, result, ctx.clock(), was=op.state):
                settled = _record(ctx, uow, op, state, result)
                uow.commit()
            else:
                settled = uow.cards.get(ref) or op  # settled elsewhere meanwhile
    if (
        result is not None
        and result.approved
        and op.kind == "charge"
        and settled.state is not CardState.APPROVED
    ):
        _reverse(ctx, settled)
    return settled


def outcome(settled: CardOperation, result: CardResult | None) -> None:
    """Tell the cashier what the terminal said, when it was not an approval."""
    if result is None:
        raise TerminalError("The card terminal did not answer; nothing was charged.")
    if not result.approved:
        raise PaymentDeclined(result.reason or "declined")
    if settled.state is not CardState.APPROVED:
        raise TerminalError(
            "The card was approved after the till had given up on it; the money was "
            "given back to the card."
        )


def reconcile(
    ctx: ServiceContext, register_id: int | None = None, grace: timedelta = GRACE
) -> list[CardOperation]:
    """Settle every pending operation (of one register) older than ``grace`` with what
    the terminal says happened; the ones it cannot answer for stay pending and are
    returned with the others, as settled."""
    with ctx.read() as uow:
        pending = uow.cards.pending(register_id, ctx.clock() - grace)
    if not pending:
        return []
    device = terminal(ctx)
    out = []
    for op in pending:
        try:
            result = device.status(op.ref)
        except TerminalUnavailable:
            out.append(op)
            continue
        out.append(settle(ctx, op.ref, result))
    return out


def pending_operations(ctx: ServiceContext, register_id: int | None = None) -> list[CardOperation]:
    """Operations still waiting for the terminal's answer to be recorded, oldest first."""
    with ctx.read() as uow:
        return uow.cards.pending(register_id, None)


def _state(result: CardResult | None) -> CardState:
    if result is None:
        return CardState.FAILED
    return CardState.APPROVED if result.approved else CardState.DECLINED


def _record(
    ctx: ServiceContext,
    uow: UnitOfWork,
    op: CardOperation,
    state: CardState,
    result: CardResult | None,
) -> CardOperation:
    """What the answer means, written in the settling transaction."""
    if op.cart_id is not None:
        uow.cards.set_cart_pending(op.cart_id, None)
    if state is CardState.APPROVED and result is not None:
        recorder = _RECORDERS.get(op.purpose)
        if recorder is not None:
            recorder(ctx, uow, op, result)
    elif state is CardState.DECLINED and result is not None:
        uow.audit.record(
            "card_declined",
            op.user_id,
            register_id=op.register_id,
            detail={"ref": op.ref, "amount": op.amount_minor, "reason": result.reason},
        )
    return uow.cards.get(op.ref) or op


def _record_tender(
    ctx: ServiceContext, uow: UnitOfWork, op: CardOperation, result: CardResult
) -> None:
    """An approved charge becomes a card tender on its cart (the cart was held for it)."""
    assert op.cart_id is not None
    uow.sales.add_tender(
        op.cart_id,
        NewPayment(
            PaymentMethod.CARD,
            op.amount_minor,
            result.brand,
            result.last4,
            result.auth_code,
            result.terminal_ref,
        ),
    )


def _record_clear(
    ctx: ServiceContext, uow: UnitOfWork, op: CardOperation, result: CardResult
) -> None:
    """The cart's card payments are back on the card: the cart is abandoned."""
    assert op.cart_id is not None
    uow.sales.set_cart_status(op.cart_id, CartStatus.VOID)
    uow.audit.record(
        "cart_void",
        op.user_id,
        register_id=op.register_id,
        detail={**op.request, "refunded_card": op.amount_minor, "ref": op.ref},
    )


def _record_reversal(
    ctx: ServiceContext, uow: UnitOfWork, op: CardOperation, result: CardResult
) -> None:
    """The card part of a refund or void is back on the card: record its order."""
    sale = record_reversal(ctx, uow, Reversal.from_dict(op.request), result, op.amount_minor)
    uow.cards.set_order(op.ref, sale.id)


# What an approval of each purpose records, in the settling transaction. A ``reverse``
# records nothing: it gives back a charge the books never took.
Recorder = Callable[[ServiceContext, UnitOfWork, CardOperation, CardResult], None]
_RECORDERS: dict[CardPurpose, Recorder] = {
    CardPurpose.TENDER: _record_tender,
    CardPurpose.CLEAR: _record_clear,
    CardPurpose.REFUND: _record_reversal,
    CardPurpose.VOID: _record_reversal,
}


def _reverse(ctx: ServiceContext, op: CardOperation) -> None:
    """Give back a charge approved after its intent was given up (never recorded)."""
    with ctx.uow() as uow:
        back = intent(
            ctx,
            uow,
            "refund",
            CardPurpose.REVERSE,
            op.register_id,
            op.amount_minor,
            op.currency,
            op.user_id,
            request={"reverses": op.ref},
        )
        uow.commit()
    settle(ctx, back.ref, ask(ctx, back))
