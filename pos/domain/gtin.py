"""GTIN barcodes (EAN-8, UPC-A, EAN-13, GTIN-14): validation and one canonical form.

A code is stored as its GTIN-14 form (left-padded with zeros), so ``012345678905``
(UPC-A) and ``0012345678905`` (EAN-13) are the same product. Codes that are not GTIN
lengths (in-store codes, Code 128 labels) are kept as typed, without a check digit.
"""

from __future__ import annotations

from pos.domain.errors import BadCheckDigit, ValidationError

GTIN_LENGTHS = (8, 12, 13, 14)


def check_digit(body: str) -> int:
    """GS1 mod-10 check digit for the digits before it."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


def is_gtin(code: str) -> bool:
    return code.isascii() and code.isdigit() and len(code) in GTIN_LENGTHS


def normalize(code: str) -> str:
    """Canonical stored form of a scanned or typed code; raises on a bad check digit."""
    code = code.strip()
    if not code:
        raise ValidationError("barcode", "is empty")
    if len(code) > 48 or not code.isprintable() or " " in code:
        raise ValidationError("barcode", f"{code[:48]!r} is not a barcode")
    if not is_gtin(code):
        return code
    if check_digit(code[:-1]) != int(code[-1]):
        raise BadCheckDigit(code)
    return code.zfill(14)


def display(code: str) -> str:
    """The shortest usual form: GTIN-14 with leading zeros shown as EAN-13 or UPC/EAN-8."""
    if len(code) == 14 and code.isdigit() and code.startswith("0"):
        short = code[1:]
        if short.startswith("00000"):
            return short[5:]  # EAN-8
        return short
    return code


def make(body: str) -> str:
    """Append the check digit to 7, 11, 12 or 13 digits."""
    return body + str(check_digit(body))
