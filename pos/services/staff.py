"""Staff accounts: creating them, signing in, and who may change what.

Secrets
    Passwords and PINs are stored only as bcrypt hashes at cost :data:`BCRYPT_ROUNDS`
    (12; tests lower the module attribute, production never reads it from anywhere else).
    A password has at least 8 characters and at most 72 bytes of UTF-8: bcrypt ignores
    whatever follows byte 72, so a longer one is refused rather than silently cut. A PIN
    is 4 to 8 digits. Hashing happens outside any transaction, so a quarter-second of
    bcrypt never holds SQLite's write lock.

Usernames
    2 to 64 characters of ``a-z 0-9 . _ -``, compared and stored in lower case.

Sign-in (:func:`login` with a password, :func:`verify_pin` with a PIN)
    An unknown user and a wrong secret give the same message and take about the same
    time (an unknown user is checked against a dummy hash). Password and PIN failures
    share one counter; the counter is committed before the error is raised. At
    ``MAX_FAILED_ATTEMPTS`` the account locks for ``LOCKOUT_MINUTES`` (by ``ctx.clock``)
    and the counter starts again from 0; while locked no secret is even checked, so a
    lock cannot be used to confirm a guess. A success clears the counter. The success is
    written by a conditional update that re-checks, in the write transaction, that the
    account is still active, unlocked and has the hash that was verified, so a
    concurrent lock, deactivation or password change always wins. A locked account's
    message names the account: that tells an attacker the username exists, the price of
    telling a cashier why they cannot sign in.
    A deactivated account never signs in; it is told so only after a correct secret.
    A malformed PIN is an input error and counts nothing; so is a PIN tried on an
    account that has none (nothing was guessed). A failure for an unknown name records
    the name as typed (up to 64 characters), so owners can see guessing in the audit log.

Who may do what
    Creating users, changing roles, deactivating and reactivating need MANAGE_USERS
    (owners). Users change their own password and PIN; changing someone else's needs
    MANAGE_USERS. Unlocking needs MANAGE_USERS, or a manager unlocking someone of a lower
    role (the lock message says "ask a manager"). Managers and owners may list staff.
    At least one active owner always remains, and nobody deactivates themselves.
    With no users at all, :func:`create_user` accepts ``actor=None`` once: the
    first-start owner (the first user must be an owner).

System access
    :data:`CLI` (a :class:`SystemAccess`) stands for someone who already holds the
    database, acting through the command-line admin tool; see ``pos.cli.users`` for why
    it needs no sign-in. It passes every check here and is recorded in the audit log as
    ``user_id=None`` with ``detail["via"]``. It is not an :class:`Actor`, so no other
    service accepts it.

Audit actions: ``login``, ``login_failed``, ``account_locked``, ``user_created``,
``role_changed``, ``password_changed``, ``pin_changed``, ``user_deactivated``,
``user_reactivated``, ``user_unlocked``.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

import bcrypt

from pos.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    WrongPin,
)
from pos.domain.staff import (
    MAX_FAILED_ATTEMPTS,
    PASSWORD_MAX_BYTES,
    Permission,
    Role,
    check_password,
    check_pin,
    full_name_of,
    lockout_minutes,
    normalize_username,
    parse_role,
)
from pos.ports.staff import Actor, Approval, Secret, StaffRecord, SystemAccess, UserView
from pos.services.context import Approver, ServiceContext, require, signed_in, token_hash
from pos.services.operator import Operator, audited_as

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

BCRYPT_ROUNDS = 12
WRONG_PASSWORD = "Wrong username or password."
# Checked against when the username is unknown, so that costs what a real check costs.
_DUMMY_HASHES: dict[int, bytes] = {
    12: b"$2b$12$8Byyv2R/Wqx1PF3L3foNieKMjE5eKojV4ep.ZN08gidJmLOUhURXK",
}


CLI = SystemAccess("cli")


# --- hashing ----------------------------------------------------------------------


def _hash(secret: bytes) -> str:
    return bcrypt.hashpw(secret, bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode("ascii")


def _dummy_hash() -> bytes:
    dummy = _DUMMY_HASHES.get(BCRYPT_ROUNDS)
    if dummy is None:
        dummy = _DUMMY_HASHES[BCRYPT_ROUNDS] = _hash(b"not-a-real-password").encode("ascii")
    return dummy


def _matches(secret: str, hashed: str | None) -> bool:
    """Check ``secret`` against ``hashed``, spending one bcrypt check even when there is
    nothing to compare with (no hash, or a secret no hash could have come from)."""
    try:
        data = secret.encode("utf-8")
    except (AttributeError, UnicodeEncodeError):
        data = b""
    if hashed is None or not data or len(data) > PASSWORD_MAX_BYTES:
        bcrypt.checkpw(b"never-matches", _dummy_hash())
        return False
    try:
        return bcrypt.checkpw(data, hashed.encode("ascii"))
    except ValueError:  # a damaged stored hash matches nothing
        return False


# --- helpers ----------------------------------------------------------------------


def _view(rec: StaffRecord, now: datetime) -> UserView:
    locked = rec.locked_until if rec.locked_until and rec.locked_until > now else None
    return UserView(
        rec.id,
        rec.username,
        rec.full_name,
        rec.role,
        rec.active,
        rec.pin_hash is not None,
        locked,
        rec.created_at,
    )


def _minutes_left(locked_until: datetime | None, now: datetime) -> int:
    """Whole minutes (rounded up) until the lock ends; 0 when not locked."""
    if locked_until is None or locked_until <= now:
        return 0
    return max(1, math.ceil((locked_until - now).total_seconds() / 60))


def _operator(uow: UnitOfWork, op: Operator | None) -> Operator | None:
    """A signed-in actor re-checked in this unit of work (session open, account active,
    role as stored now); the command line's system access as it is."""
    return signed_in(uow, op) if isinstance(op, Actor) else op


def _who(op: Operator | None) -> tuple[int | None, dict[str, Any]]:
    """The audit log's user id and extra detail for whoever is acting."""
    who = audited_as(op)
    return who.user_id, who.detail


def _require_manage(uow: UnitOfWork, op: Operator, action: str) -> Operator:
    if isinstance(op, Actor):
        return require(uow, op, Permission.MANAGE_USERS, action)
    return op


def _require_self_or_manage(uow: UnitOfWork, op: Operator, user_id: int, action: str) -> Operator:
    if isinstance(op, Actor) and op.user_id != user_id:
        return require(uow, op, Permission.MANAGE_USERS, action)
    return _operator(uow, op) or op


def _load(uow: UnitOfWork, user_id: int) -> StaffRecord:
    rec = uow.staff.get(user_id)
    if rec is None:
        raise NotFound(f"No user {user_id} exists.")
    return rec


def _keep_an_owner(uow: UnitOfWork, rec: StaffRecord) -> None:
    """Refuse to take away the last active owner (nobody could manage users after)."""
    if rec.role is Role.OWNER and rec.active and uow.staff.active_owner_count() <= 1:
        raise Conflict(
            f"{rec.username} is the last active owner; make someone else an owner first."
        )


# --- use cases --------------------------------------------------------------------


def has_users(ctx: ServiceContext) -> bool:
    """False on first start, when the owner still has to be created."""
    with ctx.read() as uow:
        return uow.staff.any_exists()


def create_user(
    ctx: ServiceContext,
    actor: Operator | None,
    username: str,
    role: Role | str,
    password: str,
    full_name: str = "",
    pin: str | None = None,
) -> UserView:
    """Add a staff account. ``actor=None`` is accepted only while no user exists."""
    new_role = parse_role(role)
    name = normalize_username(username)
    full = full_name_of(full_name)
    password_hash = _hash(check_password(password))
    pin_hash = None if pin is None else _hash(check_pin(pin).encode("ascii"))
    now = ctx.clock()
    with ctx.uow() as uow:
        if actor is not None:
            actor = _require_manage(uow, actor, "Creating a user")
            if isinstance(actor, Actor) and not actor.role.at_least(new_role):
                action = f"Creating a user with the role {new_role}"
                raise PermissionDenied(action, new_role.value)
        uow.staff.guard()
        first = not uow.staff.any_exists()
        if actor is None and not first:
            raise PermissionDenied("Creating a user", Role.OWNER.value)
        if first and new_role is not Role.OWNER:
            raise ValidationError("role", "the first user must be an owner, who then adds the rest")
        rec = uow.staff.add(
            username=name,
            full_name=full,
            role=new_role,
            password_hash=password_hash,
            pin_hash=pin_hash,
            created_at=now,
        )
        by, extra = _who(actor)
        if actor is None:
            by, extra = rec.id, {"via": "first_start"}
        detail = {"user_id": rec.id, "username": name, "role": new_role.value, **extra}
        uow.audit.record("user_created", by, detail=detail)
        uow.commit()
    return _view(rec, now)


def login(
    ctx: ServiceContext, username: str, password: str, register_id: int | None = None
) -> Actor:
    """Sign in with a password: a new session. Raises AuthenticationFailed (the same
    sentence for an unknown user and a wrong password) or AccountLocked."""
    return _open_session(ctx, _verified(ctx, username, password, "password", register_id))


def verify_pin(
    ctx: ServiceContext, username: str, pin: str, register_id: int | None = None
) -> Actor:
    """Sign in with a PIN (a quick cashier switch): a new session. Raises WrongPin or
    AccountLocked; a malformed PIN is a ValidationError and counts nothing."""
    check_pin(pin)
    return _open_session(ctx, _verified(ctx, username, pin, "pin", register_id))


def verify_approval(
    ctx: ServiceContext, approval: Approval | None, register_id: int | None = None
) -> Approver | None:
    """Check the PIN of a manager approving a cashier's action in place, inside the
    service call that needs the approval (counted and locked like any sign-in; no session
    is opened). The service then checks, in its own unit of work, that the approver is
    still active and may grant what is asked (:func:`pos.services.context.authorise`)."""
    if approval is None:
        return None
    if not isinstance(approval, Approval):
        raise ValidationError("approval", "a manager must type their username and PIN")
    check_pin(approval.pin)
    rec = _verified(ctx, approval.username, approval.pin, "pin", register_id, "approval")
    return Approver(rec.id)


def sign_out(ctx: ServiceContext, actor: Actor) -> None:
    """End this session: its token is worth nothing from now on."""
    if not isinstance(actor, Actor) or not actor.token:
        return
    with ctx.uow() as uow:
        uow.staff.end_session(token_hash(actor.token), ctx.clock())
        uow.audit.record("logout", actor.user_id)
        uow.commit()


def _open_session(ctx: ServiceContext, rec: StaffRecord) -> Actor:
    token = secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        uow.staff.open_session(rec.id, token_hash(token), ctx.clock())
        uow.commit()
    return Actor(rec.id, rec.username, rec.role, rec.full_name, token)


def _verified(
    ctx: ServiceContext,
    username: str,
    secret: str,
    kind: Secret,
    register_id: int | None,
    purpose: str = "login",
) -> StaffRecord:
    """The account whose secret this is. Every attempt on a known account is counted (and
    committed) before its secret is checked, so guesses made in parallel are refused once
    the limit is reached instead of being answered."""
    if not isinstance(username, str) or not username.strip():
        raise ValidationError("username", "enter a username")
    if kind == "password" and (not isinstance(secret, str) or not secret):
        raise ValidationError("password", "enter a password")
    now = ctx.clock()
    try:
        name = normalize_username(username)
    except ValidationError:
        name = None
    with ctx.read() as uow:
        rec = uow.staff.by_username(name) if name else None
    fail = f"{purpose}_failed"
    if rec is None:
        _matches(secret, None)
        detail = {"method": kind, "reason": "unknown_user", "username": username.strip()[:64]}
        _audit(ctx, fail, None, register_id, detail)
        _refuse(kind)
    if minutes := _minutes_left(rec.locked_until, now):  # nothing is even checked
        _audit(ctx, fail, rec.id, register_id, {"method": kind, "reason": "locked"})
        raise AccountLocked(rec.username, minutes)
    hashed = rec.password_hash if kind == "password" else rec.pin_hash
    if hashed is None:  # no PIN set: nothing can be guessed, so nothing is counted
        _audit(ctx, fail, rec.id, register_id, {"method": kind, "reason": "no_pin"})
        _refuse(kind)
    attempts = _count_attempt(ctx, rec, kind, register_id, now, fail)
    ok = _matches(secret, hashed)
    if not rec.active:
        _audit(ctx, fail, rec.id, register_id, {"method": kind, "reason": "inactive"})
        if ok:
            raise AuthenticationFailed(f"The account {rec.username} is deactivated; ask an owner.")
        _refuse(kind)
    if not ok:
        _wrong(ctx, rec, kind, register_id, now, attempts, fail)
    with ctx.uow() as uow:
        if uow.staff.note_success(rec.id, kind, hashed, now):
            uow.audit.record(purpose, rec.id, register_id=register_id, detail={"method": kind})
            uow.commit()
            return rec
        current = uow.staff.get(rec.id)
    # Something changed between the check and now: a lock, deactivation or new secret.
    _audit(ctx, fail, rec.id, register_id, {"method": kind, "reason": "changed_meanwhile"})
    if current is not None and (minutes := _minutes_left(current.locked_until, ctx.clock())):
        raise AccountLocked(current.username, minutes)
    _refuse(kind)


def _refuse(kind: Secret) -> NoReturn:
    if kind == "pin":
        raise WrongPin()
    raise AuthenticationFailed(WRONG_PASSWORD)


def _audit(
    ctx: ServiceContext,
    action: str,
    user_id: int | None,
    register_id: int | None,
    detail: dict[str, Any],
) -> None:
    """An audit row in a transaction of its own, committed before the caller raises."""
    with ctx.uow() as uow:
        uow.audit.record(action, user_id, register_id=register_id, detail=detail)
        uow.commit()


def _count_attempt(
    ctx: ServiceContext,
    rec: StaffRecord,
    kind: Secret,
    register_id: int | None,
    now: datetime,
    fail: str,
) -> int:
    """Count one attempt, committed, before its secret is checked. An account already
    locked, or one more attempt than the limit (guesses racing each other), is refused
    without an answer: the latter locks it."""
    with ctx.uow() as uow:
        attempts = uow.staff.note_attempt(rec.id, now)
        if attempts is not None and attempts <= MAX_FAILED_ATTEMPTS:
            uow.commit()
            return attempts
        if attempts is not None:  # over the limit: lock now
            until = _lock(uow, rec, register_id, now, attempts)
        else:
            current = uow.staff.get(rec.id)
            until = (current.locked_until if current else None) or now
        uow.audit.record(
            fail, rec.id, register_id=register_id, detail={"method": kind, "reason": "locked"}
        )
        uow.commit()
    raise AccountLocked(rec.username, _minutes_left(until, now) or 1)


def _wrong(
    ctx: ServiceContext,
    rec: StaffRecord,
    kind: Secret,
    register_id: int | None,
    now: datetime,
    attempts: int,
    fail: str,
) -> NoReturn:
    """A wrong secret: audited, and the account locked at the limit."""
    until = None
    with ctx.uow() as uow:
        detail: dict[str, Any] = {"method": kind, "reason": f"wrong_{kind}", "attempts": attempts}
        uow.audit.record(fail, rec.id, register_id=register_id, detail=detail)
        if attempts >= MAX_FAILED_ATTEMPTS:
            until = _lock(uow, rec, register_id, now, attempts)
        uow.commit()
    if until is not None:
        raise AccountLocked(rec.username, _minutes_left(until, now) or 1)
    _refuse(kind)


def _lock(
    uow: UnitOfWork, rec: StaffRecord, register_id: int | None, now: datetime, attempts: int
) -> datetime:
    """Lock the account (once, however many attempts race to it); when it locks."""
    minutes = lockout_minutes(rec.lockouts)
    until = now + timedelta(minutes=minutes)
    if uow.staff.lock(rec.id, until, now):
        detail = {"attempts": attempts, "minutes": minutes, "in_a_row": rec.lockouts + 1}
        uow.audit.record("account_locked", rec.id, register_id=register_id, detail=detail)
        return until
    current = uow.staff.get(rec.id)
    return (current.locked_until if current else None) or until


def change_password(ctx: ServiceContext, actor: Operator, user_id: int, new_password: str) -> None:
    """Set a new password: your own, or anyone's with MANAGE_USERS."""
    password_hash = _hash(check_password(new_password))
    with ctx.uow() as uow:
        actor = _require_self_or_manage(uow, actor, user_id, "Changing another user's password")
        _load(uow, user_id)
        uow.staff.set_password_hash(user_id, password_hash)
        by, extra = _who(actor)
        uow.audit.record("password_changed", by, detail={"user_id": user_id, **extra})
        uow.commit()


def set_pin(ctx: ServiceContext, actor: Operator, user_id: int, pin: str | None) -> None:
    """Set (or with ``None`` remove) a PIN: your own, or anyone's with MANAGE_USERS."""
    pin_hash = None if pin is None else _hash(check_pin(pin).encode("ascii"))
    with ctx.uow() as uow:
        actor = _require_self_or_manage(uow, actor, user_id, "Changing another user's PIN")
        _load(uow, user_id)
        uow.staff.set_pin_hash(user_id, pin_hash)
        by, extra = _who(actor)
        detail = {"user_id": user_id, "removed": pin is None, **extra}
        uow.audit.record("pin_changed", by, detail=detail)
        uow.commit()


def set_role(ctx: ServiceContext, actor: Operator, user_id: int, role: Role | str) -> UserView:
    new_role = parse_role(role)
    now = ctx.clock()
    with ctx.uow() as uow:
        actor = _require_manage(uow, actor, "Changing a user's role")
        uow.staff.guard()
        rec = _load(uow, user_id)
        if rec.role is new_role:
            return _view(rec, now)
        if new_role is not Role.OWNER:
            _keep_an_owner(uow, rec)
        uow.staff.set_role(user_id, new_role)
        by, extra = _who(actor)
        detail = {"user_id": user_id, "from": rec.role.value, "to": new_role.value, **extra}
        uow.audit.record("role_changed", by, detail=detail)
        uow.commit()
    return _view(replace(rec, role=new_role), now)


def deactivate_user(ctx: ServiceContext, actor: Operator, user_id: int) -> UserView:
    """Stop an account from signing in. Its history stays; it can be reactivated."""
    if isinstance(actor, Actor) and actor.user_id == user_id:
        raise Conflict("You cannot deactivate your own account.")
    return _set_active(ctx, actor, user_id, False, "Deactivating a user")


def reactivate_user(ctx: ServiceContext, actor: Operator, user_id: int) -> UserView:
    return _set_active(ctx, actor, user_id, True, "Reactivating a user")


def _set_active(
    ctx: ServiceContext, actor: Operator, user_id: int, active: bool, action: str
) -> UserView:
    now = ctx.clock()
    with ctx.uow() as uow:
        actor = _require_manage(uow, actor, action)
        uow.staff.guard()
        rec = _load(uow, user_id)
        if rec.active is active:
            return _view(rec, now)
        if not active:
            _keep_an_owner(uow, rec)
        uow.staff.set_active(user_id, active)
        if not active:  # its sessions end now, wherever it is signed in
            uow.staff.end_sessions_of(user_id, now)
        by, extra = _who(actor)
        action = "user_reactivated" if active else "user_deactivated"
        uow.audit.record(action, by, detail={"user_id": user_id, **extra})
        uow.commit()
    return _view(replace(rec, active=active), now)


def unlock_user(ctx: ServiceContext, actor: Operator, user_id: int) -> UserView:
    """Lift a lockout and clear the failure count: an owner for anyone, a manager for
    someone of a lower role."""
    now = ctx.clock()
    with ctx.uow() as uow:
        actor = _operator(uow, actor) or actor
        rec = _load(uow, user_id)
        if isinstance(actor, Actor) and not _may_unlock(actor, rec.role):
            needed = Role.OWNER if rec.role.at_least(Role.MANAGER) else Role.MANAGER
            raise PermissionDenied(f"Unlocking {rec.username}", needed.value)
        uow.staff.clear_lock(user_id)
        by, extra = _who(actor)
        was_locked = _minutes_left(rec.locked_until, now) > 0
        detail = {"user_id": user_id, "was_locked": was_locked, **extra}
        uow.audit.record("user_unlocked", by, detail=detail)
        uow.commit()
    return _view(replace(rec, failed_attempts=0, locked_until=None, lockouts=0), now)


def _may_unlock(actor: Actor, target: Role) -> bool:
    if actor.may(Permission.MANAGE_USERS):
        return True
    return actor.role.at_least(Role.MANAGER) and actor.role.rank > target.rank


def list_users(
    ctx: ServiceContext, actor: Operator, include_inactive: bool = True
) -> list[UserView]:
    """Every account by username, for managers and owners."""
    now = ctx.clock()
    with ctx.read() as uow:
        actor = _operator(uow, actor) or actor
        if isinstance(actor, Actor) and not actor.role.at_least(Role.MANAGER):
            raise PermissionDenied("Viewing the staff list", Role.MANAGER.value)
        return [_view(rec, now) for rec in uow.staff.all(include_inactive)]


def find_user(ctx: ServiceContext, actor: Operator, username: str) -> UserView:
    """One account by username (any case), for managers and owners."""
    name = normalize_username(username)
    with ctx.read() as uow:
        actor = _operator(uow, actor) or actor
        if isinstance(actor, Actor) and not actor.role.at_least(Role.MANAGER):
            raise PermissionDenied("Looking up a user", Role.MANAGER.value)
        rec = uow.staff.by_username(name)
    if rec is None:
        raise NotFound(f"No user named {name} exists.")
    return _view(rec, ctx.clock())


def set_full_name(ctx: ServiceContext, actor: Operator, user_id: int, full_name: str) -> UserView:
    """Change the name shown for an account: your own, or anyone's with MANAGE_USERS."""
    full = full_name_of(full_name)
    now = ctx.clock()
    with ctx.uow() as uow:
        actor = _require_self_or_manage(uow, actor, user_id, "Renaming another user")
        rec = _load(uow, user_id)
        uow.staff.set_full_name(user_id, full)
        by, extra = _who(actor)
        uow.audit.record("user_renamed", by, detail={"user_id": user_id, **extra})
        uow.commit()
    return _view(replace(rec, full_name=full), now)


def visible_staff(ctx: ServiceContext, actor: Actor) -> list[UserView]:
    """The staff screen's list: everyone for an owner; for a manager, the cashiers and
    themselves (whom they look after: unlocking, seeing who is locked out)."""
    now = ctx.clock()
    with ctx.read() as uow:
        actor = require(uow, actor, Permission.VIEW_REPORTS, "Viewing the staff list")
        records = uow.staff.all(True)
    if not actor.may(Permission.MANAGE_USERS):
        records = [r for r in records if r.role is Role.CASHIER or r.id == actor.user_id]
    return [_view(rec, now) for rec in records]
