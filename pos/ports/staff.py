"""Staff: accounts as the services see them, who is acting, and the repository protocol.

``StaffRecord`` carries the password and PIN hashes; it is read only by
:mod:`pos.services.staff` and never handed to a screen (``UserView`` is)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from pos.domain.staff import Permission, Role, allows

Secret = Literal["password", "pin"]


@dataclass(frozen=True, slots=True)
class UserView:
    id: int
    username: str
    full_name: str
    role: Role
    active: bool
    has_pin: bool
    locked_until: datetime | None  # None unless locked now
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StaffRecord:
    """A users row as the repository hands it to these services (hashes included);
    it never leaves this module."""

    id: int
    username: str
    full_name: str
    role: Role
    active: bool
    password_hash: str
    pin_hash: str | None
    failed_attempts: int
    lockouts: int  # locks in a row since the last sign-in: each doubles the next
    locked_until: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SystemAccess:
    """Whoever holds the database, acting through an admin tool rather than a sign-in."""

    via: str
    os_user: str | None = None  # the operating-system account, when known


class StaffRepo(Protocol):
    def any_exists(self) -> bool: ...

    def guard(self) -> None:
        """Serialise, until the transaction ends, with every other change to users
        (the first-user and last-owner rules read then write)."""
        ...

    def by_username(self, username: str) -> StaffRecord | None: ...

    def get(self, user_id: int) -> StaffRecord | None: ...

    def add(
        self,
        *,
        username: str,
        full_name: str,
        role: Role,
        password_hash: str,
        pin_hash: str | None,
        created_at: datetime,
    ) -> StaffRecord:
        """Raises Conflict when the username is taken."""
        ...

    def note_attempt(self, user_id: int, now: datetime) -> int | None:
        """Count one sign-in attempt before its secret is checked, unless the account is
        locked at ``now``; the new count, or None when it was locked."""
        ...

    def lock(self, user_id: int, until: datetime, now: datetime) -> bool:
        """Lock until ``until``, count one more lockout in a row and start the attempt
        count again from 0, unless it is locked at ``now`` already (then False)."""
        ...

    def note_success(self, user_id: int, secret: Secret, verified_hash: str, now: datetime) -> bool:
        """Clear the attempt count, the lock and the lockouts in a row if the account is
        still active, unlocked at ``now`` and still has ``verified_hash``; False (and no
        change) otherwise."""
        ...

    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...

    def set_pin_hash(self, user_id: int, pin_hash: str | None) -> None: ...

    def set_role(self, user_id: int, role: Role) -> None: ...

    def set_active(self, user_id: int, active: bool) -> None: ...

    def set_full_name(self, user_id: int, full_name: str) -> None: ...

    def clear_lock(self, user_id: int) -> None: ...

    def active_owner_count(self) -> int: ...

    def all(self, include_inactive: bool) -> list[StaffRecord]: ...

    # Sessions: only the SHA-256 of a session's token is stored.
    def open_session(self, user_id: int, token_hash: str, at: datetime) -> None: ...

    def session_user(self, token_hash: str) -> SessionUser | None:
        """The user of an open session."""
        ...

    def end_session(self, token_hash: str, at: datetime) -> None: ...

    def end_sessions_of(self, user_id: int, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in user: what :func:`pos.services.staff.login` hands back for a session.

    Services trust none of it but the ``token``: on every call they look the session up
    (still open? the user still active?) and act with the role stored now, so a role
    typed into this record, a deactivated user or a demoted one gets nowhere."""

    user_id: int
    username: str
    role: Role
    full_name: str = ""
    token: str = field(default="", repr=False, compare=False)

    def may(self, permission: Permission) -> bool:
        """Whether the role this record carries allows it (a hint for screens; services
        decide with the role stored now)."""
        return allows(self.role, permission)


@dataclass(frozen=True, slots=True)
class Approval:
    """A manager's username and PIN, typed at the till to approve what a cashier may not
    do alone; the service that needs the approval checks the PIN itself."""

    username: str
    pin: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who a session belongs to, as stored now."""

    id: int
    username: str
    full_name: str
    role: Role
    active: bool
