"""The audit log of sensitive actions: logins, overrides, price changes, refunds, voids,
drawer opens, user and settings changes. Rows are only ever added."""

from __future__ import annotations

from pos.domain.staff import Permission
from pos.ports.audit import AuditRecord
from pos.ports.staff import Actor
from pos.services.context import ServiceContext, require


def recent_audit(
    ctx: ServiceContext, actor: Actor, limit: int = 200, action: str | None = None
) -> list[AuditRecord]:
    with ctx.read() as uow:
        actor = require(uow, actor, Permission.VIEW_REPORTS, "Reading the audit log")
        return uow.audit.recent(limit, action)
