"""The hash-chained journal: appending entries, anchoring heads outside the database,
exporting it for an auditor; verifying it is :mod:`pos.services.journal_verify`.

Rules (the chain's in :mod:`pos.domain.journal`, the books' in
:mod:`pos.domain.journal_books`):
- An entry is appended in the caller's transaction, under the register's row lock; every
  payload is stamped with the register's code and its grand total after the entry (a sale
  adds its total; nothing else changes it).
- Heads are anchored in the head log (``ctx.head_log``) after each Z close and on
  ``pos journal anchor``, after the commit: a file is never written inside a transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pos.domain.errors import PosError
from pos.domain.journal import (
    GENESIS,
    SCHEME,
    SCHEME_RULES,
    StoredRow,
    anchor_line,
    anchor_token,
    canonical,
    clean_text,
    parse_timestamp,
    row_hash,
    timestamp_text,
    whole,
)
from pos.domain.money import Currency
from pos.domain.sale import NewOrder, OrderKind, journal_payload
from pos.ports.journal import JournalHead, JournalMark, NewJournalRow
from pos.services.context import ServiceContext
from pos.services.journal_verify import head_log_anchors, verify_journal

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

__all__ = [
    "Anchored",
    "anchor_heads",
    "anchor_marks",
    "append_entry",
    "export_journal",
    "head_log_anchors",
    "journal_order",
    "verify_journal",
]

log = logging.getLogger(__name__)


# --- appending -----------------------------------------------------------------------------


def append_entry(
    uow: UnitOfWork,
    register_id: int,
    kind: str,
    order_id: int | None,
    payload: Mapping[str, Any],
    *,
    at: datetime,
    cur: Currency,
    grand_total_add: int = 0,
) -> JournalMark:
    """Add a journal row in the caller's transaction; returns where it went and its hash."""
    head = uow.journal.advance(register_id, grand_total_add)
    return write_entry(uow, register_id, head, kind, order_id, payload, at=at, cur=cur)


def write_entry(
    uow: UnitOfWork,
    register_id: int,
    head: JournalHead,
    kind: str,
    order_id: int | None,
    payload: Mapping[str, Any],
    *,
    at: datetime,
    cur: Currency,
) -> JournalMark:
    """Write the entry a register was just advanced to (``head``, under its row lock)."""
    text = canonical(
        {
            **payload,
            "register": head.register,
            "grand_total": str(cur.from_minor(head.grand_total_minor)),
        }
    )
    digest = row_hash(head.register, head.seq, kind, order_id, at, text, head.prev_hash)
    uow.journal.insert(
        NewJournalRow(
            register_id, head.seq, kind, order_id, at, text, head.prev_hash, digest, SCHEME
        )
    )
    return JournalMark(head.register, head.seq, digest)


def journal_order(
    uow: UnitOfWork,
    order: NewOrder,
    order_id: int,
    cashier: str,
    cur: Currency,
    head: JournalHead | None = None,
) -> JournalMark:
    """The entry of a till sale, refund or void (a sale adds its total to the register's
    grand total). ``head``: the register was advanced already (the checkout moves its
    receipt number, journal sequence and grand total in one statement)."""
    assert order.register_id is not None
    if head is not None:
        payload = journal_payload(order, order_id, cashier, cur)
        return write_entry(
            uow, order.register_id, head, order.kind.value, order_id, payload, at=order.at, cur=cur
        )
    return append_entry(
        uow,
        order.register_id,
        order.kind.value,
        order_id,
        journal_payload(order, order_id, cashier, cur),
        at=order.at,
        cur=cur,
        grand_total_add=order.total_minor if order.kind == OrderKind.SALE else 0,
    )


# --- anchoring -----------------------------------------------------------------------------


def anchor_marks(ctx: ServiceContext, marks: Sequence[JournalMark], reason: str) -> bool:
    """Append heads to the head log (flushed to disk). After a commit: a failure is logged
    and recorded in the audit log, never undoes what was committed. False if not written."""
    if ctx.head_log is None or not marks:
        return False
    now = ctx.clock()
    try:
        ctx.head_log.append([anchor_line(m.register, m.seq, m.hash, now, reason) for m in marks])
    except OSError as exc:
        log.error("journal heads not anchored in %s: %s", ctx.head_log.where, exc)
        with ctx.uow() as uow:
            uow.audit.record(
                "journal_anchor_failed",
                None,
                detail={"where": ctx.head_log.where, "error": str(exc), "reason": reason},
            )
            uow.commit()
        return False
    return True


@dataclass(frozen=True, slots=True)
class Anchored:
    where: str
    heads: tuple[JournalMark, ...]


def anchor_heads(ctx: ServiceContext, reason: str = "pos journal anchor") -> Anchored:
    """Record every register's current head in the head log."""
    if ctx.head_log is None:
        raise PosError(
            "No head log is configured for this database: set POS_JOURNAL_ANCHOR to a file."
        )
    with ctx.read() as uow:
        marks = tuple(
            JournalMark(h.register, seq, h.hash)
            for h in uow.journal.heads()
            if (seq := whole(h.seq)) and isinstance(h.hash, str)
        )
    if marks:
        now = ctx.clock()
        try:
            ctx.head_log.append(
                [anchor_line(m.register, m.seq, m.hash, now, reason) for m in marks]
            )
        except OSError as exc:
            raise PosError(
                f"The head log {ctx.head_log.where} cannot be written ({exc.strerror or exc})."
            ) from None
    return Anchored(ctx.head_log.where, marks)


# --- exporting -----------------------------------------------------------------------------


def _plain(value: object) -> object:
    """A stored value as JSON can hold it: text and whole numbers as they are; anything
    else as a literal the checker will not mistake for the original."""
    if value is None or whole(value) is not None:
        return value
    text = clean_text(value)
    if text is not None:
        return text
    if isinstance(value, str):
        value = value.encode("utf-8", "surrogateescape")
    if isinstance(value, bytes):
        return f"x'{value.hex()}'"
    return repr(value)


def _export_row(register: str, row: StoredRow) -> dict[str, Any]:
    at = parse_timestamp(row.created_at)
    return {
        "type": "row",
        "register": register,
        "id": row.id,
        "seq": _plain(row.seq),
        "kind": _plain(row.kind),
        "order_id": _plain(row.order_id),
        "created_at": timestamp_text(at) if at is not None else _plain(row.created_at),
        "payload": _plain(row.payload),
        "prev_hash": _plain(row.prev_hash),
        "hash": _plain(row.hash),
        "scheme": _plain(row.scheme),
    }


def export_journal(ctx: ServiceContext) -> Iterator[str]:
    """The whole journal as JSON lines: a header with the hashing rules, then each
    register's rows in sequence order followed by its recorded head."""

    def line(item: Mapping[str, Any]) -> str:
        return json.dumps(item, ensure_ascii=False, separators=(",", ":"))

    with ctx.read() as uow:
        yield line(
            {
                "type": "journal",
                "format": 1,
                "exported_at": timestamp_text(ctx.clock()),
                "genesis": GENESIS,
                "schemes": {str(k): v for k, v in SCHEME_RULES.items()},
            }
        )
        for head in uow.journal.heads():
            for row in uow.journal.stored_rows(head.register_id):
                yield line(_export_row(head.register, row))
            yield line(
                {
                    "type": "head",
                    "register": head.register,
                    "seq": _plain(head.seq),
                    "hash": _plain(head.hash),
                    "grand_total_minor": _plain(head.grand_total),
                    "anchor": anchor_token(head.register, whole(head.seq) or 0, str(head.hash)),
                }
            )
