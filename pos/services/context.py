"""What every service receives: how to open a unit of work, the bus, the clock, the
payment terminal, and who is acting."""

from __future__ import annotations

import functools
import hashlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from pos.domain.errors import ApprovalRefused, Busy, NotSignedIn, PermissionDenied
from pos.domain.staff import Permission, allows, min_role
from pos.ports.staff import Actor, SystemAccess
from pos.services.events import EventBus
from pos.services.settings_cache import SettingsCache

if TYPE_CHECKING:
    from pos.ports.backup import DatabaseBackup
    from pos.ports.journal import HeadLog
    from pos.ports.sync import StorefrontWiring
    from pos.ports.terminal import PaymentTerminal
    from pos.ports.uow import UnitOfWork


log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    uow: Callable[[], UnitOfWork]  # a new read-write unit of work
    read: Callable[[], UnitOfWork]  # a new read-only unit of work
    # A read of a single statement (a barcode lookup): on PostgreSQL, no BEGIN/ROLLBACK.
    glance: Callable[[], UnitOfWork] | None = None
    bus: EventBus = field(default_factory=EventBus)
    clock: Callable[[], datetime] = utcnow
    terminal: PaymentTerminal | None = None
    # The store settings as last read, for the hot paths (pos.services.settings).
    settings_cache: SettingsCache = field(default_factory=SettingsCache)
    head_log: HeadLog | None = None  # journal heads anchored outside the database
    backup: DatabaseBackup | None = None  # the embedded database's backup; None on a server
    storefront: StorefrontWiring | None = None  # the sync's HTTP client and token store
    # Reads for reports and the dashboard: a read-only replica when the app was given one
    # (POS_READ_DATABASE_URL), else ``read`` on the main database. See ``reports_read``.
    reports: Callable[[], UnitOfWork] | None = None

    def reports_read(self) -> UnitOfWork:
        """A read-only unit of work for reports and dashboards (may lag the main database
        by the replica's delay: never for a Z close or anything a till just wrote)."""
        return (self.reports or self.read)()


def token_hash(token: str) -> str:
    """Sessions are stored by the SHA-256 of their token, never the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def signed_in(uow: UnitOfWork, actor: Actor) -> Actor:
    """The actor as the database knows them now: their session open, their account active,
    their role as stored. Raises :class:`NotSignedIn` for a made-up, ended or stale
    session (a deactivated account's sessions are stale at once)."""
    if not isinstance(actor, Actor) or not actor.token:
        raise NotSignedIn()
    found = uow.staff.session_user(token_hash(actor.token))
    if found is None or found.id != actor.user_id or not found.active:
        raise NotSignedIn()
    if found.role is actor.role and found.username == actor.username:
        return actor
    return Actor(found.id, found.username, found.role, found.full_name, actor.token)


def require(uow: UnitOfWork, actor: Actor, permission: Permission, action: str) -> Actor:
    """Refuse unless ``actor``'s session is good and the role stored now holds
    ``permission``; the actor as stored now. Call it inside the use case's unit of work,
    first."""
    current = signed_in(uow, actor)
    if not current.may(permission):
        raise PermissionDenied(action, min_role(permission).value)
    return current


@dataclass(frozen=True, slots=True)
class Approver:
    """A manager whose PIN :func:`pos.services.staff.verify_approval` checked in this
    service call (services make it from an :class:`~pos.ports.staff.Approval`; it is never
    taken from a caller)."""

    user_id: int


def authorise(
    uow: UnitOfWork,
    actor: Actor,
    approver: Approver | None,
    permission: Permission,
    action: str,
) -> int | None:
    """A permission that a manager may grant in place, checked in the use case's unit of
    work (``actor`` as returned by :func:`require`).

    ``None`` when the actor may act alone; the approver's id when they needed one and the
    approver, as stored now, is active, holds the permission and is someone else;
    :class:`PermissionDenied` otherwise.
    """
    if actor.may(permission):
        return None
    if approver is None:
        raise PermissionDenied(action, min_role(permission).value)
    if approver.user_id == actor.user_id:
        raise ApprovalRefused("Someone else must approve this: ask a manager to type their PIN.")
    rec = uow.staff.get(approver.user_id)
    if rec is None or not rec.active:
        raise ApprovalRefused("That account can no longer approve anything.")
    if not allows(rec.role, permission):
        raise ApprovalRefused(f"{rec.username} is a {rec.role.value} and cannot approve this.")
    return rec.id


def allowed(
    ctx: ServiceContext, op: Actor | SystemAccess, permission: Permission, action: str
) -> None:
    """For use cases of many transactions (imports, reports): check once, in a read of its
    own, that a signed-in operator may; the command line's system access (whoever holds
    the database) may."""
    if isinstance(op, SystemAccess):
        return
    if not isinstance(op, Actor):
        raise NotSignedIn()
    with ctx.read() as uow:
        require(uow, op, permission, action)


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
            except Busy as exc:
                log.warning("%s: busy (%r), attempt %d", fn.__name__, exc.__cause__, attempt)
                if attempt == BUSY_ATTEMPTS:
                    raise
                time.sleep(random.uniform(0.005, 0.05) * attempt)
        raise AssertionError("unreachable")

    return run
