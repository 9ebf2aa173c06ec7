"""Tables behind "often bought together" (``pos.services.recommend``).

They hold counts folded in from orders, never facts of their own: a full rebuild
(``refresh_recommendations(ctx, full=True)``) recreates them from ``orders`` and
``order_lines`` alone. ``db.models`` imports this module at its end, so these tables are
part of ``Base.metadata`` wherever the schema is.

No foreign keys to ``products``: products are never deleted, the bulk upserts skip a
lookup per row, and on PostgreSQL a repeatable-read refresh never takes key-share locks
on product rows that the tills keep updating (on hand). Reads join ``products`` anyway.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, BigId
from db.types import UTCDateTime


class RecommendPair(Base):
    """How many counted baskets held both products; one row per unordered pair
    (``product_a < product_b``)."""

    __tablename__ = "recommend_pairs"
    __table_args__ = (
        CheckConstraint("product_a < product_b", name="ordered"),
        # A product's partners, strongest first, from either side of the pair.
        Index("ix_recommend_pairs_a_count", "product_a", "order_count"),
        Index("ix_recommend_pairs_b_count", "product_b", "order_count"),
        {"sqlite_with_rowid": False},  # clustered on the key; the indexes then cover
    )
    product_a: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    product_b: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    order_count: Mapped[int] = mapped_column(BigInteger)


class RecommendProduct(Base):
    """Per product: the counted baskets holding it (``order_count``: popularity) and,
    of those, the ones small enough to feed pairs (``pair_order_count``: the denominator
    of confidence and lift)."""

    __tablename__ = "recommend_products"
    __table_args__ = (
        Index("ix_recommend_products_order_count", "order_count", "product_id"),
        {"sqlite_with_rowid": False},
    )
    product_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    order_count: Mapped[int] = mapped_column(BigInteger)
    pair_order_count: Mapped[int] = mapped_column(BigInteger)


class RecommendState(Base):
    """The one row (``id = 1``) saying what the counts hold: every order with
    ``id <= last_order_id`` is folded in (but those waiting in ``recommend_pending``)."""

    __tablename__ = "recommend_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_order_id: Mapped[int] = mapped_column(BigInteger)
    orders_counted: Mapped[int] = mapped_column(BigInteger)
    pair_orders_counted: Mapped[int] = mapped_column(BigInteger)
    max_basket: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RecommendPending(Base):
    """Orders at or below the watermark that are not folded in yet: online and phone
    orders still waiting for payment, and ids not visible when the watermark passed
    them (a PostgreSQL transaction that had not committed yet). No foreign key: such an
    id may never become an order (a rolled-back insert)."""

    __tablename__ = "recommend_pending"
    order_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
