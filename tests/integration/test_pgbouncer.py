"""The app through PgBouncer in transaction pooling (``?pos_pooler=transaction``): a sale
and a Z close on a database this test creates, through a PgBouncer it starts on a free
port (``benchmarks/pgbouncer.py``); the live-update listener stays on a direct connection
(``POS_LISTEN_URL``), since a transaction pooler would hand its session to others.

Needs ``POS_TEST_POSTGRES_URL`` and the ``pgbouncer`` program (``.ci/run`` installs it);
outside CI a missing one skips the test with the reason."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from benchmarks import pgbouncer
from db.changes import listen_conninfo
from pos.app import open_app
from pos.services import cart as carts
from pos.services import catalog, checkout, inventory, shifts, till
from pos.services.journal_verify import verify_journal
from tests import factories as f
from tests.conftest import IN_CI, PG_URL

TEA_CODE = "5000000000012"


def _skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def bouncer() -> Iterator[pgbouncer.Bouncer]:
    if not PG_URL:
        _skip_or_fail("PgBouncer test skipped: POS_TEST_POSTGRES_URL is not set")
    if pgbouncer.available() is None:
        _skip_or_fail("PgBouncer test skipped: pgbouncer is not installed")
    with pgbouncer.running(PG_URL) as running:
        yield running


@pytest.fixture
def database(bouncer: pgbouncer.Bouncer) -> Iterator[str]:
    name = f"pos_test_bouncer_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(bouncer.direct_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        open_app(bouncer.direct_url(name)).close()  # migrated on a direct connection
        yield name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _transactions_through(bouncer: pgbouncer.Bouncer, name: str) -> int:
    """PgBouncer's own count of transactions it carried to ``name`` (its admin console)."""
    url = make_url(bouncer.server_url)
    with psycopg.connect(
        host="127.0.0.1",
        port=bouncer.port,
        user=url.username,
        dbname="pgbouncer",
        autocommit=True,
    ) as conn:
        result = conn.pgconn.exec_(b"SHOW STATS")
        names = [result.fname(i).decode() for i in range(result.nfields)]
        for row in range(result.ntuples):
            values = {n: (result.get_value(row, i) or b"").decode() for i, n in enumerate(names)}
            if values["database"] == name:
                return int(values["total_xact_count"])
    return 0


def test_a_sale_and_a_z_close_through_pgbouncer(
    bouncer: pgbouncer.Bouncer, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POS_LISTEN_URL", bouncer.direct_url(database))
    app = open_app(bouncer.url(database), listen=True)
    try:
        ctx = app.ctx
        assert make_url(app.engine.url).port == bouncer.port
        assert f":{make_url(PG_URL).port or 5432}/" in listen_conninfo(app.engine)
        with ctx.uow() as uow:
            cashier = f.user(uow.session, "cara", "cashier")  # type: ignore[attr-defined]
            manager = f.user(uow.session, "max", "manager")  # type: ignore[attr-defined]
            uow.commit()
        catalog.create_tax_class(ctx, manager, "standard", "Standard", Decimal("0.20"))
        tea = catalog.create_product(
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
        for _ in range(3):  # the hot path several times: statements prepared nowhere
            carts.scan(ctx, cashier, cart_id, TEA_CODE)
        sale = checkout.complete_sale(ctx, cashier, cart_id, 1000)
        assert sale.total_minor == 750
        assert catalog.get_product(ctx, tea.id).on_hand == 17
        closed = till.close_shift_and_report(
            ctx, cashier, register.id, {"100.00": 1, "7.50": 0, "5.00": 1, "2.00": 1, "0.50": 1}
        )
        assert (closed.figures.z_no, closed.figures.sales_count) == (1, 1)
        assert (closed.report.kind, closed.report.z_no) == ("Z", 1)
        assert inventory.verify_ledger(ctx) == []
        assert verify_journal(ctx, head_log=False).ok
    finally:
        app.close()
    assert _transactions_through(bouncer, database) > 10
