"""The journal guards the books, on SQLite and PostgreSQL, against an adversary with
write access to the database: every tamper below is caught and named, the database itself
refuses edits of journal rows, a recomputed chain is caught by its anchors, and an export
is checked by the few lines of standard-library Python in the README."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select, text

from db.models import JournalEntry, Payment, Register, Shift
from pos import cli
from pos.adapters.headlog import FileHeadLog
from pos.app import open_app
from pos.domain.errors import PosError
from pos.domain.journal import GENESIS, canonical, chain_hash, parse_anchor, row_hash
from pos.ports.sales import SaleView
from pos.ports.staff import Actor
from pos.services import analytics, checkout, journal, shifts
from pos.services import cart as carts
from pos.services.context import ServiceContext
from tests import factories as f
from tests.conftest import PG_URL, _admin_engine
from tests.tamper import tamper

README = Path(__file__).parents[2] / "README.md"


@dataclass
class Shop:
    ctx: ServiceContext
    url: str
    cashier: Actor
    manager: Actor
    register_id: int
    tea: int
    mug: int


def _open_shop(ctx: ServiceContext, url: str) -> Shop:
    with ctx.uow() as uow:
        s = uow.session
        f.tax_class(s, "standard", "0.20")
        cashier = f.user(s, "cara", "cashier")
        manager = f.user(s, "max", "manager")
        reg = f.register(s, "TILL-1")
        tea = f.product(s, name="Tea", price=250, stock=100)
        mug = f.product(s, name="Mug", price=899, stock=100)
        uow.commit()
        shop = Shop(ctx, url, cashier, manager, reg.id, tea.id, mug.id)
    shifts.open_shift(ctx, cashier, shop.register_id, 10000)
    return shop


@pytest.fixture
def shop(ctx: ServiceContext, db_url: str) -> Shop:
    return _open_shop(ctx, db_url)


def sell(shop: Shop, product: int, qty: int = 1, *, card: bool = False) -> SaleView:
    ctx, c = shop.ctx, shop.cashier
    cart = carts.current_cart(ctx, c, shop.register_id)
    carts.add_product(ctx, c, cart.id, product, qty)
    if card:
        checkout.pay_by_card(ctx, c, cart.id)
    return checkout.complete_sale(ctx, c, cart.id, 0 if card else 1000 * qty)


def problems(check: journal.JournalCheck) -> list[str]:
    return [p for r in check for p in r.problems] + list(check.problems)


def pos(url: str, *args: str) -> int:
    return cli.main(["journal", *args, "--database-url", url])


# --- the database refuses edits ----------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE journal SET payload = '{}' WHERE seq = 1",
        "UPDATE journal SET kind = 'refund'",
        "DELETE FROM journal WHERE seq = 1",
        "DELETE FROM journal",
    ],
)
def test_the_database_refuses_to_change_a_journal_row(shop: Shop, sql: str) -> None:
    sell(shop, shop.tea)
    with shop.ctx.read() as uow:
        before = uow.session.execute(select(JournalEntry.payload, JournalEntry.kind)).all()
    with (
        pytest.raises(sa.exc.DBAPIError, match="the journal is append-only"),
        shop.ctx.uow() as uow,
    ):
        uow.session.execute(text(sql))
        uow.commit()
    with shop.ctx.read() as uow:
        assert uow.session.execute(select(JournalEntry.payload, JournalEntry.kind)).all() == before
    assert journal.verify_journal(shop.ctx).ok


# --- the books against the journal --------------------------------------------------------


def test_a_raised_payment_is_caught_and_its_order_named(
    shop: Shop, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(3):
        sell(shop, shop.tea)
    assert journal.verify_journal(shop.ctx).ok
    with shop.ctx.uow() as uow:  # the books alone: no trigger guards them
        second = uow.session.execute(
            select(Payment.id).where(Payment.order_id == 2).order_by(Payment.id).limit(1)
        ).scalar_one()
        uow.session.execute(
            text("UPDATE payments SET amount_minor = amount_minor + 10000 WHERE id = :p"),
            {"p": second},
        )
        uow.commit()
    check = journal.verify_journal(shop.ctx)
    [result] = check
    assert not check.ok and result.first_bad_seq is None  # the chain itself is intact
    assert result.first_bad_order == "TILL-1-000002"
    assert result.problems == (
        "order TILL-1-000002 (journal entry 2): payment 1 amount is 110.00 in the books, "
        "10.00 in the journal",
    )
    assert pos(shop.url, "verify") == 1
    out = capsys.readouterr().out
    assert "payment 1 amount is 110.00 in the books" in out
    assert "first order that differs: TILL-1-000002" in out


def test_card_details_lines_and_totals_are_in_the_entry(shop: Shop) -> None:
    sale = sell(shop, shop.mug, 2, card=True)
    with shop.ctx.read() as uow:
        payload = json.loads(uow.session.execute(select(JournalEntry.payload)).scalar_one())
    [card] = sale.payments
    assert payload["payments"] == [
        {
            "method": "card",
            "amount": "17.98",
            "card_brand": card.card_brand,
            "card_last4": card.card_last4,
            "auth_code": card.auth_code,
            "terminal_ref": card.terminal_ref,
        }
    ]
    assert card.card_last4 and card.terminal_ref
    assert payload["lines"][0]["name"] == "Mug" and payload["lines"][0]["net"] == "14.98"
    assert (payload["register"], payload["grand_total"], payload["total"]) == (
        "TILL-1",
        "17.98",
        "17.98",
    )
    tamper(shop.ctx, "UPDATE payments SET card_last4 = '0000'")
    [result] = journal.verify_journal(shop.ctx)
    assert result.problems == (
        f"order TILL-1-000001 (journal entry 1): payment 1 card last4 is 0000 in the books, "
        f"{card.card_last4} in the journal",
    )


@pytest.mark.parametrize(
    ("sql", "sentence"),
    [
        ("UPDATE order_lines SET quantity = 3 WHERE order_id = 1", "line 1 qty is 3 in the books"),
        ("UPDATE orders SET total_minor = 1 WHERE id = 1", "total is 0.01 in the books"),
        ("DELETE FROM payments WHERE order_id = 1 AND method = 'change'", "the books have 1"),
        (
            "UPDATE orders SET created_at = '2020-01-01 00:00:00' WHERE id = 1",
            "at is 2020-01-01T00:00:00+00:00 in the books",
        ),
    ],
)
def test_an_edited_order_is_named(shop: Shop, sql: str, sentence: str) -> None:
    sell(shop, shop.tea)
    sell(shop, shop.tea)
    if "created_at" in sql and "postgresql" in shop.url:
        sql = sql.replace("'2020-01-01 00:00:00'", "'2020-01-01 00:00:00+00'")
    tamper(shop.ctx, sql)
    [result] = journal.verify_journal(shop.ctx)
    assert result.first_bad_order == "TILL-1-000001"
    assert result.problems[0].startswith("order TILL-1-000001 (journal entry 1): " + sentence)


def test_an_order_without_an_entry_is_named(shop: Shop) -> None:
    sell(shop, shop.tea)
    tamper(
        shop.ctx,
        "INSERT INTO orders (kind, status, payment_status, register_id, receipt_no, currency, "
        "tax_mode, subtotal_minor, discount_minor, tax_minor, total_minor, shipping_address, "
        "billing_address, tracking_number, country, note, created_at, updated_at) "
        "SELECT kind, status, payment_status, register_id, 99, currency, tax_mode, "
        "subtotal_minor, discount_minor, tax_minor, total_minor, shipping_address, "
        "billing_address, tracking_number, country, note, created_at, updated_at "
        "FROM orders WHERE id = 1",
    )
    [result] = journal.verify_journal(shop.ctx)
    assert result.problems == ("order TILL-1-000099 (a sale) has no journal entry",)
    assert result.first_bad_order == "TILL-1-000099"


def test_cash_movements_are_journaled_and_checked(shop: Shop) -> None:
    sell(shop, shop.tea)
    shifts.cash_movement(shop.ctx, shop.manager, shop.register_id, "pay_in", 500, "float top-up")
    shifts.cash_movement(shop.ctx, shop.manager, shop.register_id, "drawer_open", 0, "no sale")
    with shop.ctx.read() as uow:
        kinds = uow.session.execute(select(JournalEntry.kind).order_by(JournalEntry.seq))
        assert kinds.scalars().all() == ["sale", "pay_in", "drawer_open"]
    assert journal.verify_journal(shop.ctx).ok
    tamper(shop.ctx, "UPDATE cash_movements SET amount_minor = 5000 WHERE kind = 'pay_in'")
    [result] = journal.verify_journal(shop.ctx)
    assert result.problems == (
        "cash movement 1 of TILL-1 (journal entry 2): amount is 50.00 in the books, 5.00 in "
        "the journal",
    )
    tamper(
        shop.ctx,
        "UPDATE cash_movements SET amount_minor = 500 WHERE id = 1",
        "INSERT INTO cash_movements (shift_id, kind, amount_minor, reason, user_id, at) "
        "SELECT shift_id, 'pay_out', 2000, 'lunch', user_id, at FROM cash_movements "
        "WHERE id = 1",
    )
    [result] = journal.verify_journal(shop.ctx)
    assert result.problems == ("cash movement 3 of TILL-1 has no journal entry",)


def test_a_z_close_is_checked_against_its_shift(shop: Shop) -> None:
    sell(shop, shop.tea)
    z = shifts.close_shift(shop.ctx, shop.manager, shop.register_id, counted_minor=10250)
    assert z.z_seq == 2
    assert journal.verify_journal(shop.ctx).ok
    tamper(shop.ctx, "UPDATE shifts SET counted_cash_minor = 12250")
    [result] = journal.verify_journal(shop.ctx)
    assert result.problems == (
        "Z 1 of TILL-1 (journal entry 2): counted cash is 122.50 in the books, 102.50 in the "
        "journal",
    )
    tamper(
        shop.ctx,
        "UPDATE shifts SET counted_cash_minor = 10250, expected_cash_minor = 9000",
    )
    [result] = journal.verify_journal(shop.ctx)
    assert result.problems == (
        "Z 1 of TILL-1 (journal entry 2): expected cash is 90.00 in the books, 102.50 in the "
        "journal",
    )
    tamper(shop.ctx, "UPDATE shifts SET expected_cash_minor = 10250, float_minor = 0")
    [result] = journal.verify_journal(shop.ctx)
    assert result.problems[0].startswith("Z 1 of TILL-1 (journal entry 2): float is 0.00 in")


def test_garbage_in_the_books_of_a_z_close_is_named(
    shop: Shop, capsys: pytest.CaptureFixture[str]
) -> None:
    sell(shop, shop.tea)
    shifts.close_shift(shop.ctx, shop.manager, shop.register_id, counted_minor=10250)
    tamper(shop.ctx, "UPDATE order_lines SET tax_rate = 'twenty'")
    [result] = journal.verify_journal(shop.ctx)
    assert result.problems[0] == (
        "order TILL-1-000001 (journal entry 1): its line 1 tax rate is 'twenty' in the books, "
        "not a rate"
    )
    assert result.problems[1].startswith(
        "Z 1 of TILL-1 (journal entry 2): shift 1's books cannot be read (InvalidOperation"
    )
    assert pos(shop.url, "verify") == 1
    assert capsys.readouterr().err == ""


def test_the_z_report_prints_the_journal_head(shop: Shop) -> None:
    from reports.render import render
    from tests.unit.test_report_render import text_of

    sell(shop, shop.tea)
    z = shifts.close_shift(shop.ctx, shop.manager, shop.register_id, counted_minor=10250)
    report = analytics.z_report(shop.ctx, shop.manager, z.shift_id)
    [result] = journal.verify_journal(shop.ctx)
    assert (
        report.journal_head
        == f"TILL-1:{result.last_seq}:{result.last_hash}"
        == (f"TILL-1:2:{z.z_hash}")
    )
    page = text_of(render(report, "pdf"))[0].replace(" ", "")
    assert report.journal_head in page
    # and the Z close anchored it beside the database
    assert shop.ctx.head_log is not None
    [line] = shop.ctx.head_log.read() or []
    assert json.loads(line) | {"at": ""} == {
        "register": "TILL-1",
        "seq": 2,
        "hash": z.z_hash,
        "at": "",
        "reason": "Z 1",
    }


def test_a_wrong_grand_total_is_named(shop: Shop) -> None:
    sell(shop, shop.tea)
    sell(shop, shop.mug)
    tamper(shop.ctx, "UPDATE registers SET grand_total_minor = grand_total_minor - 899")
    [result] = journal.verify_journal(shop.ctx)
    assert result.problems == (
        "register TILL-1: its grand total is 2.50, but the sales in its journal add up to 11.49",
    )


# --- the journal's own columns ------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE journal SET kind = 'refund' WHERE seq = 2",
        "UPDATE journal SET order_id = 1 WHERE seq = 2",
        "UPDATE journal SET created_at = created_at - interval '1 hour' WHERE seq = 2",
        "UPDATE journal SET payload = replace(payload, '2.50', '0.50') WHERE seq = 2",
    ],
)
def test_a_changed_column_of_a_row_is_named(shop: Shop, sql: str) -> None:
    for _ in range(3):
        sell(shop, shop.tea)
    if "interval" in sql and "sqlite" in shop.url:
        sql = "UPDATE journal SET created_at = datetime(created_at, '-1 hour') WHERE seq = 2"
    tamper(shop.ctx, sql)
    [result] = journal.verify_journal(shop.ctx)
    assert result.first_bad_seq == 2
    assert result.problem == (
        "journal row seq 2 of TILL-1: its hash does not match its columns (payload, kind, ...)"
    )


V1_ORDER = {
    "kind",
    "order_id",
    "client_id",
    "receipt_no",
    "original_id",
    "cashier",
    "at",
    "currency",
    "subtotal",
    "discount",
    "tax",
    "total",
}
V1_LINE = {"sku", "qty", "unit", "discount", "tax_rate", "tax", "total"}


def _as_scheme_1(payload: dict[str, Any]) -> dict[str, Any]:
    """A sale's entry as the journal wrote it before scheme 2."""
    old = {k: v for k, v in payload.items() if k in V1_ORDER}
    old["lines"] = [{k: v for k, v in ln.items() if k in V1_LINE} for ln in payload["lines"]]
    old["payments"] = [{"method": p["method"], "amount": p["amount"]} for p in payload["payments"]]
    return old


def test_rows_of_the_old_scheme_verify_and_the_books_guard_their_unhashed_columns(
    shop: Shop,
) -> None:
    sell(shop, shop.tea)
    sell(shop, shop.tea)
    with shop.ctx.read() as uow:
        payload = json.loads(
            uow.session.execute(
                select(JournalEntry.payload).where(JournalEntry.seq == 1)
            ).scalar_one()
        )
    old = canonical(_as_scheme_1(payload))
    digest = chain_hash(GENESIS, old)
    # the journal as a database from before scheme 2 holds it: one old row, then the new
    # rows chain on from it
    rehashed = _rehash(shop, {1: old}, scheme_1={1})
    assert rehashed[1] == digest
    [result] = journal.verify_journal(shop.ctx)
    assert result.ok and result.orders == 2, result.problems
    sell(shop, shop.tea)
    assert journal.verify_journal(shop.ctx).ok
    # kind and order_id are outside an old row's hash; the books still catch them
    tamper(shop.ctx, "UPDATE journal SET kind = 'refund' WHERE seq = 1")
    [result] = journal.verify_journal(shop.ctx)
    assert result.first_bad_seq is None and result.first_bad_order == "TILL-1-000001"
    assert result.problems[0] == (
        "order TILL-1-000001 (journal entry 1): the row's columns (kind refund, order 1) are "
        "not its payload's (kind sale, order 1)"
    )
    tamper(shop.ctx, "UPDATE journal SET kind = 'sale', order_id = 2 WHERE seq = 1")
    [result] = journal.verify_journal(shop.ctx)
    assert result.problems[0] == (
        "order TILL-1-000001 (journal entry 1): the row's columns (kind sale, order 2) are "
        "not its payload's (kind sale, order 1)"
    )


def _rehash(
    shop: Shop, payloads: dict[int, str], scheme_1: frozenset[int] | set[int] = frozenset()
) -> dict[int, str]:
    """Rewrite rows' payloads and recompute every hash from the first one on, and the
    register's head and the Z closes' hashes: what someone with the file and this
    program's source can do. Returns the new hashes by seq."""
    with shop.ctx.read() as uow:
        rows = uow.session.execute(
            select(
                JournalEntry.id,
                JournalEntry.seq,
                JournalEntry.kind,
                JournalEntry.order_id,
                JournalEntry.created_at,
                JournalEntry.payload,
                JournalEntry.hash,
                Register.code,
            )
            .join(Register, Register.id == JournalEntry.register_id)
            .order_by(JournalEntry.seq)
        ).all()
    prev, statements, hashes = GENESIS, [], {}
    for rid, seq, kind, order_id, at, payload, old_hash, code in rows:
        payload = payloads.get(seq, payload)
        if seq in scheme_1:
            digest = chain_hash(prev, payload)
        else:
            digest = row_hash(code, seq, kind, order_id, at, payload, prev)
        statements += [
            (
                "UPDATE journal SET payload = :p, prev_hash = :prev, hash = :h, scheme = :s "
                "WHERE id = :id",
                {
                    "p": payload,
                    "prev": prev,
                    "h": digest,
                    "s": 1 if seq in scheme_1 else 2,
                    "id": rid,
                },
            ),
            ("UPDATE shifts SET z_hash = :h WHERE z_hash = :old", {"h": digest, "old": old_hash}),
        ]
        hashes[seq] = prev = digest
    statements.append(("UPDATE registers SET last_journal_hash = :h", {"h": prev}))
    tamper(shop.ctx, *statements)
    return hashes


# --- a recomputed chain against its anchors ------------------------------------------------


def test_a_recomputed_chain_and_head_are_caught_by_the_anchors(
    shop: Shop, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sell(shop, shop.tea, 2)  # 5.00 paid with 20.00: cash 20.00, change -15.00
    sell(shop, shop.mug, card=True)
    z = shifts.close_shift(shop.ctx, shop.manager, shop.register_id, counted_minor=10500)
    head = analytics.z_report(shop.ctx, shop.manager, z.shift_id).journal_head
    assert head is not None
    copy = tmp_path / "heads-copy.jsonl"
    assert pos(shop.url, "anchor") == 0
    assert shop.ctx.head_log is not None
    copy.write_text("\n".join(shop.ctx.head_log.read() or []) + "\n")
    assert re.search(r"anchored TILL-1:3:[0-9a-f]{64}", capsys.readouterr().out)
    # The adversary raises sale 1's recorded cash by 100.00 and its change with it (the Z
    # figures do not move), in the books and in the entry, and recomputes every hash after
    # it, the register's head and the Z's hash.
    with shop.ctx.read() as uow:
        payload = json.loads(
            uow.session.execute(
                select(JournalEntry.payload).where(JournalEntry.seq == 1)
            ).scalar_one()
        )
    payload["payments"][0]["amount"] = "120.00"
    payload["payments"][1]["amount"] = "-115.00"
    tamper(
        shop.ctx,
        "UPDATE payments SET amount_minor = 12000 WHERE order_id = 1 AND method = 'cash'",
        "UPDATE payments SET amount_minor = -11500 WHERE order_id = 1 AND method = 'change'",
    )
    _rehash(shop, {1: canonical(payload)})
    # Everything inside the database agrees again ...
    check = journal.verify_journal(shop.ctx, head_log=False)
    assert check.ok, problems(check)
    # ... but not with the head printed on the Z report,
    [result] = journal.verify_journal(shop.ctx, anchors=[parse_anchor(head, "the Z report")])
    assert result.first_bad_seq == 3
    assert result.problems[0].startswith(
        "journal row seq 3 of TILL-1: its hash is not the one anchored (the Z report): the "
        "journal was rewritten at or before entry 3"
    )
    # nor with the bare hash,
    bare = journal.verify_journal(
        shop.ctx, anchors=[parse_anchor(head.rsplit(":", 1)[1], "the Z report")], head_log=False
    )
    assert bare.problems[0].startswith("the anchored hash ")
    assert "is on no register's chain" in bare.problems[0]
    # nor with the head log beside the database, nor a copy of it, from the command line.
    assert pos(shop.url, "verify") == 1
    assert "its hash is not the one anchored at " in capsys.readouterr().out
    assert pos(shop.url, "verify", "--no-head-log", "--anchor", str(copy), "--anchor", head) == 1
    out = capsys.readouterr().out
    assert f"({copy} line 1)" in out and "(--anchor)" in out
    assert pos(shop.url, "verify", "--no-head-log") == 0


def test_removed_newest_entries_are_caught_by_the_head_log(shop: Shop) -> None:
    sell(shop, shop.tea)
    shifts.close_shift(shop.ctx, shop.manager, shop.register_id, counted_minor=10250)
    # the Z close removed, and the register's head set back to the sale before it
    with shop.ctx.read() as uow:
        first = uow.session.execute(
            select(JournalEntry.hash).where(JournalEntry.seq == 1)
        ).scalar_one()
    tamper(
        shop.ctx,
        "DELETE FROM journal WHERE seq = 2",
        ("UPDATE registers SET last_journal_seq = 1, last_journal_hash = :h", {"h": first}),
        "UPDATE shifts SET closed_at = NULL, z_no = NULL, z_hash = NULL, z_seq = NULL",
    )
    [result] = journal.verify_journal(shop.ctx)
    assert result.problems == (
        f"register TILL-1: {shop.ctx.head_log.where if shop.ctx.head_log else ''} line 1 "
        "anchors entry 2, but the journal ends at entry 1: entries were removed (or the "
        "database is an older copy)",
    )


def test_a_head_log_that_cannot_be_written_never_undoes_the_close(
    shop: Shop, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    shop.ctx.head_log = FileHeadLog(tmp_path)  # a folder: nothing can be appended to it
    sell(shop, shop.tea)
    z = shifts.close_shift(shop.ctx, shop.manager, shop.register_id, counted_minor=10250)
    assert z.z_no == 1 and z.closed_at is not None
    assert f"journal heads not anchored in {tmp_path}" in caplog.text
    with shop.ctx.read() as uow:
        [failed] = uow.audit.recent(5, "journal_anchor_failed")
    assert failed.detail["reason"] == "Z 1"
    check = journal.verify_journal(shop.ctx)
    assert check.problems[0].startswith(f"the head log {tmp_path} cannot be read (")
    assert journal.verify_journal(shop.ctx, head_log=False).ok
    with pytest.raises(PosError, match=f"^The head log {tmp_path} cannot be written"):
        journal.anchor_heads(shop.ctx)


def test_a_bad_anchor_argument_is_one_sentence(
    shop: Shop, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pos(shop.url, "verify", "--anchor", "TILL-1:2:nothex") == 1
    assert capsys.readouterr().err == (
        "error: --anchor: 'TILL-1:2:nothex' is neither a file nor a journal head like "
        "TILL-1:42:<hash>\n"
    )


# --- rows of any content ------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def scratch(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Shop]:
    """A shop in a database of its own, whose schema the adversary may change (a
    PostgreSQL database made for this test and dropped after it)."""
    monkeypatch.setenv("POS_JOURNAL_ANCHOR", str(tmp_path / "journal-heads.jsonl"))
    name = None
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        url = f"sqlite:///{tmp_path / 'pos.sqlite3'}"
        Path(url.removeprefix("sqlite:///")).write_bytes(template.read_bytes())
    else:
        if not PG_URL:
            pytest.skip("PostgreSQL half skipped: POS_TEST_POSTGRES_URL is not set")
        request.getfixturevalue("pg_database")  # the server is reachable
        name = f"pos_test_{uuid.uuid4().hex[:12]}"
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = sa.engine.make_url(admin.url).set(database=name).render_as_string(False)
    app = open_app(url)
    try:
        shop = _open_shop(app.ctx, url)
        for qty in (1, 2, 3):
            sell(shop, shop.tea, qty)
        yield shop
    finally:
        app.close()
        if name is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


REBUILD_SQLITE = (
    "CREATE TABLE journal_copy AS SELECT * FROM journal",  # no NOT NULL, no types enforced
    "DROP TABLE journal",
    "ALTER TABLE journal_copy RENAME TO journal",
)
GARBAGE: dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str]] = {
    # case: (SQLite statements, PostgreSQL statements, SQLite sentence, PostgreSQL sentence)
    "a bad created_at": (
        ("UPDATE journal SET created_at = 'not a date' WHERE seq = 2",),
        ("UPDATE journal SET created_at = 'infinity' WHERE seq = 2",),
        "journal row seq 2 of TILL-1: created_at is 'not a date', not a date",
        "journal row seq 2 of TILL-1: created_at is 'infinity', not a date",
    ),
    "a BLOB payload": (
        ("UPDATE journal SET payload = CAST(payload AS BLOB) WHERE seq = 2",),
        ("ALTER TABLE journal ALTER COLUMN payload TYPE bytea USING convert_to(payload, 'UTF8')",),
        "journal row seq 2 of TILL-1: payload is a BLOB, not text",
        "journal row seq 1 of TILL-1: payload is a BLOB, not text",
    ),
    "NULLs": (
        (*REBUILD_SQLITE, "UPDATE journal SET kind = NULL, payload = NULL WHERE seq = 2"),
        (
            "ALTER TABLE journal ALTER COLUMN kind DROP NOT NULL",
            "ALTER TABLE journal ALTER COLUMN payload DROP NOT NULL",
            "UPDATE journal SET kind = NULL, payload = NULL WHERE seq = 2",
        ),
        "journal row seq 2 of TILL-1: kind is empty (NULL)",
        "journal row seq 2 of TILL-1: kind is empty (NULL)",
    ),
    "a NULL seq": (
        (*REBUILD_SQLITE, "UPDATE journal SET seq = NULL WHERE seq = 2"),
        (
            "ALTER TABLE journal ALTER COLUMN seq DROP NOT NULL",
            "UPDATE journal SET seq = NULL WHERE seq = 2",
        ),
        "journal row id 2 of TILL-1 (seq None): seq is None, not a sequence number",
        "journal row id 2 of TILL-1 (seq None): seq is None, not a sequence number",
    ),
    "a huge seq": (
        ("UPDATE journal SET seq = 99999999999999999999999 WHERE seq = 2",),
        ("UPDATE journal SET seq = 9223372036854775807 WHERE seq = 2",),
        "journal row id 2 of TILL-1 (seq 1e+23): seq is 1e+23, not a sequence number",
        "journal row seq 9223372036854775807 of TILL-1: follows entry 3; entries 4 to "
        "9223372036854775806 are missing",
    ),
    "a huge amount in the books": (
        ("UPDATE payments SET amount_minor = 9223372036854775807 WHERE id = 3",),
        ("UPDATE payments SET amount_minor = 9223372036854775807 WHERE id = 3",),
        "order TILL-1-000002 (journal entry 2): payment 1 amount is 92233720368547758.07 in "
        "the books, 20.00 in the journal",
        "order TILL-1-000002 (journal entry 2): payment 1 amount is 92233720368547758.07 in "
        "the books, 20.00 in the journal",
    ),
    "a huge grand total": (
        ("UPDATE registers SET grand_total_minor = 9223372036854775807",),
        ("UPDATE registers SET grand_total_minor = 9223372036854775807",),
        "register TILL-1: its grand total is 92233720368547758.07, but the sales in its "
        "journal add up to 15.00",
        "register TILL-1: its grand total is 92233720368547758.07, but the sales in its "
        "journal add up to 15.00",
    ),
    "text where a number belongs": (
        ("UPDATE journal SET order_id = 'two' WHERE seq = 2",),
        ("UPDATE journal SET scheme = -1 WHERE seq = 2",),
        "journal row seq 2 of TILL-1: order_id is 'two', not an order's id",
        "journal row seq 2 of TILL-1: scheme is -1, not one of 1, 2",
    ),
    "text that is not UTF-8 (PostgreSQL: odd text)": (
        ("UPDATE journal SET payload = CAST(X'7BFF7D' AS TEXT) WHERE seq = 2",),
        ("UPDATE orders SET client_id = E'\\u00e9\\u0301' WHERE id = 2",),
        "journal row seq 2 of TILL-1: payload is not valid UTF-8 text",
        "order TILL-1-000002 (journal entry 2): client id is é\u0301 in the books",
    ),
    "a row of no register": (
        ("UPDATE journal SET register_id = 999 WHERE seq = 3",),
        ("UPDATE journal SET register_id = 999 WHERE seq = 3",),
        "journal row id 3 (seq 3) belongs to no register (its register_id is 999)",
        "journal row id 3 (seq 3) belongs to no register (its register_id is 999)",
    ),
}


@pytest.mark.parametrize("case", list(GARBAGE))
def test_garbage_in_a_row_is_named_never_a_traceback(
    scratch: Shop, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    on_sqlite = scratch.url.startswith("sqlite")
    lite, pg, lite_sentence, pg_sentence = GARBAGE[case]
    sentence = lite_sentence if on_sqlite else pg_sentence
    assert journal.verify_journal(scratch.ctx).ok
    tamper(scratch.ctx, *(lite if on_sqlite else pg))
    check = journal.verify_journal(scratch.ctx)
    assert not check.ok
    assert any(p.startswith(sentence) for p in problems(check)), problems(check)
    capsys.readouterr()
    assert pos(scratch.url, "verify") == 1
    out, err = capsys.readouterr()
    assert sentence in out and err == ""
    assert pos(scratch.url, "verify", "--json") == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
    assert pos(scratch.url, "export", "-") == 0  # the export never fails on content either


# --- the export and the README's checker ---------------------------------------------------


def _checker(tmp_path: Path) -> Path:
    block = README.read_text().split("<!-- journal-checker -->", 1)[1]
    code = block.split("```python\n", 1)[1].split("```", 1)[0]
    assert len(code.splitlines()) <= 35
    path = tmp_path / "check_journal.py"
    path.write_text(code)
    return path


def _run(checker: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # -I -S: no site-packages, no environment: the standard library only
    return subprocess.run(
        [sys.executable, "-I", "-S", str(checker), *args], capture_output=True, text=True
    )


def test_an_export_is_checked_by_the_readme_lines(
    shop: Shop, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sell(shop, shop.tea)
    # an old-scheme row first, as an upgraded database has
    with shop.ctx.read() as uow:
        payload = json.loads(uow.session.execute(select(JournalEntry.payload)).scalar_one())
    _rehash(shop, {1: canonical(_as_scheme_1(payload))}, scheme_1={1})
    sell(shop, shop.mug, card=True)
    shifts.cash_movement(shop.ctx, shop.manager, shop.register_id, "pay_out", 100, "milk")
    with shop.ctx.uow() as uow:
        f.register(uow.session, "TILL-2")  # a register without entries
        uow.commit()
    z = shifts.close_shift(shop.ctx, shop.manager, shop.register_id, counted_minor=10000)
    token = analytics.z_report(shop.ctx, shop.manager, z.shift_id).journal_head
    assert token is not None
    export = tmp_path / "journal.jsonl"
    assert pos(shop.url, "export", str(export)) == 0
    assert capsys.readouterr().out == f"wrote 6 lines of journal and heads to {export}\n"
    lines = [json.loads(x) for x in export.read_text().splitlines()]
    assert [x["type"] for x in lines] == ["journal", "row", "row", "row", "row", "head", "head"]
    assert [x.get("scheme") for x in lines[1:5]] == [1, 2, 2, 2]
    checker = _checker(tmp_path)
    done = _run(checker, str(export), token)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["journal OK", f"head TILL-1:4:{z.z_hash}"]
    # one changed character of an entry, or an anchor it does not hold: the lines say so
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text(export.read_text().replace('\\"milk\\"', '\\"mild\\"'))
    done = _run(checker, str(tampered))
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == "line 4: TILL-1 entry 3 does not chain"
    done = _run(checker, str(export), token.replace(":4:", ":3:"))
    assert done.returncode == 1 and "is not in this journal" in done.stdout


def test_export_is_streamed_in_order(shop: Shop, tmp_path: Path) -> None:
    for _ in range(3):
        sell(shop, shop.tea)
    lines = list(journal.export_journal(shop.ctx))
    rows = [json.loads(x) for x in lines[1:-1]]
    assert [r["seq"] for r in rows] == [1, 2, 3]
    assert all(r["created_at"].endswith("Z") for r in rows)


# --- an upgraded database -----------------------------------------------------------------


def test_an_upgrade_keeps_rows_of_the_old_scheme_verifiable(tmp_path: Path) -> None:
    """A database from before migration 0004: a closed shift whose Z close was journaled by
    the old rule. It upgrades, verifies, and the till goes on appending scheme 2 rows."""
    from alembic import command

    from db.engine import make_engine
    from db.migrate import alembic_config, upgrade

    path = tmp_path / "old.sqlite3"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    payload = canonical(
        {
            "z_no": 1,
            "register": "TILL-1",
            "shift_id": 1,
            "closed_at": "2026-01-05T18:00:00+00:00",
            "closed_by": "boss",
            "sales_count": 0,
            "sales_total": "0.00",
            "returns": "0.00",
            "net": "0.00",
            "expected_cash": "50.00",
            "counted_cash": "50.00",
            "grand_total": "0.00",
            "tenders": {"cash": "0.00"},
            "currency": "GBP",
        }
    )
    digest = chain_hash(GENESIS, payload)
    with engine.begin() as conn:
        for sql in (
            "INSERT INTO registers (code, name, last_receipt_no, last_z_no, last_journal_seq, "
            "last_journal_hash, grand_total_minor) VALUES ('TILL-1', 'TILL-1', 0, 1, 1, :h, 0)",
            "INSERT INTO users (username, full_name, role, password_hash, failed_attempts, "
            "lockouts, active, created_at) VALUES ('boss', '', 'manager', 'x', 0, 0, 1, "
            "'2026-01-05 08:00:00.000000')",
            "INSERT INTO shifts (register_id, opened_by, opened_at, float_minor, closed_by, "
            "closed_at, expected_cash_minor, counted_cash_minor, z_no, z_hash) VALUES (1, 1, "
            "'2026-01-05 08:00:00.000000', 5000, 1, '2026-01-05 18:00:00.000000', 5000, 5000, "
            "1, :h)",
            "INSERT INTO journal (register_id, seq, kind, order_id, payload, prev_hash, hash, "
            "created_at) VALUES (1, 1, 'z_close', NULL, :p, :g, :h, "
            "'2026-01-05 18:00:00.000000')",
        ):
            conn.execute(text(sql), {"h": digest, "p": payload, "g": GENESIS})
    upgrade(engine)
    engine.dispose()
    app = open_app(url)
    try:
        ctx = app.ctx
        [result] = journal.verify_journal(ctx)
        assert result.ok and result.closes == 1, result.problems
        with ctx.read() as uow:
            assert uow.session.execute(select(JournalEntry.scheme)).scalar_one() == 1
            assert uow.session.execute(select(Shift.z_seq)).scalar_one() is None
        shop = _open_shop(ctx, url)
        sell(shop, shop.tea)
        shifts.cash_movement(ctx, shop.manager, shop.register_id, "pay_in", 100, "change")
        [result] = journal.verify_journal(ctx)
        assert result.ok and result.rows == 3, result.problems
        with ctx.read() as uow:
            schemes = uow.session.execute(select(JournalEntry.scheme).order_by(JournalEntry.seq))
            assert schemes.scalars().all() == [1, 2, 2]
    finally:
        app.close()
