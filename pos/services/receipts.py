"""Receipts: what a sale, refund or void looks like on paper, as a frozen snapshot.

Rules:
- Built from what was recorded (the :class:`SaleView`) and the store settings as they are
  now (name, address, footer); amounts are formatted with the sale's currency.
- Nothing here touches a printer: the till renders the snapshot (``reports.receipt``,
  ``reports.escpos_text``) and sends it (``pos.adapters.printing``) after the sale is
  committed, so a printer failure never loses a sale. "Reprint last receipt" is
  :func:`last_receipt`.
- Tax codes are letters given to the rates from the highest down (A is the standard rate),
  so each line points to its row of the tax table.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from decimal import Decimal

from pos.domain.errors import NotFound
from pos.domain.money import Currency, currency
from pos.domain.receipt import ReceiptLine, ReceiptSnapshot, ReceiptTax, ReceiptTender
from pos.domain.sale import NewPayment, receipt_ref
from pos.ports.sales import SaleLineView, SalesRepo, SaleView
from pos.ports.settings import StoreSettings
from pos.services.context import ServiceContext
from pos.services.settings import read_settings

TITLES = {"sale": "SALE", "refund": "REFUND", "void": "VOID"}


def receipt_for(
    ctx: ServiceContext, order_id: int, copy: bool = False, tz: tzinfo | None = None
) -> ReceiptSnapshot:
    """The receipt of a till sale, refund or void; ``copy`` marks a reprint."""
    with ctx.read() as uow:
        sale = recorded_sale(uow.sales, order_id)
        settings = read_settings(uow.settings)
    return build_receipt(sale, settings, copy=copy, tz=tz)


def last_receipt(
    ctx: ServiceContext, register_id: int, tz: tzinfo | None = None
) -> ReceiptSnapshot:
    """A copy of the register's latest receipt, for "reprint last receipt"."""
    with ctx.read() as uow:
        sale = last_recorded_sale(uow.sales, register_id)
        settings = read_settings(uow.settings)
    return build_receipt(sale, settings, copy=True, tz=tz)


def recorded_sale(uow_sales: SalesRepo, order_id: int) -> SaleView:
    sale = uow_sales.sale(order_id)
    if sale is None:
        raise NotFound(f"No sale {order_id} exists.")
    return sale


def last_recorded_sale(uow_sales: SalesRepo, register_id: int) -> SaleView:
    sale = uow_sales.last_sale(register_id)
    if sale is None:
        raise NotFound("This till has no receipt to reprint yet.")
    return sale


def build_receipt(
    sale: SaleView, settings: StoreSettings, *, copy: bool = False, tz: tzinfo | None = None
) -> ReceiptSnapshot:
    """The snapshot of ``sale``; ``tz`` is the time zone printed (default: the store's)."""
    cur = currency(sale.currency)
    inclusive = sale.tax_mode == "inclusive"
    codes = _tax_codes(sale)
    local = sale.created_at.astimezone(tz or settings.zone)
    lines = tuple(_line(ln, cur, inclusive, codes[ln.tax_rate]) for ln in sale.lines)
    rounding_minor = -sum(p.amount_minor for p in sale.payments if p.method == "rounding")
    change_minor = sale.change_minor
    original = ""
    if sale.original_receipt_no is not None:
        original = receipt_ref(sale.register_code, sale.original_receipt_no)
    return ReceiptSnapshot(
        store_name=settings.store_name,
        header_lines=_header(settings),
        title=TITLES.get(sale.kind, sale.kind.upper()),
        receipt_ref=receipt_ref(sale.register_code, sale.receipt_no),
        original_ref=original,
        register_code=sale.register_code,
        cashier=sale.cashier,
        customer=sale.customer_name,
        issued_at=local,
        date_text=local.strftime("%Y-%m-%d %H:%M"),
        lines=lines,
        subtotal=plain(cur, sale.subtotal_minor),
        subtotal_minor=sale.subtotal_minor,
        discount=plain(cur, -sale.discount_minor) if sale.discount_minor else "",
        discount_minor=sale.discount_minor,
        tax_inclusive=inclusive,
        tax_total=cur.format(cur.from_minor(sale.tax_minor)),
        tax_minor=sale.tax_minor,
        taxes=tuple(
            ReceiptTax(
                code=codes[rate],
                rate=rate,
                rate_label=rate_label(rate),
                net=plain(cur, net),
                net_minor=net,
                tax=plain(cur, tax),
                tax_minor=tax,
                gross=plain(cur, net + tax),
                gross_minor=net + tax,
            )
            for rate, net, tax in sorted(sale.tax_by_rate, key=lambda r: -r[0])
        ),
        total=cur.format(cur.from_minor(sale.total_minor)),
        total_minor=sale.total_minor,
        rounding=plain(cur, rounding_minor) if rounding_minor else "",
        rounding_minor=rounding_minor,
        tenders=tuple(
            ReceiptTender(
                p.method if p.method in ("cash", "card") else "other",
                tender_label(p),
                cur.format(cur.from_minor(p.amount_minor)),
                p.amount_minor,
                f"auth {p.auth_code}" if p.method == "card" and p.auth_code else "",
            )
            for p in sale.payments
            if p.method not in ("change", "rounding")
        ),
        change=cur.format(cur.from_minor(change_minor)) if change_minor else "",
        change_minor=change_minor,
        footer=settings.receipt_footer,
        currency=cur.code,
        note=sale.note,
        copy=copy,
    )


def _line(ln: SaleLineView, cur: Currency, inclusive: bool, code: str) -> ReceiptLine:
    base = ln.quantity * ln.unit_price_minor
    total = ln.total_minor if inclusive else ln.net_minor
    return ReceiptLine(
        name=ln.name,
        sku=ln.sku,
        quantity=ln.quantity,
        unit_price=plain(cur, ln.unit_price_minor),
        unit_price_minor=ln.unit_price_minor,
        base=plain(cur, base),
        base_minor=base,
        discount=plain(cur, -ln.discount_minor) if ln.discount_minor else "",
        discount_minor=ln.discount_minor,
        total=plain(cur, total),
        total_minor=total,
        tax_code=code,
        tax_rate=ln.tax_rate,
    )


def _tax_codes(sale: SaleView) -> dict[Decimal, str]:
    rates = sorted({ln.tax_rate for ln in sale.lines} | {r for r, _, _ in sale.tax_by_rate})
    return {rate: chr(ord("A") + i) for i, rate in enumerate(reversed(rates))}


def _header(settings: StoreSettings) -> tuple[str, ...]:
    lines = [part.strip() for part in settings.store_address.splitlines() if part.strip()]
    if settings.store_phone.strip():
        lines.append(f"Tel. {settings.store_phone.strip()}")
    if settings.tax_number.strip():
        lines.append(f"Tax no. {settings.tax_number.strip()}")
    lines.extend(part.strip() for part in settings.receipt_header.splitlines() if part.strip())
    return tuple(lines)


def plain(cur: Currency, minor: int) -> str:
    """An amount without the currency symbol, for columns: ``1,234.50``, ``-2.25``."""
    value = cur.from_minor(minor)
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value):,.{cur.digits}f}"


def rate_label(rate: Decimal) -> str:
    """``Decimal("0.20")`` -> ``20%``, ``Decimal("0.055")`` -> ``5.5%``."""
    percent = (rate * 100).normalize()
    text = f"{percent:f}"
    return f"{text}%"


def tender_label(p: NewPayment) -> str:
    refund = p.amount_minor < 0
    if p.method == "cash":
        return "Cash refunded" if refund else "Cash"
    if p.method == "card":
        parts = ["Card refund" if refund else "Card"]
        if p.card_brand:
            parts.append(p.card_brand.upper())
        if p.card_last4:
            parts.append(f"****{p.card_last4}")
        return " ".join(parts)
    return p.method.replace("_", " ").capitalize()


def test_receipt(settings: StoreSettings, register_code: str, at: datetime) -> ReceiptSnapshot:
    """A receipt with no sale on it, to check a printer: the store's header and footer
    as they will print, and the register's code."""
    cur = currency(settings.currency)
    local = at.astimezone(settings.zone)
    zero = plain(cur, 0)
    return ReceiptSnapshot(
        store_name=settings.store_name,
        header_lines=_header(settings),
        title="TEST PRINT",
        receipt_ref=f"{register_code}-TEST",
        original_ref="",
        register_code=register_code,
        cashier="",
        customer="",
        issued_at=local,
        date_text=f"{local:%Y-%m-%d %H:%M}",
        lines=(),
        subtotal=zero,
        subtotal_minor=0,
        discount="",
        discount_minor=0,
        tax_inclusive=settings.tax_mode == "inclusive",
        tax_total=zero,
        tax_minor=0,
        taxes=(),
        total=zero,
        total_minor=0,
        rounding="",
        rounding_minor=0,
        tenders=(),
        change="",
        change_minor=0,
        footer=settings.receipt_footer,
        currency=cur.code,
        note="This printer works. No sale was recorded.",
    )
