"""Sending the shop's changes: new products, changed fields, status changes of online
orders, and stock.

- Products: the outbox names products that may have changed; each is compared with what
  was last pushed (a fingerprint and the fields themselves) and only the fields that
  differ go out, as one partial ``PUT``. A cycle with nothing new sends nothing.
- The ``PUT``'s answer shows every field the storefront holds: a field the shop owns
  that differs from what was last pushed was changed online; that is a conflict. It is
  logged with the storefront's value, and the shop's value is sent again (it wins).
- New products are created with a ``POST`` whose answer may be lost: they are marked
  ``creating`` (committed) before it is sent; a product left ``creating`` is looked for
  online by SKU (newest first) before it is ever sent again.
- Stock: every mapped product whose on-hand (never below 0) differs from the stock last
  pushed gets ``PUT {"stock": n}``; nothing is written by the till for this (the
  comparison is one query), so selling costs nothing extra.
- Order statuses set in the back office go out in the order they were made; a refusal
  is checked against the order as the storefront has it (already there is success).
"""

from __future__ import annotations

from typing import Any

from pos.domain.errors import StorefrontInDoubt, StorefrontRefused, StorefrontUnavailable
from pos.ports.sync import LocalDoc
from pos.sync import docs
from pos.sync.mapping import list_all_products
from pos.sync.run import SyncRun

BATCH = 100
STOREFRONT_STATUSES = {"confirmed", "shipped", "delivered", "cancelled"}


# ------------------------------------------------------------------------- products


def push_products(run: SyncRun) -> None:
    while True:
        with run.ctx.read() as uow:
            batch = uow.sync.outbox_product_batch(BATCH * 5)
            pids = sorted({pid for _, pid in batch})
            found = {d.product_id: d for d in uow.sync.docs(pids)}
        if not batch:
            return
        records: list[tuple[int, str, dict[str, Any], int | None, str]] = []
        done: set[int] = set()
        try:
            for pid in pids:
                doc = found.get(pid)
                if doc is not None and doc.state == "mapped" and doc.remote_id:
                    record = _push_one(run, doc)
                    if record is not None:
                        records.append(record)
                done.add(pid)
                run.keep()
        finally:
            with run.ctx.uow() as uow:
                uow.sync.record_pushed(records)
                uow.sync.add_mappings(
                    [(pid, None, "create", None, None) for pid in done if pid not in found]
                )
                uow.sync.set_state([p for p in done if p in found], "create", ("failed", "gone"))
                uow.sync.outbox_done([oid for oid, pid in batch if pid in done])
                uow.commit()


def _push_one(run: SyncRun, d: LocalDoc) -> tuple[int, str, dict[str, Any], int | None, str] | None:
    assert d.remote_id is not None
    doc = docs.local_doc(d, run.money)
    fields = docs.changes(doc, d.pushed)
    stock = max(0, d.on_hand)
    send_stock = d.pushed_stock != stock
    if not fields and not send_stock:
        return None
    body = docs.wire(fields)
    if send_stock:
        body["stock"] = stock
    try:
        answer = run.api.update_product(d.remote_id, body)
    except StorefrontRefused as exc:
        _refused_product(run, d, exc)
        return None
    if d.fingerprint is None and d.pushed is not None:  # the first push after pairing
        for key in fields:
            _conflict(run, d, key, d.pushed.get(key), doc[key], "at the first pairing")
    fix = _changed_online(run, d, doc, fields, answer)
    if fix:
        run.api.update_product(d.remote_id, docs.wire(fix))
    run.summary["products_updated"] += 1
    return (d.product_id, d.remote_id, doc, stock if send_stock else None, docs.fingerprint(doc))


def _changed_online(
    run: SyncRun, d: LocalDoc, doc: dict[str, Any], sent: dict[str, Any], answer: dict[str, Any]
) -> dict[str, Any]:
    """Fields the storefront changed since the last push (its answer shows them all)."""
    if d.pushed is None or d.fingerprint is None:
        return {}
    online = docs.remote_doc(answer, run.money)
    fix = {}
    for key in docs.FIELDS:
        if key in sent or key not in answer:
            continue
        if online[key] != d.pushed.get(key):
            _conflict(run, d, key, online[key], doc[key], "online since the last push")
            fix[key] = doc[key]
    return fix


def _conflict(run: SyncRun, d: LocalDoc, key: str, theirs: Any, ours: Any, when: str) -> None:
    run.log(
        "conflict",
        "product",
        f"{d.sku}: the storefront had {key} = {theirs!r} ({when}); the shop's {ours!r} "
        "was sent (the shop owns it).",
        product_id=d.product_id,
        remote_id=d.remote_id,
        field=key,
        storefront=theirs,
        shop=ours,
    )


def _refused_product(run: SyncRun, d: LocalDoc, exc: StorefrontRefused) -> None:
    if exc.status == 404:  # gone online: made again with the next cycle
        with run.ctx.uow() as uow:
            uow.sync.set_state([d.product_id], "gone", ("mapped",))
            uow.commit()
        run.log(
            "error",
            "product",
            f"{d.sku} is no longer on the storefront; it will be created again.",
            product_id=d.product_id,
            remote_id=d.remote_id,
        )
        return
    run.refused(f"Updating {d.sku} online", exc, product_id=d.product_id)
    with run.ctx.uow() as uow:
        uow.sync.note_product_error(d.product_id, str(exc))
        uow.commit()


def create_products(run: SyncRun) -> None:
    _resolve_in_doubt(run)
    while True:
        with run.ctx.read() as uow:  # most cycles have nothing to create: no write then
            if not uow.sync.docs_in_state(("create", "gone"), 1):
                return
        with run.ctx.uow() as uow:
            batch = uow.sync.docs_in_state(("create", "gone"), BATCH)
            uow.sync.set_state([d.product_id for d in batch], "creating", ("create", "gone"))
            uow.commit()
        if not batch:
            return
        records: list[tuple[int, str, dict[str, Any], int | None, str]] = []
        untried = {d.product_id for d in batch}
        failed: list[int] = []
        try:
            for d in batch:
                doc = docs.local_doc(d, run.money)
                body = docs.wire(doc) | {"stock": max(0, d.on_hand)}
                untried.discard(d.product_id)
                try:
                    made = run.api.create_product(body)
                except StorefrontInDoubt:
                    run.summary["in_doubt"] += 1
                    continue
                except StorefrontRefused as exc:
                    run.refused(f"Creating {d.sku} online", exc, product_id=d.product_id)
                    failed.append(d.product_id)
                    continue
                rid = made.get("productId")
                if not isinstance(rid, str) or not rid:
                    run.summary["in_doubt"] += 1
                    continue
                records.append((d.product_id, rid, doc, max(0, d.on_hand), docs.fingerprint(doc)))
                run.summary["products_created"] += 1
                run.keep()
        finally:
            with run.ctx.uow() as uow:
                uow.sync.record_pushed(records)
                uow.sync.set_state(untried, "create", ("creating",))  # never sent
                uow.sync.set_state(failed, "failed", ("creating",))
                uow.commit()


def _resolve_in_doubt(run: SyncRun) -> None:
    """Products whose create may have reached the storefront: found there by SKU (then
    mapped), or not (then created again)."""
    with run.ctx.read() as uow:
        doubtful = uow.sync.docs_in_state(("creating",), 100_000)
        if not doubtful:
            return
        taken = {rid for rid, _ in uow.sync.mapping_keys().values() if rid}
    want = {d.sku for d in doubtful}
    online: dict[str, dict[str, Any]] = {}
    for item in list_all_products(run, "newest", want):
        sku = item.get("sku")
        fresh = isinstance(sku, str) and sku in want and sku not in online
        if fresh and item["productId"] not in taken:
            online[str(sku)] = item
    found: list[tuple[int, str, dict[str, Any], int | None, str]] = []
    again: list[int] = []
    for d in doubtful:
        match = online.get(d.sku)
        if match is None:
            again.append(d.product_id)
        else:
            doc = docs.remote_doc(match, run.money)
            stock = docs.remote_stock(match)
            found.append((d.product_id, match["productId"], doc, stock, docs.fingerprint(doc)))
    with run.ctx.uow() as uow:
        uow.sync.record_pushed(found)
        uow.sync.set_state(again, "create", ("creating",))
        uow.sync.outbox_products([f[0] for f in found], run.ctx.clock())  # push what differs
        uow.commit()
    run.summary["in_doubt_found"] += len(found)


# --------------------------------------------------------------------------- stock


def push_stock(run: SyncRun) -> None:
    after = 0
    while True:
        with run.ctx.read() as uow:
            rows = uow.sync.stock_pushes(after, BATCH * 5)
        if not rows:
            return
        done: list[tuple[int, int]] = []
        try:
            for r in rows:
                after = r.product_id
                try:
                    run.api.update_product(r.remote_id, {"stock": r.stock})
                except StorefrontRefused as exc:
                    run.refused(f"Sending the stock of product {r.product_id}", exc)
                    continue
                done.append((r.product_id, r.stock))
                run.keep()
        finally:
            with run.ctx.uow() as uow:
                uow.sync.record_stock(done)
                uow.commit()
            run.summary["stock_pushed"] += len(done)


# -------------------------------------------------------------------------- orders


def push_orders(run: SyncRun) -> None:
    while True:
        with run.ctx.read() as uow:
            pushes = uow.sync.outbox_orders(BATCH)
        if not pushes:
            return
        done: list[int] = []
        statuses: list[tuple[str, str]] = []
        try:
            for p in pushes:
                if p.remote_id and p.status in STOREFRONT_STATUSES and p.remote_status != p.status:
                    now = _send_status(run, p.remote_id, p.order_id, p.status, p.tracking_number)
                    if now:
                        statuses.append((p.remote_id, now))
                done.append(p.outbox_id)
                run.keep()
        except StorefrontUnavailable:
            raise
        finally:
            with run.ctx.uow() as uow:
                for rid, status in statuses:
                    uow.sync.inbox_status(rid, status)
                uow.sync.outbox_done(done)
                uow.commit()


def _send_status(run: SyncRun, rid: str, order_id: int, status: str, tracking: str) -> str:
    try:
        if status == "cancelled":
            answer = run.api.cancel_order(rid)
        else:
            answer = run.api.set_order_status(rid, status, tracking)
        run.summary["order_statuses_sent"] += 1
        return str(answer.get("status", status))
    except StorefrontRefused as exc:
        if exc.status not in (400, 409, 422):
            run.refused(f"Marking order {order_id} {status} online", exc, order_id=order_id)
            return ""
        there = str(run.api.get_order(rid).get("status", ""))
        if there == status:  # an earlier try got there; its answer was lost
            return there
        run.log(
            "conflict",
            "order",
            f"Order {order_id} is {there} on the storefront; it could not be marked "
            f"{status} there ({exc}).",
            order_id=order_id,
            remote_id=rid,
            storefront=there,
            shop=status,
            body=exc.body,
        )
        return there
