"""The hash-chained journal (rules in :mod:`pos.domain.journal`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pos.domain.journal import VerifyResult, canonical, verify
from pos.services.context import ServiceContext

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork


def append_entry(
    uow: UnitOfWork, register_id: int, kind: str, order_id: int | None, payload: dict[str, Any]
) -> str:
    """Add a journal row in the caller's transaction; returns its hash."""
    return uow.journal.append(register_id, kind, order_id, canonical(payload))


def verify_journal(ctx: ServiceContext, register_code: str | None = None) -> list[VerifyResult]:
    """Recompute every register's chain (or one register's); each result names the first
    bad row, if any."""
    results = []
    with ctx.read() as uow:
        for register_id, code in uow.journal.register_codes():
            if register_code and code != register_code.upper():
                continue
            head = uow.journal.head(register_id)
            results.append(verify(code, uow.journal.rows(register_id), head))
    return results
