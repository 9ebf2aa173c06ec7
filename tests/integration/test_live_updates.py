"""Live updates between apps on one database (pos.ports.changes, db.changes): what one
app commits reaches the others' buses within a second, once, and only when committed;
on SQLite through the change log and PRAGMA data_version, on PostgreSQL through
LISTEN/NOTIFY on one direct connection per app."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from db.changes import KEEP_ROWS, PgListener
from pos.app import open_app
from pos.ports.events import (
    Resync,
    SettingsChanged,
    decode_event,
    encode_event,
)
from pos.services import cart as carts
from pos.services import catalog, checkout, shifts
from pos.services.settings import update_settings
from pos.services.staff import CLI
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def test_events_round_trip_as_json_and_unknown_ones_are_skipped() -> None:
    event = SettingsChanged(("receipt_footer", "timezone"), "TILL-2")
    body = encode_event(event, "abc")
    assert body is not None and decode_event(body) == ("abc", event)
    assert encode_event(object(), "abc") is None
    assert decode_event('{"o":"x","t":"Nope","d":{}}') is None
    assert decode_event("not json") is None


def _collect(app: Any, *kinds: type) -> list[object]:
    got: list[object] = []
    for kind in kinds:
        app.ctx.bus.subscribe(kind, got.append)
    return got


def _wait(predicate: Any, timeout: float = 3.0) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"no live update within {timeout:.1f} s")
        time.sleep(0.01)
    return time.monotonic() - start


@pytest.fixture
def two_apps(db_url: str) -> Iterator[tuple[Any, Any]]:
    here = open_app(db_url, listen=True)
    there = open_app(db_url, listen=True)
    _wait(lambda: here.feed.state == there.feed.state == "listening")
    yield here, there
    here.close()
    there.close()


def test_a_change_reaches_the_other_app_once_and_its_own_app_once(two_apps: Any) -> None:
    here, there = two_apps
    with here.ctx.uow() as uow:
        f.user(uow.session, "olga", "owner")
        uow.commit()
    heard_here = _collect(here, SettingsChanged)
    heard_there = _collect(there, SettingsChanged)
    update_settings(here.ctx, CLI, receipt_footer="See you soon")
    took = _wait(lambda: heard_there)
    assert took < 1.0
    time.sleep(0.5)  # nothing more arrives: the sender's own feed skips its own events
    assert heard_there == [SettingsChanged(("receipt_footer",))]
    assert heard_here == [SettingsChanged(("receipt_footer",))]


def test_a_rolled_back_change_is_never_announced(two_apps: Any) -> None:
    here, there = two_apps
    heard = _collect(there, SettingsChanged)
    with here.ctx.uow() as uow:
        uow.publish(SettingsChanged(("store_name",)))
        uow.settings.put("store_name", "Never")
        # leaving without commit rolls back
    with here.ctx.uow() as uow:
        uow.publish(SettingsChanged(("store_phone",)))
        uow.commit()
    _wait(lambda: heard)
    time.sleep(0.3)
    assert heard == [SettingsChanged(("store_phone",))]


def test_sqlite_keeps_only_the_latest_change_rows(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    from sqlalchemy import func, select

    from db.models import ChangeLogEntry

    path = tmp_path / "pos.sqlite3"
    shutil.copy(sqlite_template, path)
    app = open_app(f"sqlite:///{path}")
    try:
        for n in range(KEEP_ROWS + 50):
            with app.ctx.uow() as uow:
                uow.publish(SettingsChanged((f"k{n}",)))
                uow.commit()
        with app.ctx.read() as uow:
            rows = uow.session.execute(select(func.count()).select_from(ChangeLogEntry))
            assert rows.scalar_one() == KEEP_ROWS
    finally:
        app.close()


def _sell_store(ctx: Any) -> tuple[Any, int, str, int]:
    """A cashier with an open shift, and a mug one sale away from its low-stock line."""
    with ctx.uow() as uow:
        s = uow.session
        f.tax_class(s)
        cashier = f.user(s, "cara", "cashier")
        owner = f.user(s, "olga", "owner")
        reg = f.register(s, "TILL-1")
        mug = f.product(s, name="Mug", price=899, stock=6, barcode="012345678905", threshold=5)
        uow.commit()
        reg_id, mug_id = reg.id, mug.id
    shifts.open_shift(ctx, cashier, reg_id, 10000)
    return (cashier, owner), reg_id, "012345678905", mug_id


class Child:
    """``live_child.py`` in a process of its own, its printed events on a queue."""

    def __init__(self, url: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("live_child.py")), url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def next(self, timeout: float) -> dict[str, Any]:
        return self.lines.get(timeout=timeout)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def test_a_sale_in_one_process_reaches_another_within_a_second(app: Any, db_url: str) -> None:
    ctx = app.ctx
    (cashier, owner), reg_id, code, mug_id = _sell_store(ctx)
    child = Child(db_url)
    try:
        assert child.next(30)["event"] == "ready"
        cart = carts.current_cart(ctx, cashier, reg_id)
        cart = carts.scan(ctx, cashier, cart.id, code)
        sent = time.monotonic()
        sale = checkout.complete_sale(ctx, cashier, cart.id, cash_tendered_minor=1000)
        heard = {}
        while len(heard) < 2:
            got = child.next(2.0)
            heard[got["event"]] = got
        assert time.monotonic() - sent < 1.0
        assert heard["SaleCompleted"]["order_id"] == sale.id
        assert heard["LowStock"]["product_id"] == mug_id and heard["LowStock"]["on_hand"] == 5
        catalog.update_product(ctx, owner, mug_id, price_minor=999)
        price = child.next(2.0)
        assert price["event"] == "PriceChanged" and price["new_minor"] == 999
    finally:
        child.close()


@pytest.mark.postgres_only
def test_the_listener_comes_back_after_its_connection_is_killed(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    here = open_app(db_url, listen=True)
    there = open_app(db_url)
    try:
        feed = here.feed
        assert isinstance(feed, PgListener)
        _wait(lambda: feed.state == "listening")
        heard = _collect(here, SettingsChanged, Resync)
        # What a server restart does to the listening connection: the server ends it.
        with there.engine.begin() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'pos-listen' AND datname = current_database()"
            )
        _wait(lambda: any(isinstance(e, Resync) for e in heard), timeout=10)
        _wait(lambda: feed.state == "listening")
        with there.ctx.uow() as uow:
            uow.publish(SettingsChanged(("store_name",)))
            uow.commit()
        _wait(lambda: SettingsChanged(("store_name",)) in heard)
    finally:
        here.close()
        there.close()
