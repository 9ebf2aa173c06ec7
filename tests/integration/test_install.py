"""Installed as users install it: the wheel into a new virtual environment, run from a
folder outside the repository, finds its fonts, styles and icons (``resources/`` is
package data, found through ``importlib.resources``).

Builds the wheel with ``pip wheel --no-deps``, makes a venv (no system site packages) in a
temporary folder, installs the wheel there with its dependencies from the package index
this machine reaches, then runs ``pos db upgrade``, ``pos demo``, ``pos report sales
--format pdf`` (every font embedded, checked in the PDF's font objects) and the GUI
offscreen up to the sign-in window. A minute or two; it runs in ``make test`` and CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.pdf_fonts import unembedded_fonts

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

GUI_PROBE = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
import pos, ui.theme
from ui.bootstrap import build_main_window
from ui.login import LoginDialog
ui.theme.apply_theme(app, "dark")  # as ui.main does: the stylesheet and its icons' folder
window = build_main_window(sys.argv[1])
window.show()
spins = 0
while not (isinstance(window.dialog, LoginDialog) and window.dialog.isVisible()):
    app.processEvents()
    spins += 1
    if spins > 2_000_000:
        sys.exit("no sign-in window")
print("package", pos.__file__)
print("resources", ui.theme.resources_dir())
print("sign-in", type(window.dialog).__name__)
print("styled", "QPushButton" in app.styleSheet(), not ui.theme.icon("till").isNull())
window.close()
"""


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_wheel_installed_in_a_new_venv_runs_outside_the_repository(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
         "--wheel-dir", str(wheels), str(ROOT)],
        tmp_path, env,
    )  # fmt: skip
    [wheel] = wheels.glob("pos-*.whl")
    target = tmp_path / "venv"
    venv.create(target, with_pip=True, system_site_packages=False)
    python, pos = target / "bin" / "python", target / "bin" / "pos"
    _run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], tmp_path, env)

    home = tmp_path / "shop"  # the current directory: nowhere near the repository
    home.mkdir()
    url = f"sqlite:///{home / 'shop.sqlite3'}"
    env["POS_JOURNAL_ANCHOR"] = str(home / "heads.jsonl")
    env["POS_REPORTS_DIR"] = str(home / "z")
    assert "upgraded" in _run([str(pos), "db", "upgrade", "--database-url", url], home, env)
    _run([str(pos), "demo", "--products", "40", "--days", "2", "--database-url", url], home, env)
    _run(
        [str(pos), "report", "sales", "--format", "pdf", "--out", "sales.pdf",
         "--database-url", url],
        home, env,
    )  # fmt: skip
    pdf = home / "sales.pdf"
    assert b"DejaVuSans" in pdf.read_bytes()
    # every font is embedded: the vendored TTFs were found in the installed package
    assert unembedded_fonts(pdf) == set()

    out = _run([str(python), "-c", GUI_PROBE, url], home, env)
    site = str(target)
    lines = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    assert lines["package"].startswith(site), out  # the installed copy, not the repository
    assert lines["resources"].startswith(site), out
    assert lines["sign-in"] == "LoginDialog", out
    assert lines["styled"] == "True True", out
