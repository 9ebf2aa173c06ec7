"""The audit log of sensitive actions: logins, overrides, price changes, refunds, voids,
drawer opens, user and settings changes. Rows are only ever added."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pos.domain.errors import ValidationError
from pos.domain.staff import Permission
from pos.ports.audit import AuditRecord
from pos.ports.staff import Actor
from pos.services.context import ServiceContext, require
from pos.services.settings import read_settings

MAX_PAGE = 500


def recent_audit(
    ctx: ServiceContext, actor: Actor, limit: int = 200, action: str | None = None
) -> list[AuditRecord]:
    with ctx.read() as uow:
        actor = require(uow, actor, Permission.VIEW_REPORTS, "Reading the audit log")
        return uow.audit.recent(limit, action)


def search_audit(
    ctx: ServiceContext,
    actor: Actor,
    *,
    user_id: int | None = None,
    action: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 200,
    before_id: int | None = None,
) -> list[AuditRecord]:
    """The log newest first, filtered by person (who acted or approved), action and days
    of the store's time zone (both ends included); pass the last row's id as
    ``before_id`` for the next page."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be a whole number from 1 to {MAX_PAGE}")
    if start is not None and end is not None and start > end:
        raise ValidationError("dates", f"the log starts on {start} after it ends on {end}")
    with ctx.read() as uow:
        require(uow, actor, Permission.VIEW_REPORTS, "Reading the audit log")
        zone = ZoneInfo(read_settings(uow.settings).timezone)

        def at(day: date | None) -> datetime | None:
            return None if day is None else datetime.combine(day, datetime.min.time(), zone)

        return uow.audit.search(
            user_id=user_id,
            action=action or None,
            start=at(start),
            end=at(None if end is None else end + timedelta(days=1)),
            limit=limit,
            before_id=before_id,
        )


def audit_actions(ctx: ServiceContext, actor: Actor) -> list[str]:
    """The actions to filter by: those that appear in the log."""
    with ctx.read() as uow:
        require(uow, actor, Permission.VIEW_REPORTS, "Reading the audit log")
        return uow.audit.actions()
