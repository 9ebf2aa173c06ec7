"""Screenshots of the owner's back office (called by :mod:`ui.screenshots`): the
dashboard (1366x768 and 1920x1080, light and dark), the order list, an order's page,
customers, staff, the audit log, settings, the product table and the product editor,
then the stock screens (:mod:`ui.screenshots_stock`), over a demo store with 30 days
of sales (made through the real services) and a few sales and online orders today."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def seed(url: str) -> tuple[str, str]:
    """The demo store, today's trade on top; (owner's username, password)."""
    from pos.ports.catalog import SearchQuery
    from pos.services import cart as carts
    from pos.services import catalog, checkout, customers, orders, shifts, staff
    from pos.services.demo import build_demo_store
    from ui.bootstrap import open_backend

    backend = open_backend(url)
    try:
        ctx = backend.ctx
        result = build_demo_store(ctx, products=120, days=30, fast_hashing=True)
        owner = next(a for a in result.accounts if a.role == "owner")
        cashier_acct = next(a for a in result.accounts if a.role == "cashier")
        manager_acct = next(a for a in result.accounts if a.role == "manager")
        cashier = staff.login(ctx, cashier_acct.username, cashier_acct.password)
        manager = staff.login(ctx, manager_acct.username, manager_acct.password)
        hits = [h for h in catalog.search_products(ctx, SearchQuery(limit=120)) if h.on_hand >= 12]
        for n, code in enumerate(("TILL-1", "TILL-2")):
            register = shifts.ensure_register(ctx, code)
            if shifts.current_shift(ctx, register.id) is None:
                shifts.open_shift(ctx, cashier, register.id, 10000)
            for k in range(6 + 4 * n):
                cart = carts.current_cart(ctx, cashier, register.id)
                for hit in hits[k % 7 :: 9][:3]:
                    cart = carts.add_product(ctx, cashier, cart.id, hit.id, 1 + k % 2)
                checkout.complete_sale(ctx, cashier, cart.id, cash_tendered_minor=cart.total_minor)
        found = customers.search_customers(ctx, "a", 3)
        for k in range(3):
            order = orders.create_order(
                ctx,
                manager,
                [(hits[k].id, 1), (hits[k + 5].id, 2)],
                customer_id=found[k].id if k < len(found) else None,
                shipping_address={
                    "name": "Amelia Stone",
                    "line1": "4 Quay Lane",
                    "city": "Portsmouth",
                    "country": "GB",
                },
                source="storefront",
                external_ref=f"WEB-{1041 + k}",
            )
            if k:
                orders.mark_paid(ctx, manager, order.id, "card", reference=f"pi_{k}3x9")
            if k == 2:
                orders.confirm_order(ctx, manager, order.id)
                orders.ship_order(ctx, manager, order.id, "RM123456785GB", "Royal Mail")
        return owner.username, owner.password
    finally:
        backend.close()


def shoot(
    app: Any,
    out: Path,
    url: str,
    wait: Callable[..., None],
    settle: Callable[..., None],
    save: Callable[..., Path],
    dispose: Callable[..., None],
) -> list[Path]:
    from ui import screenshots_stock
    from ui.bootstrap import build_main_window

    username, password = seed(url)
    written: list[Path] = []
    window = build_main_window(url)
    window.resize(1366, 768)
    window.show()
    wait(app, lambda: window.dialog is not None and window.dialog.isVisible())
    login = window.dialog
    login.username.setText(username)
    login.password.setText(password)
    login.submit()
    wait(app, lambda: window.back_office is not None)
    office = window.back_office
    dash = office.page("dashboard")
    wait(app, lambda: dash.snapshot is not None)
    written.append(save(window.grab(), out / "dashboard.png"))
    window.resize(1920, 1080)
    settle(app)
    written.append(save(window.grab(), out / "dashboard-1080.png"))
    window.resize(1366, 768)
    window.theme_action.setChecked(True)
    dash.refresh()
    settle(app)
    written.append(save(window.grab(), out / "dashboard-dark.png"))
    window.theme_action.setChecked(False)
    settle(app)

    orders_page = office.show_page("orders")
    wait(app, lambda: orders_page.model.rowCount() > 0 and orders_page.model.row_at(0) is not None)
    orders_page.table.selectRow(1)
    settle(app)
    written.append(save(window.grab(), out / "orders.png"))
    first = orders_page.model.row_at(0)
    orders_page.open_order(first.id)
    wait(app, lambda: orders_page.detail.order is not None)
    written.append(save(window.grab(), out / "order.png"))

    written.append(_import_page(app, office, out, wait, save))
    written += _catalog_pages(app, office, out, wait, save)
    window.resize(1366, 768)

    for key, name in (
        ("customers", "customers"),
        ("staff", "staff"),
        ("audit", "audit"),
        ("settings", "settings"),
    ):
        page = office.show_page(key)
        settle(app)
        if key == "customers":
            wait(app, lambda p=page: p.model.rowCount() > 0 and p.model.row_at(0) is not None)
            page.table.selectRow(0)
            page.load(page.model.row_at(0).id)
            wait(app, lambda p=page: p.current is not None)
        if key == "staff":
            wait(app, lambda p=page: bool(p.users))
        if key == "audit":
            wait(app, lambda p=page: bool(p.rows))
        if key == "settings":
            wait(app, lambda p=page: p.current is not None)
        written.append(save(window.grab(), out / f"{name}.png"))
    window.theme_action.setChecked(True)
    settle(app)
    written.append(save(window.grab(), out / "settings-dark.png"))
    window.theme_action.setChecked(False)

    products = office.show_page("products")
    wait(app, lambda: products.model.counted and products.model.row_at(0) is not None)
    products.stock.setCurrentIndex(products.stock.findData("in"))
    wait(app, lambda: products.model.counted and products.model.row_at(0) is not None)
    products.table.selectRow(2)
    settle(app)
    written.append(save(window.grab(), out / "products.png"))
    editor = products.edit(products.model.row_at(2).id)
    wait(app, lambda: editor.product is not None)
    editor.add_attribute("storage", "Keep refrigerated")
    editor.add_attribute("weight", "250 g")
    settle(app)
    written.append(save(editor.grab(), out / "product-editor.png"))
    editor.reject()
    window.theme_action.setChecked(True)
    new = products.new_product()
    wait(app, lambda: new.isEnabled())
    new.name.setText("Oat biscuits 300 g")
    new.barcode_input.setText("5012345770017")
    new.add_barcode()
    settle(app)
    written.append(save(new.grab(), out / "product-editor-dark.png"))
    new.reject()
    window.theme_action.setChecked(False)
    settle(app)
    written += screenshots_stock.shoot(app, out, window, wait, settle, save)
    dispose(window)
    return written


def _import_page(
    app: Any, office: Any, out: Path, wait: Callable[..., None], save: Callable[..., Path]
) -> Path:
    """The import page after a small file with three bad lines."""
    import tempfile

    from pos.domain.product_row import HEADER

    page = office.show_page("import")
    lines = [",".join(HEADER)]
    lines += [
        f"IMP-{i},Imported tea {i},,Leafy,Drinks/Tea,{2 + i % 5}.49,,,,12,,true" for i in range(40)
    ]
    lines += [
        "IMP-BAD1,No price,,,,,,,,,,true",
        "IMP-BAD2,Odd tax,,,,1.00,,luxury,,,,true",
        "IMP-3,Same SKU again,,,,1.00,,,,,,true",
    ]
    folder = Path(tempfile.mkdtemp(prefix="pos-shots-"))
    source = folder / "new-teas.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.path.setText(str(source))
    page.start_import()
    wait(app, lambda: page.status.text().startswith("Done"))
    return save(page.window().grab(), out / "import.png")


def _catalog_pages(
    app: Any, office: Any, out: Path, wait: Callable[..., None], save: Callable[..., Path]
) -> list[Path]:
    """Categories (a small tree), tax classes (a rate scheduled ahead) and suppliers."""
    from datetime import UTC, datetime

    from pos.ports.suppliers import SupplierFields
    from pos.services import categories, suppliers, tax_rates

    ctx, actor = office.pc.ctx, office.pc.actor
    food = categories.add_category(ctx, actor, "Fresh food")
    for name in ("Dairy", "Bakery", "Fruit & veg"):
        categories.add_category(ctx, actor, name, food.id)
    classes = tax_rates.tax_classes_with_rates(ctx, actor)
    tax_rates.add_tax_class(ctx, actor, "hot-food", "Hot takeaway food", "0.20")
    when = datetime(datetime.now(UTC).year + 1, 1, 1, tzinfo=UTC)
    tax_rates.schedule_rate(ctx, actor, classes[0].tax_class.id, "0.21", when)
    for name, contact, email, phone, days in (
        ("Harbour Dairy", "Ann Baker", "orders@harbour-dairy.example", "023 9200 1122", 2),
        ("Solent Bakery", "Tom Reed", "tom@solent-bakery.example", "023 9200 3344", 1),
        ("Wessex Wholesale", "Priya Shah", "trade@wessex.example", "01962 555 010", 7),
    ):
        suppliers.add_supplier(ctx, actor, SupplierFields(name, contact, email, phone, days))
    shots = []
    for key, ready in (
        ("categories", lambda p: bool(p.nodes)),
        ("tax", lambda p: bool(p.rows)),
        ("suppliers", lambda p: bool(p.rows)),
    ):
        page = office.show_page(key)
        page.refresh()
        wait(app, lambda p=page, r=ready: r(p))
        shots.append(save(page.window().grab(), out / f"{key}.png"))
    return shots
