"""The back office's product import: the CSV format and rules of
:mod:`pos.services.product_io`, committed in batches so the tills keep selling.

``pos import products`` writes a whole file in one transaction, which on SQLite holds the
write lock for its whole length. Here each batch (:data:`BATCH_ROWS` rows) is one
transaction of its own, whole or not at all, so a till's sale waits at most one batch.
Each batch also writes a journal of what it changed (``import_journal``: products and
categories it created, the prior values of products it updated, barcodes it added or
removed, stock it counted). Cancelling, or a failure, after some batches were committed
undoes them from the journal in one transaction: changed products get their prior values
back (``updated_at`` included), created products are removed when never sold and
deactivated otherwise, barcodes go back to their owners, counted stock is counted back
through the ledger (sales made meanwhile stay), categories it created that nothing uses
are removed. A finished import forgets its journal.

Each batch also stamps the import's ``last_batch_at`` (its heartbeat: the server's clock on
PostgreSQL, where back offices on several machines may disagree about the time) and holds
that row to its commit. If the process dies in the middle (power cut, killed), the batches
it committed stay with their journal: once such an import has been quiet for
:data:`QUIET_AFTER` it is listed by :func:`unfinished_imports`, and a manager undoes it
(:func:`undo_unfinished`: the catalog as it was before the import, sales made since kept)
or keeps what it did (:func:`keep_unfinished`), each in one transaction that holds the
import's row. An import still committing batches is never listed, so never undone under
its feet; one whose process only slept and wakes after it was settled stops at its next
batch with one sentence, and undoes nothing.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from pos.domain.bad_row import BadRow
from pos.domain.errors import Conflict
from pos.domain.product_row import HEADER, ProductRows
from pos.domain.staff import Permission
from pos.files import BadRowReport, FormatSpec, cycle_collection_paused, row_batches, source_name
from pos.ports.product_io import ExportSummary, ImportSummary, UndoSummary, UnfinishedImport
from pos.ports.uow import UnitOfWork
from pos.services.context import ServiceContext
from pos.services.operator import AuditedAs, Operator, authorise_operator, require_operator
from pos.services.product_io import export_products
from pos.services.product_io.importing import KEEP_BAD_ROWS, ImportRun
from pos.services.settings import get_settings

BATCH_ROWS = 2_000
# An import that has committed no batch for this long has stopped (a batch takes about a
# second; a slow disk or a busy database make it seconds, never minutes).
QUIET_AFTER = timedelta(minutes=2)
__all__ = [
    "HEADER",
    "ImportOutcome",
    "export_to",
    "import_in_batches",
    "keep_unfinished",
    "save_bad_rows",
    "undo_unfinished",
    "unfinished_imports",
]


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    summary: ImportSummary  # as far as it got
    undone: UndoSummary | None = None  # set when cancelled (or failed) and undone

    @property
    def cancelled(self) -> bool:
        return self.undone is not None


class _Cancelled(Exception):
    pass


class _SettledElsewhere(Exception):
    """Another back office undid or kept this import while it was stopped (its process
    was suspended, and has woken up): it must not go on, nor undo anything."""


def import_in_batches(
    ctx: ServiceContext,
    operator: Operator,
    source: str | os.PathLike[str] | IO[bytes],
    *,
    batch_size: int = BATCH_ROWS,
    cancelled: Callable[[], bool] = lambda: False,
    on_bad: Callable[[BadRow], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    """Import ``source`` a batch per transaction; ``cancelled`` is asked before each
    batch and at the end: when it answers True, everything committed so far is undone
    and the outcome says so. ``on_progress`` receives the rows done after each commit."""
    who = authorise_operator(ctx, operator, (Permission.MANAGE_CATALOG, "Importing products"))
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    name = source_name(source)
    settings = get_settings(ctx)
    spec = FormatSpec(ProductRows, (settings.money.code,))
    report = BadRowReport(KEEP_BAD_ROWS, on_bad)
    run: ImportRun | None = None
    journal: int | None = None
    try:
        with cycle_collection_paused(), row_batches(source, spec, batch_size, False) as batches:
            for batch in batches:
                if cancelled():
                    raise _Cancelled
                with ctx.uow() as uow:
                    if run is None:
                        run = ImportRun(
                            uow,
                            settings.money,
                            settings.default_tax_class,
                            ctx.clock(),
                            who.user_id,
                            report,
                        )
                        run.journal = uow.product_io.start_journal(name, ctx.clock())
                    else:
                        # the heartbeat, held to this batch's commit: a back office that
                        # would settle this import waits for the batch, then sees it live
                        if run.journal is not None and not uow.product_io.claim_batch(
                            run.journal, ctx.clock()
                        ):
                            raise _SettledElsewhere
                        run.rebind(uow)
                    try:
                        run.apply(batch)
                    finally:
                        run.finish()
                    if run.journal is not None:  # stamped again as it commits
                        uow.product_io.claim_batch(run.journal, ctx.clock())
                    uow.commit()
                journal = run.journal
                if on_progress is not None:
                    on_progress(run.rows)
        if cancelled():
            raise _Cancelled
    except _Cancelled:
        done = run.summary() if run is not None else _nothing()
        return ImportOutcome(done, _undo(ctx, who, journal, name))
    except _SettledElsewhere:
        raise Conflict(
            f"The import of {name} was undone or kept from another back office while it "
            f"was stopped; it went no further than {run.rows if run else 0:,} rows."
        ) from None
    except BaseException:
        _undo(ctx, who, journal, name)
        raise
    summary = run.summary() if run is not None else _nothing()
    if journal is not None:
        with ctx.uow() as uow:
            if not uow.product_io.claim_batch(journal, ctx.clock()):
                raise Conflict(
                    f"The import of {name} was undone or kept from another back office "
                    "before it could finish."
                )
            uow.product_io.close_journal(journal, summary.rows - summary.bad, summary.bad)
            if summary.created or summary.updated:
                uow.audit.record(
                    "products_import",
                    who.user_id,
                    detail={
                        "file": name,
                        "created": summary.created,
                        "updated": summary.updated,
                        "unchanged": summary.unchanged,
                        "bad": summary.bad,
                        "batches": True,
                        **who.detail,
                    },
                )
            uow.commit()
    return ImportOutcome(summary)


def _nothing() -> ImportSummary:
    return ImportSummary(0, 0, 0, 0, 0, ())


def _undo(ctx: ServiceContext, who: AuditedAs, journal: int | None, name: str) -> UndoSummary:
    if journal is None:  # nothing was committed
        return UndoSummary(0, 0, 0, 0, 0)
    with ctx.uow() as uow:
        if not uow.product_io.lock_batch(journal):  # undone or kept elsewhere meanwhile
            return UndoSummary(0, 0, 0, 0, 0)
        undone = uow.product_io.undo_import(journal, who.user_id, ctx.clock())
        uow.audit.record(
            "products_import_undone",
            who.user_id,
            detail={"file": name, "undone": str(undone), **who.detail},
        )
        uow.commit()
    return undone


def _stopped(uow: UnitOfWork, ctx: ServiceContext, quiet: timedelta) -> list[UnfinishedImport]:
    return uow.product_io.unfinished(quiet, ctx.clock())


def unfinished_imports(
    ctx: ServiceContext, operator: Operator, quiet: timedelta = QUIET_AFTER
) -> list[UnfinishedImport]:
    """Batched imports that stopped before they finished (no batch for ``quiet``): what
    they committed is in the catalog, and can still be undone or kept."""
    with ctx.read() as uow:
        require_operator(uow, operator, Permission.MANAGE_CATALOG, "Viewing unfinished imports")
        return _stopped(uow, ctx, quiet)


def _settle(
    ctx: ServiceContext,
    operator: Operator,
    batch_id: int,
    quiet: timedelta,
    undo: bool,
) -> UndoSummary | None:
    action = "Undoing an unfinished import" if undo else "Keeping an unfinished import"
    with ctx.uow() as uow:
        who = require_operator(uow, operator, Permission.MANAGE_CATALOG, action)
        live = uow.product_io.lock_batch(batch_id)  # stopped, or not, until we commit
        found = next((u for u in _stopped(uow, ctx, quiet) if u.batch_id == batch_id), None)
        if not live or found is None:
            raise Conflict(
                f"Import {batch_id} is not a stopped import: it finished, was already "
                "undone or kept, or is still running."
            )
        detail = {"file": found.filename, "batch": batch_id, **who.detail}
        undone = None
        if undo:
            undone = uow.product_io.undo_import(batch_id, who.user_id, ctx.clock())
            uow.audit.record(
                "products_import_undone", who.user_id, detail={**detail, "undone": str(undone)}
            )
        else:
            uow.product_io.keep_journal(batch_id)
            uow.audit.record("products_import_kept", who.user_id, detail=detail)
        uow.commit()
    return undone


def undo_unfinished(
    ctx: ServiceContext, operator: Operator, batch_id: int, quiet: timedelta = QUIET_AFTER
) -> UndoSummary:
    """Put the catalog back as it was before a stopped import (one transaction; products
    sold since are deactivated rather than removed, sales stay)."""
    undone = _settle(ctx, operator, batch_id, quiet, undo=True)
    assert undone is not None
    return undone


def keep_unfinished(
    ctx: ServiceContext, operator: Operator, batch_id: int, quiet: timedelta = QUIET_AFTER
) -> None:
    """Keep what a stopped import committed; it is no longer offered for undoing."""
    _settle(ctx, operator, batch_id, quiet, undo=False)


def export_to(ctx: ServiceContext, operator: Operator, path: str) -> ExportSummary:
    """Every product to ``path`` in the import format (a ``.gz`` name is compressed)."""
    return export_products(ctx, operator, path)


def save_bad_rows(rows: list[BadRow], path: str) -> int:
    """The error report as CSV (line, sku, problem); the number of rows written."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("line", "sku", "problem"))
        for row in rows:
            writer.writerow((row.line, row.sku, row.reason))
    return len(rows)
