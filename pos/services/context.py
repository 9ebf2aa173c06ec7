"""What every service receives: how to open a unit of work, the bus, the clock, the
payment terminal, and who is acting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pos.domain.errors import PermissionDenied
from pos.domain.staff import Permission, min_role
from pos.ports.staff import Actor
from pos.services.events import EventBus

if TYPE_CHECKING:
    from pos.ports.journal import HeadLog
    from pos.ports.terminal import PaymentTerminal
    from pos.ports.uow import UnitOfWork


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    uow: Callable[[], UnitOfWork]  # a new read-write unit of work
    read: Callable[[], UnitOfWork]  # a new read-only unit of work
    bus: EventBus = field(default_factory=EventBus)
    clock: Callable[[], datetime] = utcnow
    terminal: PaymentTerminal | None = None
    head_log: HeadLog | None = None  # journal heads anchored outside the database


def require(actor: Actor, permission: Permission, action: str) -> None:
    """Refuse unless ``actor`` holds ``permission`` on their own."""
    if not actor.may(permission):
        raise PermissionDenied(action, min_role(permission).value)


def authorise(
    actor: Actor, approver: Actor | None, permission: Permission, action: str
) -> Actor | None:
    """Check a permission that a manager may grant in place.

    Returns the approving user when the actor needed one (to be recorded as an override),
    ``None`` when the actor may act alone; raises :class:`PermissionDenied` otherwise.
    """
    if actor.may(permission):
        return None
    if approver is not None and approver.may(permission) and approver.user_id != actor.user_id:
        return approver
    raise PermissionDenied(action, min_role(permission).value)
