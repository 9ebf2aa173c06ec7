"""The ``pos`` program's entry point: without a command, the desktop application; with one,
the command line.

The only module of ``pos`` that may reach the GUI (an import-linter contract says so).
Each side is imported only when chosen: the command line never loads Qt, and the GUI
loads neither SQLAlchemy nor the CLI's commands before its first window is painted.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def wants_gui(argv: Sequence[str]) -> bool:
    """No arguments, or only ``--database-url URL``."""
    return not argv or (argv[0] == "--database-url" and len(argv) == 2)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if wants_gui(args):
        from ui.main import run_gui  # Qt only when the GUI is wanted

        return run_gui(args[1] if args else None)
    from pos.cli import main as cli  # SQLAlchemy and the commands only for the CLI

    return cli(args)
