"""Store settings: a few typed values kept in the ``settings`` table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from decimal import Decimal
from typing import Any, Protocol

from pos.domain.errors import ValidationError
from pos.domain.money import Currency, currency
from pos.domain.pricing import CashRounding, TaxMode, TaxRounding
from pos.domain.receipt import PRINTER_KINDS, PrinterConfig, parse_printer
from pos.domain.staff import Permission
from pos.services.context import Actor, ServiceContext, require


class SettingsRepo(Protocol):
    def all(self) -> dict[str, Any]: ...

    def put(self, key: str, value: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class StoreSettings:
    store_name: str = "My Store"
    store_address: str = ""
    store_phone: str = ""
    tax_number: str = ""
    currency: str = "GBP"
    tax_mode: str = TaxMode.INCLUSIVE.value
    tax_rounding: str = TaxRounding.PER_LINE.value
    cash_rounding: str = CashRounding.NONE.value
    default_tax_class: str = "standard"
    cashier_discount_limit_percent: str = "10"  # more needs a manager
    refund_approval_over_minor: int = 0  # refunds above this need a manager; 0 = all
    receipt_footer: str = "Thank you for shopping with us."
    paper_size: str = "A4"  # A4 or Letter, for reports
    printer_kind: str = "none"  # receipt printer: see pos.domain.receipt.PrinterKind
    printer_target: str = ""  # host:port, usb vendor:product, serial port:baud, path, name
    printer_kick_drawer: bool = False  # open the cash drawer (ESC/POS) on cash sales
    setup_done: bool = False

    @property
    def money(self) -> Currency:
        return currency(self.currency)

    @property
    def mode(self) -> TaxMode:
        return TaxMode(self.tax_mode)

    @property
    def rounding(self) -> TaxRounding:
        return TaxRounding(self.tax_rounding)

    @property
    def cash(self) -> CashRounding:
        return CashRounding(self.cash_rounding)

    @property
    def discount_limit(self) -> Decimal:
        return Decimal(self.cashier_discount_limit_percent)

    @property
    def printer(self) -> PrinterConfig:
        return parse_printer(self.printer_kind, self.printer_target, self.printer_kick_drawer)


_FIELDS = {f.name: f for f in fields(StoreSettings)}


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


def read_settings(uow_settings: SettingsRepo) -> StoreSettings:
    stored = {k: v for k, v in uow_settings.all().items() if k in _FIELDS}
    return replace(StoreSettings(), **stored)


def get_settings(ctx: ServiceContext) -> StoreSettings:
    with ctx.read() as uow:
        return read_settings(uow.settings)


def update_settings(ctx: ServiceContext, actor: Actor | None, **values: Any) -> StoreSettings:
    """Change settings; ``actor`` None only during first-start setup (before any user)."""
    if actor is not None:
        require(actor, Permission.MANAGE_SETTINGS, "Changing settings")
    clean = {k: _validate(k, v) for k, v in values.items()}
    with ctx.uow() as uow:
        for key, value in clean.items():
            uow.settings.put(key, value)
        if actor is not None:
            uow.audit.record("settings_change", actor.user_id, detail=clean)
        result = read_settings(uow.settings)
        _ = result.printer  # refuses a printer address that does not fit its kind
        uow.commit()
    return result


def settings_dict(s: StoreSettings) -> dict[str, Any]:
    return asdict(s)
