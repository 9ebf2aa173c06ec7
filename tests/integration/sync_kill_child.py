"""Runs sync cycles back to back until it is killed (tests/integration/test_sync_soak.py).

``python -m tests.integration.sync_kill_child DATABASE_URL``; prints "ready" once the
imports are done, then one line per cycle."""

from __future__ import annotations

import sys

from pos.app import open_app
from pos.services import sync
from pos.sync.client import RetryPolicy
from tests.sync_support import wire


def main() -> None:
    app = open_app(sys.argv[1])
    secrets = __import__("pathlib").Path(sys.argv[2])
    wire(
        app.ctx,
        secrets,
        RetryPolicy(
            attempts=6, base_delay=0.001, max_delay=0.02, connect_timeout=1.0, read_timeout=0.5
        ),
    )
    print("ready", flush=True)
    while True:
        report = sync.run_cycle(app.ctx)
        print(report.ok, report.message, flush=True)


if __name__ == "__main__":
    main()
