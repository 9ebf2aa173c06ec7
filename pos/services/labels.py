"""Shelf labels for chosen products: name, price, unit price and barcode.

The unit price comes from the product's attributes: ``unit_price`` (an amount in the
store currency) with ``unit`` (``kg``, ``l``, ``100 g``...), e.g. ``{"unit_price": "2.50",
"unit": "kg"}`` prints ``£2.50 / kg``. The barcode is the product's first one: GTIN-13,
-8 and -12 print as EAN-13, EAN-8 and UPC-A; an in-store code prints as Code 128; a
product without any prints its SKU as Code 128."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation

from pos.domain.errors import ValidationError
from pos.domain.gtin import display, is_gtin
from pos.domain.staff import Permission
from pos.ports.catalog import ProductView
from pos.ports.labels import ShelfLabel
from pos.ports.staff import Actor
from pos.services.context import ServiceContext, require
from pos.services.settings import read_settings

MAX_LABELS = 10_000
SYMBOLOGY = {13: "EAN13", 8: "EAN8", 12: "UPCA"}


def shelf_labels(ctx: ServiceContext, actor: Actor, product_ids: Sequence[int]) -> list[ShelfLabel]:
    """One label per id, in the order given (an id twice: two labels)."""
    if not product_ids:
        raise ValidationError("products", "choose at least one product")
    if len(product_ids) > MAX_LABELS:
        raise ValidationError("products", f"at most {MAX_LABELS:,} labels at a time")
    with ctx.read() as uow:
        require(uow, actor, Permission.MANAGE_CATALOG, "Printing shelf labels")
        money = read_settings(uow.settings).money
        found: dict[int, ProductView] = {}
        for pid in dict.fromkeys(product_ids):
            view = uow.catalog.get(pid)
            if view is None:
                raise ValidationError("products", f"there is no product {pid}")
            found[pid] = view
    out = []
    for pid in product_ids:
        p = found[pid]
        code, kind = _barcode(p)
        out.append(
            ShelfLabel(
                p.id,
                p.name,
                p.brand,
                money.format(money.from_minor(p.price_minor)),
                _unit_price(p, money.format),
                code,
                kind,
                p.sku,
            )
        )
    return out


def _barcode(p: ProductView) -> tuple[str, str]:
    for stored in p.barcodes:
        shown = display(stored)
        if is_gtin(shown) and len(shown) in SYMBOLOGY:
            return shown, SYMBOLOGY[len(shown)]
    if p.barcodes:
        return display(p.barcodes[0]), "Code128"
    return p.sku, "Code128"


def _unit_price(p: ProductView, fmt: Callable[[Decimal], str]) -> str:
    attrs = p.attributes or {}
    raw, unit = attrs.get("unit_price"), str(attrs.get("unit", "")).strip()
    if raw in (None, "") or not unit:
        return ""
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        return ""
    if not amount.is_finite() or amount < 0:
        return ""
    return f"{fmt(amount)} / {unit}"


def category_product_ids(ctx: ServiceContext, actor: Actor, category_id: int) -> list[int]:
    """The active products of a category and its sub-categories (by name), for labels."""
    with ctx.read() as uow:
        require(uow, actor, Permission.MANAGE_CATALOG, "Printing shelf labels")
        return uow.categories.product_ids(category_id, MAX_LABELS)
