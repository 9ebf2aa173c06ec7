"""What can be wrong with a file as a whole (not with one of its rows)."""

from __future__ import annotations

import csv
import gzip
import zlib
from enum import StrEnum

from pos.domain.errors import ValidationError

# What reading a compressed CSV text can raise besides FileProblem itself.
READ_ERRORS = (csv.Error, UnicodeDecodeError, OSError, EOFError, zlib.error)


class Trouble(StrEnum):
    MISSING = "missing"  # there is no such file
    UNOPENABLE = "unopenable"  # it exists but cannot be opened (permissions, a directory)
    NOT_UTF8 = "not_utf8"
    DAMAGED = "damaged"  # compressed data that is cut short or corrupt
    NOT_CSV = "not_csv"
    UNREADABLE = "unreadable"  # the operating system could not read it
    UNWRITABLE = "unwritable"


class FileProblem(ValidationError):
    """The file cannot be read (or written) at all: ``file: <problem>``.

    ``kind`` says what is wrong, ``line`` where (0 when not known), ``cause`` the operating
    system's or the library's own words. An import may word it its own way from those.
    """

    def __init__(self, kind: Trouble, problem: str, *, line: int = 0, cause: str = "") -> None:
        super().__init__("file", problem)
        self.kind, self.line, self.cause = kind, line, cause

    @classmethod
    def opening(cls, path: str, exc: OSError) -> FileProblem:
        kind = Trouble.MISSING if isinstance(exc, FileNotFoundError) else Trouble.UNOPENABLE
        cause = exc.strerror or str(exc)
        return cls(kind, f"cannot open {path}: {cause}", cause=cause)

    @classmethod
    def not_utf8(cls, line: int) -> FileProblem:
        return cls(Trouble.NOT_UTF8, f"line {line} is not UTF-8 text", line=line)

    @classmethod
    def reading(cls, exc: BaseException, lines_read: int) -> FileProblem:
        """``exc`` (one of :data:`READ_ERRORS`) met after ``lines_read`` whole lines."""
        cause = str(exc)
        if isinstance(exc, csv.Error):  # the csv module has read the line it complains of
            line = lines_read or 1
            return cls(Trouble.NOT_CSV, f"line {line} cannot be read as CSV: {cause}", line=line)
        line = lines_read + 1
        if isinstance(exc, UnicodeDecodeError):  # from a text stream, which decodes ahead
            return cls(Trouble.NOT_UTF8, f"is not UTF-8 text near line {line}", line=line)
        if isinstance(exc, EOFError | gzip.BadGzipFile | zlib.error):
            problem = "the compressed file is damaged or cut short"
            return cls(Trouble.DAMAGED, problem, line=line, cause=cause)
        return cls(Trouble.UNREADABLE, f"cannot be read: {cause}", line=line, cause=cause)
