"""Card operations: recorded before the terminal is called, settled once by a conditional
update (``... WHERE state = 'pending'``), so a live till and a reconciliation running at
the same moment can never both record what one approval means."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, insert, select, update
from sqlalchemy.orm import Session

from db.link import DbLink
from db.models import CardOperation as Row
from db.models import Cart, table
from pos.ports.cards import CardOperation, CardPurpose, CardState, NewCardOperation
from pos.ports.terminal import CardResult

_ops = table(Row)
_INSERT = insert(_ops).returning(_ops.c.id)
_COLUMNS = (
    _ops.c.id,
    _ops.c.ref,
    _ops.c.kind,
    _ops.c.purpose,
    _ops.c.state,
    _ops.c.register_id,
    _ops.c.cart_id,
    _ops.c.original_id,
    _ops.c.order_id,
    _ops.c.user_id,
    _ops.c.amount_minor,
    _ops.c.currency,
    _ops.c.request,
    _ops.c.created_at,
)


def _op(r: Any) -> CardOperation:
    return CardOperation(
        id=int(r.id),
        ref=r.ref,
        kind=r.kind,
        purpose=CardPurpose(r.purpose),
        state=CardState(r.state),
        register_id=int(r.register_id),
        cart_id=r.cart_id,
        original_id=r.original_id,
        order_id=r.order_id,
        user_id=r.user_id,
        amount_minor=int(r.amount_minor),
        currency=r.currency,
        request=dict(r.request or {}),
        created_at=r.created_at,
    )


class SqlCardOperationRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    def begin(self, op: NewCardOperation) -> int:
        return int(
            self.link.connection.execute(
                _INSERT,
                {
                    "ref": op.ref,
                    "group_ref": op.ref,
                    "kind": op.kind,
                    "purpose": op.purpose.value,
                    "state": CardState.PENDING.value,
                    "register_id": op.register_id,
                    "cart_id": op.cart_id,
                    "original_id": op.original_id,
                    "user_id": op.user_id,
                    "amount_minor": op.amount_minor,
                    "currency": op.currency,
                    "request": op.request,
                    "reason": "",
                    "created_at": op.at,
                },
            ).scalar_one()
        )

    def get(self, ref: str) -> CardOperation | None:
        row = self.link.connection.execute(select(*_COLUMNS).where(_ops.c.ref == ref)).first()
        return None if row is None else _op(row)

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
        values: dict[str, Any] = {"state": state.value, "resolved_at": at, "order_id": order_id}
        if result is not None:
            values.update(
                card_brand=result.brand or None,
                card_last4=result.last4 or None,
                auth_code=result.auth_code or None,
                terminal_ref=result.terminal_ref or None,
                reason=result.reason[:200],
            )
        done = self.link.connection.execute(
            update(_ops).where(_ops.c.ref == ref, _ops.c.state == was.value).values(**values)
        )
        return done.rowcount == 1

    def set_order(self, ref: str, order_id: int) -> None:
        self.link.connection.execute(
            update(_ops).where(_ops.c.ref == ref).values(order_id=order_id)
        )

    def pending(self, register_id: int | None, older_than: datetime | None) -> list[CardOperation]:
        q = select(*_COLUMNS).where(_ops.c.state == CardState.PENDING.value)
        if register_id is not None:
            q = q.where(_ops.c.register_id == register_id)
        if older_than is not None:
            q = q.where(_ops.c.created_at < older_than)
        return [_op(r) for r in self.link.connection.execute(q.order_by(_ops.c.id))]

    def pending_for_original(self, order_id: int) -> bool:
        return bool(
            self.link.connection.execute(
                select(
                    exists().where(
                        _ops.c.original_id == order_id, _ops.c.state == CardState.PENDING.value
                    )
                )
            ).scalar()
        )

    def set_cart_pending(self, cart_id: int, ref: str | None) -> None:
        self.link.connection.execute(
            update(table(Cart)).where(table(Cart).c.id == cart_id).values(pending_ref=ref)
        )
