"""Sample reports from a demo store: ``python -m benchmarks.report_samples OUTDIR``.

:func:`render_report_pages` builds a throwaway demo store through the real services
(``pos.services.demo``: two tills, a fortnight of trading with cash, card and split
tenders, discounts, refunds and a Z close each evening), leaves a shift open for the X
report, renders every report as PDF into ``OUTDIR`` and converts each first page to PNG
with ``pdftoppm`` when it is installed (``make screenshots`` calls this).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

DAYS = 14
PRODUCTS = 160


def _sample_store(url: str) -> dict[str, object]:
    """Build the demo store; returns the snapshots of every report."""
    from pos.app import open_app
    from pos.services import analytics, catalog, checkout, demo, shifts, staff
    from pos.services import cart as carts
    from pos.services.settings import update_settings

    app = open_app(url)
    try:
        # The demo does not retry a simulated terminal time-out (amounts ending .54).
        ctx = replace(app.ctx, terminal=_patient_terminal())
        result = demo.build_demo_store(ctx, products=PRODUCTS, days=DAYS, seed=7, fast_hashing=True)
        owner_account = result.accounts[0]
        owner = staff.login(ctx, owner_account.username, owner_account.password)
        update_settings(
            ctx, owner, store_address="1 High Street, Anytown AB1 2CD", tax_number="GB 123 4567 89"
        )
        cashier_account = result.accounts[2]
        cashier = staff.login(ctx, cashier_account.username, cashier_account.password)
        register = shifts.get_register(ctx, "TILL-1")
        # this morning's shift, still open: the X report
        now = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0)
        clocked = replace(ctx, clock=lambda: now)
        shifts.open_shift(clocked, cashier, register.id, 10000)
        today = datetime.now(UTC).date()
        start, end = today - timedelta(days=DAYS), today - timedelta(days=1)
        sales = analytics.sales_report(ctx, owner, start, end)
        products = [catalog.find_by_sku(ctx, p.sku).id for p in sales.products[:6]]
        for i, pid in enumerate(products[:6]):
            cart = carts.current_cart(clocked, cashier, register.id)
            carts.add_product(clocked, cashier, cart.id, pid, 1 + i % 3)
            if i % 2:
                checkout.pay_by_card(clocked, cashier, cart.id)
                checkout.complete_sale(clocked, cashier, cart.id)
            else:
                due = carts.get_cart(clocked, cart.id).due_minor
                checkout.complete_sale(clocked, cashier, cart.id, ((due // 500) + 1) * 500)
        return {
            "z": analytics.last_z_report(ctx, owner, register.id),
            "x": analytics.x_report(ctx, cashier, register.id),
            "sales": sales,
            "inventory": analytics.inventory_report(ctx, owner, start, today, dead_days=7),
            "customers": analytics.customers_report(ctx, owner, start, end),
        }
    finally:
        app.close()


def _patient_terminal() -> object:
    """The simulated terminal, except that a time-out (amounts ending .54) is answered
    as a cashier's retry would be: approved."""
    from pos.adapters.terminal import SimulatedTerminal

    return SimulatedTerminal(timeouts=False)


def render_report_pages(outdir: str | Path) -> list[Path]:
    """Render every report of a fresh demo store into ``outdir``: report-KIND.pdf and,
    when pdftoppm is installed, report-KIND.png (page 1 at 80 dpi). Returns the files."""
    from reports.render import render

    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        snapshots = _sample_store(f"sqlite:///{Path(tmp) / 'reports-demo.sqlite3'}")
    pdftoppm = shutil.which("pdftoppm")
    for kind, snapshot in snapshots.items():
        pdf = out / f"report-{kind}.pdf"
        pdf.write_bytes(render(snapshot, "pdf"))
        written.append(pdf)
        if pdftoppm:
            png = out / f"report-{kind}"
            subprocess.run(
                [
                    pdftoppm,
                    "-png",
                    "-r",
                    "80",
                    "-f",
                    "1",
                    "-l",
                    "1",
                    "-singlefile",
                    str(pdf),
                    str(png),
                ],
                check=True,
            )
            written.append(png.with_suffix(".png"))
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m benchmarks.report_samples OUTDIR", file=sys.stderr)
        return 2
    for path in render_report_pages(args[0]):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
