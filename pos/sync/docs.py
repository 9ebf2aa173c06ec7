"""A product as the storefront shows it, built from the shop's product, and what changed.

The shop owns name, description, price, category, brand, images, attributes, active and
available stock. A *doc* is those fields (stock aside) in one canonical, JSON-storable
shape: the price as exact text ("8.99"), lists and mappings as plain JSON. The same shape
is made from what the storefront sends, so the two compare field by field.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from pos.domain.money import Currency
from pos.ports.sync import LocalDoc

FIELDS = (
    "name",
    "description",
    "price",
    "category",
    "brand",
    "sku",
    "images",
    "attributes",
    "isActive",
)


def local_doc(p: LocalDoc, money: Currency) -> dict[str, Any]:
    return {
        "name": p.name,
        "description": p.description,
        "price": str(money.from_minor(p.price_minor)),
        "category": p.category,
        "brand": p.brand,
        "sku": p.sku,
        "images": list(p.images),
        "attributes": plain(p.attributes),
        "isActive": p.active,
    }


def remote_doc(item: dict[str, Any], money: Currency) -> dict[str, Any]:
    """What the storefront holds, in the same shape (a missing field is its default)."""
    return {
        "name": _text(item.get("name")),
        "description": _text(item.get("description")),
        "price": _price(item.get("price"), money),
        "category": _text(item.get("category")),
        "brand": _text(item.get("brand")),
        "sku": _text(item.get("sku")),
        "images": [i for i in _list(item.get("images")) if isinstance(i, str)],
        "attributes": plain(item.get("attributes"))
        if isinstance(item.get("attributes"), dict)
        else {},
        "isActive": item.get("isActive", True) is not False,
    }


def remote_stock(item: dict[str, Any]) -> int | None:
    stock = item.get("stock")
    return stock if isinstance(stock, int) and not isinstance(stock, bool) else None


def price_minor(value: Any, money: Currency) -> int | None:
    text = _price(value, money)
    return money.to_minor(Decimal(text)) if text else None


def fingerprint(doc: dict[str, Any]) -> str:
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def changes(doc: dict[str, Any], pushed: dict[str, Any] | None) -> dict[str, Any]:
    """The fields of ``doc`` that differ from what was last pushed (all when nothing was)."""
    if pushed is None:
        return dict(doc)
    return {k: v for k, v in doc.items() if pushed.get(k) != v}


def wire(fields: dict[str, Any]) -> dict[str, Any]:
    """The JSON body for the storefront: the price as a number (exact Decimal)."""
    out = dict(fields)
    if "price" in out:
        out["price"] = Decimal(out["price"])
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _price(value: Any, money: Currency) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    try:
        return str(money.round(Decimal(str(value))))
    except (InvalidOperation, ValueError):
        return ""


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
