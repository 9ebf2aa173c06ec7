"""The storefront sync's use cases: set up, test the connection, run a cycle, see the
status, the log and the conflicts, and decide about unpaired products.

Rules:
- Setting up needs MANAGE_SETTINGS (an owner, or the command line). The connection is
  tested with the token first; the token then goes to the keyring (or a 0600 file), never
  the database. The link row holds the URL, the cursor and the staff account the sync acts
  as: ``storefront``, a manager whose random password nobody is ever shown. The sync
  process opens that account's session itself, as whoever holds the database does.
- One cycle at a time per database: a cycle holds a lease row (renewed as it works, 2
  minutes), so a second machine or process skips its cycle; a lease whose holder died on
  this machine is taken over at once, a remote one when it runs out. The cycle that takes
  over a dead one's lease first compares the whole storefront with what the sync believes
  it holds (requests of the dead process may have landed late), as a cycle does once a day.
- A cycle never raises for the storefront's failures: it records them (the log, the last
  cycle's result) and says so; nothing is lost, the next cycle goes on from there.
"""

from __future__ import annotations

import os
import secrets
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pos.domain.errors import (
    NotFound,
    PosError,
    StorefrontError,
    SyncNotSetUp,
    ValidationError,
)
from pos.domain.staff import Permission, Role
from pos.ports.staff import Actor
from pos.ports.sync import LogEntry, StorefrontWiring, SyncCounts, UnpairedProduct
from pos.services import catalog, staff
from pos.services.context import ServiceContext, token_hash
from pos.services.operator import Operator, authorise_operator
from pos.services.settings import get_settings
from pos.sync import docs
from pos.sync.cycle import run_steps
from pos.sync.run import SyncRun

SYNC_USERNAME = "storefront"
LEASE = timedelta(minutes=2)
FIRST_ORDERS_SLACK = timedelta(minutes=10)  # clocks differ: pull a little from before set-up
LOG_KEPT = 20_000
RECONCILE_EVERY = timedelta(days=1)  # a full comparison with the storefront


class LeaseLost(PosError):
    def __init__(self) -> None:
        super().__init__("Another machine took over the storefront sync; this cycle stopped.")


@dataclass(frozen=True, slots=True)
class CycleReport:
    ran: bool  # False: another cycle held the lease
    ok: bool
    message: str
    summary: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    linked: bool
    base_url: str = ""
    interval_seconds: int = 60
    mapped: bool = False
    last_cycle_at: datetime | None = None
    last_ok: bool | None = None
    last_error: str = ""
    last_summary: dict[str, Any] = field(default_factory=dict)
    running: bool = False
    counts: SyncCounts | None = None

    @property
    def connected(self) -> bool:
        """Linked, and the last cycle went through."""
        return self.linked and self.last_ok is True


def _wiring(ctx: ServiceContext) -> StorefrontWiring:
    if ctx.storefront is None:
        raise PosError("This installation has no storefront client.")
    return ctx.storefront


def _check_url(url: str) -> str:
    text = (url or "").strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("storefront address", "must start with https:// (or http://)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError("storefront address", "must be the shop's address only")
    if len(text) > 500:
        raise ValidationError("storefront address", "is longer than 500 characters")
    return text


def _check_token(token: str) -> str:
    text = (token or "").strip()
    if not text:
        raise ValidationError("API token", "is required")
    if len(text) > 4096 or any(c.isspace() or not c.isprintable() for c in text):
        raise ValidationError("API token", "must be one line of printable characters")
    return text


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


# -------------------------------------------------------------------------- set-up


def test_connection(
    ctx: ServiceContext, base_url: str | None = None, token: str | None = None
) -> str:
    """One sentence: whether the storefront answers with this address and token (the
    stored ones by default). Refusals and outages raise, in one sentence."""
    wiring = _wiring(ctx)
    if base_url is None or token is None:
        url, stored = _stored(ctx)
        base_url, token = base_url or url, token or stored
    api = wiring.connect(_check_url(base_url), _check_token(token))
    try:
        page = api.list_products(0, 1)
        api.list_orders(None, 0, 1)
    finally:
        api.close()
    count = f"{page.total:,} products" if page.total is not None else "its products"
    return f"Connected to {base_url}: it lists {count}."


def setup_link(
    ctx: ServiceContext,
    operator: Operator,
    base_url: str,
    token: str,
    *,
    orders_since: datetime | None = None,
    interval_seconds: int = 60,
) -> SyncStatus:
    """Link this shop to its storefront (or change the address, token or schedule)."""
    who = authorise_operator(ctx, operator, (Permission.MANAGE_SETTINGS, "Setting up the sync"))
    url, secret = _check_url(base_url), _check_token(token)
    if isinstance(interval_seconds, bool) or not isinstance(interval_seconds, int):
        raise ValidationError("interval", "must be a whole number of seconds")
    if not 15 <= interval_seconds <= 86_400:
        raise ValidationError("interval", "must be from 15 seconds to a day")
    wiring = _wiring(ctx)
    test_connection(ctx, url, secret)
    with ctx.read() as uow:
        link = uow.sync.link()
    if link is not None and link.base_url != url:
        raise ValidationError(
            "storefront address", f"this shop is linked to {link.base_url}; unlink it first"
        )
    where = wiring.tokens.save(url, secret)
    user_id = _sync_account(ctx, operator)
    since = orders_since or (ctx.clock() - FIRST_ORDERS_SLACK)
    with ctx.uow() as uow:
        uow.sync.save_link(url, user_id, _iso(since), interval_seconds, ctx.clock())
        uow.sync.log(
            "info", "setup", f"Linked to {url}; the token is kept in {where}.", {}, ctx.clock()
        )
        uow.audit.record(
            "sync_setup", who.user_id, detail={"url": url, "token_in": where, **who.detail}
        )
        uow.commit()
    return sync_status(ctx)


def forget_link(ctx: ServiceContext, operator: Operator) -> None:
    """Unlink: the token is forgotten and the sync's tables emptied (orders stay)."""
    who = authorise_operator(ctx, operator, (Permission.MANAGE_SETTINGS, "Unlinking the sync"))
    with ctx.read() as uow:
        link = uow.sync.link()
    if link is None:
        return
    _wiring(ctx).tokens.forget(link.base_url)
    with ctx.uow() as uow:
        uow.sync.drop_link()
        uow.audit.record("sync_unlink", who.user_id, detail={"url": link.base_url, **who.detail})
        uow.commit()


def _sync_account(ctx: ServiceContext, operator: Operator) -> int:
    with ctx.read() as uow:
        found = uow.staff.by_username(SYNC_USERNAME)
    if found is not None:
        return found.id
    view = staff.create_user(
        ctx,
        operator,
        SYNC_USERNAME,
        Role.MANAGER,
        secrets.token_urlsafe(24),
        full_name="Storefront sync",
    )
    return view.id


def _stored(ctx: ServiceContext) -> tuple[str, str]:
    with ctx.read() as uow:
        link = uow.sync.link()
    if link is None:
        raise SyncNotSetUp()
    token = _wiring(ctx).tokens.load(link.base_url)
    if not token:
        raise PosError(f"No API token is kept for {link.base_url}; set the sync up again.")
    return link.base_url, token


def sync_actor(ctx: ServiceContext) -> Actor:
    """A session of the sync's staff account, opened by the process that holds the
    database (end it with :func:`pos.services.staff.sign_out`)."""
    with ctx.uow() as uow:
        link = uow.sync.link()
        rec = uow.staff.get(link.user_id) if link and link.user_id else None
        if rec is None or not rec.active:
            raise PosError(
                f"The staff account {SYNC_USERNAME} the sync acts as is missing or "
                "deactivated; reactivate it or set the sync up again."
            )
        token = secrets.token_urlsafe(32)
        uow.staff.open_session(rec.id, token_hash(token), ctx.clock())
        uow.commit()
    return Actor(rec.id, rec.username, rec.role, rec.full_name, token)


# --------------------------------------------------------------------------- cycles


def _holder() -> str:
    return f"{socket.gethostname()[:60]}|{os.getpid()}|{uuid.uuid4().hex[:8]}"


def _dead_here(holder: str | None) -> str | None:
    """``holder`` when it is a process of this machine that no longer runs."""
    if not holder:
        return None
    host, _, rest = holder.partition("|")
    pid_text = rest.partition("|")[0]
    if host != socket.gethostname()[:60] or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return holder
    except PermissionError:
        return None
    return None


def run_cycle(ctx: ServiceContext, operator: Operator | None = None) -> CycleReport:
    """One cycle (pull, apply, send, stock). ``operator``: who asked ("sync now" needs
    MANAGE_ORDERS); None for the schedule and the command line."""
    if operator is not None:
        authorise_operator(ctx, operator, (Permission.MANAGE_ORDERS, "Running the sync"))
    url, token = _stored(ctx)
    with ctx.read() as uow:
        link = uow.sync.link()
        current, _ = uow.sync.lease_holder()
    assert link is not None
    holder = _holder()
    state = {"renewed": ctx.clock()}
    with ctx.uow() as uow:
        now = ctx.clock()
        got = uow.sync.take_lease(holder, now + LEASE, now, _dead_here(current))
        uow.commit()
    if not got:
        return CycleReport(False, True, "Another sync cycle is running; this one was skipped.")

    def keep() -> None:
        now = ctx.clock()
        if now - state["renewed"] < LEASE / 4:
            return
        with ctx.uow() as uow:
            held = uow.sync.take_lease(holder, now + LEASE, now)
            uow.commit()
        if not held:
            raise LeaseLost()
        state["renewed"] = now

    ok, error = True, ""
    run: SyncRun | None = None
    actor: Actor | None = None
    try:
        actor = sync_actor(ctx)
        money = get_settings(ctx).money
        run = SyncRun(ctx, _wiring(ctx).connect(url, token), actor, money, keep)
        try:
            # A cycle that died left its lease: its last requests may still have landed
            # after anything sent since, so compare everything with the storefront first.
            stale = link.mapped_at is not None and ctx.clock() - link.mapped_at > RECONCILE_EVERY
            run_steps(run, link.mapped_at is not None, current is not None or stale)
        finally:
            run.api.close()
    except LeaseLost as exc:
        ok, error = False, str(exc)
    except (StorefrontError, PosError) as exc:
        ok, error = False, str(exc)
        with ctx.uow() as uow:
            uow.sync.log("error", "cycle", error, {}, ctx.clock())
            uow.commit()
    finally:
        summary = dict(run.summary) if run is not None else {}
        with ctx.uow() as uow:
            uow.sync.finish_cycle(ok, summary, error, ctx.clock())
            uow.sync.prune_log(LOG_KEPT)
            uow.sync.release_lease(holder)
            uow.commit()
        if actor is not None:
            staff.sign_out(ctx, actor)
    return CycleReport(True, ok, error or _describe(summary), summary)


def _describe(summary: dict[str, int]) -> str:
    parts = [
        f"{summary[k]} {label}"
        for k, label in (
            ("orders_created", "online orders imported"),
            ("orders_applied", "order changes applied"),
            ("products_created", "products created online"),
            ("products_updated", "products updated online"),
            ("stock_pushed", "stock levels sent"),
            ("order_statuses_sent", "order statuses sent"),
            ("conflicts", "conflicts logged"),
            ("errors", "errors"),
        )
        if summary.get(k)
    ]
    return "Synced: " + (", ".join(parts) if parts else "nothing new") + "."


# ------------------------------------------------------------------- status and log


def _day_start(now: datetime) -> datetime:
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def sync_status(ctx: ServiceContext) -> SyncStatus:
    with ctx.read() as uow:
        link = uow.sync.link()
        if link is None:
            return SyncStatus(False)
        holder, until = uow.sync.lease_holder()
        counts = uow.sync.counts(_day_start(ctx.clock()))
    running = holder is not None and until is not None and until > ctx.clock()
    return SyncStatus(
        True,
        link.base_url,
        link.interval_seconds,
        link.mapped_at is not None,
        link.last_cycle_at,
        link.last_cycle_ok,
        link.last_error,
        link.last_summary,
        running,
        counts,
    )


def sync_log(
    ctx: ServiceContext, limit: int = 100, levels: tuple[str, ...] | None = None
) -> list[LogEntry]:
    """The newest entries first; ``levels`` e.g. ("conflict",) or ("error", "conflict")."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 10_000:
        raise ValidationError("limit", "must be a whole number from 1 to 10,000")
    with ctx.read() as uow:
        return uow.sync.entries(limit, levels)


# ------------------------------------------------------------------ unpaired products


def unpaired_products(ctx: ServiceContext, side: str, limit: int = 1000) -> list[UnpairedProduct]:
    if side not in ("local", "remote"):
        raise ValidationError("side", "must be local or remote")
    with ctx.read() as uow:
        return uow.sync.unpaired(side, limit)


def decide_local(
    ctx: ServiceContext, operator: Operator, decision: str, product_ids: list[int] | None = None
) -> int:
    """Unpaired local products (all of them when ``product_ids`` is None): "create" them
    online with the next cycle, or "ignore" them. How many were decided."""
    if decision not in ("create", "ignore"):
        raise ValidationError("decision", "must be create or ignore")
    authorise_operator(ctx, operator, (Permission.MANAGE_CATALOG, "Pairing products"))
    with ctx.uow() as uow:
        ids = product_ids
        if ids is None:
            ids = [int(u.key) for u in uow.sync.unpaired("local", 10_000_000)]
        state = "create" if decision == "create" else "ignored"
        n = uow.sync.set_state(ids, state, ("unpaired",))
        uow.commit()
    return n


def decide_remote(
    ctx: ServiceContext, operator: Operator, decision: str, remote_ids: list[str] | None = None
) -> tuple[int, list[str]]:
    """Unpaired storefront products: "import" them as local products (opening stock as
    online) or "ignore" them. (How many were decided, one sentence per failure.)"""
    if decision not in ("import", "ignore"):
        raise ValidationError("decision", "must be import or ignore")
    authorise_operator(ctx, operator, (Permission.MANAGE_CATALOG, "Pairing products"))
    if remote_ids is None:
        remote_ids = [u.key for u in unpaired_products(ctx, "remote", 1_000_000)]
    if decision == "ignore":
        with ctx.uow() as uow:
            uow.sync.decide_remote(remote_ids, "ignore")
            uow.commit()
        return len(remote_ids), []
    actor = sync_actor(ctx)
    money = get_settings(ctx).money
    done, failures = 0, []
    try:
        for rid in remote_ids:
            try:
                _import_remote(ctx, actor, money, rid)
                done += 1
            except PosError as exc:
                failures.append(f"{rid}: {exc}")
    finally:
        staff.sign_out(ctx, actor)
    return done, failures


def _import_remote(ctx: ServiceContext, actor: Actor, money: Any, rid: str) -> None:
    with ctx.read() as uow:
        item = uow.sync.remote_doc(rid)
    if item is None:
        raise NotFound(f"No unpaired storefront product {rid} is known.")
    doc = docs.remote_doc(item, money)
    stock = max(0, docs.remote_stock(item) or 0)
    category = doc["category"].strip()
    if category:
        catalog.create_category(ctx, actor, category)
    attributes = {
        k: v for k, v in doc["attributes"].items() if isinstance(v, str | int | bool) or v is None
    }
    view = catalog.create_product(
        ctx,
        actor,
        sku=doc["sku"] or rid,
        name=doc["name"] or doc["sku"] or rid,
        description=doc["description"],
        brand=doc["brand"],
        price=doc["price"] or "0",
        category_path=category or None,
        images=doc["images"],
        attributes=attributes,
        active=doc["isActive"],
        on_hand=stock,
    )
    with ctx.uow() as uow:
        uow.sync.record_pushed([(view.id, rid, doc, stock, docs.fingerprint(doc))])
        uow.sync.forget_remote([rid])
        uow.commit()
