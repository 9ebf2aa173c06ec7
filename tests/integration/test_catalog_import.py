"""The back office's batched product import: tills sell between its batches, Cancel (or a
failure) undoes every committed batch, the error report is kept and savable."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from pos.domain.errors import Conflict, PermissionDenied
from pos.ports.catalog import SearchQuery
from pos.ports.staff import Actor
from pos.services import cart as carts
from pos.services import catalog as cat
from pos.services import catalog_import as ci
from pos.services import checkout, shifts
from pos.services import product_io as pio
from pos.services.context import ServiceContext
from tests import factories as f

HEADER = ",".join(pio.HEADER)


def dump(ctx: ServiceContext) -> tuple[list[Any], ...]:
    """Every column of products, barcodes and categories, as stored."""
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        return tuple(
            [tuple(r) for r in s.execute(text(sql))]
            for sql in (
                "SELECT * FROM products ORDER BY id",
                "SELECT * FROM barcodes ORDER BY code",
                "SELECT * FROM categories ORDER BY id",
                "SELECT product_id, sum(delta) FROM stock_moves GROUP BY product_id "
                "ORDER BY product_id",
            )
        )


def write(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def shop(ctx: ServiceContext) -> dict[str, Any]:
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        manager = f.user(s, "max", "manager")
        cashier = f.user(s, "cara", "cashier")
        f.tax_class(s, "standard", "0.20")
        f.tax_class(s, "reduced", "0.05")
        old = [
            f.product(s, sku=f"OLD-{i}", name=f"Old {i}", price=100 + i, category="Old")
            for i in range(5)
        ]
        reg = f.register(s).id
        uow.commit()
        ids = [p.id for p in old]
    return {"manager": manager, "cashier": cashier, "old": ids, "register": reg}


def _rows(n: int, start: int = 0, *, stock: bool = True) -> list[str]:
    return [
        f"NEW-{i},New thing {i},,Acme,Imported/Deep/Cat{i % 7},{i % 50}.99,,standard,,"
        f"{i % 9 if stock else ''},,true"
        for i in range(start, start + n)
    ]


def test_cancel_after_batches_leaves_the_catalog_as_it_was(
    ctx: ServiceContext, shop: dict[str, Any], tmp_path: Path
) -> None:
    before = dump(ctx)
    with ctx.read() as uow:
        code = uow.session.execute(  # type: ignore[attr-defined]
            text("SELECT code FROM barcodes WHERE product_id = :p"), {"p": shop["old"][1]}
        ).scalar_one()
    changes = [
        # price, name, category and stock of existing products; a barcode moved to a new one
        "OLD-0,Old 0 renamed,,Brand,Other/Place,9.99,1.00,reduced,,77,3,false",
        "OLD-1,Old 1,,,Old,1.01,,standard,,,,true",
        f"MOVED-1,Takes a code,,,,2.00,,standard,{code[1:]},5,,true",
    ]
    path = write(tmp_path / "p.csv", changes + _rows(7000))
    batches: list[int] = []

    def stop() -> bool:
        return len(batches) >= 3  # three batches committed, then Cancel

    out = ci.import_in_batches(
        ctx, shop["manager"], path, batch_size=2000, cancelled=stop, on_progress=batches.append
    )
    assert out.cancelled and out.undone is not None
    assert batches == [2000, 4000, 6000]
    # OLD-1 lost its code to MOVED-1 (no field of it changed); OLD-0 changed everything
    assert out.undone.removed == 5998 and out.undone.restored == 1
    assert out.undone.deactivated == 0
    assert dump(ctx) == before
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        assert s.execute(text("SELECT count(*) FROM import_journal")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM import_batches")).scalar() == 0


def test_finished_import_keeps_its_batch_and_forgets_its_journal(
    ctx: ServiceContext, shop: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path / "p.csv", _rows(2500))
    out = ci.import_in_batches(ctx, shop["manager"], path, batch_size=1000)
    assert not out.cancelled
    assert out.summary.created == 2500
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        assert s.execute(text("SELECT count(*) FROM import_journal")).scalar() == 0
        assert s.execute(text("SELECT kind, rows_ok FROM import_batches")).one() == (
            "products",
            2500,
        )
        assert s.execute(text("SELECT count(*) FROM products")).scalar() == 2505
    # the search index knows the new products (the triggers are back after each batch)
    found = cat.search_products(ctx, SearchQuery(text="New thing 2499"))
    assert [p.name for p in found][:1] == ["New thing 2499"]


def test_a_product_sold_meanwhile_is_deactivated_not_removed(
    ctx: ServiceContext, shop: dict[str, Any], tmp_path: Path
) -> None:
    cashier: Actor = shop["cashier"]
    shifts.open_shift(ctx, cashier, shop["register"], 0)
    path = write(tmp_path / "p.csv", _rows(3000))
    sold: list[int] = []

    def sell_first_new(done: int) -> None:
        if sold:
            return
        with ctx.read() as uow:
            pid = uow.session.execute(  # type: ignore[attr-defined]
                text("SELECT id FROM products WHERE sku = 'NEW-1'")
            ).scalar_one()
        cart = carts.current_cart(ctx, cashier, shop["register"])
        carts.add_product(ctx, cashier, cart.id, pid, 1)
        checkout.complete_sale(ctx, cashier, cart.id, 100_000)
        sold.append(pid)

    out = ci.import_in_batches(
        ctx,
        shop["manager"],
        path,
        batch_size=1000,
        cancelled=lambda: bool(sold),
        on_progress=sell_first_new,
    )
    assert out.undone is not None and out.undone.deactivated == 1
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        rows = s.execute(text("SELECT id, active FROM products WHERE sku LIKE 'NEW-%'")).all()
    assert [(r[0], bool(r[1])) for r in rows] == [(sold[0], False)]


def test_error_report_lists_each_bad_line_and_saves_as_csv(
    ctx: ServiceContext, shop: dict[str, Any], tmp_path: Path
) -> None:
    path = write(
        tmp_path / "p.csv",
        [
            "A-1,Fine,,,,1.00,,standard,,,,true",
            "A-2,Bad price,,,,abc,,standard,,,,true",
            "A-3,No tax,,,,1.00,,nosuch,,,,true",
            "A-1,Again,,,,1.00,,standard,,,,true",
        ],
    )
    bad: list[pio.BadRow] = []
    out = ci.import_in_batches(ctx, shop["manager"], path, on_bad=bad.append)
    assert out.summary.created == 1 and out.summary.bad == 3
    assert [(b.line, b.sku) for b in bad] == [(3, "A-2"), (4, "A-3"), (5, "A-1")]
    assert bad[0].reason.startswith("price:")
    assert bad[1].reason == "tax_class: there is no tax class 'nosuch'"
    assert bad[2].reason == "sku: A-1 is also on line 2"
    saved = tmp_path / "errors.csv"
    assert ci.save_bad_rows(bad, str(saved)) == 3
    with saved.open(encoding="utf-8", newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == ["line", "sku", "problem"]
    assert lines[2] == ["4", "A-3", "tax_class: there is no tax class 'nosuch'"]


def test_a_cashier_is_refused(ctx: ServiceContext, shop: dict[str, Any], tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", _rows(3))
    with pytest.raises(PermissionDenied):
        ci.import_in_batches(ctx, shop["cashier"], path)
    with pytest.raises(PermissionDenied):
        ci.export_to(ctx, shop["cashier"], str(tmp_path / "out.csv"))


def test_export_then_import_changes_nothing(
    ctx: ServiceContext, shop: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "all.csv"
    assert ci.export_to(ctx, shop["manager"], str(out)).products == 5
    before = dump(ctx)
    result = ci.import_in_batches(ctx, shop["manager"], out)
    assert result.summary.unchanged == 5 and dump(ctx) == before


def test_a_till_sells_while_a_30k_row_import_runs(
    ctx: ServiceContext, shop: dict[str, Any], tmp_path: Path, db_url: str
) -> None:
    """SQLite has one writer: the sale gets in between two of the import's batches."""
    cashier: Actor = shop["cashier"]
    shifts.open_shift(ctx, cashier, shop["register"], 0)
    path = write(tmp_path / "big.csv", _rows(30_000))
    progress: list[int] = []
    started = threading.Event()
    result: list[Any] = []

    def run() -> None:
        def seen(n: int) -> None:
            progress.append(n)
            started.set()

        try:
            result.append(ci.import_in_batches(ctx, shop["manager"], path, on_progress=seen))
        except BaseException as exc:  # pragma: no cover - reported below
            result.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    try:
        assert started.wait(60)
        cart = carts.current_cart(ctx, cashier, shop["register"])
        carts.add_product(ctx, cashier, cart.id, shop["old"][0], 1)
        done = checkout.complete_sale(ctx, cashier, cart.id, 100_000)
        sold_at = len(progress)
        import_running = worker.is_alive()
    finally:
        worker.join(300)
    assert done.id
    assert import_running, "the sale should commit while the import is still running"
    assert 0 < sold_at < 15
    (out,) = result
    assert isinstance(out, ci.ImportOutcome) and out.summary.created == 30_000
    assert progress[-1] == 30_000 and len(progress) == 15


ROOT = Path(__file__).resolve().parents[2]


def _killed_import(url: str, path: Path, batch_size: int, stop_after: int) -> None:
    """The import in a process of its own, SIGKILLed the instant a batch committed."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.integration.import_kill_child",
            url,
            str(path),
            str(batch_size),
            str(stop_after),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr


def test_an_import_killed_mid_way_is_offered_once_quiet_then_undone_to_the_byte(
    ctx: ServiceContext, db_url: str, shop: dict[str, Any], tmp_path: Path
) -> None:
    before = dump(ctx)
    changes = ["OLD-0,Old 0 renamed,,Brand,Other/Place,9.99,1.00,reduced,,77,3,false"]
    path = write(tmp_path / "big.csv", changes + _rows(5000))
    _killed_import(db_url, path, 1000, 2)  # two batches committed, then the power went
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        assert s.execute(text("SELECT count(*) FROM products")).scalar() == 5 + 1999
    manager = shop["manager"]
    # just stopped: it could be another back office's import between batches
    assert ci.unfinished_imports(ctx, manager) == []
    with pytest.raises(Conflict, match="still running"):
        ci.undo_unfinished(ctx, manager, 1)
    quiet = timedelta(0)  # as if the quiet time had passed
    [stopped] = ci.unfinished_imports(ctx, manager, quiet)
    assert stopped.filename == "big.csv" and stopped.changes > 1999
    with pytest.raises(PermissionDenied):
        ci.undo_unfinished(ctx, shop["cashier"], stopped.batch_id, quiet)
    undone = ci.undo_unfinished(ctx, manager, stopped.batch_id, quiet)
    assert (undone.removed, undone.restored) == (1999, 1)
    assert dump(ctx) == before
    assert ci.unfinished_imports(ctx, manager, quiet) == []
    with pytest.raises(Conflict):
        ci.undo_unfinished(ctx, manager, stopped.batch_id, quiet)  # only once


def test_a_stopped_import_can_be_kept_as_far_as_it_got(
    ctx: ServiceContext, db_url: str, shop: dict[str, Any], tmp_path: Path
) -> None:
    path = write(tmp_path / "kept.csv", _rows(3000))
    _killed_import(db_url, path, 1000, 1)
    quiet = timedelta(0)
    [stopped] = ci.unfinished_imports(ctx, shop["manager"], quiet)
    ci.keep_unfinished(ctx, shop["manager"], stopped.batch_id, quiet)
    assert ci.unfinished_imports(ctx, shop["manager"], quiet) == []
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        assert s.execute(text("SELECT count(*) FROM products")).scalar() == 5 + 1000
        assert s.execute(text("SELECT count(*) FROM import_journal")).scalar() == 0
        kept = s.execute(
            text("SELECT detail FROM audit_log WHERE action = 'products_import_kept'")
        ).scalar_one()
    assert "kept.csv" in str(kept)
    with pytest.raises(Conflict):
        ci.undo_unfinished(ctx, shop["manager"], stopped.batch_id, quiet)


def test_the_command_line_lists_and_undoes_a_stopped_import(
    ctx: ServiceContext,
    db_url: str,
    shop: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pos import cli

    before = dump(ctx)
    _killed_import(db_url, write(tmp_path / "night.csv", _rows(2500)), 1000, 2)
    with ctx.uow() as uow:  # its last batch was ten minutes ago
        uow.session.execute(  # type: ignore[attr-defined]
            text("UPDATE import_batches SET last_batch_at = :at"),
            {"at": ctx.clock() - timedelta(minutes=10)},
        )
        uow.commit()
    capsys.readouterr()
    assert cli.main(["import", "stopped", "--json", "--database-url", db_url]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["filename"] == "night.csv"
    batch = str(listed["batch_id"])
    assert cli.main(["import", "undo", batch, "--database-url", db_url]) == 0
    assert capsys.readouterr().out.startswith("undone: 2,000 new products removed")
    assert dump(ctx) == before
    assert cli.main(["import", "keep", batch, "--database-url", db_url]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith(f"error: Import {batch} is not a stopped import") and "Traceback" not in err
    )


def test_undo_puts_the_low_stock_alerts_back_as_the_stock_it_counts_back(
    ctx: ServiceContext, shop: dict[str, Any], tmp_path: Path
) -> None:
    """The import took OLD-2 from 50 to 0 (an alert opened) and OLD-3 from 2 to 100 (its
    alert closed); Cancel counts both back, and the alerts follow."""
    low, high = shop["old"][2], shop["old"][3]
    with ctx.uow() as uow:
        s = uow.session  # type: ignore[attr-defined]
        s.execute(text("UPDATE products SET low_stock_threshold = 5"))
        s.execute(text("UPDATE products SET on_hand = 50 WHERE id = :p"), {"p": low})
        s.execute(text("UPDATE products SET on_hand = 2 WHERE id = :p"), {"p": high})
        s.execute(
            text(
                "INSERT INTO stock_alerts (product_id, state, on_hand, threshold, created_at) "
                "VALUES (:p, 'open', 2, 5, CURRENT_TIMESTAMP)"
            ),
            {"p": high},
        )
        uow.commit()

    def live() -> set[int]:
        with ctx.read() as uow:
            return {
                int(r[0])
                for r in uow.session.execute(  # type: ignore[attr-defined]
                    text("SELECT product_id FROM stock_alerts WHERE state != 'resolved'")
                )
            }

    rows = [
        "OLD-2,Old 2,,,Old,1.02,,standard,,0,5,true",
        "OLD-3,Old 3,,,Old,1.03,,standard,,100,5,true",
    ]
    path = write(tmp_path / "stock.csv", rows + _rows(1500, stock=False))
    seen: list[set[int]] = []
    out = ci.import_in_batches(
        ctx,
        shop["manager"],
        path,
        batch_size=1000,
        cancelled=lambda: bool(seen),
        on_progress=lambda _rows: seen.append(live()),
    )
    assert out.undone is not None and out.undone.recounted == 2
    assert seen[0] == {low}  # during the import: OLD-2 low, OLD-3 lifted
    assert live() == {high}  # after the undo: the other way round again


def test_two_back_offices_undoing_the_same_stopped_import_undo_it_once(
    ctx: ServiceContext, db_url: str, shop: dict[str, Any], tmp_path: Path
) -> None:
    before = dump(ctx)
    _killed_import(db_url, write(tmp_path / "twice.csv", _rows(2500)), 1000, 2)
    quiet = timedelta(0)
    [stopped] = ci.unfinished_imports(ctx, shop["manager"], quiet)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def undo() -> None:
        start.wait()
        try:
            ci.undo_unfinished(ctx, shop["manager"], stopped.batch_id, quiet)
            outcomes.append("undone")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=undo) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["refused", "undone"]
    assert dump(ctx) == before
    with ctx.read() as uow:
        undone = uow.session.execute(  # type: ignore[attr-defined]
            text("SELECT count(*) FROM audit_log WHERE action = 'products_import_undone'")
        ).scalar()
    assert undone == 1


@pytest.mark.parametrize("settle", ["undo", "keep"])
def test_an_import_that_wakes_after_another_back_office_settled_it_stops(
    ctx: ServiceContext, shop: dict[str, Any], tmp_path: Path, settle: str
) -> None:
    """Its process was suspended (a laptop lid) long enough to count as stopped; another
    back office undid or kept it; when it wakes, its next batch refuses to go on, with
    one sentence, and undoes nothing of what the other back office decided."""
    before = dump(ctx)
    quiet = timedelta(0)
    woke: list[int] = []

    def elsewhere(rows: int) -> None:
        if not woke:
            woke.append(rows)
            [stopped] = ci.unfinished_imports(ctx, shop["manager"], quiet)
            if settle == "undo":
                ci.undo_unfinished(ctx, shop["manager"], stopped.batch_id, quiet)
            else:
                ci.keep_unfinished(ctx, shop["manager"], stopped.batch_id, quiet)

    path = write(tmp_path / "asleep.csv", _rows(3000))
    with pytest.raises(Conflict, match="undone or kept from another back office"):
        ci.import_in_batches(ctx, shop["manager"], path, batch_size=1000, on_progress=elsewhere)
    with ctx.read() as uow:
        s = uow.session  # type: ignore[attr-defined]
        new = s.execute(text("SELECT count(*) FROM products WHERE sku LIKE 'NEW-%'")).scalar()
        undone = s.execute(
            text("SELECT count(*) FROM audit_log WHERE action = 'products_import_undone'")
        ).scalar()
        journal = s.execute(text("SELECT count(*) FROM import_journal")).scalar()
    assert journal == 0 and undone == (1 if settle == "undo" else 0)
    if settle == "undo":
        assert new == 0 and dump(ctx) == before
    else:
        assert new == 1000  # the first batch, kept; nothing after it


def test_a_running_import_is_never_offered_by_a_back_office_whose_clock_is_ahead(
    ctx: ServiceContext, db_url: str, shop: dict[str, Any], tmp_path: Path
) -> None:
    """PostgreSQL: back offices on several machines; the heartbeat is stamped and judged by
    the server's clock, so a machine ten minutes fast sees the import as running."""
    if db_url.startswith("sqlite"):
        pytest.skip("one SQLite file is one machine: its clock is the only one")
    _killed_import(db_url, write(tmp_path / "fresh.csv", _rows(2500)), 1000, 2)
    fast = replace(ctx, clock=lambda: datetime.now(UTC) + timedelta(minutes=10))
    assert ci.unfinished_imports(fast, shop["manager"]) == []
    assert len(ci.unfinished_imports(fast, shop["manager"], timedelta(0))) == 1
