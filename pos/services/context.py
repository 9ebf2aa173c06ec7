"""What every service receives: how to open a unit of work, the bus, the clock, the
payment terminal, and who is acting."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from pos.domain.errors import Busy, PermissionDenied
from pos.domain.staff import Permission, min_role
from pos.ports.staff import Actor
from pos.services.events import EventBus

if TYPE_CHECKING:
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


T = TypeVar("T")
P = ParamSpec("P")
BUSY_ATTEMPTS = 4


def retry_busy(fn: Callable[P, T]) -> Callable[P, T]:
    """Run a use case again (a few times, after a short random pause) when another till's
    transaction got in its way (:class:`Busy`: a deadlock, a serialization failure, a
    lock wait that ran out). Only for use cases whose every attempt is one unit of work
    that rolled back whole: never around a call to the card terminal or a printer."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            try:
                return fn(*args, **kwargs)
            except Busy:
                if attempt == BUSY_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0.005, 0.05) * attempt)
        raise AssertionError("unreachable")

    return run
