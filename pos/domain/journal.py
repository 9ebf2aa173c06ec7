"""The fiscal journal: an append-only, hash-chained record per register.

Rules:
- Every till sale, refund and void, every cash movement (pay-in, pay-out, a no-sale
  opening of the drawer) and every Z close is one row. A register's rows are numbered
  1, 2, 3 ... without gaps (``seq``); corrections are new rows, never edits.
- ``payload`` is canonical JSON (sorted keys, no spaces, money as exact decimal strings)
  holding what the books must match, and the register's grand total after the entry.
- Scheme 2 (every row written now): ``hash = sha256(record)``, where ``record`` is the
  UTF-8 of the compact JSON array ``[scheme, register, seq, kind, order_id, created_at,
  payload, prev_hash]`` (:func:`record_text`; ``created_at`` as
  ``YYYY-MM-DDTHH:MM:SS.ffffffZ``): every column of the row but its storage key ``id``
  and the hash itself. Scheme 1 (rows written before scheme 2 existed, kept as they were):
  ``hash = sha256(prev_hash + payload)``. On a register, scheme 1 never follows scheme 2.
- The first row of a register chains from :data:`GENESIS`; every other row's
  ``prev_hash`` is the hash of the row before it.
- The register keeps its head (last seq and hash); heads are also anchored outside the
  database (a head log beside it, the Z report on paper): :class:`Anchor`.

:class:`ChainCheck` walks one register's rows as stored, trusting nothing (any column may
hold any type of value), and names the first row that breaks a rule, and every anchor the
chain no longer matches. It never names a row that does not exist.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64
SCHEME = 2  # the scheme of every row written now
SCHEMES = (1, 2)
ORDER_KINDS = ("sale", "refund", "void")
MOVEMENT_KINDS = ("pay_in", "pay_out", "drawer_open")
Z_CLOSE = "z_close"
KINDS = (*ORDER_KINDS, *MOVEMENT_KINDS, Z_CLOSE)

SCHEME_RULES = {
    1: "sha256(prev_hash + payload), UTF-8",
    2: (
        "sha256 of the UTF-8 of the compact JSON array [scheme, register, seq, kind, "
        "order_id, created_at, payload, prev_hash] (separators ',' and ':', non-ASCII "
        "characters as they are); created_at as YYYY-MM-DDTHH:MM:SS.ffffffZ"
    ),
}


# --- canonical forms and hashes ------------------------------------------------------------


def _default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not journal-safe")


def canonical(payload: Mapping[str, Any]) -> str:
    """Canonical JSON: sorted keys, compact separators, Decimals and dates as strings."""

    def check(v: Any) -> None:
        if isinstance(v, float):
            raise TypeError("floats are not allowed in the journal; use Decimal or str")
        if isinstance(v, Mapping):
            for x in v.values():
                check(x)
        elif isinstance(v, list | tuple):
            for x in v:
                check(x)

    check(payload)
    return canonical_text(payload)


def canonical_text(payload: Mapping[str, Any]) -> str:
    """:func:`canonical` without looking for floats first (for records whose builders
    never make one)."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def chain_hash(prev_hash: str, payload: str) -> str:
    """Scheme 1: ``sha256(prev_hash + payload)``."""
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def timestamp_text(at: datetime) -> str:
    """``created_at`` as it is hashed: UTC, microseconds, ``Z``."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given; use UTC-aware datetimes")
    u = at.astimezone(UTC)
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T"
        f"{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond:06d}Z"
    )


_STAMP = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:Z|[+]00(?::?00)?| AD)?"
)


def parse_timestamp(value: object) -> datetime | None:
    """A stored ``created_at`` (SQLite's text, PostgreSQL's UTC text, an ISO time ending
    in Z) as an aware UTC datetime; ``None`` for anything else."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not isinstance(value, str):
        return None
    m = _STAMP.fullmatch(value)
    if m is None:
        return None
    y, mo, d, h, mi, s, frac = m.groups()
    try:
        return datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s), int((frac or "0").ljust(6, "0")), UTC
        )
    except ValueError:
        return None


def record_text(
    scheme: int,
    register: str,
    seq: int,
    kind: str,
    order_id: int | None,
    created_at: str,
    payload: str,
    prev_hash: str,
) -> str:
    """What scheme 2 hashes: every column of the row, in this order, as a compact JSON
    array (``created_at`` as :func:`timestamp_text` gives it)."""
    return json.dumps(
        [scheme, register, seq, kind, order_id, created_at, payload, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def row_hash(
    register: str,
    seq: int,
    kind: str,
    order_id: int | None,
    created_at: datetime,
    payload: str,
    prev_hash: str,
) -> str:
    """The hash of a row written now (scheme 2)."""
    text = record_text(
        SCHEME, register, seq, kind, order_id, timestamp_text(created_at), payload, prev_hash
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- rows as stored ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredRow:
    """A journal row exactly as read from the database, before anything is trusted: apart
    from the storage key ``id``, any column may hold a value of any type (a BLOB, a float,
    NULL, text that is not UTF-8 carries lone surrogates)."""

    id: int
    seq: object
    kind: object
    order_id: object
    created_at: object
    payload: object
    prev_hash: object
    hash: object
    scheme: object


@dataclass(frozen=True, slots=True)
class Entry:
    """A row whose every column could be read."""

    seq: int
    kind: str
    order_id: int | None
    created_at: datetime
    payload: dict[str, Any]
    payload_text: str
    prev_hash: str
    hash: str
    scheme: int


_HEX64 = re.compile(r"[0-9a-f]{64}")


def whole(value: object) -> int | None:
    """``value`` if it is a whole number (not a bool, not a float), else ``None``."""
    return value if type(value) is int else None


def clean_text(value: object) -> str | None:
    """``value`` if it is text that UTF-8 can hold, else ``None``."""
    if not isinstance(value, str):
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return value


def show(value: object, limit: int = 40) -> str:
    """A short, printable account of a stored value, for a problem's sentence."""
    if isinstance(value, bytes):
        return f"a BLOB of {len(value)} bytes"
    try:
        text = repr(value)
    except RecursionError:
        return "a value nested too deep to show"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def label(value: object) -> str:
    """Text as it is; anything else as :func:`show` gives it."""
    text = clean_text(value)
    return show(value) if text is None else text


def row_name(register: str, row: StoredRow) -> str:
    seq = whole(row.seq)
    if seq is not None and seq > 0:
        return f"journal row seq {seq} of {register}"
    return f"journal row id {row.id} of {register} (seq {show(row.seq)})"


def _text_problem(column: str, value: object) -> str:
    if value is None:
        return f"{column} is empty (NULL)"
    if isinstance(value, bytes):
        return f"{column} is a BLOB, not text"
    if isinstance(value, str):
        return f"{column} is not valid UTF-8 text"
    return f"{column} is {show(value)}, not text"


def read_row(row: StoredRow) -> tuple[Entry | None, str]:
    """The row's columns, checked one by one: (entry, "") or (None, the first problem)."""
    seq = whole(row.seq)
    if seq is None or seq < 1:
        return None, f"seq is {show(row.seq)}, not a sequence number"
    scheme = whole(row.scheme)
    if scheme not in SCHEMES:
        return None, f"scheme is {show(row.scheme)}, not one of {', '.join(map(str, SCHEMES))}"
    kind = clean_text(row.kind)
    if kind is None:
        return None, _text_problem("kind", row.kind)
    if kind not in KINDS:
        return None, f"kind is {show(kind)}, not one of {', '.join(KINDS)}"
    order_id = whole(row.order_id)
    if row.order_id is not None and (order_id is None or order_id < 1):
        return None, f"order_id is {show(row.order_id)}, not an order's id"
    created_at = parse_timestamp(row.created_at)
    if created_at is None:
        return None, f"created_at is {show(row.created_at)}, not a date"
    for column, value in (("prev_hash", row.prev_hash), ("hash", row.hash)):
        if not isinstance(value, str) or not _HEX64.fullmatch(value):
            return None, f"{column} is {show(value)}, not a SHA-256 hex digest"
    text = clean_text(row.payload)
    if text is None:
        return None, _text_problem("payload", row.payload)
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to read
        return None, "payload is not JSON"
    if not isinstance(payload, dict):
        return None, "payload is not a JSON object"
    assert isinstance(row.prev_hash, str) and isinstance(row.hash, str)
    return (
        Entry(seq, kind, order_id, created_at, payload, text, row.prev_hash, row.hash, scheme),
        "",
    )


def computed_hash(register: str, e: Entry) -> str:
    """What the entry's hash must be, by its scheme's rule."""
    if e.scheme == 1:
        return chain_hash(e.prev_hash, e.payload_text)
    text = record_text(
        e.scheme,
        register,
        e.seq,
        e.kind,
        e.order_id,
        timestamp_text(e.created_at),
        e.payload_text,
        e.prev_hash,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- anchors -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Anchor:
    """A journal head recorded outside the database: (register, seq, hash), or a bare hash
    copied from a Z report. ``source`` says where it came from, for the sentences."""

    hash: str
    register: str | None = None
    seq: int | None = None
    at: str = ""
    source: str = ""


def anchor_line(register: str, seq: int, digest: str, at: datetime, reason: str) -> str:
    """One line of a head log (JSON, no newline)."""
    return json.dumps(
        {
            "register": register,
            "seq": seq,
            "hash": digest,
            "at": timestamp_text(at),
            "reason": reason,
        },
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def anchor_token(register: str, seq: int, digest: str) -> str:
    """The head as printed on a Z report and accepted by ``verify --anchor``."""
    return f"{register}:{seq}:{digest}"


def parse_anchor(text: str, source: str) -> Anchor | None:
    """``REGISTER:SEQ:HASH`` or a bare ``HASH`` (64 hex digits); ``None`` if it is neither."""
    raw = text.strip()
    register, _, rest = raw.rpartition(":")
    if register:
        code, _, seq_text = register.rpartition(":")
        if not code or not seq_text.isdigit() or not _HEX64.fullmatch(rest.lower()):
            return None
        return Anchor(rest.lower(), code.upper(), int(seq_text), source=source)
    if _HEX64.fullmatch(raw.lower()):
        return Anchor(raw.lower(), source=source)
    return None


def read_anchor_lines(lines: Iterable[str], where: str) -> tuple[list[Anchor], list[str]]:
    """The anchors of a head log, and a sentence for each line that is not one."""
    anchors: list[Anchor] = []
    problems: list[str] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            item = None
        if not isinstance(item, dict):
            problems.append(f"{where} line {n}: not a JSON object")
            continue
        register, seq, digest = item.get("register"), item.get("seq"), item.get("hash")
        at = item.get("at")
        if (
            not isinstance(register, str)
            or whole(seq) is None
            or not isinstance(digest, str)
            or not _HEX64.fullmatch(digest)
        ):
            problems.append(f"{where} line {n}: not a register, seq and hash")
            continue
        assert isinstance(seq, int)
        anchors.append(
            Anchor(digest, register, seq, at if isinstance(at, str) else "", f"{where} line {n}")
        )
    return anchors, problems


@dataclass
class HashAnchors:
    """Bare hashes (from a Z report) looked for on every register's chain."""

    wanted: dict[str, list[Anchor]] = field(default_factory=dict)
    found: set[str] = field(default_factory=set)

    def add(self, anchor: Anchor) -> None:
        self.wanted.setdefault(anchor.hash, []).append(anchor)

    def see(self, digest: object) -> None:
        if isinstance(digest, str) and digest in self.wanted:
            self.found.add(digest)

    def missing(self) -> list[str]:
        return [
            f"the anchored hash {h[:16]}… ({a.source}) is on no register's chain: the "
            "journal was rewritten, or the hash is from another store's database"
            for h, anchors in self.wanted.items()
            if h not in self.found
            for a in anchors
        ]


# --- walking a register's chain ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainResult:
    register: str
    rows: int
    last_seq: int
    last_hash: str
    first_bad_seq: int | None
    problems: tuple[str, ...]
    anchors: int  # anchors of this register checked


LISTED = 20  # problems listed per register and kind; the rest are counted


@dataclass
class _Problems:
    listed: list[tuple[int | None, str]] = field(default_factory=list)
    more: int = 0

    def add(self, seq: int | None, text: str) -> None:
        if len(self.listed) < LISTED:
            self.listed.append((seq, text))
        else:
            self.more += 1


class ChainCheck:
    """Feed a register's rows in sequence order; :meth:`finish` with the register's own
    record of its head.

    Names every row that cannot be read (a column of the wrong type, a date that is no
    date, a payload that is not JSON text), every row that breaks a link of the chain
    (a gap, a repeat, a previous hash that is not the row before's, a hash that does not
    match its columns) and every anchor that no longer matches; the first twenty of each,
    counting the rest. A row that breaks a link is judged against the row stored before
    it, so one edited row is one problem, not a cascade."""

    def __init__(
        self,
        register: str,
        anchors: Iterable[Anchor] = (),
        hashes: HashAnchors | None = None,
    ) -> None:
        self.register = register
        self.rows = 0
        self._prev = GENESIS
        self._expected = 1
        self._scheme = 1
        self._last_seq = 0
        self._unreadable = _Problems()
        self._links = _Problems()
        self._anchor_problems = _Problems()
        self._anchors: dict[int, list[Anchor]] = {}
        for a in anchors:
            if a.register == register and a.seq is not None:
                self._anchors.setdefault(a.seq, []).append(a)
        self._anchored = 0
        self._last_good_anchor = 0
        self._hashes = hashes

    def feed(self, row: StoredRow) -> Entry | None:
        """Check one row; returns it read, when every column could be read."""
        self.rows += 1
        name = row_name(self.register, row)
        seq = whole(row.seq)
        seq = seq if seq is not None and seq > 0 else None
        entry, problem = read_row(row)
        if entry is None:
            self._unreadable.add(seq, f"{name}: {problem}")
        else:
            self._link(name, entry)
        if self._hashes is not None:
            self._hashes.see(row.hash)
        if seq is None:
            return entry  # a row without a sequence number has no place on the chain
        self._expected = seq + 1
        self._last_seq = max(self._last_seq, seq)
        self._check_anchors(name, seq, row.hash)
        self._prev = row.hash if isinstance(row.hash, str) else ""
        return entry

    def _link(self, name: str, e: Entry) -> None:
        if e.seq > self._expected:
            missing = (
                f"entry {self._expected} is"
                if e.seq == self._expected + 1
                else f"entries {self._expected} to {e.seq - 1} are"
            )
            self._links.add(e.seq, f"{name}: follows entry {self._expected - 1}; {missing} missing")
        elif e.seq < self._expected:
            self._links.add(
                e.seq,
                f"{name}: comes after entry {self._expected - 1}: written twice or out of order",
            )
        elif e.prev_hash != self._prev:
            before = "the genesis hash" if e.seq == 1 else f"the hash of entry {e.seq - 1}"
            self._links.add(e.seq, f"{name}: its previous hash is not {before}")
        elif e.scheme < self._scheme:
            self._links.add(
                e.seq, f"{name}: written by scheme {e.scheme} after scheme {self._scheme}"
            )
        elif computed_hash(self.register, e) != e.hash:
            self._links.add(
                e.seq, f"{name}: its hash does not match its columns (payload, kind, ...)"
            )
        self._scheme = max(self._scheme, e.scheme)

    def _check_anchors(self, name: str, seq: int, digest: object) -> None:
        for a in self._anchors.pop(seq, ()):
            self._anchored += 1
            if digest == a.hash:
                self._last_good_anchor = seq
                continue
            since = (
                f" (entry {self._last_good_anchor} still matches its anchor)"
                if self._last_good_anchor
                else ""
            )
            when = f" at {a.at}" if a.at else ""
            self._anchor_problems.add(
                seq,
                f"{name}: its hash is not the one anchored{when} ({a.source}): the journal "
                f"was rewritten at or before entry {seq}{since}",
            )

    @property
    def end(self) -> tuple[int, str]:
        """The last sequence number and hash seen so far."""
        return self._last_seq, self._prev

    def _head(self, head_seq: object, head_hash: object) -> None:
        last, code = self._last_seq, self.register
        hs = whole(head_seq)
        if hs is None or hs < 0 or not isinstance(head_hash, str):
            self._links.add(None, f"register {code}: its recorded journal head is unreadable")
        elif hs > last:
            gap = f"entry {hs} is" if hs == last + 1 else f"entries {last + 1} to {hs} are"
            self._links.add(
                None,
                f"register {code}: {gap} missing: the register recorded {hs} entries, "
                f"the journal ends at entry {last}",
            )
        elif hs < last:
            self._links.add(
                last,
                f"journal row seq {last} of {code}: the journal goes on past the register's "
                f"recorded head (entry {hs}): rows were added behind its back",
            )
        elif hs > 0 and head_hash != self._prev:
            self._links.add(
                last, f"register {code}: its recorded head hash is not the hash of entry {last}"
            )

    def finish(self, head_seq: object, head_hash: object) -> ChainResult:
        """Compare the chain's end with the register's own record of its head, and name
        the anchors past the chain's end."""
        self._head(head_seq, head_hash)
        for seq, anchors in sorted(self._anchors.items()):
            for a in anchors:
                self._anchored += 1
                self._anchor_problems.add(
                    None,
                    f"register {self.register}: {a.source} anchors entry {seq}, but the journal "
                    f"ends at entry {self._last_seq}: entries were removed (or the database is "
                    "an older copy)",
                )
        listed: list[tuple[int | None, str]] = []
        for kind, group in (
            ("unreadable rows", self._unreadable),
            ("broken links", self._links),
            ("anchors that differ", self._anchor_problems),
        ):
            listed += group.listed
            if group.more:
                listed.append((None, f"… and {group.more} more {kind} on {self.register}"))
        return ChainResult(
            self.register,
            self.rows,
            self._last_seq,
            self._prev if self._prev else GENESIS,
            next((seq for seq, _ in listed if seq is not None), None),
            tuple(text for _, text in listed),
            self._anchored,
        )


# --- the verifier's answer -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """One register: its chain, its anchors, and its books against its entries."""

    register: str
    rows: int
    ok: bool
    first_bad_seq: int | None = None  # the first bad row (a row that exists), if any
    problem: str = ""  # the first problem
    last_hash: str = GENESIS
    last_seq: int = 0
    first_bad_order: str | None = None  # receipt, e.g. TILL-1-000042
    problems: tuple[str, ...] = ()
    anchors: int = 0
    orders: int = 0  # orders checked against their entries
    closes: int = 0  # Z closes checked against their shifts


@dataclass(frozen=True, slots=True)
class JournalCheck:
    """Every register's result, and the problems that belong to no one register (rows of
    no register, bare anchors found on no chain, unreadable head-log lines). Iterating
    gives the registers' results."""

    registers: tuple[VerifyResult, ...]
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems and all(r.ok for r in self.registers)

    @property
    def anchors(self) -> int:
        return sum(r.anchors for r in self.registers)

    def __iter__(self) -> Iterator[VerifyResult]:
        return iter(self.registers)

    def __len__(self) -> int:
        return len(self.registers)


def verify(
    register: str,
    rows: Iterable[StoredRow],
    head: tuple[object, object] | None = None,
    anchors: Iterable[Anchor] = (),
) -> ChainResult:
    """Walk one register's rows (the chain only; the books are checked by the service);
    without ``head``, the chain's own end is taken as the register's record."""
    check = ChainCheck(register, anchors)
    for row in rows:
        check.feed(row)
    return check.finish(*(head or check.end))
