"""Roles, permissions and the input rules for staff accounts (pure). Checks against the
database (sessions, approvals) are in tests/integration/test_authority.py."""

from __future__ import annotations

import pytest

from pos.domain.errors import ValidationError
from pos.domain.staff import Permission, Role, allows
from pos.services import staff


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.CASHIER, {Permission.SELL, Permission.CLOSE_SHIFT, Permission.CASH_MOVEMENT}),
        (
            Role.MANAGER,
            set(Permission)
            - {Permission.MANAGE_USERS, Permission.MANAGE_SETTINGS, Permission.ERASE_CUSTOMERS},
        ),
        (Role.OWNER, set(Permission)),
    ],
)
def test_what_each_role_may_do_alone(role: Role, allowed: set[Permission]) -> None:
    assert {p for p in Permission if allows(role, p)} == allowed


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("alice", "alice"), ("  Alice.B-2_x ", "alice.b-2_x"), ("AB", "ab"), ("a" * 64, "a" * 64)],
)
def test_usernames_are_stored_in_lower_case(raw: str, stored: str) -> None:
    assert staff.normalize_username(raw) == stored


@pytest.mark.parametrize(
    "raw",
    ["", "a", "a" * 65, "bad name", "zoë", "\u212aate", "tab\tbed", "semi;colon", "user@shop"],
)
def test_bad_usernames(raw: str) -> None:
    # "\u212a" is the Kelvin sign, which lower-cases to an ASCII "k": refused, not folded.
    with pytest.raises(ValidationError, match=r"^username: must be 2 to 64 characters"):
        staff.normalize_username(raw)


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("1234567", False),  # 7 characters
        ("12345678", True),
        ("é" * 8, True),  # 8 characters, 16 bytes
        ("x" * 72, True),
        ("x" * 73, False),
        ("é" * 36, True),  # 72 bytes
        ("é" * 36 + "a", False),  # 73 bytes from 37 characters
        ("😀" * 18, True),  # 4-byte characters, 72 bytes
        ("😀" * 18 + "a", False),
        ("\ud800" * 8, False),  # a lone surrogate cannot be encoded
    ],
)
def test_password_rules(password: str, ok: bool) -> None:
    if ok:
        assert staff.check_password(password) == password.encode()
    else:
        with pytest.raises(ValidationError) as info:
            staff.check_password(password)
        assert info.value.field == "password"


def test_too_long_password_message_explains_bytes() -> None:
    with pytest.raises(ValidationError) as info:
        staff.check_password("é" * 36 + "a")
    assert str(info.value) == (
        "password: is 73 bytes long and at most 72 are allowed "
        "(accented letters and symbols take 2 to 4 bytes each)"
    )


@pytest.mark.parametrize(
    ("pin", "ok"),
    [
        ("1234", True),
        ("12345678", True),
        ("0000", True),
        ("123", False),
        ("123456789", False),
        ("12 4", False),
        ("12a4", False),
        ("١٢٣٤", False),  # Arabic-Indic digits
        ("", False),
    ],
)
def test_pin_rules(pin: str, ok: bool) -> None:
    if ok:
        assert staff.check_pin(pin) == pin
    else:
        with pytest.raises(ValidationError, match=r"^PIN: must be 4 to 8 digits$"):
            staff.check_pin(pin)


def test_production_bcrypt_cost_is_12() -> None:
    """Tests lower ``staff.BCRYPT_ROUNDS`` in their own fixtures; the shipped value is 12."""
    assert staff.BCRYPT_ROUNDS == 12
    assert staff._dummy_hash().startswith(b"$2b$12$")  # the unknown-user check costs the same
