"""A real HTTP storefront on 127.0.0.1 for the sync's tests and benchmarks.

It follows shared/storefront-api.md and the seed's own code (shared/seed/
ecommerce-platform.md), warts included:

- ``GET /api/products`` lists active products only; ``offset`` arrives as text and the
  seed computes the page's end as ``offset + parseInt(limit)``: with an ``offset`` in the
  query that is string concatenation ("100" + 100 = "100100"), so every page after the
  first holds everything that is left and says ``hasMore: false``. ``GET /api/orders``
  (the contract's addition, "paged like products") does the same.
- ``GET /api/products/search`` is shadowed by ``/api/products/{productId}``: 404.
- Failures are ``{"success": false, "error"}`` for 4xx and ``{"error"}`` for 500.
- ``POST /api/products`` answers 201 or 200.

Fault injection (:class:`Faults`): a share of requests gets a 500 JSON, a 502 or 503 HTML
page, a 429 with ``Retry-After``, a slow answer past the client's timeout, a truncated
body, a garbage body or a connection reset. A write may be carried out before its fault
(the answer is lost) or not at all.
"""

from __future__ import annotations

import itertools
import json
import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FAULT_KINDS = ("500", "502", "503", "429", "slow", "truncated", "garbage", "reset")
HTML = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
ORDER_FLOW = {"pending": {"confirmed"}, "confirmed": {"shipped"}, "shipped": {"delivered"}}


def _dumps(value: Any) -> bytes:
    def default(v: Any) -> Any:
        if isinstance(v, Decimal):
            return float(v)
        raise TypeError(type(v).__name__)

    return json.dumps(value, default=default).encode()


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (its timeout) breaks the pipe: expected here


@dataclass
class Faults:
    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    slow_seconds: float = 1.0
    retry_after: str = "0"
    seed: int = 1
    only_paths: tuple[str, ...] = ()  # fault only requests whose path starts so
    # (fault, carried out first?) for the next requests, in order, before any random one
    script: list[tuple[str, bool]] = field(default_factory=list)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)


class Storefront:
    """The store's state and the server; ``with Storefront() as shop: shop.url``."""

    def __init__(self, token: str = "test-token", faults: Faults | None = None) -> None:
        self.token = token
        self.faults = faults or Faults()
        self.products: dict[str, dict[str, Any]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self._last_ms = 0
        self.server = _Server(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Storefront:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- clock and ids -------------------------------------------------------------------

    def now(self) -> str:
        """Milliseconds, never going backwards (several changes may share one)."""
        ms = max(int(time.time() * 1000), self._last_ms)
        self._last_ms = ms
        return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids)}"

    # -- what shoppers and the shop's staff do online (for tests) --------------------------

    def add_product(self, **fields: Any) -> dict[str, Any]:
        with self.lock:
            return self._create_product(fields)

    def edit_product(self, product_id: str, **fields: Any) -> None:
        """Someone changes a product in the storefront's own admin."""
        with self.lock:
            p = self.products[product_id]
            p.update(fields)
            p["updatedAt"] = self.now()

    def place_order(
        self,
        lines: list[tuple[str, int]],
        *,
        customer: dict[str, str] | None = None,
        paid: bool = True,
        user_id: str = "user_1",
    ) -> dict[str, Any]:
        """A shopper checks out: stock checked and taken, the order confirmed and paid
        (or left pending). Raises ValueError when stock is short (the seed refuses)."""
        with self.lock:
            for pid, qty in lines:
                if self.products[pid]["stock"] < qty:
                    raise ValueError(f"insufficient stock for {pid}")
            items = []
            for n, (pid, qty) in enumerate(lines, 1):
                p = self.products[pid]
                p["stock"] -= qty
                items.append(
                    {
                        "itemId": f"item_{n:03d}",
                        "productId": pid,
                        "name": p["name"],
                        "price": p["price"],
                        "quantity": qty,
                        "subtotal": p["price"] * qty,
                    }
                )
            now = self.now()
            order: dict[str, Any] = {
                "id": self.new_id("ord"),
                "userId": user_id,
                "items": items,
                "total": sum((i["subtotal"] for i in items), Decimal(0)),
                "status": "confirmed" if paid else "pending",
                "paymentStatus": "paid" if paid else "pending",
                "shippingAddress": {
                    "name": "Ada Lovelace",
                    "line1": "1 Main St",
                    "city": "London",
                    "postalCode": "N1 1AA",
                    "country": "GB",
                },
                "billingAddress": {},
                "paymentMethod": "card",
                "trackingNumber": "",
                "createdAt": now,
                "updatedAt": now,
            }
            if customer is not None:
                order["customer"] = customer
            self.orders[order["id"]] = order
            return order

    def pay(self, order_id: str) -> None:
        with self.lock:
            o = self.orders[order_id]
            o.update(paymentStatus="paid", status="confirmed", updatedAt=self.now())

    def cancel_online(self, order_id: str) -> None:
        with self.lock:
            self._cancel(self.orders[order_id])

    def by_sku(self, sku: str) -> list[dict[str, Any]]:
        with self.lock:
            return [p for p in self.products.values() if p["sku"] == sku]

    # -- the API's behaviour -------------------------------------------------------------

    def _create_product(self, data: dict[str, Any]) -> dict[str, Any]:
        now = self.now()
        p = {
            "productId": self.new_id("prod"),
            "name": data.get("name", ""),
            "description": data.get("description", ""),
            "price": data.get("price", 0),
            "category": data.get("category", ""),
            "brand": data.get("brand") or "",
            "sku": data.get("sku") or "",
            "stock": data.get("stock") or 0,
            "images": data.get("images") or [],
            "attributes": data.get("attributes") or {},
            "isActive": True,
            "createdAt": now,
            "updatedAt": now,
        }
        self.products[p["productId"]] = p
        return p

    def _cancel(self, o: dict[str, Any]) -> bool:
        if o["status"] not in ("pending", "confirmed"):
            return False
        for item in o["items"]:
            p = self.products.get(item["productId"])
            if p is not None:
                p["stock"] += item["quantity"]
        o["status"] = "cancelled"
        if o["paymentStatus"] == "paid":
            o["paymentStatus"] = "refunded"
        o["updatedAt"] = self.now()
        return True

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        parts = [p for p in path.split("/") if p]
        with self.lock:
            if parts[:2] == ["api", "products"]:
                return self._products(method, parts[2:], query, body)
            if parts[:2] == ["api", "orders"]:
                return self._orders(method, parts[2:], query, body)
        return 404, {"success": False, "error": "Not found"}

    @staticmethod
    def _paged(items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        limit = int(query.get("limit", "20"))
        raw = query.get("offset")
        if raw is None:
            start, end = 0, limit
        else:  # the seed's offset + parseInt(limit) with offset a string
            start, end = int(raw), int(raw + str(limit))
        return {
            "success": True,
            "data": items[start:end],
            "pagination": {
                "limit": limit,
                "offset": start,
                "total": len(items),
                "hasMore": end < len(items),
            },
        }

    def _products(
        self, method: str, rest: list[str], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        if not rest:
            if method == "GET":
                items = [p for p in self.products.values() if p["isActive"]]
                if query.get("category"):
                    items = [p for p in items if p["category"] == query["category"]]
                if query.get("sortBy") == "newest":
                    items.sort(key=lambda p: p["createdAt"], reverse=True)
                return 200, self._paged(items, query)
            if method == "POST":
                if not isinstance(body, dict) or not body.get("name") or "price" not in body:
                    return 400, {"success": False, "error": "name and price are required"}
                return random.choice((200, 201)), {
                    "success": True,
                    "data": self._create_product(body),
                }
            return 404, {"success": False, "error": "Not found"}
        product = self.products.get(rest[0])  # "search" lands here too: the seed's wart
        if len(rest) != 1 or product is None:
            return 404, {"success": False, "error": "Product not found"}
        if method == "GET":
            return 200, {"success": True, "data": product}
        if method == "PUT":
            if not isinstance(body, dict):
                return 400, {"success": False, "error": "Invalid body"}
            if "price" in body and not isinstance(body["price"], int | float | Decimal):
                return 400, {"success": False, "error": "price must be a number"}
            if "stock" in body and (not isinstance(body["stock"], int) or body["stock"] < 0):
                return 400, {"success": False, "error": "stock must be a whole number"}
            for key, value in body.items():
                if key in product and key not in ("productId", "createdAt", "updatedAt"):
                    product[key] = value
            product["updatedAt"] = self.now()
            return 200, {"success": True, "data": product}
        if method == "DELETE":
            del self.products[rest[0]]
            return 200, {"success": True, "data": {"productId": rest[0]}}
        return 404, {"success": False, "error": "Not found"}

    def _orders(
        self, method: str, rest: list[str], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        if not rest and method == "GET":
            items = list(self.orders.values())
            since = query.get("updatedSince")
            if since:
                items = [o for o in items if o["updatedAt"] >= since]
            if query.get("status"):
                items = [o for o in items if o["status"] == query["status"]]
            items.sort(key=lambda o: o["updatedAt"])
            return 200, self._paged(items, query)
        order = self.orders.get(rest[0]) if rest else None
        if order is None:
            return 404, {"success": False, "error": "Order not found"}
        if len(rest) == 1 and method == "GET":
            return 200, {"success": True, "data": order}
        if rest[1:] == ["status"] and method == "PUT":
            target = body.get("status") if isinstance(body, dict) else None
            if target not in ORDER_FLOW.get(order["status"], ()):
                return 400, {
                    "success": False,
                    "error": f"Cannot change status from {order['status']} to {target}",
                }
            order["status"] = target
            if body.get("trackingNumber"):
                order["trackingNumber"] = body["trackingNumber"]
            order["updatedAt"] = self.now()
            return 200, {"success": True, "data": order}
        if rest[1:] == ["cancel"] and method == "POST":
            if not self._cancel(order):
                return 400, {
                    "success": False,
                    "error": f"An order that is {order['status']} cannot be cancelled",
                }
            return 200, {"success": True, "data": order}
        return 404, {"success": False, "error": "Not found"}


def _handler_for(shop: Storefront) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stalls

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            split = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(split.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.headers.get("Authorization") != f"Bearer {shop.token}":
                self._send(401, _dumps({"success": False, "error": "Unauthorized"}))
                return
            faults = shop.faults
            fault, done_first = None, False
            with shop.lock:
                if faults.script:
                    fault, done_first = faults.script.pop(0)
            if (
                fault is None
                and faults.rate
                and (not faults.only_paths or split.path.startswith(faults.only_paths))
            ):
                with shop.lock:
                    if faults.rng.random() < faults.rate:
                        fault = faults.rng.choice(faults.kinds)
                        done_first = faults.rng.random() < 0.5
            if fault is not None and (fault == "429" or not done_first):
                self._fault(fault, method, split.path, b"")
                return
            try:
                body = json.loads(raw, parse_float=Decimal) if raw else None
            except ValueError:
                self._send(400, _dumps({"success": False, "error": "Invalid JSON"}))
                return
            try:
                status, payload = shop.route(method, split.path, query, body)
            except Exception as exc:  # the seed's 500 handler drops "success"
                status, payload = 500, {"error": str(exc)}
            data = _dumps(payload)
            if fault is not None:
                self._fault(fault, method, split.path, data)
                return
            with shop.lock:
                shop.requests.append((method, split.path, status))
            self._send(status, data)

        def _fault(self, fault: str, method: str, path: str, data: bytes) -> None:
            with shop.lock:
                shop.requests.append((method, path, -1))
            if fault == "500":
                self._send(500, _dumps({"error": "Internal server error"}))
            elif fault in ("502", "503"):
                self._send(int(fault), HTML, "text/html")
            elif fault == "429":
                self._send(
                    429,
                    b"Too many requests",
                    "text/plain",
                    {"Retry-After": shop.faults.retry_after},
                )
            elif fault == "slow":
                time.sleep(shop.faults.slow_seconds)
                self._send(200, data or _dumps({"success": True, "data": {}}))
            elif fault == "truncated":
                body = data or _dumps({"success": True, "data": []})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif fault == "garbage":
                self._send(200, b'{"success": tru\x00\xff')
            else:  # reset: RST instead of an answer
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()

        def _send(
            self,
            status: int,
            body: bytes,
            ctype: str = "application/json",
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

    return Handler
