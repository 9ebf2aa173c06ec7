"""Tables of the storefront sync (``pos.sync``, ``pos.services.sync``).

No foreign key to ``products``: products are never deleted, and on PostgreSQL a sync
transaction never takes key-share locks on the product rows the tills keep updating
(the recommendation tables do the same). ``db.models`` imports this module at its end,
so these tables are part of ``Base.metadata`` wherever the schema is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, BigId, _now_col
from db.types import UTCDateTime


class SyncLink(Base):
    """The one storefront this shop is linked to (row id 1), its cursor and the lease
    that lets one machine at a time run a cycle. The API token is never here."""

    __tablename__ = "sync_link"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    base_url: Mapped[str] = mapped_column(String(500))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    orders_cursor: Mapped[str] = mapped_column(String(40), default="", server_default="")
    mapped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    interval_seconds: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    last_cycle_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_cycle_ok: Mapped[bool | None] = mapped_column(Boolean)
    last_summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_error: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    lease_holder: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = _now_col()


class SyncProduct(Base):
    """A local product's place online: ``state`` is unpaired (found at the first
    pairing, waiting for the owner), create (to be created online), creating (a create
    was sent and its answer may be lost), mapped, or ignored. ``pushed`` holds the
    fields as last sent (or as found online), ``pushed_stock`` the stock last sent."""

    __tablename__ = "sync_products"
    __table_args__ = (Index("ix_sync_products_state", "state", "product_id"),)
    product_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    remote_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(12))
    fingerprint: Mapped[str | None] = mapped_column(String(16))
    pushed: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    pushed_stock: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    updated_at: Mapped[datetime] = _now_col()


class SyncRemoteProduct(Base):
    """A storefront product no local SKU matched: the owner imports or ignores it."""

    __tablename__ = "sync_remote_products"
    remote_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(300), default="")
    price_minor: Mapped[int | None] = mapped_column(BigInteger)
    doc: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decision: Mapped[str] = mapped_column(String(8), default="", server_default="")


class SyncOutbox(Base):
    """Local changes that must go out, written in the transaction of the change:
    ``product`` rows name a product whose online fields may have changed; ``order`` rows
    a status set in the back office (``status``, and the tracking number in ``note``)."""

    __tablename__ = "sync_outbox"
    __table_args__ = (Index("ix_sync_outbox_topic_id", "topic", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    topic: Mapped[str] = mapped_column(String(8))
    key: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="", server_default="")
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_at: Mapped[datetime] = _now_col()


class SyncOrder(Base):
    """An online order as last pulled (the inbox): applied exactly once, keyed by the
    storefront's id; ``state`` is pending, applied, waiting (not paid yet), skipped or
    error."""

    __tablename__ = "sync_orders"
    __table_args__ = (
        Index("ix_sync_orders_state", "state", "remote_updated"),
        Index("ix_sync_orders_applied_at", "applied_at"),
    )
    remote_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    remote_updated: Mapped[str] = mapped_column(String(40))
    doc: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(12), default="pending")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    remote_status: Mapped[str] = mapped_column(String(16), default="", server_default="")
    error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    received_at: Mapped[datetime] = _now_col()
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SyncLogEntry(Base):
    """What the sync did: cycles, refusals with the storefront's answer, conflicts (a
    field the shop owns changed online: the storefront's value is kept here)."""

    __tablename__ = "sync_log"
    __table_args__ = (Index("ix_sync_log_level_id", "level", "id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = _now_col()
    level: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(String(1000))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
