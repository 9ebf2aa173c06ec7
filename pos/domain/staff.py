"""Roles and what each may do without someone else's approval."""

from __future__ import annotations

import re
from enum import StrEnum

from pos.domain.errors import ValidationError


class Role(StrEnum):
    CASHIER = "cashier"
    MANAGER = "manager"
    OWNER = "owner"

    @property
    def rank(self) -> int:
        return {"cashier": 1, "manager": 2, "owner": 3}[self.value]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class Permission(StrEnum):
    SELL = "sell"
    REFUND = "refund"
    VOID = "void"
    PRICE_OVERRIDE = "price_override"
    DISCOUNT_OVER_LIMIT = "discount_over_limit"
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_STOCK = "manage_stock"
    MANAGE_USERS = "manage_users"
    MANAGE_ORDERS = "manage_orders"
    MANAGE_CUSTOMERS = "manage_customers"  # merge duplicates, export a customer's data
    ERASE_CUSTOMERS = "erase_customers"  # anonymise a customer on request
    MANAGE_SETTINGS = "manage_settings"
    CLOSE_SHIFT = "close_shift"
    CASH_MOVEMENT = "cash_movement"
    CASH_OVER_LIMIT = "cash_over_limit"  # a pay-in or pay-out above the store's limit
    VIEW_REPORTS = "view_reports"


_MIN_ROLE: dict[Permission, Role] = {
    Permission.SELL: Role.CASHIER,
    Permission.CLOSE_SHIFT: Role.CASHIER,
    Permission.CASH_MOVEMENT: Role.CASHIER,
    Permission.CASH_OVER_LIMIT: Role.MANAGER,
    Permission.REFUND: Role.MANAGER,
    Permission.VOID: Role.MANAGER,
    Permission.PRICE_OVERRIDE: Role.MANAGER,
    Permission.DISCOUNT_OVER_LIMIT: Role.MANAGER,
    Permission.MANAGE_CATALOG: Role.MANAGER,
    Permission.MANAGE_STOCK: Role.MANAGER,
    Permission.MANAGE_ORDERS: Role.MANAGER,
    Permission.MANAGE_CUSTOMERS: Role.MANAGER,
    Permission.ERASE_CUSTOMERS: Role.OWNER,
    Permission.VIEW_REPORTS: Role.MANAGER,
    Permission.MANAGE_USERS: Role.OWNER,
    Permission.MANAGE_SETTINGS: Role.OWNER,
}


def allows(role: Role, permission: Permission) -> bool:
    return role.at_least(_MIN_ROLE[permission])


def min_role(permission: Permission) -> Role:
    return _MIN_ROLE[permission]


PIN_MIN, PIN_MAX = 4, 8
PASSWORD_MAX_BYTES = 72  # bcrypt ignores anything past 72 bytes: refuse instead
PASSWORD_MIN_CHARS = 8
MAX_FAILED_ATTEMPTS = 5
LOCKOUT_MINUTES = 15

MAX_LOCKOUT_MINUTES = 24 * 60  # each lockout in a row doubles the next, up to a day
FULL_NAME_MAX = 200
USERNAME_RULE = "must be 2 to 64 characters: letters a-z, digits, dot, underscore or hyphen"
_USERNAME = re.compile(r"[a-z0-9._-]{2,64}")


def lockout_minutes(lockouts_in_a_row: int) -> int:
    """How long the next lock lasts: LOCKOUT_MINUTES, doubled for every lockout in a row
    before it (15, 30, 60 ... minutes), at most a day. A guesser of a 4-digit PIN gets 5
    tries per lock: about 2,000 locks, most of them a day long."""
    return min(MAX_LOCKOUT_MINUTES, LOCKOUT_MINUTES * 2 ** min(lockouts_in_a_row, 16))


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


def full_name_of(full_name: str) -> str:
    name = (full_name or "").strip()
    if len(name) > FULL_NAME_MAX:
        raise ValidationError("full name", f"must be at most {FULL_NAME_MAX} characters")
    return name
