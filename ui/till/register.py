"""Which register this till is (light: the main window asks before the till loads)."""

from __future__ import annotations

import os

DEFAULT_REGISTER = "TILL-1"


def register_code() -> str:
    """This till's register: ``POS_REGISTER``, else ``TILL-1``."""
    return (os.environ.get("POS_REGISTER") or DEFAULT_REGISTER).strip().upper()
