"""Screenshots of the manager's stock screens (called by :mod:`ui.screenshots_office`
with its signed-in window): the stock list with a product's ledger, the low-stock
alerts, a delivery being received, a blind count under review and the reorder page with
a purchase order. Seeds, through the services, a supplier, a few alerts, a count and a
purchase order over the demo store.

``python -m ui.screenshots_stock OUTDIR`` shoots only these (over a fresh demo store)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def seed(ctx: Any, actor: Any) -> None:
    from pos.ports.stock import StockFilter
    from pos.ports.suppliers import SupplierFields
    from pos.services import catalog, stock_admin, suppliers

    rows = stock_admin.browse_stock(ctx, actor, StockFilter(sort="on_hand"), 120)
    fresh = suppliers.add_supplier(
        ctx, actor, SupplierFields("Harbour Fresh Foods", email="orders@hff.test", lead_time_days=2)
    )
    dry = suppliers.add_supplier(
        ctx, actor, SupplierFields("Solent Wholesale", email="po@solent.test", lead_time_days=5)
    )
    ids = [r.product_id for r in rows]
    for n, row in enumerate(rows):
        supplier, reorder = (fresh, 12) if n % 2 == 0 else (dry, 24)
        catalog.update_product(
            ctx, actor, row.product_id, supplier_id=supplier.id, reorder_qty=reorder
        )
    reasons = ("damaged", "expired", "theft") * 2
    for row, why in zip(rows[-6:], reasons, strict=False):
        if row.threshold is not None and row.on_hand > row.threshold:
            take = row.on_hand - row.threshold + 1
            stock_admin.adjust(ctx, actor, row.product_id, -take, why, "shelf check")
    alerts = stock_admin.open_alerts(ctx, actor)
    if alerts:
        stock_admin.acknowledge(ctx, actor, alerts[-1].id)
    suggestions = [s for s in stock_admin.reorder_suggestions(ctx, actor) if s.supplier_id]
    if suggestions:
        [po, *_] = stock_admin.create_purchase_orders(ctx, actor, suggestions[:3])
        stock_admin.mark_po_sent(ctx, actor, po.id)
    count = stock_admin.start_count(
        ctx, actor, "Aisle 3 shelf check", blind=True, product_ids=ids[10:22]
    )
    for n, line in enumerate(count.lines[:8]):
        counted = max(0, line.on_hand_now - (n % 3))
        stock_admin.record_count(ctx, actor, count.id, line.product_id, counted)


def shoot(
    app: Any,
    out: Path,
    window: Any,
    wait: Callable[..., None],
    settle: Callable[..., None],
    save: Callable[..., Path],
) -> list[Path]:
    written: list[Path] = []
    office = window.back_office
    seed(window.backend.ctx, window.actor)
    window.resize(1366, 768)
    settle(app)
    window.low_stock.dismiss()  # the seed's own notices

    page = office.show_page("stock")
    wait(app, lambda: page.model.rowCount() > 0 and page.model.row_at(0) is not None)
    page.state.setCurrentIndex(page.state.findData("low"))
    wait(app, lambda: page.model.query is not None and page.model.query.state == "low")
    wait(app, lambda: page.model.row_at(0) is not None)
    page.table.selectRow(0)
    page.load(page.model.row_at(0).product_id)
    wait(app, lambda: page.current is not None)
    written.append(save(window.grab(), out / "stock.png"))
    window.resize(1920, 1080)
    settle(app)
    written.append(save(window.grab(), out / "stock-1080.png"))
    window.resize(1366, 768)
    window.theme_action.setChecked(True)
    settle(app)
    written.append(save(window.grab(), out / "stock-dark.png"))
    window.theme_action.setChecked(False)

    alerts = office.show_page("alerts")
    wait(app, lambda: bool(alerts.alerts))
    written.append(save(window.grab(), out / "alerts.png"))

    receive = office.show_page("receive", product_id=alerts.alerts[0].product_id)
    wait(app, lambda: len(receive.lines) == 1)
    for row in alerts.alerts[1:3] if len(alerts.alerts) > 2 else []:
        receive.show_with(product_id=row.product_id)
    wait(app, lambda: len(receive.lines) >= min(3, len(alerts.alerts)))
    receive.note.setText("Delivery note HFF-20931")
    for row, qty in enumerate(("12", "24", "12")[: len(receive.lines)]):
        receive.table.item(row, 2).setText(qty)
    settle(app)
    written.append(save(window.grab(), out / "receive.png"))

    count = office.show_page("count")
    wait(app, lambda: count.count is not None)
    settle(app)
    written.append(save(window.grab(), out / "count.png"))
    count.review()
    settle(app)
    written.append(save(window.grab(), out / "count-review.png"))

    reorder = office.show_page("reorder")
    wait(app, lambda: bool(reorder.orders) or bool(reorder.suggestions))
    settle(app)
    written.append(save(window.grab(), out / "reorder.png"))
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ui.screenshots_stock OUTDIR", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    from pos.services import staff
    from ui import ops, screenshots, screenshots_office, theme
    from ui.bootstrap import build_main_window
    from ui.main import make_application

    staff.BCRYPT_ROUNDS = 4
    app = make_application([sys.argv[0]])
    theme.apply_theme(app, "light")
    with tempfile.TemporaryDirectory(prefix="pos-screens-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'office.sqlite3'}"
        username, password = screenshots_office.seed(url)
        window = build_main_window(url)
        window.resize(1366, 768)
        window.show()
        screenshots._wait(app, lambda: window.dialog is not None and window.dialog.isVisible())
        window.dialog.username.setText(username)
        window.dialog.password.setText(password)
        window.dialog.submit()
        screenshots._wait(app, lambda: window.back_office is not None)
        written = shoot(app, out, window, screenshots._wait, screenshots._settle, screenshots._save)
        screenshots._dispose(window)
        ops.shutdown()
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
