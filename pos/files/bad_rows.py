"""The bad rows of one import: every one to a callback as it is found, the first few kept
for the summary (a file of a million bad rows must not fill the memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pos.domain.bad_row import BadRow

OnBad = Callable[[BadRow], None]


class BadRowReport:
    def __init__(self, keep: int, on_bad: OnBad | None = None) -> None:
        self.keep = keep
        self.on_bad = on_bad
        self.count = 0
        self.kept: list[BadRow] = []  # the first ``keep``, in the order reported

    def add(self, row: BadRow) -> None:
        self.count += 1
        if len(self.kept) < self.keep:
            self.kept.append(row)
        if self.on_bad is not None:
            self.on_bad(row)

    def add_in_line_order(self, rows: Iterable[BadRow]) -> None:
        """Report rows found in several passes over a batch, by their line."""
        for row in sorted(rows, key=lambda b: b.line):
            self.add(row)
