"""Setting up a new store: its basic settings, the owner account and the default tax class.

The same use case for the GUI's first-start dialog (``ui/setup.py``) and ``pos setup``.
Everything the form holds is checked before anything is written (the password, the
username, the settings, the rate), so a refused setup leaves the database as it was.
Then, in order: the settings, the owner, the owner's sign-in and, as the owner, the default
tax class. Once a staff account exists the store is set up: this refuses to run again
(change it with the settings page or ``pos settings set``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pos.domain.errors import Conflict, ValidationError
from pos.domain.staff import Role
from pos.ports.staff import Actor
from pos.services import catalog, staff
from pos.services import settings as settings_service
from pos.services.context import ServiceContext


@dataclass(frozen=True, slots=True)
class SetupForm:
    store_name: str
    currency: str
    tax_mode: str
    tax_rate: Decimal  # 0.20 for 20 %
    full_name: str
    username: str
    password: str
    store_address: str = ""
    load_demo: bool = False


def parse_rate(text: str, field: str = "default tax rate") -> Decimal:
    """A percentage typed by the user ("20", "7.5", "20 %") as a fraction (0.20)."""
    raw = str(text).strip().rstrip("%").strip().replace(",", ".")
    try:
        if len(raw) > 12 or "e" in raw.lower():
            raise InvalidOperation(raw)
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(field, f"{str(text).strip()[:40]!r} is not a number") from None
    if not value.is_finite() or not 0 <= value < 100:
        raise ValidationError(field, "must be a percentage from 0 to 99.99")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(field, "may have at most 2 decimal places")
    return (value / 100).quantize(Decimal("0.0001"))


def _check(form: SetupForm) -> None:
    """Refuse the form before anything is written."""
    staff.normalize_username(form.username)
    staff.check_password(form.password)
    for key, value in (
        ("store_name", form.store_name),
        ("store_address", form.store_address),
        ("currency", form.currency),
        ("tax_mode", form.tax_mode),
    ):
        settings_service.check_setting(key, value)
    if not Decimal(0) <= form.tax_rate < Decimal(1):
        raise ValidationError("default tax rate", "must be a percentage from 0 to 99.99")


def first_start(ctx: ServiceContext, form: SetupForm) -> Actor:
    """Save the settings, create the owner, sign them in and, as the owner, record the
    default tax rate; returns the signed-in owner."""
    if staff.has_users(ctx):
        raise Conflict(
            "The store is already set up; change it with the settings page or "
            "pos settings set, and add tax classes with pos tax add."
        )
    _check(form)
    settings_service.update_settings(
        ctx,
        None,
        store_name=form.store_name,
        store_address=form.store_address,
        currency=form.currency,
        tax_mode=form.tax_mode,
        setup_done=True,
    )
    staff.create_user(ctx, None, form.username, Role.OWNER, form.password, full_name=form.full_name)
    owner = staff.login(ctx, form.username, form.password)
    code = settings_service.get_settings(ctx).default_tax_class
    if all(tc.code != code for tc in catalog.list_tax_classes(ctx)):
        catalog.create_tax_class(ctx, owner, code, "Standard rate", form.tax_rate)
    return owner
