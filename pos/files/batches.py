"""A CSV file's rows, parsed by a row format, in lists of a given size."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pos.files.source import Source

T = TypeVar("T")


class RowFormat(Protocol):
    """What a file import tells the toolkit about its rows."""

    @property
    def row_type(self) -> type[Any]:
        """The NamedTuple of a good row."""
        ...

    @property
    def strict(self) -> bool:
        """Whether a stray quote is an error (rather than part of a field)."""
        ...

    def check_header(self, header: list[str] | None) -> None:
        """Raise ValidationError unless the first record (None: an empty file) will do."""
        ...

    def parse(self, fields: list[str], line: int) -> Any:
        """A ``row_type`` or a :class:`~pos.domain.bad_row.BadRow`; never raises for a row."""
        ...


@dataclass(frozen=True)
class FormatSpec:
    """How to build a row format, here or in the reader process: a callable that can be
    imported by its name (a class or a module-level function) and its text arguments."""

    factory: Callable[..., RowFormat]
    args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if "<" in self.ref:
            raise ValueError(f"{self.ref} cannot be imported by its name")

    @property
    def ref(self) -> str:
        return f"{self.factory.__module__}:{self.factory.__qualname__}"

    def build(self) -> RowFormat:
        return self.factory(*self.args)


def parsed_batches(
    rows: Iterable[tuple[int, list[str]]], parse: Callable[[list[str], int], T], size: int
) -> Iterator[list[T]]:
    """``parse(fields, line)`` of each row, in lists of ``size`` (the last may be shorter)."""
    batch: list[T] = []
    for line, fields in rows:
        batch.append(parse(fields, line))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def read_batches(source: Source, fmt: RowFormat, size: int) -> Iterator[list[Any]]:
    """Check the header, then the parsed rows in lists of ``size``."""
    rows = source.rows(strict=fmt.strict)
    fmt.check_header(rows.header())
    return parsed_batches(rows, fmt.parse, size)
