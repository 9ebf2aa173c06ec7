"""Start-up: ``pos`` launched offscreen until its sign-in window is painted, beside the raw
floor (a bare PySide6 window painted in a fresh process).

Each run is a new Python process on a database that already has an owner (so the sign-in
dialog, not the first-start setup, appears); the clock starts just before the process is
spawned. Two figures come from each run: the first paint of the ``LoginDialog`` (shown
before the database is open when the last start on it found staff: ui.start_hint), and
the moment it is both painted and holding the open database (a sign-in typed before then
waits for it). The first run is a warm-up (the disk cache, and the hint a real till has
from its previous start), so the figures are a warm start. The runs share a QSettings
folder of their own (XDG_CONFIG_HOME), never the user's.

``python -m benchmarks.start_bench [--repeat N]`` runs it alone; ``python -m benchmarks
start`` as part of the suite (SQLite only: the database is not what is measured).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.env import Backend, Env
from benchmarks.registry import Result, benchmark

TARGET_S = 0.5

# The child: ``pos``'s own GUI entry (ui.main.run_gui), with an event filter that reports
# the first paint of the sign-in dialog and when it has the database. Nothing else is
# imported before run_gui.
APP_PROBE = """
import os, sys, time
import ui.main as main
import ui.login as login
from PySide6.QtCore import QEvent, QObject

seen = {}

def note(what):
    seen.setdefault(what, time.time())
    if len(seen) == 2:  # painted, and holding the open database
        print(f"{seen['painted']:.6f} {max(seen.values()):.6f}", flush=True)
        os._exit(0)

class Probe(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and type(obj).__name__ == "LoginDialog":
            note("painted")
            if obj.ctx is not None:
                note("ready")
        return False

set_context = login.LoginDialog.set_context

def set_context_probe(self, ctx, store_name):
    set_context(self, ctx, store_name)
    note("ready")

login.LoginDialog.set_context = set_context_probe
probe = Probe()
make = main.make_application

def make_application(argv=None):
    app = make(argv)
    app.installEventFilter(probe)
    return app

main.make_application = make_application
sys.exit(main.run_gui(sys.argv[1]))
"""

FLOOR_PROBE = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel

class Probe(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj is label:
            print(f"{time.time():.6f}", flush=True)
            os._exit(0)
        return False

app = QApplication(sys.argv[:1])
probe = Probe()
app.installEventFilter(probe)
label = QLabel("Sign in")
label.show()
sys.exit(app.exec())
"""


def _launch(code: str, *args: str, config: str = "") -> list[float]:
    """Seconds from spawning ``python -c code`` to each time it prints."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    if config:
        env["XDG_CONFIG_HOME"] = config
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = out.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"the start probe printed nothing: {out.stderr.strip()[-500:]}")
    return [float(t) - started for t in lines[-1].split()]


def _database(folder: Path) -> str:
    """A migrated SQLite database with an owner (so the sign-in dialog appears)."""
    from pos.app import open_app
    from pos.services import staff

    url = f"sqlite:///{folder / 'start.sqlite3'}"
    app = open_app(url)
    try:
        staff.create_user(app.ctx, None, "owner", "owner", "owner-password-1", full_name="Owner")
    finally:
        app.close()
    return url


def measure(repeat: int) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="pos-start-") as tmp:
        url = _database(Path(tmp))
        config = str(Path(tmp) / "config")
        _launch(APP_PROBE, url, config=config)  # the disk cache, and the start hint
        _launch(FLOOR_PROBE)
        painted: list[float] = []
        ready: list[float] = []
        floor: list[float] = []
        for _ in range(repeat):  # interleaved, so both see the same load
            shown, opened = _launch(APP_PROBE, url, config=config)
            painted.append(shown)
            ready.append(opened)
            floor.append(*_launch(FLOOR_PROBE))
    app = Result("start to the sign-in window painted", "sqlite", painted, TARGET_S, unit="s")
    full = Result("start to the sign-in with the database open", "sqlite", ready, unit="s")
    base = Result("start: bare PySide6 window (raw floor)", "sqlite", floor, unit="s")
    app.extra["ratio_to_floor"] = round(app.p50 / base.p50, 2)
    full.extra["ratio_to_floor"] = round(full.p50 / base.p50, 2)
    return [app, full, base]


@benchmark(
    "start",
    "pos launched offscreen to its sign-in window, beside a bare PySide6 window",
    backends=("sqlite",),
)
def start(env: Env, backend: Backend) -> list[Result]:
    return measure(max(3, min(env.repeat, 10)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=10)
    args = p.parse_args()
    for r in measure(args.repeat):
        ratio = r.extra.get("ratio_to_floor")
        tail = f"   x{ratio} of the floor" if ratio else ""
        print(
            f"{r.name:44} p50 {r.p50:6.3f} s  p95 {r.p95:6.3f} s  min {min(r.samples):6.3f} s{tail}"
        )


if __name__ == "__main__":  # pragma: no cover
    main()
