"""Roles and what each may do without someone else's approval."""

from __future__ import annotations

from enum import StrEnum


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
    MANAGE_SETTINGS = "manage_settings"
    CLOSE_SHIFT = "close_shift"
    CASH_MOVEMENT = "cash_movement"
    VIEW_REPORTS = "view_reports"


_MIN_ROLE: dict[Permission, Role] = {
    Permission.SELL: Role.CASHIER,
    Permission.CLOSE_SHIFT: Role.CASHIER,
    Permission.CASH_MOVEMENT: Role.CASHIER,
    Permission.REFUND: Role.MANAGER,
    Permission.VOID: Role.MANAGER,
    Permission.PRICE_OVERRIDE: Role.MANAGER,
    Permission.DISCOUNT_OVER_LIMIT: Role.MANAGER,
    Permission.MANAGE_CATALOG: Role.MANAGER,
    Permission.MANAGE_STOCK: Role.MANAGER,
    Permission.MANAGE_ORDERS: Role.MANAGER,
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
