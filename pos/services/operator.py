"""Who runs a bulk job (an import or an export): a signed-in user, or the command line.

A signed-in :class:`Actor` needs a good session and the job's permissions, checked as
they are stored now.
:data:`pos.services.staff.CLI` (a :class:`SystemAccess`) stands for whoever holds the
database and runs the ``pos`` command: it needs none, and the audit log names it with
``user_id=None`` and ``detail["via"]`` (plus ``detail["os_user"]`` when known).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pos.domain.staff import Permission
from pos.ports.staff import Actor, SystemAccess
from pos.services.context import ServiceContext, allowed, require

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

Operator = Actor | SystemAccess


@dataclass(frozen=True)
class AuditedAs:
    """The audit log's user id and the detail it adds for whoever acts."""

    user_id: int | None
    detail: dict[str, Any] = field(default_factory=dict)


def audited_as(operator: Operator | None) -> AuditedAs:
    """How the audit log names whoever acts (nobody yet: first-start setup)."""
    if isinstance(operator, SystemAccess):
        detail: dict[str, Any] = {"via": operator.via}
        if operator.os_user:
            detail["os_user"] = operator.os_user
        return AuditedAs(None, detail)
    return AuditedAs(operator.user_id if operator is not None else None)


def authorise_operator(
    ctx: ServiceContext, operator: Operator, *needs: tuple[Permission, str]
) -> AuditedAs:
    """Refuse a signed-in user whose session is not good or who lacks any of ``needs``
    (permission, action named in the refusal), in order, checked in a read of its own (a
    bulk job runs many transactions); how the audit log is to name the operator."""
    for permission, action in needs:
        allowed(ctx, operator, permission, action)
    return audited_as(operator)


def require_operator(
    uow: UnitOfWork, operator: Operator, permission: Permission, action: str
) -> AuditedAs:
    """Inside a use case's unit of work: a signed-in user must hold ``permission`` as
    stored now (:func:`require`); the command line's system access may. How the audit log
    is to name the operator."""
    if isinstance(operator, SystemAccess):
        return audited_as(operator)
    return audited_as(require(uow, operator, permission, action))
