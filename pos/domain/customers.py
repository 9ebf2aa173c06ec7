"""Customer contact details: how names, emails and phone numbers are checked and folded
into search keys (the services check input with these; the database layer writes the
keys with the same functions, so a search finds what was typed).

Rules:
- Emails are kept trimmed and lower-case and must look like ``name@domain.tld``.
- Phone numbers may hold digits, spaces and ``+ - ( ) . /`` (``+`` only in front) and need
  4 to 20 digits. They are kept as typed; their digits are the search key.
- A name's search key is case-, accent- and punctuation-free.
"""

from __future__ import annotations

import re
import unicodedata

from pos.domain.errors import ValidationError

_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./-]+$")
_EMAIL = re.compile(
    r"^[^@\s\"(),:;<>\[\]\\]{1,64}@"  # local part
    r"(?:[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?\.)+"  # domain labels: letters, digits, -
    r"[^\W\d_](?:[^\W_]|-){0,61}[^\W_]$"  # top-level domain
)


def search_key(text: str) -> str:
    """Case-, accent- and punctuation-free form of a name for prefix search:
    ``"  O'Brien-Núñez "`` -> ``"obrien nunez"``."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    plain = plain.replace("'", "").replace("\u2019", "")
    return " ".join("".join(c if c.isalnum() else " " for c in plain).split())


def phone_digits(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def normalize_email(email: str | None) -> str | None:
    """Trimmed, lower-case, or ``None`` when empty; refuses what is not an email."""
    text = (email or "").strip().lower()
    if not text:
        return None
    if len(text) > 254 or not _EMAIL.match(text):
        raise ValidationError("email", f"{email!r} is not an email address like name@example.com")
    return text


def normalize_phone(phone: str | None) -> str | None:
    text = " ".join((phone or "").split())
    if not text:
        return None
    if len(text) > 40 or not _PHONE_CHARS.match(text):
        raise ValidationError(
            "phone", f"{phone!r} may contain only digits, spaces and + - ( ) . / (+ in front)"
        )
    digits = len(phone_digits(text))
    if not 4 <= digits <= 20:
        raise ValidationError("phone", f"{phone!r} needs 4 to 20 digits")
    return text


def looks_like_phone(text: str) -> bool:
    """Search text that is a phone number being typed (3 digits or more)."""
    return bool(_PHONE_CHARS.match(text)) and len(phone_digits(text)) >= 3
