"""The first pairing of products (and any later one the owner asks for).

The storefront has no lookup by SKU: every product is listed once, page by page, and
matched to a local product by SKU. A match is mapped at once, with the storefront's
fields kept as what it "has" (``pushed``), so the next push sends only what differs and
logs each difference as a conflict (the shop's value wins, the storefront's is kept in
the log). Local products no storefront SKU matched are left *unpaired*, and storefront
products no local SKU matched are remembered: the owner chooses for each (create online,
import locally, ignore).

Listing survives the seed's paging wart (a page after the first may hold everything that
is left): products are taken as they come, by ``productId``, and the offset moves on by
what was received.
"""

from __future__ import annotations

from typing import Any

from pos.domain.errors import StorefrontRefused
from pos.sync import docs
from pos.sync.run import PAGE, SyncRun


def list_all_products(
    run: SyncRun, sort_by: str | None = None, want: set[str] | None = None
) -> list[dict[str, Any]]:
    """Every active product online; with ``want``, stop once all those SKUs were seen."""
    seen: dict[str, dict[str, Any]] = {}
    missing = set(want or ())
    offset = 0
    while True:
        page = run.api.list_products(offset, PAGE, sort_by)
        fresh = 0
        for item in page.items:
            rid = item.get("productId")
            if isinstance(rid, str) and rid not in seen:
                seen[rid] = item
                fresh += 1
                missing.discard(str(item.get("sku")))
        offset += len(page.items)
        run.keep()
        if want is not None and not missing:
            return list(seen.values())
        if not page.items or not page.has_more or not fresh:
            return list(seen.values())


def map_products(run: SyncRun) -> None:
    remote = list_all_products(run)
    with run.ctx.read() as uow:
        local = uow.sync.local_products()
        known = uow.sync.mapping_keys()
    mapped_remote = {rid for rid, _ in known.values() if rid}
    by_sku = {sku: (pid, active) for pid, sku, active in local}
    rows: list[tuple[int, str | None, str, dict[str, Any] | None, int | None]] = []
    unpaired_remote: list[tuple[str, str, str, int | None, dict[str, Any]]] = []
    taken: set[int] = set(known)
    for item in remote:
        rid = item["productId"]
        if rid in mapped_remote:
            continue
        sku = docs.remote_doc(item, run.money)["sku"]
        match = by_sku.get(sku) if sku else None
        if match is not None and match[0] not in taken:
            taken.add(match[0])
            rows.append(
                (match[0], rid, "mapped", docs.remote_doc(item, run.money), docs.remote_stock(item))
            )
        else:
            if match is not None:
                run.log(
                    "error",
                    "mapping",
                    f"Two storefront products have the SKU {sku}; {rid} is left unpaired.",
                    remote_id=rid,
                    sku=sku,
                )
            doc = docs.remote_doc(item, run.money)
            unpaired_remote.append(
                (
                    rid,
                    sku,
                    doc["name"],
                    docs.price_minor(item.get("price"), run.money),
                    docs.plain(item),
                )
            )
    for pid, _sku, active in local:
        if pid not in taken and active:
            rows.append((pid, None, "unpaired", None, None))
    with run.ctx.uow() as uow:
        uow.sync.add_mappings(rows)
        uow.sync.remember_remote(unpaired_remote)
        # Paired products go through the outbox: what differs from the storefront is sent.
        uow.sync.set_mapped(run.ctx.clock())
        uow.sync.outbox_products([r[0] for r in rows if r[2] == "mapped"], run.ctx.clock())
        uow.commit()
    paired = sum(1 for r in rows if r[2] == "mapped")
    run.summary["paired"] += paired
    run.log(
        "info",
        "mapping",
        f"Paired {paired} products by SKU; {len(rows) - paired} local and "
        f"{len(unpaired_remote)} storefront products are unpaired.",
    )


MISSING_CHECKED = 200  # mapped products absent from the listing, looked up one by one


def reconcile(run: SyncRun) -> None:
    """Compare everything the storefront lists with what the sync believes it holds.

    Run after a cycle died (a request of a killed process may still have landed after
    the one that replaced it) and once a day: the stock and fields last pushed are set to
    what the storefront really has, so the normal steps send whatever differs; a field the
    shop owns that was changed online is logged as a conflict; products new online are
    listed for the owner; a mapped product gone from the storefront is made again.
    """
    remote = {item["productId"]: item for item in list_all_products(run)}
    with run.ctx.read() as uow:
        keys = uow.sync.mapping_keys()
        mapped = {pid: rid for pid, (rid, state) in keys.items() if rid and state == "mapped"}
        found = {d.product_id: d for d in uow.sync.docs(list(mapped))}
    baselines: list[tuple[int, str, dict[str, Any], int | None, str]] = []
    stocks: list[tuple[int, int]] = []
    missing: list[int] = []
    for pid, rid in mapped.items():
        d = found.get(pid)
        item = remote.get(rid)
        if d is None:
            continue
        if item is None:
            if d.active and len(missing) < MISSING_CHECKED:
                missing.append(pid)
            continue
        online = docs.remote_doc(item, run.money)
        stock = docs.remote_stock(item)
        if stock is not None and stock != d.pushed_stock:
            stocks.append((pid, stock))
        pushed = dict(d.pushed or {})
        changed = {k: v for k, v in online.items() if pushed.get(k) != v}
        for key, value in changed.items():
            run.log(
                "conflict",
                "product",
                f"{d.sku}: the storefront had {key} = {value!r} (changed online); the shop's "
                f"{docs.local_doc(d, run.money)[key]!r} is sent (the shop owns it).",
                product_id=pid,
                remote_id=rid,
                field=key,
                storefront=value,
            )
        if changed:
            baselines.append((pid, rid, pushed | changed, None, d.fingerprint or ""))
    gone, withdrawn = _gone(run, [(pid, mapped[pid]) for pid in missing])
    for pid in withdrawn:
        d = found[pid]
        run.log(
            "conflict",
            "product",
            f"{d.sku} was withdrawn on the storefront; the shop sells it, so it is put back.",
            product_id=pid,
            remote_id=mapped[pid],
            field="isActive",
            storefront=False,
        )
        pushed = dict(d.pushed or {}) | {"isActive": False}
        baselines.append((pid, mapped[pid], pushed, None, d.fingerprint or ""))
    known = set(mapped.values()) | {rid for rid, _ in keys.values() if rid}
    new_online = [
        (
            rid,
            docs.remote_doc(i, run.money)["sku"],
            docs.remote_doc(i, run.money)["name"],
            docs.price_minor(i.get("price"), run.money),
            docs.plain(i),
        )
        for rid, i in remote.items()
        if rid not in known
    ]
    with run.ctx.uow() as uow:
        uow.sync.record_stock(stocks)
        uow.sync.record_pushed(baselines)
        uow.sync.outbox_products([b[0] for b in baselines], run.ctx.clock())
        uow.sync.set_state(gone, "gone", ("mapped",))
        uow.sync.remember_remote(new_online)
        uow.sync.set_mapped(run.ctx.clock())
        uow.commit()
    run.summary["reconciled"] += len(stocks) + len(baselines) + len(gone)


def _gone(run: SyncRun, missing: list[tuple[int, str]]) -> tuple[list[int], list[int]]:
    """Mapped products the listing did not show: (deleted online: to be made again,
    withdrawn online: the shop's "active" to be sent again)."""
    gone: list[int] = []
    withdrawn: list[int] = []
    for pid, rid in missing:
        try:
            item = run.api.get_product(rid)
        except StorefrontRefused as exc:
            if exc.status == 404:
                gone.append(pid)
            continue
        if item.get("isActive") is False:
            withdrawn.append(pid)
    return gone, withdrawn
