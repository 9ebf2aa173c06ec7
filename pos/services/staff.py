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
import re
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
    LOCKOUT_MINUTES,
    MAX_FAILED_ATTEMPTS,
    PASSWORD_MAX_BYTES,
    PASSWORD_MIN_CHARS,
    PIN_MAX,
    PIN_MIN,
    Permission,
    Role,
)
from pos.ports.staff import Actor, Secret, StaffRecord, SystemAccess, UserView
from pos.services.context import ServiceContext, require

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

BCRYPT_ROUNDS = 12
WRONG_PASSWORD = "Wrong username or password."
FULL_NAME_MAX = 200
USERNAME_RULE = "must be 2 to 64 characters: letters a-z, digits, dot, underscore or hyphen"
_USERNAME = re.compile(r"[a-z0-9._-]{2,64}")
# Checked against when the username is unknown, so that costs what a real check costs.
_DUMMY_HASHES: dict[int, bytes] = {
    12: b"$2b$12$8Byyv2R/Wqx1PF3L3foNieKMjE5eKojV4ep.ZN08gidJmLOUhURXK",
}


CLI = SystemAccess("cli")
Operator = Actor | SystemAccess


# --- rules on input ---------------------------------------------------------------


def normalize_username(raw: str) -> str:
    """The stored form of a username; ValidationError unless it follows the rule."""
    name = raw.strip() if isinstance(raw, str) else ""
    if not name.isascii() or not _USERNAME.fullmatch(name.lower()):
        raise ValidationError("username", USERNAME_RULE)
    return name.lower()


def check_password(password: str) -> bytes:
    """The password as bcrypt will hash it; ValidationError if it is too short or long."""
    if not isinstance(password, str) or len(password) < PASSWORD_MIN_CHARS:
        raise ValidationError("password", f"must be at least {PASSWORD_MIN_CHARS} characters")
    try:
        data = password.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("password", "contains a character that cannot be stored") from None
    if len(data) > PASSWORD_MAX_BYTES:
        raise ValidationError(
            "password",
            f"is {len(data)} bytes long and at most {PASSWORD_MAX_BYTES} are allowed "
            "(accented letters and symbols take 2 to 4 bytes each)",
        )
    return data


def check_pin(pin: str) -> str:
    if not (
        isinstance(pin, str) and pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX
    ):
        raise ValidationError("PIN", f"must be {PIN_MIN} to {PIN_MAX} digits")
    return pin


def parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise ValidationError("role", "must be cashier, manager or owner") from None


def _full_name(full_name: str) -> str:
    name = (full_name or "").strip()
    if len(name) > FULL_NAME_MAX:
        raise ValidationError("full name", f"must be at most {FULL_NAME_MAX} characters")
    return name


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


def _who(op: Operator | None) -> tuple[int | None, dict[str, Any]]:
    """The audit log's user id and extra detail for whoever is acting."""
    if isinstance(op, SystemAccess):
        extra = {"via": op.via}
        if op.os_user:
            extra["os_user"] = op.os_user
        return None, extra
    return (op.user_id if op is not None else None), {}


def _require_manage(op: Operator, action: str) -> None:
    if isinstance(op, Actor):
        require(op, Permission.MANAGE_USERS, action)


def _require_self_or_manage(op: Operator, user_id: int, action: str) -> None:
    if isinstance(op, Actor) and op.user_id != user_id:
        require(op, Permission.MANAGE_USERS, action)


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
    if actor is not None:
        _require_manage(actor, "Creating a user")
        if isinstance(actor, Actor) and not actor.role.at_least(new_role):
            raise PermissionDenied(f"Creating a user with the role {new_role}", new_role.value)
    name = normalize_username(username)
    full = _full_name(full_name)
    password_hash = _hash(check_password(password))
    pin_hash = None if pin is None else _hash(check_pin(pin).encode("ascii"))
    now = ctx.clock()
    with ctx.uow() as uow:
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
    """Sign in with a password. Raises AuthenticationFailed (the same sentence for an
    unknown user and a wrong password) or AccountLocked."""
    return _sign_in(ctx, username, password, "password", register_id)


def verify_pin(
    ctx: ServiceContext, username: str, pin: str, register_id: int | None = None
) -> Actor:
    """Sign in with a PIN: a quick cashier switch, or a manager approving an override
    in place (pass the result as ``approver`` to ``authorise``). Raises WrongPin or
    AccountLocked; a malformed PIN is a ValidationError and counts nothing."""
    check_pin(pin)
    return _sign_in(ctx, username, pin, "pin", register_id)


def _sign_in(
    ctx: ServiceContext, username: str, secret: str, kind: Secret, register_id: int | None
) -> Actor:
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
    if rec is None:
        _matches(secret, None)
        detail = {"method": kind, "reason": "unknown_user", "username": username.strip()[:64]}
        _audit(ctx, "login_failed", None, register_id, detail)
        _refuse(kind)
    minutes = _minutes_left(rec.locked_until, now)
    if minutes:
        _audit(ctx, "login_failed", rec.id, register_id, {"method": kind, "reason": "locked"})
        raise AccountLocked(rec.username, minutes)
    hashed = rec.password_hash if kind == "password" else rec.pin_hash
    ok = _matches(secret, hashed)
    if not rec.active:
        _audit(ctx, "login_failed", rec.id, register_id, {"method": kind, "reason": "inactive"})
        if ok:
            raise AuthenticationFailed(f"The account {rec.username} is deactivated; ask an owner.")
        _refuse(kind)
    if hashed is None:  # no PIN set: nothing was guessed, so nothing is counted
        _audit(ctx, "login_failed", rec.id, register_id, {"method": kind, "reason": "no_pin"})
        _refuse(kind)
    if not ok:
        _count_failure(ctx, rec, kind, register_id, now)
    with ctx.uow() as uow:
        if uow.staff.note_success(rec.id, kind, hashed, now):
            uow.audit.record("login", rec.id, register_id=register_id, detail={"method": kind})
            uow.commit()
            return Actor(rec.id, rec.username, rec.role, rec.full_name)
        current = uow.staff.get(rec.id)
    # Something changed between the check and now: a lock, deactivation or new secret.
    reason = "changed_meanwhile"
    _audit(ctx, "login_failed", rec.id, register_id, {"method": kind, "reason": reason})
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


def _count_failure(
    ctx: ServiceContext, rec: StaffRecord, kind: Secret, register_id: int | None, now: datetime
) -> NoReturn:
    """Count a wrong secret (committed), lock at the limit, then raise."""
    locked_until: datetime | None = None
    with ctx.uow() as uow:
        attempts = uow.staff.note_failure(rec.id, now)
        if attempts is None:  # a concurrent failure locked the account first
            current = uow.staff.get(rec.id)
            locked_until = current.locked_until if current else None
            detail: dict[str, Any] = {"method": kind, "reason": "locked"}
        else:
            detail = {"method": kind, "reason": f"wrong_{kind}", "attempts": attempts}
        uow.audit.record("login_failed", rec.id, register_id=register_id, detail=detail)
        if attempts is not None and attempts >= MAX_FAILED_ATTEMPTS:
            locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)
            uow.staff.lock(rec.id, locked_until)
            uow.audit.record(
                "account_locked",
                rec.id,
                register_id=register_id,
                detail={"attempts": attempts, "minutes": LOCKOUT_MINUTES},
            )
        uow.commit()
    if locked_until is not None:
        raise AccountLocked(rec.username, _minutes_left(locked_until, now) or 1)
    _refuse(kind)


def change_password(ctx: ServiceContext, actor: Operator, user_id: int, new_password: str) -> None:
    """Set a new password: your own, or anyone's with MANAGE_USERS."""
    _require_self_or_manage(actor, user_id, "Changing another user's password")
    password_hash = _hash(check_password(new_password))
    with ctx.uow() as uow:
        _load(uow, user_id)
        uow.staff.set_password_hash(user_id, password_hash)
        by, extra = _who(actor)
        uow.audit.record("password_changed", by, detail={"user_id": user_id, **extra})
        uow.commit()


def set_pin(ctx: ServiceContext, actor: Operator, user_id: int, pin: str | None) -> None:
    """Set (or with ``None`` remove) a PIN: your own, or anyone's with MANAGE_USERS."""
    _require_self_or_manage(actor, user_id, "Changing another user's PIN")
    pin_hash = None if pin is None else _hash(check_pin(pin).encode("ascii"))
    with ctx.uow() as uow:
        _load(uow, user_id)
        uow.staff.set_pin_hash(user_id, pin_hash)
        by, extra = _who(actor)
        detail = {"user_id": user_id, "removed": pin is None, **extra}
        uow.audit.record("pin_changed", by, detail=detail)
        uow.commit()


def set_role(ctx: ServiceContext, actor: Operator, user_id: int, role: Role | str) -> UserView:
    _require_manage(actor, "Changing a user's role")
    new_role = parse_role(role)
    now = ctx.clock()
    with ctx.uow() as uow:
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
    _require_manage(actor, "Deactivating a user")
    if isinstance(actor, Actor) and actor.user_id == user_id:
        raise Conflict("You cannot deactivate your own account.")
    return _set_active(ctx, actor, user_id, False)


def reactivate_user(ctx: ServiceContext, actor: Operator, user_id: int) -> UserView:
    _require_manage(actor, "Reactivating a user")
    return _set_active(ctx, actor, user_id, True)


def _set_active(ctx: ServiceContext, actor: Operator, user_id: int, active: bool) -> UserView:
    now = ctx.clock()
    with ctx.uow() as uow:
        uow.staff.guard()
        rec = _load(uow, user_id)
        if rec.active is active:
            return _view(rec, now)
        if not active:
            _keep_an_owner(uow, rec)
        uow.staff.set_active(user_id, active)
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
    return _view(replace(rec, failed_attempts=0, locked_until=None), now)


def _may_unlock(actor: Actor, target: Role) -> bool:
    if actor.may(Permission.MANAGE_USERS):
        return True
    return actor.role.at_least(Role.MANAGER) and actor.role.rank > target.rank


def list_users(
    ctx: ServiceContext, actor: Operator, include_inactive: bool = True
) -> list[UserView]:
    """Every account by username, for managers and owners."""
    if isinstance(actor, Actor) and not actor.role.at_least(Role.MANAGER):
        raise PermissionDenied("Viewing the staff list", Role.MANAGER.value)
    now = ctx.clock()
    with ctx.read() as uow:
        return [_view(rec, now) for rec in uow.staff.all(include_inactive)]


def find_user(ctx: ServiceContext, actor: Operator, username: str) -> UserView:
    """One account by username (any case), for managers and owners."""
    if isinstance(actor, Actor) and not actor.role.at_least(Role.MANAGER):
        raise PermissionDenied("Looking up a user", Role.MANAGER.value)
    name = normalize_username(username)
    with ctx.read() as uow:
        rec = uow.staff.by_username(name)
    if rec is None:
        raise NotFound(f"No user named {name} exists.")
    return _view(rec, ctx.clock())
