"""The audit log of sensitive actions: logins, overrides, price changes, refunds, voids,
drawer opens, user and settings changes. Rows are only ever added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pos.domain.staff import Permission
from pos.services.context import Actor, ServiceContext, require


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    action: str
    user: str | None
    approver: str | None
    detail: dict[str, Any]


class AuditRepo(Protocol):
    def record(
        self,
        action: str,
        user_id: int | None,
        *,
        approver_id: int | None = None,
        register_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None: ...

    def recent(self, limit: int, action: str | None = None) -> list[AuditRecord]: ...


def recent_audit(
    ctx: ServiceContext, actor: Actor, limit: int = 200, action: str | None = None
) -> list[AuditRecord]:
    require(actor, Permission.VIEW_REPORTS, "Reading the audit log")
    with ctx.read() as uow:
        return uow.audit.recent(limit, action)
