"""A batched product import in a process of its own, killed with SIGKILL the instant its
``stop_after``-th batch has committed (see test_catalog_import.py).

    python -m tests.integration.import_kill_child URL CSV BATCH_SIZE STOP_AFTER
"""

from __future__ import annotations

import os
import signal
import sys

from pos.app import open_app
from pos.services import catalog_import, staff


def main(url: str, path: str, batch_size: int, stop_after: int) -> None:
    app = open_app(url, migrate=False)

    def committed(rows: int) -> None:
        if rows >= stop_after * batch_size:
            os.kill(os.getpid(), signal.SIGKILL)

    catalog_import.import_in_batches(
        app.ctx, staff.CLI, path, batch_size=batch_size, on_progress=committed
    )
    print("survived")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
