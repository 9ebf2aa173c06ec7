"""Raw floors: the work of a hot path written by hand in plain SQL on a DBAPI connection
held open (no pool, no ORM, no statement building), taken from the app's own engine (the
same pragmas, the same fsync), so a benchmark can print the app's figure beside it.

Each floor does what the user's action needs and nothing the app could skip: no session
check, no settings, no cart read it already knows. The ratio app ÷ floor is what we track.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine


def text(sql: str) -> str:
    return sql


class Raw:
    """One DBAPI connection of ``engine`` and the driver's own placeholders."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect.name
        self.conn: Any = engine.raw_connection()
        self._sql: dict[str, str] = {}

    def sql(self, statement: str) -> str:
        if statement not in self._sql:
            self._sql[statement] = (
                re.sub(r"(?<!:):([a-z_]+)", r"%(\1)s", statement)
                if self.dialect == "postgresql"
                else statement
            )
        return self._sql[statement]

    def read(self, statement: str, params: dict[str, Any]) -> list[Any]:
        cur = self.conn.cursor()
        cur.execute(self.sql(statement), params)
        rows = cur.fetchall()
        if self.dialect == "postgresql":
            self.conn.commit()  # the read's own transaction ends, as an autocommit read's
        return list(rows)

    def begin(self) -> Any:
        cur = self.conn.cursor()
        if self.dialect == "sqlite":
            cur.execute("BEGIN IMMEDIATE")
        return cur

    def commit(self, cur: Any) -> None:
        if self.dialect == "sqlite":
            cur.execute("COMMIT")
        else:
            self.conn.commit()

    def close(self) -> None:
        self.conn.close()


_LOOKUP = text(
    "SELECT p.id, p.sku, p.name, p.price_minor, p.tax_class_id, p.active, p.on_hand"
    " FROM barcodes b JOIN products p ON p.id = b.product_id WHERE b.code = :code"
)


def lookup(raw: Raw, code: str) -> Any:
    """A barcode to the product the till shows: one indexed join."""
    return raw.read(_LOOKUP, {"code": code})


_ADD_LINE = text(
    "INSERT INTO cart_lines (cart_id, product_id, quantity, position)"
    " VALUES (:cart, :product, 1, :position)"
)
_CART_LINES = text(
    "SELECT l.id, l.product_id, l.quantity, p.name, p.price_minor FROM cart_lines l"
    " JOIN products p ON p.id = l.product_id WHERE l.cart_id = :cart ORDER BY l.position"
)


def add_line(raw: Raw, cart_id: int, product_id: int, position: int) -> Any:
    """One scan: the line written and the cart read back for the screen, one transaction."""
    cur = raw.begin()
    cur.execute(raw.sql(_ADD_LINE), {"cart": cart_id, "product": product_id, "position": position})
    cur.execute(raw.sql(_CART_LINES), {"cart": cart_id})
    rows = cur.fetchall()
    raw.commit(cur)
    return rows


_REGISTER = text(
    "UPDATE registers SET last_receipt_no = last_receipt_no + 1,"
    " last_journal_seq = last_journal_seq + 1, grand_total_minor = grand_total_minor + :total"
    " WHERE id = :register RETURNING last_receipt_no, last_journal_seq, last_journal_hash"
)
_ORDER = text(
    "INSERT INTO orders (kind, status, payment_status, register_id, shift_id, receipt_no,"
    " cashier_id, currency, tax_mode, subtotal_minor, discount_minor, tax_minor, total_minor,"
    " shipping_address, billing_address, tracking_number, carrier, country, note,"
    " created_at, updated_at) VALUES ('sale', 'completed', 'paid', :register, :shift,"
    " :receipt, :cashier, 'GBP', 'inclusive', :total, 0, :tax, :total, '{}', '{}', '', '',"
    " '', '', :now, :now) RETURNING id"
)
_LINE = text(
    "INSERT INTO order_lines (order_id, product_id, sku, name, quantity, unit_price_minor,"
    " discount_minor, tax_rate, net_minor, tax_minor, total_minor, restock)"
    " VALUES (:order, :product, :sku, :name, 1, :price, 0, '0.20', :net, :tax, :price, false)"
)
_PAYMENT = text(
    "INSERT INTO payments (order_id, shift_id, method, amount_minor, created_at)"
    " VALUES (:order, :shift, :method, :amount, :now)"
)
_STOCK = {
    "sqlite": text(
        "UPDATE products SET on_hand = on_hand - 1 WHERE id = :id AND on_hand >= 1"
        " RETURNING id, on_hand"
    ),
    "postgresql": text(
        "UPDATE products SET on_hand = on_hand - 1 FROM (SELECT id FROM products"
        " WHERE id = ANY(CAST(:ids AS BIGINT[])) ORDER BY id FOR NO KEY UPDATE) AS l"
        " WHERE products.id = l.id AND products.on_hand >= 1 RETURNING products.id, on_hand"
    ),
}
_MOVE = text(
    "INSERT INTO stock_moves (product_id, delta, on_hand_after, reason, note, order_id,"
    " user_id, created_at) VALUES (:id, -1, :after, 'sale', '', :order, :user, :now)"
)
_JOURNAL = text(
    "INSERT INTO journal (register_id, seq, kind, order_id, payload, prev_hash, hash,"
    " created_at, scheme) VALUES (:register, :seq, 'sale', :order, :payload, :prev, :hash,"
    " :now, 2)"
)


_CART = text(
    "INSERT INTO carts (client_id, register_id, cashier_id, status, label, created_at,"
    " updated_at) VALUES (:client, :register, :cashier, 'open', '', :now, :now) RETURNING id"
)


def new_cart(raw: Raw, register_id: int, cashier_id: int) -> int:
    """An empty cart for the floor's scans (not timed)."""
    now = datetime.now(UTC).isoformat() if raw.dialect == "sqlite" else datetime.now(UTC)
    cur = raw.begin()
    cur.execute(
        raw.sql(_CART),
        {"client": uuid.uuid4().hex, "register": register_id, "cashier": cashier_id, "now": now},
    )
    cart = int(cur.fetchone()[0])
    raw.commit(cur)
    return cart


def _now(raw: Raw) -> Any:
    now = datetime.now(UTC)
    # SQLite holds UTC as naive text, as the app's column type writes it
    return now.replace(tzinfo=None).isoformat(" ") if raw.dialect == "sqlite" else now


def commit_sale(
    raw: Raw,
    *,
    register_id: int,
    shift_id: int,
    cashier_id: int,
    products: list[tuple[int, str, str, int]],  # id, sku, name, price_minor
) -> int:
    """A completed cash sale of one unit of each product: receipt number, order, lines,
    cash and change, stock (set-based where the database allows), ledger rows and the
    journal entry, in one transaction. Returns the order id. Give it a register of its
    own: it chains that register's journal its own way."""
    now = _now(raw)
    total = sum(p[3] for p in products)
    tax = total - total * 5 // 6
    cur = raw.begin()
    cur.execute(raw.sql(_REGISTER), {"total": total, "register": register_id})
    receipt, seq, prev = cur.fetchone()
    cur.execute(
        raw.sql(_ORDER),
        {
            "register": register_id,
            "shift": shift_id,
            "receipt": receipt,
            "cashier": cashier_id,
            "total": total,
            "tax": tax,
            "now": now,
        },
    )
    order = int(cur.fetchone()[0])
    cur.executemany(
        raw.sql(_LINE),
        [
            {
                "order": order,
                "product": pid,
                "sku": sku,
                "name": name,
                "price": price,
                "net": price - price // 6,
                "tax": price // 6,
            }
            for pid, sku, name, price in products
        ],
    )
    cur.executemany(
        raw.sql(_PAYMENT),
        [
            {
                "order": order,
                "shift": shift_id,
                "method": "cash",
                "amount": total + 500,
                "now": now,
            },
            {"order": order, "shift": shift_id, "method": "cash", "amount": -500, "now": now},
        ],
    )
    ids = sorted(p[0] for p in products)
    after: dict[int, int] = {}
    if raw.dialect == "postgresql":
        cur.execute(raw.sql(_STOCK["postgresql"]), {"ids": ids})
        after.update(cur.fetchall())
    else:
        for pid in ids:
            cur.execute(_STOCK["sqlite"], {"id": pid})
            after.update(cur.fetchall())
    cur.executemany(
        raw.sql(_MOVE),
        [
            {"id": pid, "after": after[pid], "order": order, "user": cashier_id, "now": now}
            for pid in ids
        ],
    )
    payload = json.dumps({"order": order, "receipt": receipt, "total": total})
    digest = hashlib.sha256(f"{prev}{seq}{payload}".encode()).hexdigest()
    cur.execute(
        raw.sql(_JOURNAL),
        {
            "register": register_id,
            "seq": seq,
            "order": order,
            "payload": payload,
            "prev": prev or "",
            "hash": digest,
            "now": now,
        },
    )
    raw.commit(cur)
    return order


_TRIGGER_AI = (
    "CREATE TRIGGER products_search_ai AFTER INSERT ON products BEGIN"
    " INSERT INTO product_search(rowid, name, brand, sku, description)"
    " VALUES (new.id, new.name, new.brand, new.sku, new.description); END"
)
_PRODUCT = text(
    "INSERT INTO products (sku, name, description, brand, category_id, tax_class_id,"
    " price_minor, cost_minor, images, attributes, active, allow_negative_stock, on_hand,"
    " low_stock_threshold, created_at, updated_at) VALUES (:sku, :name, :description,"
    " :brand, :category, :tax, :price, :cost, '[]', '{}', :active, false, :stock, :low,"
    " :now, :now)"
)


def import_catalog(raw: Raw, path: str) -> int:
    """The product CSV into an empty catalog, by hand: categories, products, barcodes and
    the opening stock's ledger rows in one transaction of batched inserts, then the search
    index built once (SQLite: its insert trigger off meanwhile, then an FTS5 rebuild;
    PostgreSQL: the generated tsvector and its GIN index keep themselves). Returns rows."""
    import csv
    import gzip
    from decimal import Decimal

    def minor(value: str) -> int | None:
        return int(Decimal(value) * 100) if value else None

    now = _now(raw)
    cur = raw.begin()
    if raw.dialect == "sqlite":
        cur.execute("DROP TRIGGER products_search_ai")
    cur.execute("SELECT code, id FROM tax_classes")
    taxes = dict(cur.fetchall())
    categories: dict[str, int] = {}

    def category(path: str) -> int | None:
        if not path:
            return None
        if path not in categories:
            parent_path, _, name = path.rpartition("/")
            parent = category(parent_path)
            cur.execute(
                raw.sql(
                    "INSERT INTO categories (parent_id, name, path) VALUES (:p, :n, :path)"
                    " RETURNING id"
                ),
                {"p": parent, "n": name, "path": path},
            )
            categories[path] = int(cur.fetchone()[0])
        return categories[path]

    opener = gzip.open if path.endswith(".gz") else open
    rows = 0
    with opener(path, "rt", encoding="utf-8", newline="") as f:  # type: ignore[operator]
        reader = csv.DictReader(f)
        while True:
            batch = [r for _, r in zip(range(5000), reader, strict=False)]
            if not batch:
                break
            products = [
                {
                    "sku": r["sku"],
                    "name": r["name"],
                    "description": r["description"],
                    "brand": r["brand"],
                    "category": category(r["category"]),
                    "tax": taxes[r["tax_class"] or "standard"],
                    "price": minor(r["price"]),
                    "cost": minor(r["cost"]),
                    "active": r["active"] != "false",
                    "stock": int(r["stock"] or 0),
                    "low": int(r["low_stock_threshold"]) if r["low_stock_threshold"] else None,
                    "now": now,
                }
                for r in batch
            ]
            cur.executemany(raw.sql(_PRODUCT), products)
            cur.execute(
                raw.sql("SELECT sku, id FROM products WHERE sku IN (%s)")
                % ",".join("'" + p["sku"].replace("'", "''") + "'" for p in products)
            )
            ids = dict(cur.fetchall())
            cur.executemany(
                raw.sql("INSERT INTO barcodes (code, product_id) VALUES (:code, :id)"),
                [
                    {"code": code.zfill(14), "id": ids[r["sku"]]}
                    for r in batch
                    for code in r["barcodes"].split("|")
                    if code
                ],
            )
            cur.executemany(
                raw.sql(
                    "INSERT INTO stock_moves (product_id, delta, on_hand_after, reason, note,"
                    " created_at) VALUES (:id, :n, :n, 'count', 'import', :now)"
                ),
                [
                    {"id": ids[p["sku"]], "n": p["stock"], "now": now}
                    for p in products
                    if p["stock"]
                ],
            )
            rows += len(batch)
    if raw.dialect == "sqlite":
        cur.execute("INSERT INTO product_search(product_search) VALUES ('rebuild')")
        cur.execute(_TRIGGER_AI)
    raw.commit(cur)
    return rows
