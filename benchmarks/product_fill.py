"""Fill a migrated database with ``n`` synthetic products fast (Core ``executemany``,
untimed): the rows of :mod:`benchmarks.catalog` (names, brands, category paths, prices,
stock, one barcode each), without going through the CSV import."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from benchmarks import catalog

BATCH = 20_000


def fill_products(engine: Any, n: int) -> None:
    from sqlalchemy import insert, select

    from db.models import Barcode, Category, Product, TaxClass, table

    P, B, C, T = table(Product), table(Barcode), table(Category), table(TaxClass)
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as conn:
        taxes = {code: tid for tid, code in conn.execute(select(T.c.id, T.c.code))}
        if not taxes:
            conn.execute(
                insert(T), [{"code": c, "name": nm, "rate": r} for c, nm, r in catalog.TAX_CLASSES]
            )
            taxes = {code: tid for tid, code in conn.execute(select(T.c.id, T.c.code))}
        paths: dict[str, int] = {}

        def category(path: str) -> int:
            if path in paths:
                return paths[path]
            parent = None
            parts = path.split("/")
            for depth in range(1, len(parts) + 1):
                prefix = "/".join(parts[:depth])
                if prefix not in paths:
                    paths[prefix] = conn.execute(
                        insert(C)
                        .values(parent_id=parent, name=parts[depth - 1], path=prefix)
                        .returning(C.c.id)
                    ).scalar_one()
                parent = paths[prefix]
            return paths[path]

        products: list[dict[str, Any]] = []
        codes: list[str] = []
        next_id = 1

        def flush() -> None:
            nonlocal next_id
            conn.execute(insert(P), products)
            conn.execute(
                insert(B),
                [{"code": c, "product_id": next_id + k} for k, c in enumerate(codes)],
            )
            next_id += len(products)
            products.clear()
            codes.clear()

        for r in catalog.rows(n):
            sku, name, desc, brand, path, price, cost, tax, bars, stock, low, active = r
            products.append(
                {
                    "id": next_id + len(products),
                    "sku": sku,
                    "name": name,
                    "description": desc,
                    "brand": brand,
                    "category_id": category(path),
                    "tax_class_id": taxes[tax],
                    "price_minor": int(price.replace(".", "")),
                    "cost_minor": int(cost.replace(".", "")) if cost else None,
                    "images": [],
                    "attributes": {},
                    "active": active == "true",
                    "allow_negative_stock": False,
                    "on_hand": int(stock),
                    "low_stock_threshold": int(low) if low else None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            codes.append("0" + bars.split("|")[0])
            if len(products) >= BATCH:
                flush()
        if products:
            flush()
