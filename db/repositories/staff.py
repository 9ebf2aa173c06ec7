"""Staff accounts. Reads return plain records (no ORM objects in the identity map);
the failure counter and the sign-in success are single conditional UPDATEs, so two tills
trying the same account at once can neither lose a failure nor undo a lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.link import DbLink
from db.models import StaffSession, User, table
from pos.domain.errors import Conflict
from pos.domain.staff import Role
from pos.ports.staff import Secret, SessionUser, StaffRecord

_COLUMNS = (
    User.id,
    User.username,
    User.full_name,
    User.role,
    User.active,
    User.password_hash,
    User.pin_hash,
    User.failed_attempts,
    User.lockouts,
    User.locked_until,
    User.created_at,
)
_NO_SYNC = {"synchronize_session": False}
_users, _sessions = table(User), table(StaffSession)
# Every service call looks its session up (pos.services.context.require): one indexed
# lookup by the token's hash, built once.
_SESSION_USER = (
    select(_users.c.id, _users.c.username, _users.c.full_name, _users.c.role, _users.c.active)
    .join(_sessions, _sessions.c.user_id == _users.c.id)
    .where(_sessions.c.token_hash == bindparam("h"), _sessions.c.ended_at.is_(None))
)


def _unlocked_at(now: datetime) -> ColumnElement[bool]:
    return or_(User.locked_until.is_(None), User.locked_until <= now)


def _record(r: Any) -> StaffRecord:
    """A users row (selected as _COLUMNS) as a record."""
    return StaffRecord(
        id=r.id,
        username=r.username,
        full_name=r.full_name,
        role=Role(r.role),
        active=r.active,
        password_hash=r.password_hash,
        pin_hash=r.pin_hash,
        failed_attempts=r.failed_attempts,
        lockouts=r.lockouts,
        locked_until=r.locked_until,
        created_at=r.created_at,
    )


class SqlStaffRepo:
    def __init__(self, link: DbLink) -> None:
        self.link = link

    @property
    def s(self) -> Session:
        return self.link.session

    def _one(self, where: ColumnElement[bool]) -> StaffRecord | None:
        row = self.s.execute(select(*_COLUMNS).where(where)).one_or_none()
        return None if row is None else _record(row)

    def any_exists(self) -> bool:
        # Core, not the ORM: asked at start, before the sign-in window (see settings.all)
        users = table(User)
        return self.link.connection.execute(select(users.c.id).limit(1)).first() is not None

    def guard(self) -> None:
        # SQLite writers already hold the database lock (BEGIN IMMEDIATE). On PostgreSQL
        # this mode conflicts with itself and with row writes, never with plain reads.
        if self.link.dialect == "postgresql":
            self.link.connection.exec_driver_sql("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE")

    def by_username(self, username: str) -> StaffRecord | None:
        return self._one(User.username == username)

    def get(self, user_id: int) -> StaffRecord | None:
        return self._one(User.id == user_id)

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
        taken = Conflict(f"The username {username} is already taken.")
        if self.by_username(username) is not None:
            raise taken
        user = User(
            username=username,
            full_name=full_name,
            role=role.value,
            password_hash=password_hash,
            pin_hash=pin_hash,
            failed_attempts=0,
            locked_until=None,
            active=True,
            created_at=created_at,
        )
        self.s.add(user)
        try:
            self.s.flush()
        except IntegrityError:
            raise taken from None
        rec = self.get(user.id)
        assert rec is not None
        return rec

    def note_attempt(self, user_id: int, now: datetime) -> int | None:
        stmt = (
            update(User)
            .where(User.id == user_id, _unlocked_at(now))
            .values(failed_attempts=User.failed_attempts + 1)
            .returning(User.failed_attempts)
            .execution_options(**_NO_SYNC)
        )
        return self.s.execute(stmt).scalar_one_or_none()

    def lock(self, user_id: int, until: datetime, now: datetime) -> bool:
        stmt = (
            update(User)
            .where(User.id == user_id, _unlocked_at(now))
            .values(locked_until=until, failed_attempts=0, lockouts=User.lockouts + 1)
            .returning(User.id)
            .execution_options(**_NO_SYNC)
        )
        return self.s.execute(stmt).first() is not None

    def note_success(self, user_id: int, secret: Secret, verified_hash: str, now: datetime) -> bool:
        column = User.password_hash if secret == "password" else User.pin_hash
        stmt = (
            update(User)
            .where(
                User.id == user_id,
                User.active.is_(True),
                column == verified_hash,
                _unlocked_at(now),
            )
            .values(failed_attempts=0, locked_until=None, lockouts=0)
            .returning(User.id)
            .execution_options(**_NO_SYNC)
        )
        return self.s.execute(stmt).first() is not None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._set(user_id, password_hash=password_hash)

    def set_pin_hash(self, user_id: int, pin_hash: str | None) -> None:
        self._set(user_id, pin_hash=pin_hash)

    def set_role(self, user_id: int, role: Role) -> None:
        self._set(user_id, role=role.value)

    def set_active(self, user_id: int, active: bool) -> None:
        self._set(user_id, active=active)

    def set_full_name(self, user_id: int, full_name: str) -> None:
        self._set(user_id, full_name=full_name)

    def clear_lock(self, user_id: int) -> None:
        self._set(user_id, failed_attempts=0, locked_until=None, lockouts=0)

    def active_owner_count(self) -> int:
        q = select(func.count()).where(User.role == Role.OWNER.value, User.active.is_(True))
        return int(self.s.execute(q).scalar_one())

    def all(self, include_inactive: bool) -> list[StaffRecord]:
        q = select(*_COLUMNS).order_by(User.username)
        if not include_inactive:
            q = q.where(User.active.is_(True))
        return [_record(r) for r in self.s.execute(q)]

    # --- sessions ---------------------------------------------------------------------

    def open_session(self, user_id: int, token_hash: str, at: datetime) -> None:
        self.s.execute(
            insert(StaffSession).values(user_id=user_id, token_hash=token_hash, started_at=at)
        )

    def session_user(self, token_hash: str) -> SessionUser | None:
        row = self.link.connection.execute(_SESSION_USER, {"h": token_hash}).first()
        if row is None:
            return None
        return SessionUser(row.id, row.username, row.full_name, Role(row.role), row.active)

    def end_session(self, token_hash: str, at: datetime) -> None:
        self.s.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == token_hash, StaffSession.ended_at.is_(None))
            .values(ended_at=at)
            .execution_options(**_NO_SYNC)
        )

    def end_sessions_of(self, user_id: int, at: datetime) -> None:
        self.s.execute(
            update(StaffSession)
            .where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
            .values(ended_at=at)
            .execution_options(**_NO_SYNC)
        )

    def _set(self, user_id: int, **values: object) -> None:
        stmt = update(User).where(User.id == user_id).values(**values)
        self.s.execute(stmt.execution_options(**_NO_SYNC))
