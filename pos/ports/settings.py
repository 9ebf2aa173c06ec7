"""Store settings, as a frozen record, and the repository protocol."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pos.domain.money import Currency, currency
from pos.domain.pricing import CashRounding, TaxMode, TaxRounding
from pos.domain.receipt import PrinterConfig, parse_printer


class SettingsRepo(Protocol):
    def all(self) -> dict[str, Any]: ...

    def put(self, key: str, value: Any) -> None: ...

    def bump_revision(self) -> None:
        """Mark the settings changed (see pos.services.settings.SettingsCache)."""
        ...

    def any_sale(self) -> bool:
        """Whether any order at all has been recorded (the currency is fixed after)."""
        ...


# Bumped by every change of the settings, so a till's cached copy knows when it is stale.
REVISION_KEY = "revision"


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
    receipt_header: str = ""  # extra lines under the store's name and address
    receipt_footer: str = "Thank you for shopping with us."
    paper_size: str = "A4"  # A4 or Letter, for reports
    printer_kind: str = "none"  # receipt printer: see pos.domain.receipt.PrinterKind
    printer_target: str = ""  # host:port, usb vendor:product, serial port:baud, path, name
    printer_kick_drawer: bool = False  # open the cash drawer (ESC/POS) on cash sales
    setup_done: bool = False
    timezone: str = "UTC"  # IANA name: reports, Z days and "today" follow it
    cash_movement_approval_over_minor: int = 5000  # pay-ins/outs above this need a manager
    default_low_stock_threshold: int | None = None  # for new products without their own
    decimal_comma: bool = False  # amounts are typed 8,99 (see Currency.parse)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def money(self) -> Currency:
        return currency(self.currency).with_decimal_comma(bool(self.decimal_comma))

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
