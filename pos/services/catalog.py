"""The catalog: products, barcodes, categories, tax classes, and product search.

Rules:
- A barcode is stored in its GTIN-14 form (:func:`pos.domain.gtin.normalize`), so a UPC-A,
  its EAN-13 spelling and a padded GTIN-14 all find the same product. A barcode belongs to
  one product at most; SKUs are unique and never empty.
- Prices are integer minor units. User input in major units goes through
  ``Currency.parse`` of the store currency; a price change is written to the audit log.
- A new product's opening stock is written through the stock ledger (a ``count`` move),
  so on-hand always equals the sum of the ledger.
- A product created or changed is written to the storefront sync's outbox in the same
  transaction (nothing while no storefront is linked); stock goes out by comparison.
- A category is named by its path (``"Food/Dairy/Cheese"``); creating a path creates any
  missing parents. Searching a category includes its descendants.
- :func:`lookup_barcode` is the scanner's hot path: one indexed query, no ORM entities.

Search (:func:`search_products`) works on both databases through ``db.search``: each
word of the text is a prefix, all words must match, and any text is safe to pass. A text
that is exactly a SKU or a barcode puts that product first. To stay fast on a million
products, relevance ranking is bounded: when more than a couple of thousand products
match, the first page comes in catalogue (id) order instead of ranked order; see
``db/search.py``.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pos.domain.bounds import MAX_ID, MAX_MONEY_MINOR, NUL, check_id, check_text
from pos.domain.errors import UnknownBarcode, UnknownProduct, ValidationError
from pos.domain.gtin import normalize
from pos.domain.money import Currency
from pos.domain.staff import Permission
from pos.domain.stock import MAX_QUANTITY, StockReason
from pos.ports.catalog import (
    SORTS,
    CategoryView,
    NewProduct,
    ProductHit,
    ProductView,
    SearchQuery,
    TaxClassView,
)
from pos.ports.events import PriceChanged, TaxClassesChanged
from pos.ports.staff import Actor, SystemAccess
from pos.services.context import ServiceContext, require
from pos.services.inventory import announce
from pos.services.operator import AuditedAs, audited_as
from pos.services.settings import read_settings

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

MAX_SEARCH_LIMIT = 500
MAX_SEARCH_TEXT = 200
CATEGORY_SEPARATOR = "/"


# ---------------------------------------------------------------------------- lookups


def lookup_barcode(ctx: ServiceContext, text: str) -> ProductView:
    """The product a scanned or typed barcode belongs to (inactive ones included: the
    caller decides whether to sell them)."""
    code = normalize(text)
    with (ctx.glance or ctx.read)() as uow:
        view = uow.catalog.by_barcode(code)
    if view is None:
        raise UnknownBarcode(code)
    return view


def get_product(ctx: ServiceContext, product_id: int) -> ProductView:
    product_id = check_id(product_id, "product")
    with (ctx.glance or ctx.read)() as uow:
        view = uow.catalog.get(product_id)
    if view is None:
        raise UnknownProduct(product_id)
    return view


def find_by_sku(ctx: ServiceContext, sku: str) -> ProductView:
    sku = sku.strip()
    with ctx.read() as uow:
        view = uow.catalog.by_sku(sku) if sku and sku.isprintable() else None
    if view is None:
        raise UnknownProduct(sku or "with an empty SKU")
    return view


def search_products(ctx: ServiceContext, query: SearchQuery) -> list[ProductHit]:
    """One page of products matching ``query``; see the module notes for the ordering."""
    query = _checked_query(query)
    low, high = query.min_price_minor, query.max_price_minor
    if low is not None and high is not None and low > high:
        return []
    with ctx.read() as uow:
        if query.category_id is not None and uow.catalog.category(query.category_id) is None:
            raise ValidationError("category", f"there is no category {query.category_id}")
        return uow.catalog.search(query)


def _checked_query(q: SearchQuery) -> SearchQuery:
    if not isinstance(q.text, str):
        raise ValidationError("search", "must be text")
    if NUL in q.text:  # typed or pasted: a separator like any other punctuation
        q = replace(q, text=q.text.replace(NUL, " "))
    if q.brand is not None:
        check_text(q.brand, "brand", 120)
    if q.sort not in SORTS:
        raise ValidationError("sort", f"{q.sort!r} is not one of {', '.join(SORTS)}")
    if not _is_int(q.limit) or not 1 <= q.limit <= MAX_SEARCH_LIMIT:
        raise ValidationError("limit", f"must be a whole number from 1 to {MAX_SEARCH_LIMIT}")
    for name in ("min_price_minor", "max_price_minor", "after", "category_id"):
        value = getattr(q, name)
        if value is not None and (not _is_int(value) or not 0 <= value <= MAX_ID):
            raise ValidationError(name.replace("_minor", ""), f"{value!r} is not allowed")
    if len(q.text) > MAX_SEARCH_TEXT:
        # Nobody types more; cutting keeps any pasted text harmless and the query bounded.
        q = replace(q, text=q.text[:MAX_SEARCH_TEXT])
    return q


# --------------------------------------------------------------------------- products

_TEXT_LIMITS = {"sku": 64, "name": 300, "brand": 120, "description": 10_000}
_CREATE_FIELDS = {
    "sku",
    "name",
    "description",
    "brand",
    "category_id",
    "category_path",
    "price",
    "price_minor",
    "cost",
    "cost_minor",
    "tax_class_code",
    "barcodes",
    "images",
    "attributes",
    "active",
    "allow_negative_stock",
    "on_hand",
    "low_stock_threshold",
    "reorder_qty",
    "supplier_id",
}
_UPDATE_FIELDS = _CREATE_FIELDS - {"barcodes", "on_hand"}


def create_product(ctx: ServiceContext, actor: Actor | SystemAccess, **fields: Any) -> ProductView:
    """Add a product. Fields: ``sku``, ``name``, ``price`` (text or Decimal in major units)
    or ``price_minor``, and optionally ``description``, ``brand``, ``category_id`` or
    ``category_path`` (must exist), ``cost``/``cost_minor``, ``tax_class_code`` (default:
    the store's default tax class), ``barcodes``, ``images``, ``attributes``, ``active``,
    ``allow_negative_stock``, ``on_hand`` (opening stock) and ``low_stock_threshold``."""
    _refuse_unknown(fields, _CREATE_FIELDS)
    if "price" not in fields and "price_minor" not in fields:
        raise ValidationError("price", "is required")
    opening = _opening_stock(fields.get("on_hand", 0))
    codes = _barcodes(fields.get("barcodes", ()))
    with ctx.uow() as uow:
        who = _who(uow, actor, "Adding a product")
        settings = read_settings(uow.settings)
        money = settings.money
        values = _clean_values(uow, money, fields, creating=True)
        values.setdefault("tax_class_code", settings.default_tax_class)
        sku = values["sku"]
        owner = uow.catalog.sku_owner(sku)
        if owner is not None:
            raise ValidationError("sku", f"{sku} is already used by another product")
        for code in codes:
            _refuse_taken_barcode(uow, code, None)
        now = ctx.clock()
        new_id = uow.catalog.insert_product(
            NewProduct(
                sku=sku,
                name=values["name"],
                description=values.get("description", ""),
                brand=values.get("brand", ""),
                category_id=values.get("category_id"),
                tax_class_id=_tax_class_id(uow, values["tax_class_code"]),
                price_minor=values["price_minor"],
                cost_minor=values.get("cost_minor"),
                images=values.get("images", []),
                attributes=values.get("attributes", {}),
                active=values.get("active", True),
                allow_negative_stock=values.get("allow_negative_stock", False),
                low_stock_threshold=values.get("low_stock_threshold"),
                created_at=now,
                barcodes=codes,
                reorder_qty=values.get("reorder_qty"),
                supplier_id=values.get("supplier_id"),
            )
        )
        uow.sync.outbox_products([new_id], now)
        if opening:
            change = uow.stock.change(
                new_id,
                opening,
                StockReason.COUNT,
                note="opening stock",
                user_id=who.user_id,
                force=True,
            )
            announce(uow, change)
        view = _must_get(uow, new_id)
        uow.commit()
    return view


def update_product(
    ctx: ServiceContext, actor: Actor | SystemAccess, product_id: int, **changes: Any
) -> ProductView:
    """Change any product field except stock (use a stock adjustment or count) and barcodes
    (use :func:`add_barcode`/:func:`remove_barcode`). A price change is audited."""
    if "on_hand" in changes:
        raise ValidationError("on_hand", "change stock with a stock adjustment or count")
    if "barcodes" in changes:
        raise ValidationError("barcodes", "add or remove barcodes one at a time")
    _refuse_unknown(changes, _UPDATE_FIELDS)
    with ctx.uow() as uow:
        who = _who(uow, actor, "Changing a product")
        before = _must_get(uow, product_id)
        values = _changed_values(uow, before, changes)
        if not values:
            return before
        values["updated_at"] = ctx.clock()
        uow.catalog.update_product(product_id, values)
        uow.sync.outbox_products([product_id], values["updated_at"])
        view = _must_get(uow, product_id)
        _audit_price(uow, who, before, view)
        uow.commit()
    return view


def _changed_values(
    uow: UnitOfWork, before: ProductView, changes: dict[str, Any]
) -> dict[str, Any]:
    """A product's changes checked and cleaned for its row: a SKU another product uses is
    refused, a tax class code becomes its id."""
    values = _clean_values(uow, read_settings(uow.settings).money, changes, creating=False)
    if "sku" in values and values["sku"] != before.sku:
        owner = uow.catalog.sku_owner(values["sku"])
        if owner is not None and owner != before.id:
            raise ValidationError("sku", f"{values['sku']} is already used by another product")
    if "tax_class_code" in values:
        values["tax_class_id"] = _tax_class_id(uow, values.pop("tax_class_code"))
    return values


def save_product(
    ctx: ServiceContext,
    actor: Actor | SystemAccess,
    product_id: int | None,
    fields: dict[str, Any],
    barcodes: list[str],
) -> ProductView:
    """The product editor's save: every field and the whole barcode list, in ONE
    transaction (a new product when ``product_id`` is None). Barcodes not in ``barcodes``
    are removed, new ones added; a price change is audited and announced to every till."""
    if "barcodes" in fields:
        raise ValidationError("barcodes", "pass the barcode list on its own, not among the fields")
    codes = _barcodes(barcodes)
    if product_id is None:
        return create_product(ctx, actor, **fields, barcodes=codes)
    if "on_hand" in fields:
        raise ValidationError("on_hand", "change stock with a stock adjustment or count")
    _refuse_unknown(fields, _UPDATE_FIELDS)
    with ctx.uow() as uow:
        who = _who(uow, actor, "Changing a product")
        before = _must_get(uow, product_id)
        values = _changed_values(uow, before, fields)
        for code in codes:
            if code not in before.barcodes:
                _refuse_taken_barcode(uow, code, product_id)
                uow.catalog.add_barcode(product_id, code)
        for code in before.barcodes:
            if code not in codes:
                uow.catalog.remove_barcode(product_id, code)
        values["updated_at"] = ctx.clock()
        uow.catalog.update_product(product_id, values)
        uow.sync.outbox_products([product_id], values["updated_at"])
        view = _must_get(uow, product_id)
        _audit_price(uow, who, before, view)
        uow.commit()
    return view


def _audit_price(uow: UnitOfWork, who: AuditedAs, before: ProductView, after: ProductView) -> None:
    if after.price_minor == before.price_minor:
        return
    uow.audit.record(
        "price_change",
        who.user_id,
        detail={
            "product_id": after.id,
            "sku": after.sku,
            "old_minor": before.price_minor,
            "new_minor": after.price_minor,
            **who.detail,
        },
    )
    uow.publish(
        PriceChanged(after.id, after.sku, after.name, before.price_minor, after.price_minor)
    )


def remove_product(ctx: ServiceContext, actor: Actor | SystemAccess, product_id: int) -> str:
    """Delete a product never sold; deactivate one with sales (its history stays whole).
    Returns ``"deleted"`` or ``"deactivated"``."""
    with ctx.uow() as uow:
        who = _who(uow, actor, "Removing a product")
        before = _must_get(uow, product_id)
        if uow.catalog.has_sales(product_id):
            now = ctx.clock()
            uow.catalog.update_product(product_id, {"active": False, "updated_at": now})
            uow.sync.outbox_products([product_id], now)
            outcome = "deactivated"
        else:
            uow.catalog.delete_product(product_id)
            outcome = "deleted"
        uow.audit.record(
            "product_" + outcome,
            who.user_id,
            detail={
                "product_id": product_id,
                "sku": before.sku,
                "name": before.name,
                **who.detail,
            },
        )
        uow.commit()
    return outcome


def set_product_active(
    ctx: ServiceContext, actor: Actor | SystemAccess, product_id: int, active: bool
) -> ProductView:
    """Withdraw a product from sale (inactive) or bring it back; it is never deleted."""
    return update_product(ctx, actor, product_id, active=active)


def add_barcode(ctx: ServiceContext, actor: Actor, product_id: int, code: str) -> ProductView:
    stored = normalize(code)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_CATALOG, "Adding a barcode")
        before = _must_get(uow, product_id)
        if stored in before.barcodes:
            return before
        _refuse_taken_barcode(uow, stored, product_id)
        uow.catalog.add_barcode(product_id, stored)
        uow.catalog.update_product(product_id, {"updated_at": ctx.clock()})
        view = _must_get(uow, product_id)
        uow.commit()
    return view


def remove_barcode(ctx: ServiceContext, actor: Actor, product_id: int, code: str) -> ProductView:
    stored = normalize(code)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_CATALOG, "Removing a barcode")
        _must_get(uow, product_id)
        if not uow.catalog.remove_barcode(product_id, stored):
            raise ValidationError("barcode", f"{stored} is not one of this product's barcodes")
        uow.catalog.update_product(product_id, {"updated_at": ctx.clock()})
        view = _must_get(uow, product_id)
        uow.commit()
    return view


def _who(uow: UnitOfWork, op: Actor | SystemAccess, action: str) -> AuditedAs:
    """A signed-in manager or owner (checked as stored now), or the command line."""
    if isinstance(op, SystemAccess):
        return audited_as(op)
    return audited_as(require(uow, op, Permission.MANAGE_CATALOG, action))


def _must_get(uow: UnitOfWork, product_id: int) -> ProductView:
    view = uow.catalog.get(product_id)
    if view is None:
        raise UnknownProduct(product_id)
    return view


def _refuse_unknown(fields: dict[str, Any], allowed: set[str]) -> None:
    for name in fields:
        if name not in allowed:
            raise ValidationError(name, "is not a product field")


def _refuse_taken_barcode(uow: UnitOfWork, code: str, product_id: int | None) -> None:
    owner = uow.catalog.barcode_owner(code)
    if owner is not None and owner != product_id:
        other = uow.catalog.get(owner)
        named = f"{other.name} ({other.sku})" if other else "another product"
        raise ValidationError("barcode", f"{code} already belongs to {named}")


def _clean_values(
    uow: UnitOfWork, money: Currency, fields: dict[str, Any], *, creating: bool
) -> dict[str, Any]:
    """Validate and convert product fields to their stored form (no database writes)."""
    out: dict[str, Any] = {}
    for name, limit in _TEXT_LIMITS.items():
        if name in fields or (creating and name in ("sku", "name")):
            out[name] = _text(name, fields.get(name), limit, required=name in ("sku", "name"))
    if "price" in fields and "price_minor" in fields:
        raise ValidationError("price", "give price or price_minor, not both")
    if "price" in fields:
        out["price_minor"] = money.to_minor(money.parse(fields["price"], "price"))
    elif "price_minor" in fields:
        out["price_minor"] = _minor("price", fields["price_minor"], required=True)
    if "cost" in fields and "cost_minor" in fields:
        raise ValidationError("cost", "give cost or cost_minor, not both")
    if "cost" in fields:
        raw = fields["cost"]
        empty = raw is None or raw == ""
        out["cost_minor"] = None if empty else money.to_minor(money.parse(raw, "cost"))
    elif "cost_minor" in fields:
        out["cost_minor"] = _minor("cost", fields["cost_minor"], required=False)
    if "category_id" in fields and "category_path" in fields:
        raise ValidationError("category", "give category_id or category_path, not both")
    if "category_id" in fields:
        cid = fields["category_id"]
        if cid is not None and (not _is_int(cid) or uow.catalog.category(cid) is None):
            raise ValidationError("category", f"there is no category {cid}")
        out["category_id"] = cid
    elif "category_path" in fields:
        path = fields["category_path"]
        if path is None or str(path).strip() == "":
            out["category_id"] = None
        else:
            found = uow.catalog.category_by_path(_category_path(path))
            if found is None:
                raise ValidationError("category", f"there is no category {path}; create it first")
            out["category_id"] = found.id
    if "tax_class_code" in fields:
        out["tax_class_code"] = _text("tax_class", fields["tax_class_code"], 32, required=True)
    for flag in ("active", "allow_negative_stock"):
        if flag in fields:
            if not isinstance(fields[flag], bool):
                raise ValidationError(flag, "must be true or false")
            out[flag] = fields[flag]
    if "low_stock_threshold" in fields:
        value = fields["low_stock_threshold"]
        if value is not None and (not _is_int(value) or not 0 <= value <= MAX_QUANTITY):
            raise ValidationError(
                "low_stock_threshold", f"must be a whole number from 0 to {MAX_QUANTITY:,}"
            )
        out["low_stock_threshold"] = value
    if "reorder_qty" in fields:
        value = fields["reorder_qty"]
        if value is not None and (not _is_int(value) or not 1 <= value <= MAX_QUANTITY):
            raise ValidationError(
                "reorder quantity", f"must be a whole number from 1 to {MAX_QUANTITY:,}"
            )
        out["reorder_qty"] = value
    if "supplier_id" in fields:
        sid = fields["supplier_id"]
        if sid is not None and (not _is_int(sid) or not uow.catalog.supplier_exists(sid)):
            raise ValidationError("supplier", f"there is no supplier {sid}")
        out["supplier_id"] = sid
    if "images" in fields:
        out["images"] = _images(fields["images"])
    if "attributes" in fields:
        out["attributes"] = _attributes(fields["attributes"])
    return out


def _text(name: str, value: Any, limit: int, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(name, "must be text")
    value = value.strip()
    if required and not value:
        raise ValidationError(name, "cannot be empty")
    if len(value) > limit:
        raise ValidationError(name, f"is longer than {limit} characters")
    if "\x00" in value or (name != "description" and not value.isprintable()):
        raise ValidationError(name, "contains a control character")
    if name in ("sku", "tax_class") and any(ch.isspace() for ch in value):
        raise ValidationError(name, "cannot contain spaces")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _minor(name: str, value: Any, *, required: bool) -> int | None:
    if value is None and not required:
        return None
    if not _is_int(value) or value < 0:
        raise ValidationError(name, f"{value!r} is not a whole number of minor units of 0 or more")
    if value > MAX_MONEY_MINOR:
        raise ValidationError(name, f"{value} is too large")
    return int(value)


def _opening_stock(value: Any) -> int:
    if not _is_int(value) or not 0 <= value <= MAX_QUANTITY:
        raise ValidationError("on_hand", f"must be a whole number from 0 to {MAX_QUANTITY:,}")
    return int(value)


def _barcodes(values: Any) -> list[str]:
    if isinstance(values, str):
        values = [values]
    codes: list[str] = []
    for raw in values:
        if not isinstance(raw, str):
            raise ValidationError("barcode", f"{raw!r} is not a barcode")
        code = normalize(raw)
        if code not in codes:
            codes.append(code)
    return codes


def _images(values: Any) -> list[str]:
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise ValidationError("images", "must be a list of image addresses")
    out = []
    for value in values:
        if not isinstance(value, str) or not value.strip() or len(value) > 2000:
            raise ValidationError("images", f"{value!r} is not an image address")
        out.append(value.strip())
    return out


def _attributes(values: Any) -> dict[str, Any]:
    if not isinstance(values, dict):
        raise ValidationError("attributes", "must be a set of name and value pairs")
    for key, value in values.items():
        if not isinstance(key, str) or not key.strip():
            raise ValidationError("attributes", f"{key!r} is not an attribute name")
        if not isinstance(value, str | int | bool) and value is not None:
            raise ValidationError("attributes", f"{key} must be text, a whole number or yes/no")
    return dict(values)


def _tax_class_id(uow: UnitOfWork, code: str) -> int:
    found = uow.catalog.tax_class_by_code(code)
    if found is None:
        raise ValidationError("tax_class", f"there is no tax class {code!r}; create it first")
    return found.id


# ------------------------------------------------------------ categories, tax, brands


def _category_path(path: Any) -> str:
    if not isinstance(path, str):
        raise ValidationError("category", "must be text like Food/Dairy/Cheese")
    parts = [part.strip() for part in path.strip().strip(CATEGORY_SEPARATOR).split("/")]
    if not parts or any(not part for part in parts):
        raise ValidationError("category", f"{path!r} has an empty part")
    for part in parts:
        if len(part) > 120:
            raise ValidationError("category", f"{part[:20]}... is longer than 120 characters")
    joined = CATEGORY_SEPARATOR.join(parts)
    if len(joined) > 1000:
        raise ValidationError("category", "the path is longer than 1,000 characters")
    return joined


def create_category(ctx: ServiceContext, actor: Actor, path: str) -> CategoryView:
    """Create ``path`` (e.g. ``"Food/Dairy/Cheese"``) and any missing parents; return the
    leaf. An existing path is returned as it is."""
    parts = _category_path(path).split(CATEGORY_SEPARATOR)
    with ctx.uow() as uow:
        actor = require(uow, actor, Permission.MANAGE_CATALOG, "Adding a category")
        parent: CategoryView | None = None
        for depth in range(1, len(parts) + 1):
            prefix = CATEGORY_SEPARATOR.join(parts[:depth])
            found = uow.catalog.category_by_path(prefix)
            if found is None:
                found = uow.catalog.insert_category(
                    parent.id if parent else None, parts[depth - 1], prefix
                )
            parent = found
        assert parent is not None
        uow.commit()
    return parent


def find_category(ctx: ServiceContext, path: str) -> CategoryView:
    clean = _category_path(path)
    with ctx.read() as uow:
        found = uow.catalog.category_by_path(clean)
    if found is None:
        raise ValidationError("category", f"there is no category {clean}")
    return found


def list_categories(ctx: ServiceContext) -> list[CategoryView]:
    """Every category, in path order (parents before their children)."""
    with ctx.read() as uow:
        return uow.catalog.categories()


def create_tax_class(
    ctx: ServiceContext, actor: Actor | SystemAccess, code: str, name: str, rate: Decimal | str
) -> TaxClassView:
    """A tax class such as ``("standard", "Standard rate", Decimal("0.20"))``, by a
    catalog manager or the command line (``pos tax add``)."""
    code = _text("tax_class", code, 32, required=True)
    name = _text("name", name, 100, required=True)
    rate = _rate(rate)
    with ctx.uow() as uow:
        if isinstance(actor, Actor):
            actor = require(uow, actor, Permission.MANAGE_CATALOG, "Adding a tax class")
        if uow.catalog.tax_class_by_code(code) is not None:
            raise ValidationError("tax_class", f"{code} already exists")
        view = uow.catalog.insert_tax_class(code, name, rate)
        uow.publish(TaxClassesChanged())
        uow.commit()
    return view


def _rate(rate: Any) -> Decimal:
    if isinstance(rate, float | bool):
        raise ValidationError("rate", "must be given as text or Decimal, like 0.20")
    try:
        value = Decimal(str(rate).strip()) if not isinstance(rate, Decimal) else rate
    except ArithmeticError:
        raise ValidationError("rate", f"{rate!r} is not a number") from None
    if not value.is_finite() or not Decimal(0) <= value < Decimal(1):
        raise ValidationError("rate", f"{rate} must be from 0 to below 1 (0.20 means 20 %)")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -6:
        raise ValidationError("rate", f"{rate} has more than 6 decimal places")
    return value


def list_tax_classes(ctx: ServiceContext) -> list[TaxClassView]:
    with ctx.read() as uow:
        return uow.catalog.tax_classes()


def list_brands(ctx: ServiceContext) -> list[str]:
    """Every brand in use, sorted; products without a brand are left out."""
    with ctx.read() as uow:
        return uow.catalog.brands()
