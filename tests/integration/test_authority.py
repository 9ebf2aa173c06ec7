"""Authority comes from the database, not from the caller: services take a signed-in
session and re-check it on every call (open, its account active, the role as stored
now); an approver's PIN is checked inside the service call; sign-in attempts are counted
before they are answered and lockouts escalate. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from db.engine import make_engine
from pos.domain.errors import (
    AccountLocked,
    ApprovalRefused,
    NotSignedIn,
    PermissionDenied,
    ValidationError,
    WrongPin,
)
from pos.domain.staff import LOCKOUT_MINUTES, MAX_FAILED_ATTEMPTS, Permission, Role
from pos.ports.catalog import SearchQuery
from pos.ports.staff import Actor, Approval
from pos.services import cart as carts
from pos.services import catalog, inventory, shifts, staff
from pos.services.context import Approver, ServiceContext, authorise, require
from pos.services.settings import update_settings
from tests import factories as f

PW = "correct horse battery"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_bcrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff, "BCRYPT_ROUNDS", 4)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def shop(ctx: ServiceContext) -> dict[str, Actor]:
    staff.create_user(ctx, None, "olivia", Role.OWNER, PW)
    owner = staff.login(ctx, "olivia", PW)
    staff.create_user(ctx, owner, "mona", Role.MANAGER, PW, pin="8642")
    staff.create_user(ctx, owner, "casey", Role.CASHIER, PW, pin="2468")
    with ctx.uow() as uow:
        f.product(uow.session, name="Tea", price=250, stock=10)  # type: ignore[attr-defined]
        uow.commit()
    return {
        "owner": owner,
        "manager": staff.login(ctx, "mona", PW),
        "cashier": staff.login(ctx, "casey", PW),
    }


def _check(ctx: ServiceContext, actor: Actor, permission: Permission, action: str) -> Actor:
    with ctx.read() as uow:
        return require(uow, actor, permission, action)


def test_require_names_the_action_and_who_can_do_it(
    ctx: ServiceContext, shop: dict[str, Actor]
) -> None:
    assert _check(ctx, shop["manager"], Permission.REFUND, "Refunding") == shop["manager"]
    with pytest.raises(PermissionDenied, match=r"^Refunding needs a manager's approval\.$"):
        _check(ctx, shop["cashier"], Permission.REFUND, "Refunding")
    with pytest.raises(PermissionDenied, match=r"^Adding a user needs an owner's approval\.$"):
        _check(ctx, shop["manager"], Permission.MANAGE_USERS, "Adding a user")


def test_authorise_with_an_approver_checked_by_pin(
    ctx: ServiceContext, shop: dict[str, Actor]
) -> None:
    cashier, manager = shop["cashier"], shop["manager"]

    def approve(actor: Actor, approver: Approver | None, permission: Permission) -> int | None:
        with ctx.read() as uow:
            return authorise(uow, actor, approver, permission, "Voiding")

    mona = staff.verify_approval(ctx, Approval("mona", "8642"))
    assert mona == Approver(manager.user_id)
    assert approve(manager, None, Permission.VOID) is None
    assert approve(cashier, mona, Permission.VOID) == manager.user_id
    casey = staff.verify_approval(ctx, Approval("casey", "2468"))
    for approver in (None, casey):
        with pytest.raises(PermissionDenied):
            approve(cashier, approver, Permission.VOID)
    # A manager cannot lend a permission they do not hold themselves.
    with pytest.raises(ApprovalRefused, match=r"^mona is a manager and cannot approve this"):
        approve(cashier, mona, Permission.MANAGE_USERS)
    # Nobody approves their own action.
    with pytest.raises(ApprovalRefused, match=r"^Someone else must approve this"):
        approve(manager, mona, Permission.MANAGE_SETTINGS)


def test_a_hand_built_approver_without_a_pin_is_refused(
    ctx: ServiceContext, shop: dict[str, Actor]
) -> None:
    """The finding: a made-up manager approver was accepted. Now the service checks the PIN."""
    cashier = shop["cashier"]
    register = shifts.ensure_register(ctx, "TILL-1")
    shifts.open_shift(ctx, cashier, register.id, 0)
    cart = carts.current_cart(ctx, cashier, register.id)
    cart = carts.add_product(ctx, cashier, cart.id, _any_product(ctx))
    line = cart.lines[0].id
    forged = Actor(shop["manager"].user_id, "mona", Role.MANAGER)
    with pytest.raises(ValidationError, match=r"^approval: a manager must type"):
        carts.override_price(ctx, cashier, cart.id, line, "0.01", approver=forged)  # type: ignore[arg-type]
    with pytest.raises(WrongPin):
        carts.override_price(ctx, cashier, cart.id, line, "0.01", approver=Approval("mona", "1111"))
    with pytest.raises(PermissionDenied):  # a cashier's PIN approves nothing
        carts.override_price(
            ctx, cashier, cart.id, line, "0.01", approver=Approval("casey", "2468")
        )
    view = carts.override_price(
        ctx, cashier, cart.id, line, "0.01", approver=Approval("mona", "8642")
    )
    assert view.lines[0].unit_price_minor == 1


def _any_product(ctx: ServiceContext) -> int:
    return catalog.search_products(ctx, SearchQuery(text="tea"))[0].id


def test_forged_and_stale_sessions_are_refused(ctx: ServiceContext, shop: dict[str, Actor]) -> None:
    owner, manager, cashier = shop["owner"], shop["manager"], shop["cashier"]
    pid = _any_product(ctx)
    adjust = lambda who: inventory.adjust_stock(ctx, who, pid, -1, "damaged")  # noqa: E731
    # Made up: no token, a token that was never issued.
    for forged in (
        Actor(owner.user_id, "olivia", Role.OWNER),
        Actor(owner.user_id, "olivia", Role.OWNER, token="not-a-real-token"),
    ):
        with pytest.raises(NotSignedIn, match=r"^Your sign-in has ended; sign in again.$"):
            adjust(forged)
    # A cashier's own session with the role field set to owner acts as the cashier.
    promoted = Actor(cashier.user_id, cashier.username, Role.OWNER, token=cashier.token)
    with pytest.raises(PermissionDenied):
        adjust(promoted)
    # Another user's token under one's own id is nobody.
    with pytest.raises(NotSignedIn):
        adjust(Actor(cashier.user_id, cashier.username, Role.CASHIER, token=manager.token))
    adjust(manager)  # the real thing works
    # Demoted: the role as stored now counts, not the role at sign-in.
    staff.set_role(ctx, owner, manager.user_id, Role.CASHIER)
    with pytest.raises(PermissionDenied):
        adjust(manager)
    # Deactivated: every session of the account is worthless at once.
    staff.deactivate_user(ctx, owner, cashier.user_id)
    with pytest.raises(NotSignedIn):
        _check(ctx, cashier, Permission.SELL, "Selling")
    # Signed out.
    staff.sign_out(ctx, owner)
    with pytest.raises(NotSignedIn):
        adjust(owner)


def test_settings_change_needs_an_owner_once_staff_exist(
    ctx: ServiceContext, shop: dict[str, Actor]
) -> None:
    with pytest.raises(PermissionDenied, match="needs an owner's"):
        update_settings(ctx, None, store_name="Taken over")
    with pytest.raises(PermissionDenied, match="needs an owner's"):
        update_settings(ctx, shop["manager"], store_name="Taken over")
    assert update_settings(ctx, shop["owner"], store_name="Olivia's").store_name == "Olivia's"


def test_lockouts_double_and_a_success_resets_them(
    ctx: ServiceContext, shop: dict[str, Actor]
) -> None:
    clock = Clock()
    ctx.clock = clock
    expected = []
    for round_ in range(3):
        for _ in range(MAX_FAILED_ATTEMPTS - 1):
            with pytest.raises(WrongPin):
                staff.verify_pin(ctx, "casey", "0000")
        with pytest.raises(AccountLocked) as locked:
            staff.verify_pin(ctx, "casey", "0000")
        minutes = LOCKOUT_MINUTES * 2**round_
        expected.append(minutes)
        assert locked.value.minutes == minutes
        clock.now += timedelta(minutes=minutes)
    assert expected == [15, 30, 60]
    staff.verify_pin(ctx, "casey", "2468")  # a success: the next lock is short again
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        with pytest.raises(WrongPin):
            staff.verify_pin(ctx, "casey", "0000")
    with pytest.raises(AccountLocked) as locked:
        staff.verify_pin(ctx, "casey", "0000")
    assert locked.value.minutes == LOCKOUT_MINUTES


def test_parallel_guesses_are_counted_before_they_are_answered(
    ctx: ServiceContext, shop: dict[str, Actor]
) -> None:
    """25 guesses at once: only the first five are checked; the rest meet a locked door."""

    def guess(pin: str) -> str:
        try:
            staff.verify_pin(ctx, "casey", pin)
            return "right"
        except WrongPin:
            return "wrong"
        except AccountLocked:
            return "locked"

    with ThreadPoolExecutor(25) as pool:
        answers = list(pool.map(guess, [f"{n:04d}" for n in range(1000, 1025)]))
    with ctx.read() as uow:
        checked = [
            a for a in uow.audit.recent(100, "login_failed") if a.detail["reason"] == "wrong_pin"
        ]
    assert len(checked) == MAX_FAILED_ATTEMPTS  # the fifth wrong one locked the account
    assert answers.count("wrong") == MAX_FAILED_ATTEMPTS - 1
    assert answers.count("locked") == 25 - (MAX_FAILED_ATTEMPTS - 1)
    assert "right" not in answers


def test_the_embedded_database_is_readable_by_its_user_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default file, in the user data folder (platformdirs follows XDG_DATA_HOME)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("POS_DATABASE_URL", raising=False)
    where = tmp_path / "data" / "pos"
    engine = make_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x)")
        conn.commit()
    engine.dispose()
    assert stat.S_IMODE(os.stat(where).st_mode) == 0o700
    for name in os.listdir(where):
        assert stat.S_IMODE(os.stat(where / name).st_mode) & 0o077 == 0, name
