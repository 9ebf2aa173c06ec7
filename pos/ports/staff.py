"""Staff: accounts as the services see them, who is acting, and the repository protocol.

``StaffRecord`` carries the password and PIN hashes; it is read only by
:mod:`pos.services.staff` and never handed to a screen (``UserView`` is)."""

from __future__ import annotations

from dataclasses import dataclass
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

    def note_failure(self, user_id: int, now: datetime) -> int | None:
        """Add one failure unless the account is locked at ``now``; the new count, or
        None when it was locked."""
        ...

    def lock(self, user_id: int, until: datetime) -> None:
        """Lock until ``until`` and start the failure count again from 0."""
        ...

    def note_success(self, user_id: int, secret: Secret, verified_hash: str, now: datetime) -> bool:
        """Clear failures and lock if the account is still active, unlocked at ``now``
        and still has ``verified_hash``; False (and no change) otherwise."""
        ...

    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...

    def set_pin_hash(self, user_id: int, pin_hash: str | None) -> None: ...

    def set_role(self, user_id: int, role: Role) -> None: ...

    def set_active(self, user_id: int, active: bool) -> None: ...

    def clear_lock(self, user_id: int) -> None: ...

    def active_owner_count(self) -> int: ...

    def all(self, include_inactive: bool) -> list[StaffRecord]: ...


@dataclass(frozen=True, slots=True)
class Actor:
    """A signed-in user, as returned by :func:`pos.services.staff.login`."""

    user_id: int
    username: str
    role: Role
    full_name: str = ""

    def may(self, permission: Permission) -> bool:
        return allows(self.role, permission)
