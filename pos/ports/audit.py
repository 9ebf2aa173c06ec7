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
