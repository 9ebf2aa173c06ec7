"""The storefront sync's tables (:class:`pos.ports.sync.SyncRepo`), in Core statements.

The outbox writes are single ``INSERT ... SELECT`` statements that add nothing while no
storefront is linked (the ``EXISTS`` on ``sync_link``), so a shop without a storefront
pays one cheap statement per catalog or order change and keeps no rows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from db.models import Category, Order, Product, table
from db.models_sync import (
    SyncLink,
    SyncLogEntry,
    SyncOrder,
    SyncOutbox,
    SyncProduct,
    SyncRemoteProduct,
)
from db.types import UTCDateTime, utcnow
from pos.ports.sync import (
    InboxOrder,
    LinkRecord,
    LocalDoc,
    LogEntry,
    OrderPush,
    StockPush,
    SyncCounts,
    UnpairedProduct,
)

_link = table(SyncLink)
_map = table(SyncProduct)
_remote = table(SyncRemoteProduct)
_out = table(SyncOutbox)
_in = table(SyncOrder)
_log = table(SyncLogEntry)
_p = table(Product)
_c = table(Category)
_o = table(Order)
LINK_ID = 1
CHUNK = 500
_LINKED = exists(select(_link.c.id))
_STOCK_NOW = case((_p.c.on_hand < 0, 0), else_=_p.c.on_hand)
_RECORD = (
    update(_map)
    .where(_map.c.product_id == bindparam("pid"))
    .values(
        remote_id=bindparam("remote_id"),
        state=bindparam("state"),
        pushed=bindparam("pushed", type_=JSON()),
        fingerprint=bindparam("fingerprint"),
        error=bindparam("error"),
    )
)
_RECORD_STOCK = (
    update(_map)
    .where(_map.c.product_id == bindparam("pid"))
    .values(pushed_stock=bindparam("stock"))
)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class SqlSyncRepo:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _run(self, stmt: Any, params: Any = None) -> Any:
        return self.s.connection().execute(stmt, params)

    # -- the link and its lease ----------------------------------------------------------

    def link(self) -> LinkRecord | None:
        r = self._run(select(_link).where(_link.c.id == LINK_ID)).one_or_none()
        if r is None:
            return None
        return LinkRecord(
            base_url=r.base_url,
            user_id=r.user_id,
            orders_cursor=r.orders_cursor,
            mapped_at=r.mapped_at,
            interval_seconds=r.interval_seconds,
            last_cycle_at=r.last_cycle_at,
            last_cycle_ok=r.last_cycle_ok,
            last_summary=dict(r.last_summary or {}),
            last_error=r.last_error,
        )

    def save_link(
        self, base_url: str, user_id: int, orders_cursor: str, interval_seconds: int, at: datetime
    ) -> None:
        values = {
            "base_url": base_url,
            "user_id": user_id,
            "interval_seconds": interval_seconds,
        }
        done = self._run(update(_link).where(_link.c.id == LINK_ID).values(**values)).rowcount
        if not done:
            self._run(
                insert(_link).values(
                    id=LINK_ID,
                    orders_cursor=orders_cursor,
                    last_summary={},
                    created_at=at,
                    **values,
                )
            )

    def drop_link(self) -> None:
        for t in (_link, _map, _remote, _out, _in):
            self._run(delete(t))

    def take_lease(
        self, holder: str, until: datetime, now: datetime, dead_holder: str | None = None
    ) -> bool:
        free = or_(
            _link.c.lease_holder.is_(None),
            _link.c.lease_holder == holder,
            _link.c.lease_until < now,
        )
        if dead_holder is not None:
            free = or_(free, _link.c.lease_holder == dead_holder)
        stmt = (
            update(_link)
            .where(_link.c.id == LINK_ID, free)
            .values(lease_holder=holder, lease_until=until)
        )
        return bool(self._run(stmt).rowcount)

    def lease_holder(self) -> tuple[str | None, datetime | None]:
        r = self._run(
            select(_link.c.lease_holder, _link.c.lease_until).where(_link.c.id == LINK_ID)
        ).one_or_none()
        return (None, None) if r is None else (r[0], r[1])

    def release_lease(self, holder: str) -> None:
        self._run(
            update(_link)
            .where(_link.c.id == LINK_ID, _link.c.lease_holder == holder)
            .values(lease_holder=None, lease_until=None)
        )

    def finish_cycle(self, ok: bool, summary: dict[str, Any], error: str, at: datetime) -> None:
        self._run(
            update(_link)
            .where(_link.c.id == LINK_ID)
            .values(
                last_cycle_at=at, last_cycle_ok=ok, last_summary=summary, last_error=error[:1000]
            )
        )

    def set_cursor(self, cursor: str) -> None:
        self._run(update(_link).where(_link.c.id == LINK_ID).values(orders_cursor=cursor))

    def set_mapped(self, at: datetime) -> None:
        self._run(update(_link).where(_link.c.id == LINK_ID).values(mapped_at=at))

    # -- the outbox ------------------------------------------------------------------------

    def outbox_products(self, product_ids: Collection[int], at: datetime) -> None:
        ids = sorted(set(product_ids))
        for part in _chunks(ids):
            rows = select(literal("product"), _p.c.id, literal(at, UTCDateTime())).where(
                _p.c.id.in_(part), _LINKED
            )
            self._run(insert(_out).from_select(["topic", "key", "created_at"], rows))

    def outbox_order(self, order_id: int, status: str, tracking: str, at: datetime) -> None:
        rows = select(
            literal("order"),
            _o.c.id,
            literal(status),
            literal(tracking[:200]),
            literal(at, UTCDateTime()),
        ).where(_o.c.id == order_id, _o.c.source == "storefront", _LINKED)
        self._run(insert(_out).from_select(["topic", "key", "status", "note", "created_at"], rows))

    def outbox_product_batch(self, limit: int) -> list[tuple[int, int]]:
        rows = self._run(
            select(_out.c.id, _out.c.key)
            .where(_out.c.topic == "product")
            .order_by(_out.c.id)
            .limit(limit)
        ).all()
        return [(int(r[0]), int(r[1])) for r in rows]

    def outbox_orders(self, limit: int) -> list[OrderPush]:
        rows = self._run(
            select(
                _out.c.id,
                _out.c.key,
                _out.c.status,
                _out.c.note,
                _in.c.remote_id,
                _in.c.remote_status,
            )
            .outerjoin(_in, _in.c.order_id == _out.c.key)
            .where(_out.c.topic == "order")
            .order_by(_out.c.id)
            .limit(limit)
        ).all()
        return [OrderPush(r[0], int(r[1]), r[4], r[2], r[3], r[5]) for r in rows]

    def outbox_done(self, ids: Collection[int]) -> None:
        for part in _chunks(sorted(ids)):
            self._run(delete(_out).where(_out.c.id.in_(part)))

    # -- the mapping -------------------------------------------------------------------------

    def local_products(self) -> list[tuple[int, str, bool]]:
        rows = self._run(select(_p.c.id, _p.c.sku, _p.c.active).order_by(_p.c.id))
        return [(int(i), s, bool(a)) for i, s, a in rows]

    def mapping_keys(self) -> dict[int, tuple[str | None, str]]:
        rows = self._run(select(_map.c.product_id, _map.c.remote_id, _map.c.state))
        return {int(pid): (rid, state) for pid, rid, state in rows}

    def add_mappings(
        self, rows: Sequence[tuple[int, str | None, str, dict[str, Any] | None, int | None]]
    ) -> None:
        known: set[int] = set()
        for part in _chunks(sorted(r[0] for r in rows)):
            known.update(
                int(r[0])
                for r in self._run(select(_map.c.product_id).where(_map.c.product_id.in_(part)))
            )
        for part in _chunks([r for r in rows if r[0] not in known]):
            self._run(
                insert(_map),
                [
                    {
                        "product_id": pid,
                        "remote_id": rid,
                        "state": state,
                        "pushed": pushed,
                        "pushed_stock": stock,
                        "fingerprint": None,
                        "error": "",
                        "updated_at": utcnow(),
                    }
                    for pid, rid, state, pushed, stock in part
                ],
            )

    def remember_remote(
        self, items: Sequence[tuple[str, str, str, int | None, dict[str, Any]]]
    ) -> None:
        ids = [i[0] for i in items]
        known: set[str] = set()
        for part in _chunks(ids):
            known.update(
                r[0]
                for r in self._run(select(_remote.c.remote_id).where(_remote.c.remote_id.in_(part)))
            )
        fresh = [i for i in items if i[0] not in known]
        for part in _chunks(fresh):
            self._run(
                insert(_remote),
                [
                    {
                        "remote_id": rid,
                        "sku": sku[:64],
                        "name": name[:300],
                        "price_minor": price,
                        "doc": doc,
                        "decision": "",
                    }
                    for rid, sku, name, price, doc in part
                ],
            )

    def set_state(
        self, product_ids: Collection[int], state: str, from_states: Collection[str]
    ) -> int:
        n = 0
        for part in _chunks(sorted(product_ids)):
            n += self._run(
                update(_map)
                .where(_map.c.product_id.in_(part), _map.c.state.in_(list(from_states)))
                .values(state=state)
            ).rowcount
        return n

    def _doc_select(self) -> Any:
        return select(
            _map.c.product_id,
            _map.c.remote_id,
            _map.c.state,
            _p.c.sku,
            _p.c.name,
            _p.c.description,
            _p.c.price_minor,
            func.coalesce(_c.c.path, ""),
            _p.c.brand,
            _p.c.images,
            _p.c.attributes,
            _p.c.active,
            _p.c.on_hand,
            _map.c.pushed,
            _map.c.pushed_stock,
            _map.c.fingerprint,
        ).select_from(
            _map.join(_p, _p.c.id == _map.c.product_id).outerjoin(_c, _c.c.id == _p.c.category_id)
        )

    @staticmethod
    def _doc(r: Any) -> LocalDoc:
        return LocalDoc(
            product_id=int(r[0]),
            remote_id=r[1],
            state=r[2],
            sku=r[3],
            name=r[4],
            description=r[5] or "",
            price_minor=int(r[6]),
            category=r[7] or "",
            brand=r[8] or "",
            images=tuple(r[9] or ()),
            attributes=dict(r[10] or {}),
            active=bool(r[11]),
            on_hand=int(r[12]),
            pushed=None if r[13] is None else dict(r[13]),
            pushed_stock=r[14],
            fingerprint=r[15],
        )

    def docs(self, product_ids: Collection[int]) -> list[LocalDoc]:
        out: list[LocalDoc] = []
        for part in _chunks(sorted(product_ids)):
            q = self._doc_select().where(_map.c.product_id.in_(part)).order_by(_map.c.product_id)
            out.extend(self._doc(r) for r in self._run(q))
        return out

    def docs_in_state(self, states: Collection[str], limit: int) -> list[LocalDoc]:
        q = (
            self._doc_select()
            .where(_map.c.state.in_(list(states)), _p.c.active.is_(True))
            .order_by(_map.c.product_id)
            .limit(limit)
        )
        return [self._doc(r) for r in self._run(q)]

    def record_pushed(
        self, rows: Sequence[tuple[int, str, dict[str, Any], int | None, str]]
    ) -> None:
        if not rows:
            return
        have: set[int] = set()
        for part in _chunks(sorted(r[0] for r in rows)):
            have.update(
                int(r[0])
                for r in self._run(select(_map.c.product_id).where(_map.c.product_id.in_(part)))
            )
        params = [
            {
                "pid": pid,
                "remote_id": rid,
                "state": "mapped",
                "pushed": pushed,
                "fingerprint": fingerprint,
                "error": "",
                "stock": stock,
            }
            for pid, rid, pushed, stock, fingerprint in rows
        ]
        keep_stock = func.coalesce(bindparam("stock", type_=BigInteger()), _map.c.pushed_stock)
        for part in _chunks([p for p in params if p["pid"] in have]):
            self._run(_RECORD.values(pushed_stock=keep_stock), part)
        fresh = [p for p in params if p["pid"] not in have]
        for part in _chunks(fresh):
            self._run(
                insert(_map),
                [
                    {
                        "product_id": p["pid"],
                        "remote_id": p["remote_id"],
                        "state": "mapped",
                        "pushed": p["pushed"],
                        "fingerprint": p["fingerprint"],
                        "pushed_stock": p["stock"],
                        "error": "",
                        "updated_at": utcnow(),
                    }
                    for p in part
                ],
            )

    def record_stock(self, rows: Sequence[tuple[int, int]]) -> None:
        for part in _chunks([{"pid": pid, "stock": stock} for pid, stock in rows]):
            self._run(_RECORD_STOCK, part)

    def note_product_error(self, product_id: int, message: str) -> None:
        self._run(update(_map).where(_map.c.product_id == product_id).values(error=message[:500]))

    def stock_pushes(self, after: int, limit: int) -> list[StockPush]:
        q = (
            select(_map.c.product_id, _map.c.remote_id, _STOCK_NOW)
            .select_from(_map.join(_p, _p.c.id == _map.c.product_id))
            .where(
                _map.c.product_id > after,
                _map.c.state == "mapped",
                or_(_map.c.pushed_stock.is_(None), _map.c.pushed_stock != _STOCK_NOW),
            )
            .order_by(_map.c.product_id)
            .limit(limit)
        )
        return [StockPush(int(a), b, int(c)) for a, b, c in self._run(q)]

    def unpaired(self, side: str, limit: int) -> list[UnpairedProduct]:
        if side == "local":
            q = (
                select(_p.c.id, _p.c.sku, _p.c.name, _p.c.price_minor)
                .select_from(_map.join(_p, _p.c.id == _map.c.product_id))
                .where(_map.c.state == "unpaired")
                .order_by(_p.c.sku)
                .limit(limit)
            )
            return [UnpairedProduct("local", str(i), s, n, p) for i, s, n, p in self._run(q)]
        q = (
            select(_remote.c.remote_id, _remote.c.sku, _remote.c.name, _remote.c.price_minor)
            .where(_remote.c.decision == "")
            .order_by(_remote.c.sku)
            .limit(limit)
        )
        return [UnpairedProduct("remote", r, s, n, p) for r, s, n, p in self._run(q)]

    def remote_doc(self, remote_id: str) -> dict[str, Any] | None:
        r = self._run(select(_remote.c.doc).where(_remote.c.remote_id == remote_id)).one_or_none()
        return None if r is None else dict(r[0])

    def decide_remote(self, remote_ids: Collection[str], decision: str) -> None:
        for part in _chunks(sorted(remote_ids)):
            self._run(
                update(_remote).where(_remote.c.remote_id.in_(part)).values(decision=decision)
            )

    def forget_remote(self, remote_ids: Collection[str]) -> None:
        for part in _chunks(sorted(remote_ids)):
            self._run(delete(_remote).where(_remote.c.remote_id.in_(part)))

    def product_for_remote(self, remote_id: str) -> int | None:
        r = self._run(select(_map.c.product_id).where(_map.c.remote_id == remote_id)).one_or_none()
        return None if r is None else int(r[0])

    # -- the order inbox ---------------------------------------------------------------------

    def inbox_put(self, items: Sequence[tuple[str, str, dict[str, Any]]]) -> int:
        latest: dict[str, tuple[str, dict[str, Any]]] = {}
        for rid, updated, doc in items:
            if rid not in latest or latest[rid][0] <= updated:
                latest[rid] = (updated, doc)
        stored = {
            r[0]: r[1]
            for part in _chunks(sorted(latest))
            for r in self._run(
                select(_in.c.remote_id, _in.c.remote_updated).where(_in.c.remote_id.in_(part))
            )
        }
        fresh = 0
        now = utcnow()
        for rid, (updated, doc) in latest.items():
            before = stored.get(rid)
            if before is None:
                self._run(
                    insert(_in).values(
                        remote_id=rid,
                        remote_updated=updated,
                        doc=doc,
                        state="pending",
                        received_at=now,
                    )
                )
                fresh += 1
            elif before < updated:
                self._run(
                    update(_in)
                    .where(_in.c.remote_id == rid, _in.c.remote_updated < updated)
                    .values(remote_updated=updated, doc=doc, state="pending", error="")
                )
                fresh += 1
        return fresh

    def inbox_pending(self, limit: int) -> list[InboxOrder]:
        q = (
            select(_in.c.remote_id, _in.c.remote_updated, _in.c.doc, _in.c.state, _in.c.order_id)
            .where(_in.c.state.in_(("pending", "error")))
            .order_by(_in.c.remote_updated, _in.c.remote_id)
            .limit(limit)
        )
        return [InboxOrder(a, b, dict(c), d, e) for a, b, c, d, e in self._run(q)]

    def inbox_done(
        self,
        remote_id: str,
        remote_updated: str,
        state: str,
        order_id: int | None,
        remote_status: str,
        error: str,
        at: datetime,
    ) -> None:
        values: dict[str, Any] = {
            "state": state,
            "remote_status": remote_status,
            "error": error[:500],
        }
        if order_id is not None:
            values["order_id"] = order_id
        if state == "applied":
            values["applied_at"] = at
        # Only if no newer change of the order arrived meanwhile (it stays pending then).
        self._run(
            update(_in)
            .where(_in.c.remote_id == remote_id, _in.c.remote_updated == remote_updated)
            .values(**values)
        )

    def inbox_status(self, remote_id: str, remote_status: str) -> None:
        self._run(
            update(_in).where(_in.c.remote_id == remote_id).values(remote_status=remote_status)
        )

    # -- the log and the counts ----------------------------------------------------------------

    def log(
        self, level: str, kind: str, message: str, detail: Mapping[str, Any], at: datetime
    ) -> None:
        self._run(
            insert(_log).values(
                at=at, level=level, kind=kind[:16], message=message[:1000], detail=dict(detail)
            )
        )

    def entries(self, limit: int, levels: Collection[str] | None) -> list[LogEntry]:
        q = select(_log).order_by(_log.c.id.desc()).limit(limit)
        if levels:
            q = q.where(_log.c.level.in_(list(levels)))
        return [
            LogEntry(r.id, r.at, r.level, r.kind, r.message, dict(r.detail or {}))
            for r in self._run(q)
        ]

    def prune_log(self, keep: int) -> None:
        top = self._run(select(func.max(_log.c.id))).scalar()
        if top is not None and top > keep:
            self._run(delete(_log).where(_log.c.id <= top - keep))

    def counts(self, day_start: datetime) -> SyncCounts:
        def count(q: Any) -> int:
            return int(self._run(q).scalar() or 0)

        by_state = dict(self._run(select(_map.c.state, func.count()).group_by(_map.c.state)).all())
        stock_waiting = count(
            select(func.count())
            .select_from(_map.join(_p, _p.c.id == _map.c.product_id))
            .where(
                _map.c.state == "mapped",
                or_(_map.c.pushed_stock.is_(None), _map.c.pushed_stock != _STOCK_NOW),
            )
        )
        return SyncCounts(
            outbox=count(select(func.count()).select_from(_out)),
            stock_waiting=stock_waiting,
            to_create=int(by_state.get("create", 0)),
            in_doubt=int(by_state.get("creating", 0)),
            unpaired_local=int(by_state.get("unpaired", 0)),
            unpaired_remote=count(
                select(func.count()).select_from(_remote).where(_remote.c.decision == "")
            ),
            orders_today=count(
                select(func.count()).select_from(_in).where(_in.c.applied_at >= day_start)
            ),
            orders_waiting=count(
                select(func.count())
                .select_from(_in)
                .where(_in.c.state.in_(("pending", "error", "waiting")))
            ),
            errors_today=count(
                select(func.count())
                .select_from(_log)
                .where(and_(_log.c.level == "error", _log.c.at >= day_start))
            ),
            conflicts=count(
                select(func.count()).select_from(_log).where(_log.c.level == "conflict")
            ),
        )
