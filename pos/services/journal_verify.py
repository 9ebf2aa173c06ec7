"""Verifying the journal: each register's chain, its anchors, and its books against its
entries (rules in :mod:`pos.domain.journal` and :mod:`pos.domain.journal_books`).

Each register's rows are streamed in chunks of :data:`CHUNK`; the orders (with their lines
and payments) and the cash movements a chunk's entries name are fetched with it, and each
Z close's shift figures are recomputed from the books. Then the till orders, cash movements
and closed shifts that have no entry, and the register's grand total. Nothing read is
trusted and nothing read makes it raise: a value of any type is a named problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any

from pos.domain.journal import (
    LISTED,
    MOVEMENT_KINDS,
    ORDER_KINDS,
    Z_CLOSE,
    Anchor,
    ChainCheck,
    Entry,
    HashAnchors,
    JournalCheck,
    VerifyResult,
    label,
    read_anchor_lines,
    show,
    whole,
)
from pos.domain.journal_books import (
    RunningTotal,
    StoredOrder,
    Unreadable,
    entry_difference,
    first_difference,
    movement_record,
    order_record,
    order_ref,
    z_close_payload,
)
from pos.domain.money import Currency
from pos.domain.sale import receipt_ref
from pos.ports.journal import StoredHead, UnjournaledOrder
from pos.ports.shifts import ShiftFigures
from pos.services.context import ServiceContext
from pos.services.settings import read_settings

if TYPE_CHECKING:
    from pos.ports.uow import UnitOfWork

CHUNK = 500  # rows read, and their books fetched, at a time
MOVEMENTS_FROM = "journal_cash_movements_from"  # set by migration 0004


def head_log_anchors(ctx: ServiceContext) -> tuple[list[Anchor], list[str]]:
    """The anchors of the configured head log (none when there is no log yet; a log that
    cannot be read is a problem of its own)."""
    if ctx.head_log is None:
        return [], []
    try:
        lines = ctx.head_log.read()
    except OSError as exc:
        return [], [f"the head log {ctx.head_log.where} cannot be read ({exc.strerror or exc})"]
    if lines is None:
        return [], []
    return read_anchor_lines(lines, ctx.head_log.where)


@dataclass
class _Differences:
    """A register's differences between journal and books: the first few listed."""

    register: str
    listed: list[str] = field(default_factory=list)
    more: int = 0
    first_order: tuple[int, str] | None = None  # (receipt number, receipt)

    def add(self, sentence: str) -> None:
        if len(self.listed) < LISTED:
            self.listed.append(sentence)
        else:
            self.more += 1

    def order(self, receipt_no: object, ref: str, sentence: str) -> None:
        self.add(sentence)
        key = (n if (n := whole(receipt_no)) is not None else 2**63, ref)
        if self.first_order is None or key < self.first_order:
            self.first_order = key

    def all(self) -> list[str]:
        tail = [f"… and {self.more} more differences on {self.register}"] if self.more else []
        return self.listed + tail


class _BooksCheck:
    """One register's entries against its books, chunk by chunk."""

    def __init__(self, uow: UnitOfWork, head: StoredHead, cur: Currency) -> None:
        self.uow = uow
        self.register = head.register
        self.cur = cur
        self.total = RunningTotal(head.register, cur)
        self.diffs = _Differences(head.register)
        self.orders = 0
        self.closes = 0
        self.movements: set[int] = set()
        self.shifts: set[int] = set()  # the shifts of the Z closes seen
        self.closed = {s.shift_id: s.z_no for s in uow.journal.closed_shifts(head.register_id)}

    def chunk(self, read: Sequence[Entry | None]) -> None:
        """The rows of a chunk as read (``None``: a row that could not be read)."""
        entries = []
        for e in read:
            if e is None:
                self.total.lose_track()  # an unreadable sale would have moved it
                continue
            entries.append(e)
            self.total.feed(e)
            if e.kind not in ORDER_KINDS and e.order_id is not None:
                self.diffs.add(f"{self._name(e)}: a {e.kind} entry names order {e.order_id}")
        orders = [e for e in entries if e.kind in ORDER_KINDS]
        books = self.uow.journal.stored_orders(
            [i for e in orders if (i := whole(e.payload.get("order_id"))) is not None]
        )
        for e in orders:
            self._order(e, books)
        moves = [e for e in entries if e.kind in MOVEMENT_KINDS]
        stored = self.uow.journal.stored_movements(
            [i for e in moves if (i := whole(e.payload.get("movement_id"))) is not None]
        )
        for e in moves:
            self._movement(e, stored)
        closes = [e for e in entries if e.kind == Z_CLOSE]
        figures = self._figures(
            [i for e in closes if (i := whole(e.payload.get("shift_id"))) in self.closed]
        )
        for e in closes:
            self._z_close(e, figures)

    def _figures(self, shift_ids: list[int]) -> Mapping[int, ShiftFigures]:
        """The shifts' figures recomputed from the books, all at once."""
        if not shift_ids:
            return {}
        try:
            return self.uow.shifts.figures_of(shift_ids)
        except Exception:  # a shift's rows hold anything: each is read alone, and named
            return {}

    def _name(self, e: Entry) -> str:
        return f"journal row seq {e.seq} of {self.register}"

    def _order(self, e: Entry, books: Mapping[int, StoredOrder]) -> None:
        oid = whole(e.payload.get("order_id"))
        if oid is None:
            self.diffs.add(f"{self._name(e)}: its payload names no order")
            return
        stored = books.get(oid)
        ref = order_ref(self.register, stored, e.payload)
        number = stored.receipt_no if stored is not None else e.payload.get("receipt_no")
        where = f"order {ref} (journal entry {e.seq})"
        if e.order_id != oid or e.payload.get("kind") != e.kind:
            self.diffs.order(
                number,
                ref,
                f"{where}: the row's columns (kind {e.kind}, order {e.order_id}) are not its "
                f"payload's (kind {label(e.payload.get('kind'))}, order {oid})",
            )
            return
        if stored is None:
            self.diffs.order(number, ref, f"{where}: order {oid} is not in the books")
            return
        self.orders += 1
        try:
            record = order_record(stored)
        except Unreadable as exc:
            self.diffs.order(number, ref, f"{where}: {exc}")
            return
        if stored.register != self.register:
            found: str | None = f"its register is {label(stored.register)} in the books"
        else:
            found = entry_difference(e, record, frozenset({"grand_total"}))
        if found:
            self.diffs.order(number, ref, f"{where}: {found}")

    def _movement(self, e: Entry, books: Mapping[int, Any]) -> None:
        mid = whole(e.payload.get("movement_id"))
        if mid is None:
            self.diffs.add(f"{self._name(e)}: its payload names no cash movement")
            return
        self.movements.add(mid)
        where = f"cash movement {mid} of {self.register} (journal entry {e.seq})"
        stored = books.get(mid)
        if stored is None:
            self.diffs.add(f"{where}: it is not in the books")
            return
        try:
            record = movement_record(stored, self.cur)
        except Unreadable as exc:
            self.diffs.add(f"{where}: {exc}")
            return
        found = entry_difference(e, record, frozenset({"grand_total"}))
        if found is None and e.payload.get("kind") != e.kind:
            found = f"the row's kind {e.kind} is not its payload's"
        if found:
            self.diffs.add(f"{where}: {found}")

    def _z_close(self, e: Entry, figures: Mapping[int, ShiftFigures]) -> None:
        sid = whole(e.payload.get("shift_id"))
        where = f"Z {label(e.payload.get('z_no'))} of {self.register} (journal entry {e.seq})"
        if sid is None:
            self.diffs.add(f"{where}: its payload names no shift")
            return
        self.shifts.add(sid)
        self.closes += 1
        try:
            found = self._z_difference(e, sid, figures)
        except Exception as exc:  # the figures of a shift whose rows hold anything
            found = f"shift {sid}'s books cannot be read ({type(exc).__name__}: {exc})"
        if found:
            self.diffs.add(f"{where}: {found}")

    def _z_difference(self, e: Entry, sid: int, figures: Mapping[int, ShiftFigures]) -> str | None:
        if sid not in self.closed:
            return f"shift {sid} is not a closed shift of {self.register} in the books"
        f = figures.get(sid) or self.uow.shifts.figures(sid)
        record = z_close_payload(
            f,
            z_no=f.z_no,
            closed_at=f.closed_at,
            closed_by="",
            counted_minor=f.counted_cash_minor,
            cur=self.cur,
        )
        found = entry_difference(e, record, frozenset({"grand_total", "closed_by"}))
        if found:
            return found
        cash = dict(f.tenders).get("cash", 0)
        recomputed = f.float_minor + cash + f.pay_ins_minor - f.pay_outs_minor
        found = first_difference(
            {"expected_cash": e.payload.get("expected_cash")},
            {"expected_cash": str(self.cur.from_minor(recomputed))},
            path=("recomputed from the shift's payments and cash movements:",),
        )
        if found:
            return found
        if f.z_hash != e.hash or (f.z_seq is not None and f.z_seq != e.seq):
            return f"shift {sid} records another journal entry as its Z close"
        return None

    def finish(
        self,
        head: StoredHead,
        unjournaled: Iterable[UnjournaledOrder],
        movements_from: int,
    ) -> None:
        grand = self.total.finish(head.grand_total)
        if grand:
            self.diffs.add(grand)
        for o in unjournaled:
            number = whole(o.receipt_no)
            ref = (
                receipt_ref(self.register, number)
                if number is not None
                else f"order id {o.order_id}"
            )
            self.diffs.order(
                o.receipt_no, ref, f"order {ref} (a {label(o.kind)}) has no journal entry"
            )
        for mid in self.uow.journal.movement_ids(head.register_id, movements_from):
            if mid not in self.movements:
                self.diffs.add(f"cash movement {mid} of {self.register} has no journal entry")
        for sid, z_no in self.closed.items():
            if sid not in self.shifts:
                self.diffs.add(
                    f"shift {sid} of {self.register} (Z {label(z_no)}) is closed in the books "
                    "but has no Z close in the journal"
                )


def _movements_from(settings: Mapping[str, Any]) -> int:
    value = settings.get(MOVEMENTS_FROM, 1)
    return value if type(value) is int else 1


def verify_journal(
    ctx: ServiceContext,
    register_code: str | None = None,
    anchors: Sequence[Anchor] = (),
    *,
    head_log: bool = True,
) -> JournalCheck:
    """Check every register's chain (or one register's), its anchors (``anchors`` and,
    with ``head_log``, the configured head log's) and its books against its entries."""
    anchors = list(anchors)
    problems: list[str] = []
    if head_log:
        logged, bad = head_log_anchors(ctx)
        anchors += logged
        problems += bad
    hashes = HashAnchors()
    for a in anchors:
        if a.register is None:
            hashes.add(a)
    wanted = register_code.strip().upper() if register_code else None
    results = []
    with ctx.read() as uow:
        cur = read_settings(uow.settings).money
        movements_from = _movements_from(uow.settings.all())
        heads = uow.journal.heads()
        unjournaled: dict[str | None, list[UnjournaledOrder]] = {}
        for o in uow.journal.unjournaled_orders(limit=LISTED * 50):
            unjournaled.setdefault(o.register, []).append(o)
        for head in heads:
            if wanted is not None and head.register != wanted:
                continue
            results.append(
                _verify_register(
                    uow,
                    head,
                    anchors,
                    hashes,
                    cur,
                    unjournaled.get(head.register, []),
                    movements_from,
                )
            )
        if wanted is None:
            problems += [
                f"journal row id {r.id} (seq {show(r.seq)}) belongs to no register "
                f"(its register_id is {show(r.register_id)})"
                for r in uow.journal.orphan_rows(LISTED)
            ]
            problems += [
                f"order id {o.order_id} (a {label(o.kind)}) belongs to no register and has "
                "no journal entry"
                for o in unjournaled.get(None, [])
            ]
            problems += hashes.missing()
    codes = {h.register for h in heads}
    problems += [
        f"{a.source}: register {a.register} is not in this database"
        for a in anchors
        if a.register is not None and a.register not in codes
    ]
    return JournalCheck(tuple(results), tuple(problems))


def _verify_register(
    uow: UnitOfWork,
    head: StoredHead,
    anchors: Sequence[Anchor],
    hashes: HashAnchors,
    cur: Currency,
    unjournaled: Sequence[UnjournaledOrder],
    movements_from: int,
) -> VerifyResult:
    chain = ChainCheck(head.register, anchors, hashes)
    books = _BooksCheck(uow, head, cur)
    rows = uow.journal.stored_rows(head.register_id)
    while chunk := list(islice(rows, CHUNK)):
        books.chunk([chain.feed(row) for row in chunk])
    done = chain.finish(head.seq, head.hash)
    books.finish(head, unjournaled, movements_from)
    problems = (*done.problems, *books.diffs.all())
    return VerifyResult(
        register=head.register,
        rows=done.rows,
        ok=not problems,
        first_bad_seq=done.first_bad_seq,
        problem=problems[0] if problems else "",
        last_hash=done.last_hash,
        last_seq=done.last_seq,
        first_bad_order=books.diffs.first_order[1] if books.diffs.first_order else None,
        problems=problems,
        anchors=done.anchors,
        orders=books.orders,
        closes=books.closes,
    )
