"""A second app on the same database, for tests/integration/test_live_updates.py: opens
the database listening for other apps' changes and prints each event it hears as one
JSON line ("ready" first), until its stdin closes."""

from __future__ import annotations

import json
import sys
import threading

from pos.app import open_app
from pos.ports.events import LowStock, PriceChanged, Resync, SaleCompleted, SettingsChanged


def main(url: str) -> None:
    app = open_app(url, migrate=False, listen=True)
    lock = threading.Lock()

    def say(event: object) -> None:
        name = type(event).__name__
        data = {f: getattr(event, f) for f in getattr(event, "__slots__", ())}
        with lock:
            print(json.dumps({"event": name, **data}), flush=True)

    for kind in (LowStock, PriceChanged, Resync, SaleCompleted, SettingsChanged):
        app.ctx.bus.subscribe(kind, say)
    feed = app.feed
    assert feed is not None
    while feed.state != "listening":
        threading.Event().wait(0.02)
    print(json.dumps({"event": "ready"}), flush=True)
    sys.stdin.read()
    app.close()


if __name__ == "__main__":
    main(sys.argv[1])
