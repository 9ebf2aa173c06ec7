"""Shelf labels: what one label shows, computed by ``pos.services.labels`` and drawn by
``reports.labels``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShelfLabel:
    product_id: int
    name: str
    brand: str
    price: str  # formatted in the store currency, e.g. "£1.25"
    unit_price: str  # e.g. "£2.50 / kg"; "" when the product gives none
    barcode: str  # digits as printed under the bars; "" for none
    symbology: str  # "EAN13", "EAN8", "UPCA" or "Code128" ("" when no barcode)
    sku: str
