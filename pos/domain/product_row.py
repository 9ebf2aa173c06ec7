"""One row of the product CSV file, checked on its own (before anything is looked up).

The format is described in :mod:`pos.services.product_io`. These are the rules a row must
pass without the database: the number of fields, text lengths, amounts in the store
currency, barcodes, whole numbers and flags. What needs the database (a tax class that
exists, a barcode another product owns, the same SKU twice) is the import's business.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pos.domain.bad_row import BadRow
from pos.domain.bounds import MAX_QUANTITY, MAX_STOCK
from pos.domain.cells import unescape_cell
from pos.domain.errors import ValidationError
from pos.domain.gtin import normalize
from pos.domain.money import currency

HEADER = (
    "sku",
    "name",
    "description",
    "brand",
    "category",
    "price",
    "cost",
    "tax_class",
    "barcodes",
    "stock",
    "low_stock_threshold",
    "active",
)
TRUE_WORDS = frozenset({"true", "1", "yes", ""})
FALSE_WORDS = frozenset({"false", "0", "no"})
_LIMITS = {"sku": 64, "name": 300, "brand": 120, "description": 10_000}
_SPACE = re.compile(r"\s")


# NamedTuples rather than dataclasses: a million are built per million rows, and a tuple
# is built several times faster (and crosses the reader process's pipe as it is).
class FileRow(NamedTuple):
    """One row of the file that passed every check of its own."""

    line: int
    sku: str
    name: str
    description: str
    brand: str
    category: str  # normalised path, "" for none
    price_minor: int
    cost_minor: int | None
    tax_class: str  # "" for the default
    barcodes: tuple[str, ...]  # GTIN-14 (or as typed), sorted, no duplicates
    stock: int | None  # None: leave on-hand alone
    low_stock_threshold: int | None
    active: bool
    # False when neither the sku nor a barcode was on an earlier line of the file (so,
    # in a first load, none can be in the database yet); True when one may have been.
    repeat: bool


def check_header(header: list[str] | None) -> None:
    """The first line must be exactly :data:`HEADER` (spaces around names are ignored)."""
    if header is None:
        raise ValidationError("file", "is empty; the first line must be the header")
    if tuple(h.strip() for h in header) != HEADER:
        raise ValidationError("file", "the first line must be the header " + ",".join(HEADER))


class ProductRows:
    """The product file's rows for :mod:`pos.files`: a :class:`FileRow` or a :class:`BadRow`.

    Built from the currency's code (not the :class:`Currency`) so that the reader process
    can build its own from its command line.
    """

    row_type = FileRow
    strict = True  # a stray quote is an error, not part of a field
    check_header = staticmethod(check_header)

    def __init__(self, currency_code: str, decimal_mark: str = "point") -> None:
        # decimal_mark: "comma" when the store writes 8,99 (see Currency.parse)
        self.money = currency(currency_code).with_decimal_comma(decimal_mark == "comma")
        # Prices repeat a lot in real catalogues; every distinct text still goes through
        # Currency.parse once (errors are not cached, so each bad row gets its reason).
        self.amount = lru_cache(maxsize=65_536)(self._amount)
        self.skus = KeyFilter()  # of the rows read so far (see FileRow.repeat)
        self.codes = KeyFilter()

    def _amount(self, text: str, name: str) -> int:
        return self.money.to_minor(self.money.parse(text, name))

    def parse(self, fields: list[str], line: int) -> FileRow | BadRow:
        try:
            return self.check(fields, line)
        except ValidationError as exc:
            return BadRow(line, str(exc), fields[0].strip()[:64] if fields else "")

    def check(self, f: list[str], line: int) -> FileRow:
        """The row's values, or :class:`ValidationError` for the first problem found."""
        if len(f) != len(HEADER):
            raise ValidationError("row", f"has {len(f)} fields; the header has {len(HEADER)}")
        if "\x00" in "".join(f):
            raise ValidationError("row", "contains a NUL character")
        sku = _field("sku", unescape_cell(f[0].strip()), required=True)
        if _SPACE.search(sku):
            raise ValidationError("sku", f"{sku!r} cannot contain spaces")
        price = f[5].strip()
        if not price:
            raise ValidationError("price", "is required")
        cost = f[6].strip()
        tax = f[7].strip()
        if len(tax) > 32 or " " in tax:
            raise ValidationError("tax_class", f"{tax[:32]!r} is not a tax class code")
        name = _field("name", unescape_cell(f[1].strip()), required=True)
        description = _field("description", unescape_cell(f[2]), required=False)
        brand = _field("brand", unescape_cell(f[3].strip()), required=False)
        category = _category(unescape_cell(f[4].strip()))
        price_minor = self.amount(price, "price")
        cost_minor = self.amount(cost, "cost") if cost else None
        codes = _barcodes(f[8])
        stock = _whole("stock", f[9], -MAX_STOCK, MAX_STOCK)
        threshold = _whole("low_stock_threshold", f[10], 0, MAX_QUANTITY)
        active = _flag(f[11])
        # Only a row that passed every check counts as seen.
        repeat = self.skus.seen(sku)
        for code in codes:
            repeat = self.codes.seen(code) or repeat
        return FileRow(
            line,
            sku,
            name,
            description,
            brand,
            category,
            price_minor,
            cost_minor,
            tax,
            codes,
            stock,
            threshold,
            active,
            repeat,
        )


def _field(name: str, value: str, *, required: bool) -> str:
    if required and not value:
        raise ValidationError(name, "is empty")
    if len(value) > _LIMITS[name]:
        raise ValidationError(name, f"is longer than {_LIMITS[name]:,} characters")
    return value


@lru_cache(maxsize=4096)
def _category(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    parts = [part.strip() for part in text.strip("/").split("/")]
    if any(not part for part in parts):
        raise ValidationError("category", f"{text!r} has an empty part")
    if any(len(part) > 120 for part in parts):
        raise ValidationError("category", "a part is longer than 120 characters")
    path = "/".join(parts)
    if len(path) > 1000:
        raise ValidationError("category", "the path is longer than 1,000 characters")
    return path


def _barcodes(text: str) -> tuple[str, ...]:
    codes = {normalize(code) for code in text.split("|") if code.strip()}
    return tuple(sorted(codes))


def _whole(name: str, text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not text:
        return None
    digits = text[1:] if text[0] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        raise ValidationError(name, f"{text[:40]!r} is not a whole number")
    if len(digits) > 18:
        raise ValidationError(name, f"is outside {low:,} to {high:,}")
    value = int(text)
    if not low <= value <= high:
        raise ValidationError(name, f"{value:,} is outside {low:,} to {high:,}")
    return value


def _flag(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValidationError("active", f"{text!r} is not one of true, false, yes, no, 1, 0")


class KeyFilter:
    """A one-hash Bloom filter of strings (8 MB): "certainly new" or "maybe seen".

    The reader keeps one of the SKUs and one of the barcodes it has read, to mark each
    row whose keys were certainly on no earlier line (FileRow.repeat). Into a catalog that
    was empty when the import began, such a row needs no lookups: a SKU or barcode can
    only be in the database if an earlier row of this import wrote it. With a million
    keys about 1.5% of rows are marked without cause, which costs only their lookups.
    """

    def __init__(self, bits: int = 1 << 26) -> None:
        self.mask = bits - 1
        self.bits = bytearray(bits >> 3)

    def seen(self, key: str) -> bool:
        """Whether ``key`` may have been given before; remembers it either way."""
        n = hash(key) & self.mask
        byte, bit = n >> 3, 1 << (n & 7)
        found = self.bits[byte] & bit
        self.bits[byte] |= bit
        return bool(found)
