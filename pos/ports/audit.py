"""The audit log: who did what, approved by whom, as records and a repository protocol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


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
        """Newest first, filtered; only entries older than ``before_id`` when given."""
        ...

    def actions(self) -> list[str]:
        """Every action that appears in the log, sorted."""
        ...
