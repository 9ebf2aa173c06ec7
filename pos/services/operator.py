"""Who runs a bulk job (an import or an export): a signed-in user, or the command line.

A signed-in :class:`Actor` needs the job's permissions, checked as they are stored now.
:data:`pos.services.staff.CLI` (a :class:`SystemAccess`) stands for whoever holds the
database and runs the ``pos`` command: it needs none, and the audit log names it with
``user_id=None`` and ``detail["via"]`` (plus ``detail["os_user"]`` when known).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pos.domain.staff import Permission
from pos.ports.staff import Actor, SystemAccess
from pos.services.context import require

Operator = Actor | SystemAccess


@dataclass(frozen=True)
class AuditedAs:
    """The audit log's user id and the detail it adds for whoever acts."""

    user_id: int | None
    detail: dict[str, Any] = field(default_factory=dict)


def authorise_operator(operator: Operator, *needs: tuple[Permission, str]) -> AuditedAs:
    """Refuse a signed-in user who lacks any of ``needs`` (permission, action named in the
    refusal), in order; how the audit log is to name the operator."""
    if isinstance(operator, SystemAccess):
        detail: dict[str, Any] = {"via": operator.via}
        if operator.os_user:
            detail["os_user"] = operator.os_user
        return AuditedAs(None, detail)
    for permission, action in needs:
        require(operator, permission, action)
    return AuditedAs(operator.user_id)
