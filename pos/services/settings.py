"""Store settings: a few typed values kept in the ``settings`` table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from pos.domain.errors import PermissionDenied, ValidationError
from pos.domain.money import currency
from pos.domain.pricing import CashRounding, TaxMode, TaxRounding
from pos.domain.receipt import PRINTER_KINDS
from pos.domain.staff import Permission, min_role
from pos.ports.settings import StoreSettings
from pos.ports.staff import Actor, SystemAccess
from pos.services.context import ServiceContext, require
from pos.services.settings_cache import FIELDS as _FIELDS
from pos.services.settings_cache import read_settings


def _validate(key: str, value: Any) -> Any:
    if key not in _FIELDS:
        raise ValidationError(key, "is not a setting")
    checks: dict[str, Callable[[Any], Any]] = {
        "currency": lambda v: currency(v).code,
        "tax_mode": lambda v: TaxMode(v).value,
        "tax_rounding": lambda v: TaxRounding(v).value,
        "cash_rounding": lambda v: CashRounding(v).value,
        "paper_size": lambda v: {"a4": "A4", "letter": "Letter"}[str(v).lower()],
        "cashier_discount_limit_percent": lambda v: str(Decimal(str(v))),
        "refund_approval_over_minor": int,
        "setup_done": bool,
        "printer_kind": lambda v: PRINTER_KINDS[PRINTER_KINDS.index(str(v).strip().lower())],
        "printer_kick_drawer": lambda v: {"true": True, "1": True, "false": False, "0": False}[
            str(v).lower()
        ],
    }
    try:
        return checks.get(key, str)(value)
    except (ValueError, KeyError, ArithmeticError):
        raise ValidationError(key, f"{value!r} is not allowed") from None


def get_settings(ctx: ServiceContext) -> StoreSettings:
    with ctx.read() as uow:
        return read_settings(uow.settings)


def update_settings(
    ctx: ServiceContext, actor: Actor | SystemAccess | None, **values: Any
) -> StoreSettings:
    """Change settings: an owner, or the command line's system access; ``None`` only
    during first-start setup, while no user exists."""
    clean = {k: _validate(k, v) for k, v in values.items()}
    with ctx.uow() as uow:
        if isinstance(actor, Actor):
            actor = require(uow, actor, Permission.MANAGE_SETTINGS, "Changing settings")
        elif actor is None and uow.staff.any_exists():
            raise PermissionDenied("Changing settings", min_role(Permission.MANAGE_SETTINGS).value)
        for key, value in clean.items():
            uow.settings.put(key, value)
        uow.settings.bump_revision()
        if isinstance(actor, Actor):
            uow.audit.record("settings_change", actor.user_id, detail=clean)
        elif isinstance(actor, SystemAccess):
            uow.audit.record("settings_change", None, detail={**clean, "via": actor.via})
        result = read_settings(uow.settings)
        _ = result.printer  # refuses a printer address that does not fit its kind
        uow.commit()
    return result


def settings_dict(s: StoreSettings) -> dict[str, Any]:
    return asdict(s)
