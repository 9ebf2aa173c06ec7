"""Registers, shifts, cash movements and the shift figures (X/Z)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

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
    def __init__(self, session: Session) -> None:
        self.s = session

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
        row = self.s.connection().execute(_CURRENT, {"rid": register_id}).one_or_none()
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
        approver_id: int | None = None,
    ) -> None:
        self.s.add(
            CashMovement(
                shift_id=shift_id,
                kind=kind,
                amount_minor=amount_minor,
                reason=reason,
                user_id=user_id,
                approver_id=approver_id,
            )
        )
        self.s.flush()

    def figures(self, shift_id: int) -> ShiftFigures:
        shift = self.s.get(Shift, shift_id)
        assert shift is not None
        register = self.s.get(Register, shift.register_id)
        assert register is not None
        orders = self.s.execute(
            select(
                Order.kind,
                func.count(Order.id),
                func.coalesce(func.sum(Order.subtotal_minor), 0),
                func.coalesce(func.sum(Order.discount_minor), 0),
                func.coalesce(func.sum(Order.total_minor), 0),
            )
            .where(Order.shift_id == shift_id)
            .group_by(Order.kind)
        ).all()
        by_kind = {k: (int(n), int(sub), int(disc), int(tot)) for k, n, sub, disc, tot in orders}
        sales = by_kind.get("sale", (0, 0, 0, 0))
        refunds = by_kind.get("refund", (0, 0, 0, 0))
        voids = by_kind.get("void", (0, 0, 0, 0))
        returns = -(refunds[3] + voids[3])
        tax_rows = self.s.execute(
            select(
                OrderLine.tax_rate,
                func.coalesce(func.sum(OrderLine.net_minor), 0),
                func.coalesce(func.sum(OrderLine.tax_minor), 0),
            )
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.shift_id == shift_id)
            .group_by(OrderLine.tax_rate)
        ).all()
        tax_by_rate: dict[Decimal, tuple[int, int]] = {}
        for rate, net, tax in tax_rows:
            key = Decimal(rate)
            prev = tax_by_rate.get(key, (0, 0))
            tax_by_rate[key] = (prev[0] + int(net), prev[1] + int(tax))
        tenders_raw = self.s.execute(
            select(Payment.method, func.coalesce(func.sum(Payment.amount_minor), 0))
            .where(Payment.shift_id == shift_id)
            .group_by(Payment.method)
        ).all()
        tenders = {m: int(a) for m, a in tenders_raw}
        cash = tenders.pop("cash", 0) + tenders.pop("change", 0)
        tenders_out = [("cash", cash), *sorted(tenders.items())]
        moves = dict(
            self.s.execute(
                select(
                    CashMovement.kind,
                    func.coalesce(func.sum(CashMovement.amount_minor), 0),
                )
                .where(CashMovement.shift_id == shift_id)
                .group_by(CashMovement.kind)
            ).all()
        )
        pay_in, pay_out = int(moves.get("pay_in", 0)), int(moves.get("pay_out", 0))
        expected = shift.float_minor + cash + pay_in - pay_out
        counted = shift.counted_cash_minor
        return ShiftFigures(
            shift_id=shift.id,
            register_code=register.code,
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
            tenders=tuple(tenders_out),
            float_minor=shift.float_minor,
            pay_ins_minor=pay_in,
            pay_outs_minor=pay_out,
            expected_cash_minor=(
                shift.expected_cash_minor if shift.expected_cash_minor is not None else expected
            ),
            counted_cash_minor=counted,
            over_short_minor=None
            if counted is None
            else counted - (shift.expected_cash_minor or 0),
            grand_total_minor=register.grand_total_minor,
            z_no=shift.z_no,
            z_hash=shift.z_hash,
        )

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
                counted_detail=detail,
            )
        )
        self.s.expire_all()

    def shifts(self, register_id: int | None, limit: int) -> list[ShiftRow]:
        q = select(Shift).order_by(Shift.id.desc()).limit(limit)
        if register_id is not None:
            q = q.where(Shift.register_id == register_id)
        return [self._row(s) for s in self.s.execute(q).scalars()]
