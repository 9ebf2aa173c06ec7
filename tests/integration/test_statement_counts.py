"""The till's hot paths send as few statements as their work needs (issue: "a scan is one
short transaction of at most three statements"). Counted on SQLite by the driver's own
trace of every statement it runs (BEGIN and COMMIT included), so nothing that reaches the
database is missed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from pos.app import App, open_app
from pos.services import cart as carts
from pos.services import catalog, checkout, shifts
from tests import factories as f


@pytest.fixture
def till(sqlite_template: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    import shutil

    shutil.copy(sqlite_template, tmp_path / "pos.sqlite3")
    app = open_app(f"sqlite:///{tmp_path / 'pos.sqlite3'}")
    with app.ctx.uow() as uow:
        cashier = f.user(uow.session, "cara", "cashier")  # type: ignore[attr-defined]
        register = f.register(uow.session).id  # type: ignore[attr-defined]
        products = [f.product(uow.session, price=100 + i, stock=100) for i in range(10)]  # type: ignore[attr-defined]
        uow.commit()
    shifts.open_shift(app.ctx, cashier, register, 1000)
    yield app, cashier, register, [p.id for p in products]
    app.close()


@contextmanager
def statements(app: App) -> Iterator[list[str]]:
    """Every statement the driver runs meanwhile, on any pooled connection."""
    seen: list[str] = []

    def trace(sql: str) -> None:
        seen.append(sql.split()[0].upper())

    def attach(dbapi_conn: object, _record: object) -> None:
        dbapi_conn.set_trace_callback(trace)  # type: ignore[attr-defined]

    def detach(dbapi_conn: object, _record: object) -> None:
        dbapi_conn.set_trace_callback(None)  # type: ignore[attr-defined]

    event.listen(app.engine, "checkout", lambda c, r, p: attach(c, r))
    event.listen(app.engine, "checkin", detach)
    try:
        yield seen
    finally:
        event.remove(app.engine, "checkin", detach)


def _code(app: App, product_id: int) -> str:
    return catalog.get_product(app.ctx, product_id).barcodes[0]


def test_a_scan_is_three_statements_in_one_transaction(till) -> None:  # type: ignore[no-untyped-def]
    app, cashier, register, products = till
    cart = carts.current_cart(app.ctx, cashier, register)
    codes = [_code(app, p) for p in products[:3]]
    carts.scan(app.ctx, cashier, cart.id, codes[0])  # warm: the settings are read once
    for code in codes:
        with statements(app) as seen:
            carts.scan(app.ctx, cashier, cart.id, code)
        assert seen == ["BEGIN", "UPDATE", "INSERT", "SELECT", "COMMIT"], seen


def test_a_ten_line_cash_sale_is_one_transaction_with_five_updates_and_selects(till) -> None:  # type: ignore[no-untyped-def]
    """SQLite's trace shows each row of a batch insert (one executemany) as a statement of
    its own; what is not an insert is one statement for the whole sale."""
    app, cashier, register, products = till
    cart = carts.current_cart(app.ctx, cashier, register)
    for pid in products:
        carts.add_product(app.ctx, cashier, cart.id, pid)
    with statements(app) as seen:
        checkout.complete_sale(app.ctx, cashier, cart.id, 1_000_000)
    assert seen[0] == "BEGIN" and seen[-1] == "COMMIT" and seen.count("BEGIN") == 1, seen
    # claim, cart, register, order, lines, payments (cash and change: one executemany
    # runs once per row), journal entry, register head, stock, ledger (one per row)
    work = seen[1:-1]
    assert work[:8] == [
        "UPDATE", "SELECT", "UPDATE", "INSERT", "INSERT", "INSERT", "INSERT", "INSERT"
    ], seen  # fmt: skip
    assert len([s for s in work if s != "INSERT"]) <= 5, seen


def test_a_barcode_lookup_is_one_statement_without_a_transaction(till) -> None:  # type: ignore[no-untyped-def]
    """A single read is its own snapshot on SQLite: no BEGIN, no ROLLBACK around it."""
    app, _cashier, _register, products = till
    code = _code(app, products[0])
    catalog.lookup_barcode(app.ctx, code)  # warm
    with statements(app) as seen:
        view = catalog.lookup_barcode(app.ctx, code)
    assert view.id == products[0]
    assert seen == ["SELECT"], seen
