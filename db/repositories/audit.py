from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from db.link import DbLink
from db.models import AuditEntry, User
from pos.ports.audit import AuditRecord


class SqlAuditRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    def record(
        self,
        action: str,
        user_id: int | None,
        *,
        approver_id: int | None = None,
        register_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self.s.add(
            AuditEntry(
                action=action,
                user_id=user_id,
                approver_id=approver_id,
                register_id=register_id,
                detail=detail or {},
            )
        )
        self.s.flush()

    def recent(self, limit: int, action: str | None = None) -> list[AuditRecord]:
        return self.search(
            user_id=None, action=action or None, start=None, end=None, limit=limit, before_id=None
        )

    def actions(self) -> list[str]:
        return sorted(self.s.execute(select(AuditEntry.action).distinct()).scalars())

    def search(
        self,
        *,
        user_id: int | None,
        action: str | None,
        start: datetime | None,
        end: datetime | None,
        limit: int,
        before_id: int | None,
    ) -> list[AuditRecord]:
        approver = aliased(User)
        q = (
            select(AuditEntry, User.username, approver.username)
            .outerjoin(User, User.id == AuditEntry.user_id)
            .outerjoin(approver, approver.id == AuditEntry.approver_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
        if action:
            q = q.where(AuditEntry.action == action)
        if user_id is not None:
            q = q.where((AuditEntry.user_id == user_id) | (AuditEntry.approver_id == user_id))
        if start is not None:
            q = q.where(AuditEntry.at >= start)
        if end is not None:
            q = q.where(AuditEntry.at < end)
        if before_id is not None:
            q = q.where(AuditEntry.id < before_id)
        return [
            AuditRecord(e.id, e.at, e.action, u, a, dict(e.detail or {}))
            for e, u, a in self.s.execute(q)
        ]
