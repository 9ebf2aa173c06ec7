"""Store settings: a few typed values kept in the ``settings`` table, and each register's
own receipt printer.

Rules:
- Changing settings needs MANAGE_SETTINGS (owners), or the command line's system access;
  every change is audited with its values and announced to every app on the database
  (``SettingsChanged``), so tills that cache settings read them again.
- The currency is fixed once any order exists: amounts already recorded are in it.
- The time zone is an IANA name (``Europe/London``); reports, Z days and "today" follow it.
- A register's printer, when set, replaces the store's printer on that register.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pos.domain.bounds import MAX_MONEY_MINOR
from pos.domain.errors import NotFound, PermissionDenied, ValidationError
from pos.domain.money import currency
from pos.domain.pricing import CashRounding, TaxMode, TaxRounding
from pos.domain.receipt import PRINTER_KINDS, PrinterConfig, parse_printer
from pos.domain.staff import Permission, min_role
from pos.ports.events import SettingsChanged
from pos.ports.settings import StoreSettings
from pos.ports.shifts import RegisterView
from pos.ports.staff import Actor, SystemAccess
from pos.services.context import ServiceContext, require
from pos.services.settings_cache import FIELDS as _FIELDS
from pos.services.settings_cache import read_settings


def check_setting(key: str, value: Any) -> Any:
    """The value as stored, or :class:`ValidationError` naming the setting (the one check
    for the GUI's settings page, first-start setup and ``pos settings set``)."""
    if key not in _FIELDS or key == "revision":
        raise ValidationError(key, "is not a setting")
    checks: dict[str, Callable[[Any], Any]] = {
        "currency": lambda v: currency(v).code,
        "tax_mode": lambda v: TaxMode(v).value,
        "tax_rounding": lambda v: TaxRounding(v).value,
        "cash_rounding": lambda v: CashRounding(v).value,
        "paper_size": lambda v: {"a4": "A4", "letter": "Letter"}[str(v).lower()],
        "cashier_discount_limit_percent": _percent,
        "refund_approval_over_minor": _amount,
        "cash_movement_approval_over_minor": _amount,
        "default_low_stock_threshold": _threshold,
        "timezone": _zone,
        "store_name": lambda v: _line(v, 120, required=True),
        "store_phone": lambda v: _line(v, 40),
        "tax_number": lambda v: _line(v, 40),
        "store_address": lambda v: _block(v, 300),
        "receipt_header": lambda v: _block(v, 300),
        "receipt_footer": lambda v: _block(v, 300),
        "setup_done": _flag,
        "printer_kind": lambda v: PRINTER_KINDS[PRINTER_KINDS.index(str(v).strip().lower())],
        "printer_kick_drawer": _flag,
        "decimal_comma": _flag,
    }
    try:
        return checks.get(key, str)(value)
    except (ValueError, KeyError, ArithmeticError, TypeError):
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
        raise ValidationError(key, f"{shown} is not allowed") from None


def _flag(value: Any) -> bool:
    words = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
    return words[str(value).strip().lower()]


def _amount(value: Any) -> int:
    """A whole, non-negative number of minor units."""
    if isinstance(value, bool | float):
        raise ValueError(value)
    text = str(value).strip()
    if not isinstance(value, int) and (len(text) > 18 or not (text.isascii() and text.isdigit())):
        raise ValueError(value)
    number = value if isinstance(value, int) else int(text)
    if not 0 <= number <= MAX_MONEY_MINOR:
        raise ValueError(value)
    return number


def _percent(value: Any) -> str:
    text = str(value).strip().rstrip("%").strip()
    if len(text) > 10 or "e" in text.lower():
        raise ValueError(value)
    number = Decimal(text)
    if not number.is_finite() or not 0 <= number <= 100:
        raise ValueError(value)
    return str(number)


def _threshold(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    return _amount(value)


def _zone(value: Any) -> str:
    name = str(value).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(name) from None
    return name


def _line(value: Any, most: int, *, required: bool = False) -> str:
    text = " ".join(str(value).split())
    if len(text) > most or (required and not text) or "\x00" in text:
        raise ValueError(value)
    return text


def _block(value: Any, most: int) -> str:
    text = "\n".join(line.rstrip() for line in str(value).strip().splitlines())
    if len(text) > most or "\x00" in text:
        raise ValueError(value)
    return text


def get_settings(ctx: ServiceContext) -> StoreSettings:
    with ctx.read() as uow:
        return read_settings(uow.settings)


def update_settings(
    ctx: ServiceContext, actor: Actor | SystemAccess | None, **values: Any
) -> StoreSettings:
    """Change settings: an owner, or the command line's system access; ``None`` only
    during first-start setup, while no user exists."""
    clean = {k: check_setting(k, v) for k, v in values.items()}
    with ctx.uow() as uow:
        if isinstance(actor, Actor):
            actor = require(uow, actor, Permission.MANAGE_SETTINGS, "Changing settings")
        elif actor is None and uow.staff.any_exists():
            raise PermissionDenied("Changing settings", min_role(Permission.MANAGE_SETTINGS).value)
        before = read_settings(uow.settings)
        if "currency" in clean and clean["currency"] != before.currency and uow.settings.any_sale():
            raise ValidationError(
                "currency", f"stays {before.currency}: orders are already recorded in it"
            )
        for key, value in clean.items():
            uow.settings.put(key, value)
        uow.settings.bump_revision()
        if isinstance(actor, Actor):
            uow.audit.record("settings_change", actor.user_id, detail=clean)
        elif isinstance(actor, SystemAccess):
            uow.audit.record("settings_change", None, detail={**clean, "via": actor.via})
        result = read_settings(uow.settings)
        _ = result.printer  # refuses a printer address that does not fit its kind
        uow.publish(SettingsChanged(tuple(sorted(clean))))
        uow.commit()
    return result


def printer_for(settings: StoreSettings, register: RegisterView | None) -> PrinterConfig:
    """The printer a register prints on: its own when set, else the store's."""
    if register is None or register.printer_kind is None:
        return settings.printer
    return parse_printer(
        register.printer_kind, register.printer_target or "", bool(register.printer_kick_drawer)
    )


def list_registers(ctx: ServiceContext) -> list[RegisterView]:
    with ctx.read() as uow:
        return uow.shifts.registers()


def set_register_printer(
    ctx: ServiceContext,
    actor: Actor,
    register_id: int,
    kind: str | None,
    target: str = "",
    kick_drawer: bool = False,
) -> RegisterView:
    """Give a register a printer of its own (``kind`` None: the store's printer again)."""
    config = None if kind is None else parse_printer(kind, target, kick_drawer)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_SETTINGS, "Setting a register's printer")
        register = uow.shifts.register(register_id)
        if register is None:
            raise NotFound(f"No register {register_id} exists.")
        if config is None or kind is None:
            uow.shifts.set_printer(register_id, None, None, None)
        else:
            uow.shifts.set_printer(
                register_id, config.kind.value, target.strip(), config.kick_drawer
            )
        uow.audit.record(
            "printer_change",
            actor.user_id,
            register_id=register_id,
            detail={"kind": kind, "target": target.strip(), "kick_drawer": kick_drawer},
        )
        uow.publish(SettingsChanged(("printer",), register.code))
        after = uow.shifts.register(register_id)
        uow.commit()
    assert after is not None
    return after


def settings_dict(s: StoreSettings) -> dict[str, Any]:
    return asdict(s)
