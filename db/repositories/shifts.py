"""Registers, shifts, cash movements and the shift figures (X/Z)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Executable, bindparam, func, select, update
from sqlalchemy.orm import Session

from db.link import DbLink
from db.models import CashMovement, Order, OrderLine, Payment, Register, Shift, User, table
from pos.ports.shifts import RegisterView, ShiftFigures, ShiftRow

_shifts = table(Shift)
_regs = table(Register)
_users = table(User)
_CURRENT = (
    select(
        _shifts.c.id,
        _shifts.c.register_id,
        _regs.c.code,
        _users.c.username,
        _shifts.c.opened_at,
        _shifts.c.float_minor,
        _shifts.c.closed_at,
        _shifts.c.z_no,
        _shifts.c.counted_cash_minor,
        _shifts.c.expected_cash_minor,
    )
    .join(_regs, _regs.c.id == _shifts.c.register_id)
    .join(_users, _users.c.id == _shifts.c.opened_by)
    .where(_shifts.c.register_id == bindparam("rid"), _shifts.c.closed_at.is_(None))
)


def _register(r: Register) -> RegisterView:
    return RegisterView(
        r.id,
        r.code,
        r.name,
        r.grand_total_minor,
        r.last_receipt_no,
        r.last_z_no,
        r.printer_kind,
        r.printer_target,
        r.printer_kick_drawer,
    )


class SqlShiftRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    def register_by_code(self, code: str) -> RegisterView | None:
        r = self.s.execute(select(Register).where(Register.code == code)).scalar_one_or_none()
        return None if r is None else _register(r)

    def register(self, register_id: int) -> RegisterView | None:
        r = self.s.get(Register, register_id)
        return None if r is None else _register(r)

    def create_register(self, code: str, name: str) -> RegisterView:
        r = Register(code=code, name=name)
        self.s.add(r)
        self.s.flush()
        return _register(r)

    def set_printer(
        self, register_id: int, kind: str | None, target: str | None, kick: bool | None
    ) -> None:
        r = self.s.get(Register, register_id)
        if r is not None:
            r.printer_kind, r.printer_target, r.printer_kick_drawer = kind, target, kick
            self.s.flush()

    def registers(self) -> list[RegisterView]:
        return [
            _register(r) for r in self.s.execute(select(Register).order_by(Register.code)).scalars()
        ]

    def _row(self, shift: Shift) -> ShiftRow:
        code = self.s.execute(
            select(Register.code).where(Register.id == shift.register_id)
        ).scalar_one()
        opener = self.s.execute(
            select(User.username).where(User.id == shift.opened_by)
        ).scalar_one()
        return ShiftRow(
            shift.id,
            shift.register_id,
            code,
            opener,
            shift.opened_at,
            shift.float_minor,
            shift.closed_at,
            shift.z_no,
            shift.counted_cash_minor,
            shift.expected_cash_minor,
        )

    def current(self, register_id: int) -> ShiftRow | None:
        """The open shift (every sale asks: one indexed Core query)."""
        row = self.link.connection.execute(_CURRENT, {"rid": register_id}).one_or_none()
        if row is None:
            return None
        sid, rid, code, opener, opened, flt, closed, z_no, counted, expected = row
        return ShiftRow(sid, rid, code, opener, opened, flt, closed, z_no, counted, expected)

    def get(self, shift_id: int) -> ShiftRow | None:
        shift = self.s.get(Shift, shift_id)
        return None if shift is None else self._row(shift)

    def insert(self, register_id: int, user_id: int, float_minor: int, at: datetime) -> int:
        shift = Shift(
            register_id=register_id, opened_by=user_id, float_minor=float_minor, opened_at=at
        )
        self.s.add(shift)
        self.s.flush()
        return shift.id

    def add_cash_movement(
        self,
        shift_id: int,
        kind: str,
        amount_minor: int,
        reason: str,
        user_id: int,
        at: datetime,
        approver_id: int | None = None,
    ) -> int:
        movement = CashMovement(
            shift_id=shift_id,
            kind=kind,
            amount_minor=amount_minor,
            reason=reason,
            user_id=user_id,
            at=at,
            approver_id=approver_id,
        )
        self.s.add(movement)
        self.s.flush()
        return movement.id

    def figures(self, shift_id: int) -> ShiftFigures:
        return self.figures_of([shift_id])[shift_id]

    def figures_of(self, shift_ids: Sequence[int]) -> dict[int, ShiftFigures]:
        """The X/Z figures of several shifts at once: five queries, however many shifts
        (the journal's verifier recomputes a year of Z closes)."""
        ids = list(shift_ids)
        shifts = self.s.execute(
            select(Shift, Register.code, Register.grand_total_minor)
            .join(Register, Register.id == Shift.register_id)
            .where(Shift.id.in_(ids))
        ).all()
        kinds: dict[int, dict[str, tuple[int, int, int, int]]] = {}
        for sid, kind, n, sub, disc, tot in self._sums(
            select(
                Order.shift_id,
                Order.kind,
                func.count(Order.id),
                func.coalesce(func.sum(Order.subtotal_minor), 0),
                func.coalesce(func.sum(Order.discount_minor), 0),
                func.coalesce(func.sum(Order.total_minor), 0),
            )
            .where(Order.shift_id.in_(ids))
            .group_by(Order.shift_id, Order.kind)
        ):
            kinds.setdefault(sid, {})[kind] = (int(n), int(sub), int(disc), int(tot))
        taxes: dict[int, dict[Decimal, tuple[int, int]]] = {}
        for sid, rate, net, tax in self._sums(
            select(
                Order.shift_id,
                OrderLine.tax_rate,
                func.coalesce(func.sum(OrderLine.net_minor), 0),
                func.coalesce(func.sum(OrderLine.tax_minor), 0),
            )
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.shift_id.in_(ids))
            .group_by(Order.shift_id, OrderLine.tax_rate)
        ):
            by_rate = taxes.setdefault(sid, {})
            prev = by_rate.get(Decimal(rate), (0, 0))
            by_rate[Decimal(rate)] = (prev[0] + int(net), prev[1] + int(tax))
        tenders: dict[int, dict[str, int]] = {}
        for sid, method, amount in self._sums(
            select(
                Payment.shift_id, Payment.method, func.coalesce(func.sum(Payment.amount_minor), 0)
            )
            .where(Payment.shift_id.in_(ids))
            .group_by(Payment.shift_id, Payment.method)
        ):
            tenders.setdefault(sid, {})[method] = int(amount)
        moves: dict[int, dict[str, int]] = {}
        for sid, kind, amount in self._sums(
            select(
                CashMovement.shift_id,
                CashMovement.kind,
                func.coalesce(func.sum(CashMovement.amount_minor), 0),
            )
            .where(CashMovement.shift_id.in_(ids))
            .group_by(CashMovement.shift_id, CashMovement.kind)
        ):
            moves.setdefault(sid, {})[kind] = int(amount)
        return {
            shift.id: _figures(
                shift,
                code,
                grand_total,
                kinds.get(shift.id, {}),
                taxes.get(shift.id, {}),
                tenders.get(shift.id, {}),
                moves.get(shift.id, {}),
            )
            for shift, code, grand_total in shifts
        }

    def _sums(self, query: Executable) -> list[Any]:
        """Rows of sums by shift (the shift ids are never NULL: the query asks for some)."""
        return list(self.s.execute(query).all())

    def next_z_no(self, register_id: int) -> int:
        return int(
            self.s.execute(
                update(Register)
                .where(Register.id == register_id)
                .values(last_z_no=Register.last_z_no + 1)
                .returning(Register.last_z_no)
            ).scalar_one()
        )

    def close(
        self,
        shift_id: int,
        user_id: int,
        *,
        expected: int,
        counted: int,
        z_no: int,
        z_hash: str,
        z_seq: int,
        detail: dict[str, int],
        at: datetime,
    ) -> None:
        self.s.execute(
            update(Shift)
            .where(Shift.id == shift_id, Shift.closed_at.is_(None))
            .values(
                closed_by=user_id,
                closed_at=at,
                expected_cash_minor=expected,
                counted_cash_minor=counted,
                z_no=z_no,
                z_hash=z_hash,
                z_seq=z_seq,
                counted_detail=detail,
            )
        )
        self.s.expire_all()

    def shifts(self, register_id: int | None, limit: int) -> list[ShiftRow]:
        q = select(Shift).order_by(Shift.id.desc()).limit(limit)
        if register_id is not None:
            q = q.where(Shift.register_id == register_id)
        return [self._row(s) for s in self.s.execute(q).scalars()]


def _figures(
    shift: Shift,
    register_code: str,
    grand_total_minor: int,
    by_kind: dict[str, tuple[int, int, int, int]],
    tax_by_rate: dict[Decimal, tuple[int, int]],
    tenders: dict[str, int],
    moves: dict[str, int],
) -> ShiftFigures:
    """One shift's figures from its sums by order kind, tax rate, tender and cash movement."""
    sales = by_kind.get("sale", (0, 0, 0, 0))
    refunds = by_kind.get("refund", (0, 0, 0, 0))
    voids = by_kind.get("void", (0, 0, 0, 0))
    returns = -(refunds[3] + voids[3])
    tenders = dict(tenders)
    cash = tenders.pop("cash", 0) + tenders.pop("change", 0)
    pay_in, pay_out = moves.get("pay_in", 0), moves.get("pay_out", 0)
    expected = shift.float_minor + cash + pay_in - pay_out
    counted = shift.counted_cash_minor
    return ShiftFigures(
        shift_id=shift.id,
        register_code=register_code,
        opened_at=shift.opened_at,
        closed_at=shift.closed_at,
        sales_count=sales[0],
        refunds_count=refunds[0],
        voids_count=voids[0],
        gross_minor=sales[1],
        discounts_minor=sales[2],
        sales_total_minor=sales[3],
        returns_minor=returns,
        net_minor=sales[3] - returns,
        tax_by_rate=tuple((r, v[0], v[1]) for r, v in sorted(tax_by_rate.items())),
        tenders=(("cash", cash), *sorted(tenders.items())),
        float_minor=shift.float_minor,
        pay_ins_minor=pay_in,
        pay_outs_minor=pay_out,
        expected_cash_minor=(
            shift.expected_cash_minor if shift.expected_cash_minor is not None else expected
        ),
        counted_cash_minor=counted,
        over_short_minor=None if counted is None else counted - (shift.expected_cash_minor or 0),
        grand_total_minor=grand_total_minor,
        z_no=shift.z_no,
        z_hash=shift.z_hash,
        z_seq=shift.z_seq,
    )
