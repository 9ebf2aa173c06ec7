"""Staff accounts, sign-in, lockout and permissions, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import bcrypt
import pytest
from sqlalchemy import select

from db.models import AuditEntry
from pos.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
    WrongPin,
)
from pos.domain.staff import LOCKOUT_MINUTES, MAX_FAILED_ATTEMPTS, Permission, Role
from pos.ports.audit import AuditRecord
from pos.ports.staff import Actor, Approval
from pos.services import staff
from pos.services.context import Approver, ServiceContext, authorise
from tests import factories

PW = "correct horse"
WRONG = "Wrong username or password."
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff, "BCRYPT_ROUNDS", 4)


@pytest.fixture
def clock(ctx: ServiceContext) -> Clock:
    c = Clock()
    ctx.clock = c
    return c


@pytest.fixture
def owner(ctx: ServiceContext, clock: Clock) -> Actor:
    staff.create_user(ctx, None, "olivia", Role.OWNER, PW, "Olivia Owner")
    return staff.login(ctx, "olivia", PW)


def _add(
    ctx: ServiceContext, owner: Actor, name: str, role: Role, pin: str | None = "2468"
) -> Actor:
    staff.create_user(ctx, owner, name, role, PW, name.title(), pin=pin)
    return staff.login(ctx, name, PW)


def _audit(ctx: ServiceContext, action: str | None = None) -> list[AuditRecord]:
    with ctx.read() as uow:
        return list(reversed(uow.audit.recent(500, action)))


def _record(ctx: ServiceContext, username: str) -> staff.StaffRecord:
    with ctx.read() as uow:  # a fresh transaction: sees only what was committed
        rec = uow.staff.by_username(username)
    assert rec is not None
    return rec


def _fail(ctx: ServiceContext, username: str, times: int) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed) as info:
            staff.login(ctx, username, "not the password")
        assert not isinstance(info.value, AccountLocked)


# --- first start and creating users ----------------------------------------------


def test_first_start_creates_the_owner_without_sign_in(ctx: ServiceContext, clock: Clock) -> None:
    assert staff.has_users(ctx) is False
    view = staff.create_user(ctx, None, "  Olivia ", "owner", PW, " Olivia O ", pin="1357")
    assert (view.username, view.role, view.full_name, view.has_pin) == (
        "olivia",
        Role.OWNER,
        "Olivia O",
        True,
    )
    assert view.active and view.locked_until is None and view.created_at == T0
    assert staff.has_users(ctx) is True
    [row] = _audit(ctx, "user_created")
    assert row.user == "olivia"
    assert row.detail == {
        "user_id": view.id,
        "username": "olivia",
        "role": "owner",
        "via": "first_start",
    }
    # Only once: afterwards creating a user needs a signed-in owner.
    with pytest.raises(PermissionDenied, match="needs an owner's approval"):
        staff.create_user(ctx, None, "mallory", "owner", PW)
    assert [u.username for u in staff.list_users(ctx, staff.CLI)] == ["olivia"]


def test_the_first_user_must_be_an_owner(ctx: ServiceContext) -> None:
    with pytest.raises(ValidationError, match="first user must be an owner"):
        staff.create_user(ctx, None, "casey", "cashier", PW)
    assert staff.has_users(ctx) is False


def test_secrets_are_stored_as_bcrypt_hashes_at_the_configured_cost(
    ctx: ServiceContext, owner: Actor
) -> None:
    _add(ctx, owner, "casey", Role.CASHIER, pin="864209")
    rec = _record(ctx, "casey")
    assert rec.password_hash.startswith("$2b$04$") and PW not in rec.password_hash
    assert rec.pin_hash is not None and rec.pin_hash.startswith("$2b$04$")
    assert bcrypt.checkpw(b"864209", rec.pin_hash.encode())


BAD_INPUT = [
    ("a", PW, None, "username"),
    ("bad name", PW, None, "username"),
    ("casey", "short", None, "password"),
    ("casey", "é" * 36 + "a", None, "password"),  # 37 characters, 73 bytes
    ("casey", PW, "123", "PIN"),
    ("casey", PW, "12a4", "PIN"),
]  # every rule is covered case by case in tests/unit/test_permissions.py


def test_bad_input_is_refused_and_nothing_is_stored(ctx: ServiceContext, owner: Actor) -> None:
    for username, password, pin, field in BAD_INPUT:
        with pytest.raises(ValidationError) as info:
            staff.create_user(ctx, owner, username, "cashier", password, pin=pin)
        assert info.value.field == field
    assert [u.username for u in staff.list_users(ctx, owner)] == ["olivia"]
    assert [r.action for r in _audit(ctx)] == ["user_created", "login"]


def test_the_72_byte_limit_counts_bytes_not_characters(ctx: ServiceContext, owner: Actor) -> None:
    with pytest.raises(ValidationError, match="73 bytes long and at most 72") as info:
        staff.create_user(ctx, owner, "casey", "cashier", "é" * 36 + "a")
    assert str(info.value).startswith("password: ")
    exactly_72 = "é" * 36
    staff.create_user(ctx, owner, "casey", "cashier", exactly_72)
    assert staff.login(ctx, "casey", exactly_72).username == "casey"
    # A longer password can never have been set, so it is simply wrong (and counted).
    with pytest.raises(AuthenticationFailed, match=WRONG):
        staff.login(ctx, "casey", exactly_72 + "x")
    assert _record(ctx, "casey").failed_attempts == 1


def test_usernames_are_unique_whatever_the_case(ctx: ServiceContext, owner: Actor) -> None:
    staff.create_user(ctx, owner, "Casey", "cashier", PW)
    with pytest.raises(Conflict, match="casey is already taken"):
        staff.create_user(ctx, owner, "CASEY", "manager", PW)
    assert staff.login(ctx, "CaSeY", PW).username == "casey"


# --- signing in -----------------------------------------------------------------


def test_login_returns_the_actor_and_is_audited(ctx: ServiceContext, owner: Actor) -> None:
    with ctx.uow() as uow:
        till = factories.register(uow.session).id  # type: ignore[attr-defined]
        uow.commit()
    staff.create_user(ctx, owner, "casey", "cashier", PW, "Casey Jones")
    actor = staff.login(ctx, "casey", PW, register_id=till)
    assert (actor.username, actor.role, actor.full_name) == ("casey", Role.CASHIER, "Casey Jones")
    assert actor.may(Permission.SELL) and not actor.may(Permission.REFUND)
    last = _audit(ctx, "login")[-1]
    assert (last.user, last.detail) == ("casey", {"method": "password"})
    with ctx.read() as uow:
        q = select(AuditEntry.register_id).where(AuditEntry.id == last.id)
        assert uow.session.execute(q).scalar_one() == till  # type: ignore[attr-defined]


def test_unknown_user_and_wrong_password_look_the_same(
    ctx: ServiceContext, owner: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[bytes] = []
    real_checkpw = bcrypt.checkpw

    def counting_checkpw(password: bytes, hashed: bytes) -> bool:
        checks.append(hashed)
        return real_checkpw(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counting_checkpw)
    with pytest.raises(AuthenticationFailed) as wrong:
        staff.login(ctx, "olivia", "not the password")
    with pytest.raises(AuthenticationFailed) as unknown:
        staff.login(ctx, "nobody", "not the password")
    with pytest.raises(AuthenticationFailed) as malformed:
        staff.login(ctx, "no such user!", "not the password")
    assert str(wrong.value) == str(unknown.value) == str(malformed.value) == WRONG
    assert type(wrong.value) is type(unknown.value) is AuthenticationFailed
    # One bcrypt check each, at the same cost: unknown users cost what known ones do.
    assert len(checks) == 3
    assert {h[:7] for h in checks} == {b"$2b$04$"}
    failed = _audit(ctx, "login_failed")
    assert [(r.user, r.detail["reason"]) for r in failed] == [
        ("olivia", "wrong_password"),
        (None, "unknown_user"),
        (None, "unknown_user"),
    ]
    assert failed[1].detail["username"] == "nobody"


def test_failure_counter_is_committed_although_login_raises(
    ctx: ServiceContext, owner: Actor
) -> None:
    _fail(ctx, "olivia", 2)
    assert _record(ctx, "olivia").failed_attempts == 2
    assert [r.detail["attempts"] for r in _audit(ctx, "login_failed")] == [1, 2]
    staff.login(ctx, "olivia", PW)  # a success resets the counter
    assert _record(ctx, "olivia").failed_attempts == 0


def test_lockout_after_five_failures_and_unlock_when_the_time_passes(
    ctx: ServiceContext, owner: Actor, clock: Clock
) -> None:
    _fail(ctx, "olivia", MAX_FAILED_ATTEMPTS - 1)
    with pytest.raises(AccountLocked) as info:
        staff.login(ctx, "olivia", "not the password")
    assert info.value.minutes == LOCKOUT_MINUTES
    assert "olivia is locked" in str(info.value) and "15 minutes" in str(info.value)
    rec = _record(ctx, "olivia")
    assert rec.locked_until == T0 + timedelta(minutes=LOCKOUT_MINUTES)
    [locked] = _audit(ctx, "account_locked")
    assert locked.user == "olivia" and locked.detail["attempts"] == MAX_FAILED_ATTEMPTS

    # While locked even the right password is refused, and not checked at all.
    clock.advance(minutes=14, seconds=1)
    with pytest.raises(AccountLocked, match="try again in 1 minute or ask"):
        staff.login(ctx, "olivia", PW)
    with pytest.raises(AccountLocked):
        staff.verify_pin(ctx, "olivia", "1357")
    assert _audit(ctx, "login_failed")[-1].detail["reason"] == "locked"

    clock.advance(seconds=59)  # exactly at the end of the lock
    assert staff.login(ctx, "olivia", PW).username == "olivia"
    rec = _record(ctx, "olivia")
    assert (rec.failed_attempts, rec.locked_until) == (0, None)


def test_after_a_lock_expires_the_count_starts_again(
    ctx: ServiceContext, owner: Actor, clock: Clock
) -> None:
    _fail(ctx, "olivia", MAX_FAILED_ATTEMPTS - 1)
    with pytest.raises(AccountLocked):
        staff.login(ctx, "olivia", "nope nope")
    clock.advance(minutes=LOCKOUT_MINUTES)
    _fail(ctx, "olivia", MAX_FAILED_ATTEMPTS - 1)  # four more are plain failures
    with pytest.raises(AccountLocked):
        staff.login(ctx, "olivia", "nope nope")


def test_a_success_resets_the_count(ctx: ServiceContext, owner: Actor) -> None:
    _fail(ctx, "olivia", MAX_FAILED_ATTEMPTS - 1)
    staff.login(ctx, "olivia", PW)
    _fail(ctx, "olivia", MAX_FAILED_ATTEMPTS - 1)
    assert _record(ctx, "olivia").locked_until is None


def test_concurrent_failures_lock_exactly_once(ctx: ServiceContext, owner: Actor) -> None:
    """Eight wrong passwords at once: the counter is never lost, so exactly four plain
    failures and then the lock, whatever the interleaving."""
    outcomes: list[type[BaseException]] = []
    start = threading.Barrier(8)

    def attempt() -> None:
        start.wait()
        try:
            staff.login(ctx, "olivia", "not the password")
        except AuthenticationFailed as exc:
            outcomes.append(type(exc))

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (
        sorted(o.__name__ for o in outcomes) == ["AccountLocked"] * 4 + ["AuthenticationFailed"] * 4
    )
    assert len(_audit(ctx, "account_locked")) == 1
    assert _record(ctx, "olivia").locked_until is not None


def test_deactivated_users_cannot_sign_in(ctx: ServiceContext, owner: Actor) -> None:
    casey = _add(ctx, owner, "casey", Role.CASHIER)
    view = staff.deactivate_user(ctx, owner, casey.user_id)
    assert view.active is False
    with pytest.raises(AuthenticationFailed, match="casey is deactivated"):
        staff.login(ctx, "casey", PW)
    with pytest.raises(AuthenticationFailed, match=WRONG):  # says nothing more without the password
        staff.login(ctx, "casey", "not the password")
    with pytest.raises(AuthenticationFailed, match="deactivated"):
        staff.verify_pin(ctx, "casey", "2468")
    assert [u.username for u in staff.list_users(ctx, owner, include_inactive=False)] == ["olivia"]
    staff.reactivate_user(ctx, owner, casey.user_id)
    assert staff.login(ctx, "casey", PW) == casey
    assert [r.detail["user_id"] for r in _audit(ctx, "user_deactivated")] == [casey.user_id]
    assert len(_audit(ctx, "user_reactivated")) == 1


# --- PINs -----------------------------------------------------------------------


def test_pin_sign_in_and_pin_rules(ctx: ServiceContext, owner: Actor) -> None:
    casey = _add(ctx, owner, "casey", Role.CASHIER, pin="2468")
    assert staff.verify_pin(ctx, "CASEY", "2468") == casey
    assert _audit(ctx, "login")[-1].detail == {"method": "pin"}
    with pytest.raises(WrongPin, match=r"^Wrong username or PIN\.$"):
        staff.verify_pin(ctx, "casey", "2469")
    with pytest.raises(WrongPin, match=r"^Wrong username or PIN\.$"):
        staff.verify_pin(ctx, "nobody", "2469")
    assert _record(ctx, "casey").failed_attempts == 1
    # A malformed PIN is an input error and counts nothing.
    for bad in ("246", "123456789", "24a8", ""):
        with pytest.raises(ValidationError, match="PIN: must be 4 to 8 digits"):
            staff.verify_pin(ctx, "casey", bad)
    assert _record(ctx, "casey").failed_attempts == 1


def test_pin_and_password_failures_share_one_counter(ctx: ServiceContext, owner: Actor) -> None:
    _add(ctx, owner, "casey", Role.CASHIER, pin="2468")
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(WrongPin):
            staff.verify_pin(ctx, "casey", "0000")
    with pytest.raises(AccountLocked):
        staff.login(ctx, "casey", "not the password")


def test_user_without_a_pin_cannot_use_one_and_nothing_is_counted(
    ctx: ServiceContext, owner: Actor
) -> None:
    casey = _add(ctx, owner, "casey", Role.CASHIER, pin=None)
    with pytest.raises(WrongPin):
        staff.verify_pin(ctx, "casey", "1234")
    assert _record(ctx, "casey").failed_attempts == 0
    staff.set_pin(ctx, casey, casey.user_id, "97531")
    assert staff.verify_pin(ctx, "casey", "97531") == casey
    staff.set_pin(ctx, casey, casey.user_id, None)
    with pytest.raises(WrongPin):
        staff.verify_pin(ctx, "casey", "97531")
    assert [r.detail["removed"] for r in _audit(ctx, "pin_changed")] == [False, True]


# --- permissions ----------------------------------------------------------------


def test_a_cashier_or_manager_cannot_create_users(ctx: ServiceContext, owner: Actor) -> None:
    casey = _add(ctx, owner, "casey", Role.CASHIER)
    mona = _add(ctx, owner, "mona", Role.MANAGER)
    for actor in (casey, mona):
        with pytest.raises(PermissionDenied, match="Creating a user needs an owner's approval"):
            staff.create_user(ctx, actor, "eve", "cashier", PW)
    with pytest.raises(PermissionDenied):
        staff.set_role(ctx, mona, casey.user_id, "manager")
    with pytest.raises(PermissionDenied):
        staff.deactivate_user(ctx, mona, casey.user_id)
    with pytest.raises(PermissionDenied, match="staff list needs a manager"):
        staff.list_users(ctx, casey)
    assert len(staff.list_users(ctx, mona)) == 3


def test_manager_override_approved_in_place_with_a_pin(ctx: ServiceContext, owner: Actor) -> None:
    casey = _add(ctx, owner, "casey", Role.CASHIER, pin="2468")
    mona = _add(ctx, owner, "mona", Role.MANAGER, pin="8642")
    _add(ctx, owner, "carl", Role.CASHIER, pin="1111")

    def approve(actor: Actor, approver: Approver | None, permission: Permission) -> int | None:
        with ctx.read() as uow:
            return authorise(uow, actor, approver, permission, "Refunding")

    with pytest.raises(PermissionDenied, match="Refunding needs a manager's approval"):
        approve(casey, None, Permission.REFUND)
    approver = staff.verify_approval(ctx, Approval("mona", "8642"))
    assert approve(casey, approver, Permission.REFUND) == mona.user_id
    other_cashier = staff.verify_approval(ctx, Approval("carl", "1111"))
    with pytest.raises(PermissionDenied):
        approve(casey, other_cashier, Permission.REFUND)
    with pytest.raises(WrongPin):
        staff.verify_approval(ctx, Approval("mona", "0000"))
    # A manager acting alone needs no approver; a manager cannot approve user management.
    assert approve(mona, None, Permission.REFUND) is None
    with pytest.raises(PermissionDenied):
        approve(casey, approver, Permission.MANAGE_USERS)


def test_passwords_change_for_self_or_with_manage_users(ctx: ServiceContext, owner: Actor) -> None:
    casey = _add(ctx, owner, "casey", Role.CASHIER)
    carl = _add(ctx, owner, "carl", Role.CASHIER)
    staff.change_password(ctx, casey, casey.user_id, "new password 1")
    with pytest.raises(AuthenticationFailed):
        staff.login(ctx, "casey", PW)
    assert staff.login(ctx, "casey", "new password 1") == casey
    with pytest.raises(PermissionDenied, match="another user's password needs an owner"):
        staff.change_password(ctx, casey, carl.user_id, "hijacked pw")
    with pytest.raises(PermissionDenied):
        staff.set_pin(ctx, casey, carl.user_id, "0000")
    staff.change_password(ctx, owner, carl.user_id, "reset by owner")
    assert staff.login(ctx, "carl", "reset by owner") == carl
    with pytest.raises(ValidationError, match="at least 8"):
        staff.change_password(ctx, owner, carl.user_id, "short")
    with pytest.raises(NotFound):
        staff.change_password(ctx, owner, 999_999, "whatever123")
    rows = _audit(ctx, "password_changed")
    assert [(r.user, r.detail["user_id"]) for r in rows] == [
        ("casey", casey.user_id),
        ("olivia", carl.user_id),
    ]


def test_roles_change_but_one_active_owner_always_remains(
    ctx: ServiceContext, owner: Actor
) -> None:
    casey = _add(ctx, owner, "casey", Role.CASHIER)
    with pytest.raises(Conflict, match="last active owner"):
        staff.set_role(ctx, owner, owner.user_id, "manager")
    with pytest.raises(Conflict, match="your own account"):
        staff.deactivate_user(ctx, owner, owner.user_id)
    with pytest.raises(Conflict, match="last active owner"):
        staff.deactivate_user(ctx, staff.CLI, owner.user_id)
    view = staff.set_role(ctx, owner, casey.user_id, "owner")
    assert view.role is Role.OWNER
    assert staff.login(ctx, "casey", PW).role is Role.OWNER
    staff.set_role(ctx, owner, owner.user_id, Role.MANAGER)  # now another owner exists
    with pytest.raises(ValidationError, match="role: must be cashier, manager or owner"):
        staff.set_role(ctx, owner, casey.user_id, "admin")
    rows = _audit(ctx, "role_changed")
    assert [(r.user, r.detail["from"], r.detail["to"]) for r in rows] == [
        ("olivia", "cashier", "owner"),
        ("olivia", "owner", "manager"),
    ]


def test_unlock_by_a_manager_for_a_cashier_by_an_owner_for_anyone(
    ctx: ServiceContext, owner: Actor
) -> None:
    casey = _add(ctx, owner, "casey", Role.CASHIER)
    mona = _add(ctx, owner, "mona", Role.MANAGER)
    _add(ctx, owner, "max", Role.MANAGER)
    for name in ("casey", "max"):
        _fail(ctx, name, MAX_FAILED_ATTEMPTS - 1)
        with pytest.raises(AccountLocked):
            staff.login(ctx, name, "nope nope")
    with pytest.raises(PermissionDenied):
        staff.unlock_user(ctx, casey, casey.user_id)
    view = staff.unlock_user(ctx, mona, casey.user_id)
    assert view.locked_until is None
    assert staff.login(ctx, "casey", PW) == casey
    max_id = staff.find_user(ctx, mona, "max").id
    assert staff.find_user(ctx, mona, "max").locked_until is not None
    with pytest.raises(PermissionDenied, match="Unlocking max needs an owner's approval"):
        staff.unlock_user(ctx, mona, max_id)
    staff.unlock_user(ctx, owner, max_id)
    staff.login(ctx, "max", PW)
    rows = _audit(ctx, "user_unlocked")
    assert [(r.user, r.detail) for r in rows] == [
        ("mona", {"user_id": casey.user_id, "was_locked": True}),
        ("olivia", {"user_id": max_id, "was_locked": True}),
    ]


def test_every_account_change_is_audited(ctx: ServiceContext, owner: Actor) -> None:
    casey = _add(ctx, owner, "casey", Role.CASHIER)
    staff.set_pin(ctx, owner, casey.user_id, "1212")
    staff.change_password(ctx, owner, casey.user_id, "another one")
    staff.set_role(ctx, owner, casey.user_id, "manager")
    staff.deactivate_user(ctx, owner, casey.user_id)
    actions = [r.action for r in _audit(ctx)]
    assert actions == [
        "user_created",
        "login",
        "user_created",
        "login",
        "pin_changed",
        "password_changed",
        "role_changed",
        "user_deactivated",
    ]


def test_system_access_is_audited_without_a_user(ctx: ServiceContext, clock: Clock) -> None:
    cli = staff.SystemAccess("cli", os_user="root")
    staff.create_user(ctx, cli, "olivia", "owner", PW)
    staff.create_user(ctx, cli, "casey", "cashier", PW)
    rows = _audit(ctx, "user_created")
    assert [(r.user, r.detail["via"], r.detail["os_user"]) for r in rows] == [
        (None, "cli", "root"),
        (None, "cli", "root"),
    ]
