"""Reports and the dashboard read through ``POS_READ_DATABASE_URL`` when it is set (a
streaming replica in a chain's deployment); here the same PostgreSQL database through a
connection whose transactions are read-only (``default_transaction_read_only=on``), so a
write through it would fail and the reads are seen to take that way."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from pos.app import open_app
from pos.services import analytics, catalog, checkout, shifts
from pos.services import cart as carts
from tests import factories as f

TEA_CODE = "5000000000012"


def test_reports_read_through_the_read_only_url(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("a read-only URL is a PostgreSQL deployment (SQLite is one file)")
    read_only = make_url(db_url).update_query_dict(
        {"options": "-c default_transaction_read_only=on"}
    )
    monkeypatch.setenv("POS_READ_DATABASE_URL", read_only.render_as_string(hide_password=False))
    app = open_app(db_url)
    try:
        ctx = app.ctx
        assert app.read_engine is not None and ctx.reports is not None
        with ctx.reports_read() as uow:
            conn = uow.session.connection()  # type: ignore[attr-defined]
            assert conn.execute(text("SHOW transaction_read_only")).scalar() == "on"
        with ctx.read() as uow:
            conn = uow.session.connection()  # type: ignore[attr-defined]
            assert conn.execute(text("SHOW transaction_read_only")).scalar() == "off"

        with ctx.uow() as uow:
            cashier = f.user(uow.session, "cara", "cashier")  # type: ignore[attr-defined]
            manager = f.user(uow.session, "max", "manager")  # type: ignore[attr-defined]
            uow.commit()
        catalog.create_tax_class(ctx, manager, "standard", "Standard", Decimal("0.20"))
        catalog.create_product(
            ctx,
            manager,
            sku="TEA",
            name="Breakfast tea",
            price_minor=250,
            on_hand=20,
            barcodes=[TEA_CODE],
        )
        register = shifts.ensure_register(ctx, "TILL-1")
        shifts.open_shift(ctx, cashier, register.id, 10000)
        cart_id = carts.current_cart(ctx, cashier, register.id).id
        carts.scan(ctx, cashier, cart_id, TEA_CODE, 2)
        checkout.complete_sale(ctx, cashier, cart_id, 500)

        today = datetime.now(UTC).date()
        report = analytics.sales_report(ctx, manager, today, today)
        assert (report.totals.orders, report.totals.sales_minor) == (1, 500)
        board = analytics.dashboard(ctx, manager)
        assert board is not None
    finally:
        app.close()


def test_without_the_setting_reports_read_the_main_database(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POS_READ_DATABASE_URL", raising=False)
    app = open_app(db_url)
    try:
        assert app.read_engine is None and app.ctx.reports is None
        with app.ctx.reports_read() as uow:
            assert uow.session.connection().execute(text("SELECT 1")).scalar() == 1  # type: ignore[attr-defined]
    finally:
        app.close()
