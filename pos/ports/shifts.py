"""Registers and shifts: records, the figures of an X or Z report, and the repository
protocol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RegisterView:
    id: int
    code: str
    name: str
    grand_total_minor: int
    last_receipt_no: int
    last_z_no: int
    # This register's own receipt printer; kind None = the store's (settings).
    printer_kind: str | None = None
    printer_target: str | None = None
    printer_kick_drawer: bool | None = None


@dataclass(frozen=True, slots=True)
class ShiftRow:
    id: int
    register_id: int
    register_code: str
    opened_by: str
    opened_at: datetime
    float_minor: int
    closed_at: datetime | None
    z_no: int | None
    counted_cash_minor: int | None
    expected_cash_minor: int | None


@dataclass(frozen=True, slots=True)
class ShiftFigures:
    """Everything an X or Z report shows for one shift (money in minor units)."""

    shift_id: int
    register_code: str
    opened_at: datetime
    closed_at: datetime | None
    sales_count: int
    refunds_count: int
    voids_count: int
    gross_minor: int  # list value of goods sold, before discounts
    discounts_minor: int  # given on sales (returns give back their share in returns)
    sales_total_minor: int  # what sales took, after discounts, tax included
    returns_minor: int  # refunds and voids, as a positive amount
    net_minor: int  # sales_total - returns
    tax_by_rate: tuple[tuple[Decimal, int, int], ...]  # (rate, net, tax) of sales minus returns
    tenders: tuple[tuple[str, int], ...]  # method -> net amount (cash net of change)
    float_minor: int
    pay_ins_minor: int
    pay_outs_minor: int
    expected_cash_minor: int
    counted_cash_minor: int | None
    over_short_minor: int | None
    grand_total_minor: int
    z_no: int | None
    z_hash: str | None
    z_seq: int | None = None  # the Z close's journal entry (closes since migration 0004)


class ShiftRepo(Protocol):
    def register_by_code(self, code: str) -> RegisterView | None: ...

    def register(self, register_id: int) -> RegisterView | None: ...

    def create_register(self, code: str, name: str) -> RegisterView: ...

    def registers(self) -> list[RegisterView]: ...

    def set_printer(
        self, register_id: int, kind: str | None, target: str | None, kick: bool | None
    ) -> None:
        """This register's own printer; kind None goes back to the store's."""
        ...

    def current(self, register_id: int) -> ShiftRow | None: ...

    def get(self, shift_id: int) -> ShiftRow | None: ...

    def insert(self, register_id: int, user_id: int, float_minor: int, at: datetime) -> int: ...

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
        """The new movement's id."""
        ...

    def figures(self, shift_id: int) -> ShiftFigures: ...

    def figures_of(self, shift_ids: Sequence[int]) -> dict[int, ShiftFigures]:
        """The figures of each of these shifts that exists."""
        ...

    def next_z_no(self, register_id: int) -> int: ...

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
    ) -> None: ...

    def shifts(self, register_id: int | None, limit: int) -> list[ShiftRow]: ...
