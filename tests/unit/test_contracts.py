"""Every module of pos/, db/, ui/ and reports/ sits under an import-linter contract (the
contracts themselves run in ``make contracts``), and nothing dodges them with a dynamic
import."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pos", "db", "ui", "reports")


def _modules() -> list[tuple[str, Path]]:
    out = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out.append((".".join(parts), path))
    return out


def _sources() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return {name for c in contracts for name in c["source_modules"]}


def _covered(module: str, sources: set[str]) -> bool:
    return any(module == s or module.startswith(s + ".") for s in sources)


def test_every_module_is_the_source_of_a_contract() -> None:
    sources = _sources()
    left_out = [m for m, _ in _modules() if m != "pos" and not _covered(m, sources)]
    assert left_out == []


def test_the_root_package_of_pos_imports_nothing() -> None:
    """``pos/__init__.py`` is the one module no contract names (a contract on ``pos``
    would cover all of it), so it must stay empty of imports."""
    tree = ast.parse((ROOT / "pos" / "__init__.py").read_text(encoding="utf-8"))
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


# The reader process of pos.files builds, in a child process, the row format its parent
# passed by name: the parent imports that format's module statically (where the contracts
# see it), so the child's import by name reaches nothing the parent could not.
BY_NAME_ALLOWED = {"pos.files.reader_process"}


def test_no_module_imports_by_name_at_run_time() -> None:
    """``importlib.import_module`` and ``__import__`` are invisible to import-linter."""
    found = []
    for module, path in _modules():
        if module in BY_NAME_ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func)
                if name in ("importlib.import_module", "import_module", "__import__"):
                    found.append(f"{module}:{node.lineno}")
    assert found == []


def test_the_program_opens_the_gui_only_without_a_command() -> None:
    from pos.launcher import wants_gui

    assert wants_gui([]) and wants_gui(["--database-url", "sqlite:///x.sqlite3"])
    assert not wants_gui(["report", "z"]) and not wants_gui(["--database-url", "u", "demo"])
