"""What a till receipt says, and which printer it goes to.

Rules:
- A :class:`ReceiptSnapshot` is complete and already formatted: every amount is given as
  the display string a renderer prints and as integer minor units. Renderers (PDF, ESC/POS,
  Qt) lay it out and never compute or format money themselves.
- Line amounts are printed without a currency symbol (they line up in a column); totals,
  tenders and change carry the symbol.
- Signs are as the customer reads them: a sale's discount is negative, a refund's lines,
  total and tenders are negative.
- A reprint carries ``copy=True`` and is marked COPY by every renderer.
- The receipt reference (``TILL-1-000042``) is what the barcode encodes and what the
  returns screen parses back.
- :class:`PrinterConfig` is the validated form of the ``printer_*`` store settings; one
  target string per kind: ``host[:port]`` for a network printer (port 9100 by default),
  ``VVVV:PPPP`` hexadecimal USB vendor and product ids, ``PORT[:BAUD]`` for a serial port
  (9600 baud by default), a file path (e.g. ``/dev/usb/lp0``), or a system printer name
  (empty for the default printer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pos.domain.errors import ValidationError


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    name: str
    sku: str
    quantity: int
    unit_price: str
    unit_price_minor: int
    base: str  # quantity x unit price
    base_minor: int
    discount: str  # as printed, e.g. "-2.25"; "" when there is none
    discount_minor: int  # the discount taken off, positive on a sale
    total: str  # base less discount: what the line adds to the subtotal after discounts
    total_minor: int
    tax_code: str  # letter keyed to the tax table, e.g. "A"
    tax_rate: Decimal


@dataclass(frozen=True, slots=True)
class ReceiptTax:
    code: str
    rate: Decimal  # Decimal("0.20")
    rate_label: str  # "20%"
    net: str
    net_minor: int
    tax: str
    tax_minor: int
    gross: str
    gross_minor: int


@dataclass(frozen=True, slots=True)
class ReceiptTender:
    method: str  # cash, card, other
    label: str  # "Cash", "Card VISA ****4242"
    amount: str
    amount_minor: int
    detail: str = ""  # "auth A123456" for a card

    @property
    def full_label(self) -> str:
        """``Card VISA ****4242 auth A123456``."""
        return f"{self.label} {self.detail}" if self.detail else self.label


@dataclass(frozen=True, slots=True)
class ReceiptSnapshot:
    store_name: str
    header_lines: tuple[str, ...]  # address lines, phone, tax number
    title: str  # SALE, REFUND, VOID
    receipt_ref: str  # TILL-1-000042: printed and encoded in the barcode
    original_ref: str  # the sale a refund or void reverses; "" on a sale
    register_code: str
    cashier: str
    customer: str
    issued_at: datetime  # local time
    date_text: str  # "2025-03-14 15:09"
    lines: tuple[ReceiptLine, ...]
    subtotal: str
    subtotal_minor: int
    discount: str  # all discounts, as printed; "" when there are none
    discount_minor: int
    tax_inclusive: bool
    tax_total: str
    tax_minor: int
    taxes: tuple[ReceiptTax, ...]
    total: str
    total_minor: int
    rounding: str  # cash rounding added to the total; "" when none
    rounding_minor: int
    tenders: tuple[ReceiptTender, ...]
    change: str  # "" when no change was given
    change_minor: int
    footer: str
    currency: str
    note: str = ""
    copy: bool = False

    @property
    def item_count(self) -> int:
        return sum(abs(line.quantity) for line in self.lines)

    @property
    def cash_involved(self) -> bool:
        """True when cash went into or out of the drawer (so the drawer should open)."""
        return any(t.method == "cash" for t in self.tenders) or self.change_minor > 0


class PrinterKind(StrEnum):
    NONE = "none"
    SYSTEM = "system"
    NETWORK = "escpos-network"
    USB = "escpos-usb"
    SERIAL = "escpos-serial"
    FILE = "escpos-file"

    @property
    def is_escpos(self) -> bool:
        return self.value.startswith("escpos-")


PRINTER_KINDS: tuple[str, ...] = tuple(k.value for k in PrinterKind)
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
_HOST = re.compile(r"^[A-Za-z0-9._-]+$")  # a name or IPv4 address (python-escpos: IPv4 only)
_USB = re.compile(r"^(?:0x)?([0-9A-Fa-f]{1,4}):(?:0x)?([0-9A-Fa-f]{1,4})$")


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """Where receipts go. Build it with :func:`parse_printer` (validated)."""

    kind: PrinterKind = PrinterKind.NONE
    host: str = ""
    port: int = 9100
    usb_vendor: int = 0
    usb_product: int = 0
    serial_port: str = ""
    baudrate: int = 9600
    file_path: str = ""
    system_name: str = ""  # "" = the system's default printer
    kick_drawer: bool = False

    @property
    def where(self) -> str:
        """The printer as a cashier would name it, for messages."""
        if self.kind is PrinterKind.NETWORK:
            return self._host_port
        if self.kind is PrinterKind.USB:
            return f"USB {self.usb_vendor:04x}:{self.usb_product:04x}"
        if self.kind is PrinterKind.SERIAL:
            return self.serial_port
        if self.kind is PrinterKind.FILE:
            return self.file_path
        if self.kind is PrinterKind.SYSTEM:
            return self.system_name or "the default printer"
        return "no printer"

    @property
    def _host_port(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def target(self) -> str:
        """The settings string that :func:`parse_printer` reads back to this config."""
        if self.kind is PrinterKind.NETWORK:
            return self._host_port
        if self.kind is PrinterKind.USB:
            return f"{self.usb_vendor:04x}:{self.usb_product:04x}"
        if self.kind is PrinterKind.SERIAL:
            return f"{self.serial_port}:{self.baudrate}"
        if self.kind is PrinterKind.FILE:
            return self.file_path
        if self.kind is PrinterKind.SYSTEM:
            return self.system_name
        return ""


def parse_printer(kind: str, target: str = "", kick_drawer: bool = False) -> PrinterConfig:
    """Validate the printer settings; raises :class:`ValidationError` naming the problem."""
    try:
        k = PrinterKind(str(kind).strip().lower())
    except ValueError:
        raise ValidationError(
            "printer", f"{kind!r} is not one of {', '.join(PRINTER_KINDS)}"
        ) from None
    t = str(target).strip()
    if len(t) > 200:
        raise ValidationError("printer", "the printer address is too long")
    if kick_drawer and not k.is_escpos:
        raise ValidationError("cash drawer", "can only be opened through an ESC/POS printer")
    if k is PrinterKind.NONE:
        return PrinterConfig()
    if k is PrinterKind.SYSTEM:
        return PrinterConfig(k, system_name=t)
    if not t:
        raise ValidationError("printer", f"an {k.value} printer needs {_WANTED[k]}")
    if k is PrinterKind.NETWORK:
        host, port = _split_number(t, 9100)
        if not _HOST.match(host) or not 1 <= port <= 65535:
            raise ValidationError("printer", f"{t!r} is not a host and port like 10.0.0.5:9100")
        return PrinterConfig(k, host=host, port=port, kick_drawer=kick_drawer)
    if k is PrinterKind.USB:
        m = _USB.match(t)
        if m is None:
            raise ValidationError("printer", f"{t!r} is not a USB id like 04b8:0202")
        vendor, product = int(m.group(1), 16), int(m.group(2), 16)
        return PrinterConfig(k, usb_vendor=vendor, usb_product=product, kick_drawer=kick_drawer)
    if k is PrinterKind.SERIAL:
        port_name, baud = _split_number(t, 9600)
        if not port_name or baud not in BAUD_RATES:
            raise ValidationError(
                "printer", f"{t!r} is not a serial port and speed like /dev/ttyUSB0:9600"
            )
        return PrinterConfig(k, serial_port=port_name, baudrate=baud, kick_drawer=kick_drawer)
    return PrinterConfig(k, file_path=t, kick_drawer=kick_drawer)


_WANTED = {
    PrinterKind.NETWORK: "a host and port like 10.0.0.5:9100",
    PrinterKind.USB: "a USB id like 04b8:0202",
    PrinterKind.SERIAL: "a serial port like /dev/ttyUSB0:9600",
    PrinterKind.FILE: "a device file like /dev/usb/lp0",
}


def _split_number(text: str, default: int) -> tuple[str, int]:
    """``name:123`` -> (name, 123); ``name`` -> (name, default); ``name:abc`` -> (name, -1),
    which the caller refuses."""
    head, sep, tail = text.rpartition(":")
    if not sep:
        return text, default
    return head, int(tail) if tail.isdigit() else -1
