"""Registers and cash shifts: open with a float, pay in/out, X figures, Z close.

Rules:
- One open shift per register (a partial unique index enforces it too).
- Expected cash = float + cash taken - change given - cash refunded + pay-ins - pay-outs.
- Every pay-in, pay-out and no-sale opening of the drawer is a journal entry, in the same
  transaction as the movement.
- A Z close numbers the close per register (never reused), records counted cash and the
  over/short, adds a ``z_close`` journal entry holding the shift's figures, and leaves the
  register's grand total, which is never reset, as it is. After the commit the journal's
  new head is anchored in the head log outside the database.
"""

from __future__ import annotations

from decimal import Decimal

from pos.domain.bounds import MAX_QUANTITY, check_id, check_minor, check_text
from pos.domain.errors import NotFound, ShiftError, ValidationError
from pos.domain.journal import Z_CLOSE
from pos.domain.journal_books import movement_payload, z_close_payload
from pos.domain.staff import Permission
from pos.ports.shifts import RegisterView, ShiftFigures, ShiftRepo, ShiftRow
from pos.ports.staff import Actor, Approval
from pos.services.context import ServiceContext, authorise, require
from pos.services.journal import anchor_marks, append_entry
from pos.services.settings import read_settings
from pos.services.staff import verify_approval


def ensure_register(ctx: ServiceContext, code: str = "TILL-1", name: str = "") -> RegisterView:
    with ctx.uow() as uow:
        reg = find_or_create_register(uow.shifts, code, name)
        uow.commit()
    return reg


def find_or_create_register(uow_shifts: ShiftRepo, code: str, name: str = "") -> RegisterView:
    """The register with ``code`` (any case), created if it does not exist yet; the caller
    commits."""
    code = code.strip().upper()
    if not code or len(code) > 32:
        raise ValidationError("register", "needs a code of 1 to 32 characters")
    reg = uow_shifts.register_by_code(code)
    if reg is None:
        reg = uow_shifts.create_register(code, name or code)
    return reg


def get_register(ctx: ServiceContext, code: str) -> RegisterView:
    with ctx.read() as uow:
        reg = uow.shifts.register_by_code(code.strip().upper())
    if reg is None:
        raise NotFound(f"No register {code} exists.")
    return reg


def current_shift(ctx: ServiceContext, register_id: int) -> ShiftRow | None:
    with ctx.read() as uow:
        return uow.shifts.current(register_id)


def open_shift(ctx: ServiceContext, actor: Actor, register_id: int, float_minor: int) -> ShiftRow:
    if isinstance(float_minor, bool) or not isinstance(float_minor, int) or float_minor < 0:
        raise ValidationError("float", "must be an amount of zero or more")
    check_minor(float_minor, "float")
    register_id = check_id(register_id, "register")
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.SELL, "Opening a shift")
        if uow.shifts.register(register_id) is None:
            raise NotFound(f"No register {register_id} exists.")
        if uow.shifts.current(register_id) is not None:
            raise ShiftError("A shift is already open on this register; close it first.")
        shift_id = uow.shifts.insert(register_id, actor.user_id, float_minor, ctx.clock())
        uow.audit.record(
            "shift_open", actor.user_id, register_id=register_id, detail={"float": float_minor}
        )
        shift = uow.shifts.get(shift_id)
        uow.commit()
    assert shift is not None
    return shift


def require_open_shift(uow_shifts: ShiftRepo, register_id: int) -> ShiftRow:
    shift = uow_shifts.current(register_id)
    if shift is None:
        raise ShiftError("No shift is open on this register; open one with a float first.")
    return shift


def cash_movement(
    ctx: ServiceContext,
    actor: Actor,
    register_id: int,
    kind: str,
    amount_minor: int,
    reason: str,
    approver: Approval | None = None,
) -> ShiftFigures:
    """A pay-in or pay-out of cash with a reason, or ``drawer_open``: a no-sale (the
    drawer opened with no money recorded). Each is counted in the shift's X and Z and
    written to the audit log. A pay-in or pay-out above the store's
    ``cash_movement_approval_over_minor`` needs a manager (their PIN in ``approver``,
    checked here)."""
    if kind not in ("pay_in", "pay_out", "drawer_open"):
        raise ValidationError("kind", "must be pay_in, pay_out or drawer_open")
    if kind != "drawer_open" and (
        isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0
    ):
        raise ValidationError("amount", "must be above zero")
    if kind == "drawer_open":
        amount_minor = 0
    check_minor(amount_minor, "amount")
    register_id = check_id(register_id, "register")
    why = " ".join(check_text(reason or "", "reason").split())
    if not why:
        raise ValidationError("reason", "is required")
    if len(why) > 300:
        raise ValidationError("reason", "is longer than 300 characters")
    approved_by = verify_approval(ctx, approver, register_id)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.CASH_MOVEMENT, "Moving cash")
        shift = require_open_shift(uow.shifts, register_id)
        approved = None
        if amount_minor > read_settings(uow.settings).cash_movement_approval_over_minor:
            approved = authorise(
                uow, actor, approved_by, Permission.CASH_OVER_LIMIT, "Moving that much cash"
            )
        if kind == "pay_out":
            figures = uow.shifts.figures(shift.id)
            if amount_minor > figures.expected_cash_minor:
                raise ValidationError("amount", "is more than the cash expected in the drawer")
        now, cur = ctx.clock(), read_settings(uow.settings).money
        movement_id = uow.shifts.add_cash_movement(
            shift.id, kind, amount_minor, why, actor.user_id, now, approved
        )
        payload = movement_payload(
            kind, movement_id, shift.id, amount_minor, why, actor.user_id, now, cur
        )
        append_entry(uow, register_id, kind, None, payload, at=now, cur=cur)
        uow.audit.record(
            kind,
            actor.user_id,
            approver_id=approved,
            register_id=register_id,
            detail={"amount": amount_minor, "reason": why},
        )
        figures = uow.shifts.figures(shift.id)
        uow.commit()
    return figures


def x_report(ctx: ServiceContext, actor: Actor, register_id: int) -> ShiftFigures:
    """The figures of the open shift so far (an X report changes nothing)."""
    with ctx.read() as uow:
        actor = require(uow, actor, Permission.SELL, "Reading the X report")
        shift = require_open_shift(uow.shifts, register_id)
        return uow.shifts.figures(shift.id)


def shift_figures(ctx: ServiceContext, shift_id: int) -> ShiftFigures:
    with ctx.read() as uow:
        if uow.shifts.get(shift_id) is None:
            raise NotFound(f"No shift {shift_id} exists.")
        return uow.shifts.figures(shift_id)


def count_denominations(counts: dict[str, int], digits: int) -> int:
    """Total of a drawer count given as {"20.00": 3, "0.05": 7} (face value: how many)."""
    total = 0
    for face, n in counts.items():
        text = str(face).strip()
        try:
            if len(text) > 20 or "e" in text.lower():
                raise ArithmeticError(text)
            value = Decimal(text)
        except ArithmeticError:
            raise ValidationError("denomination", f"{text[:40]!r} is not an amount") from None
        if not value.is_finite() or not 0 < value <= 100_000:
            raise ValidationError("denomination", f"{text!r} is not a note or coin")
        if value != value.quantize(Decimal(1).scaleb(-digits)):
            raise ValidationError("denomination", f"{text} has more than {digits} decimals")
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_QUANTITY:
            raise ValidationError("denomination", f"{text} x {n!r} is not a valid count")
        total += int(value.scaleb(digits)) * n
    return check_minor(total, "denomination")


def close_shift(
    ctx: ServiceContext,
    actor: Actor,
    register_id: int,
    counted_minor: int | None = None,
    denominations: dict[str, int] | None = None,
) -> ShiftFigures:
    """Z close: counted cash against expected, a Z number, a journal entry; one transaction."""
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.CLOSE_SHIFT, "Closing the shift")
        settings = read_settings(uow.settings)
        if denominations is not None:
            counted_minor = count_denominations(denominations, settings.money.digits)
        if counted_minor is None or counted_minor < 0:
            raise ValidationError("counted cash", "must be an amount of zero or more")
        check_minor(counted_minor, "counted cash")
        shift = require_open_shift(uow.shifts, register_id)
        figures = uow.shifts.figures(shift.id)
        z_no = uow.shifts.next_z_no(register_id)
        now = ctx.clock()
        cur = settings.money
        payload = z_close_payload(
            figures,
            z_no=z_no,
            closed_at=now,
            closed_by=actor.username,
            counted_minor=counted_minor,
            cur=cur,
        )
        mark = append_entry(uow, register_id, Z_CLOSE, None, payload, at=now, cur=cur)
        uow.shifts.close(
            shift.id,
            actor.user_id,
            expected=figures.expected_cash_minor,
            counted=counted_minor,
            z_no=z_no,
            z_hash=mark.hash,
            z_seq=mark.seq,
            detail=dict(denominations or {}),
            at=now,
        )
        uow.audit.record(
            "shift_close",
            actor.user_id,
            register_id=register_id,
            detail={
                "z_no": z_no,
                "expected": figures.expected_cash_minor,
                "counted": counted_minor,
            },
        )
        closed = uow.shifts.figures(shift.id)
        uow.commit()
    anchor_marks(ctx, [mark], f"Z {z_no}")
    return closed


def list_shifts(
    ctx: ServiceContext, register_id: int | None = None, limit: int = 50
) -> list[ShiftRow]:
    with ctx.read() as uow:
        return uow.shifts.shifts(register_id, limit)
