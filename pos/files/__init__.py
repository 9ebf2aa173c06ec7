"""Files in and out: the adapter layer between CSV files and the imports and exports.

- :mod:`~pos.files.source`: open a path or a binary stream; gzip is recognised by its
  magic bytes (``\\x1f\\x8b``), never by the name; how far the file has been read.
- :mod:`~pos.files.text`: UTF-8 decoding line by line (a byte-order mark dropped, a bad
  byte reported with its line) and CSV records numbered by the line they start on.
- :mod:`~pos.files.batches`: a file's rows parsed by a row format, in batches.
- :mod:`~pos.files.reader_process`: the same, parsed by a second process while this one
  writes (``python -m pos.files``).
- :mod:`~pos.files.bad_rows`: every bad row to a callback, the first few in the summary.
- :mod:`~pos.files.output`: writing CSV, gzip by name, never half a file.
- :mod:`~pos.files.errors`: :class:`FileProblem`, what is wrong with a file as a whole.

It knows nothing of products or sales (their row rules are in ``pos.domain``) and nothing
of the database: it imports the standard library and ``pos.domain`` (its import-linter
contract allows ``pos.ports`` too, nothing else of the application).
"""

from pos.domain.bad_row import BadRow
from pos.files.bad_rows import BadRowReport
from pos.files.batches import FormatSpec, RowFormat
from pos.files.bulk import cycle_collection_paused
from pos.files.errors import FileProblem, Trouble
from pos.files.output import csv_output
from pos.files.reader_process import row_batches
from pos.files.source import Source, open_source, source_name

__all__ = [
    "BadRow",
    "BadRowReport",
    "FileProblem",
    "FormatSpec",
    "RowFormat",
    "Source",
    "Trouble",
    "csv_output",
    "cycle_collection_paused",
    "open_source",
    "row_batches",
    "source_name",
]
