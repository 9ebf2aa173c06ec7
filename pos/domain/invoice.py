"""An A4 invoice of one order: every figure it prints, computed by
``pos.services.invoices`` and rendered by ``reports.invoice`` (snapshot in, PDF out).

Money is in minor units of ``currency``; the renderer formats it with
:func:`pos.domain.money.currency`. Times are in the store's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    sku: str
    name: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    tax_rate: Decimal
    net_minor: int  # excluding tax
    tax_minor: int
    total_minor: int  # including tax


@dataclass(frozen=True, slots=True)
class InvoiceTax:
    rate: Decimal
    net_minor: int
    tax_minor: int


@dataclass(frozen=True, slots=True)
class InvoicePayment:
    label: str  # "Card VISA •••• 4242", "Cash", "Refund to card"
    amount_minor: int
    at: datetime


@dataclass(frozen=True, slots=True)
class InvoiceSnapshot:
    number: str  # the order's reference as printed: "INV-000042" or the receipt's
    title: str  # "Invoice", "Credit note" (a refund or void)
    issued_at: datetime
    store_name: str
    store_address: tuple[str, ...]
    store_phone: str
    tax_number: str
    bill_to: tuple[str, ...]  # name and address lines; () when nobody is named
    ship_to: tuple[str, ...]
    order_ref: str  # "Order 42 · online (WEB-1001)"
    currency: str
    tax_inclusive: bool
    lines: tuple[InvoiceLine, ...]
    taxes: tuple[InvoiceTax, ...]
    subtotal_minor: int
    discount_minor: int
    tax_minor: int
    total_minor: int
    payments: tuple[InvoicePayment, ...]
    paid_minor: int
    due_minor: int  # total less what was paid (0 when settled)
    footer: str
    status: str  # "paid", "pending", "refunded"...

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"
