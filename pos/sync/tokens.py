"""Where the storefront's API token is kept: the operating system's keyring (the
``keyring`` package: Secret Service, macOS Keychain, Windows Credential Locker) when one
is there, else a file only the user can read (mode 0600) in the app's data directory.
Never in the database, a log or a message."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import ModuleType

SERVICE = "pos-storefront-sync"
FILE_NAME = "storefront-tokens.json"


class FileTokens:
    """Tokens by base URL in one JSON file, created 0600 (re-checked on every write)."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / FILE_NAME

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def _write(self, data: dict[str, str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, json.dumps(data).encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)

    def save(self, base_url: str, token: str) -> str:
        data = self._read()
        data[base_url] = token
        self._write(data)
        return f"a file only you can read ({self.path})"

    def load(self, base_url: str) -> str | None:
        return self._read().get(base_url)

    def forget(self, base_url: str) -> None:
        data = self._read()
        if data.pop(base_url, None) is not None:
            self._write(data)


def _keyring() -> tuple[ModuleType, type[Exception]]:
    """The keyring package and its error, loaded when a token is first used (not at the
    program's start: it takes ~80 ms to import)."""
    import keyring
    from keyring.errors import KeyringError

    return keyring, KeyringError


class SystemTokens:
    """The keyring when it works, the file otherwise (a headless server has no keyring)."""

    def __init__(self, directory: Path) -> None:
        self.file = FileTokens(directory)

    def save(self, base_url: str, token: str) -> str:
        keyring, KeyringError = _keyring()
        try:
            keyring.set_password(SERVICE, base_url, token)
        except (KeyringError, RuntimeError):
            return self.file.save(base_url, token)
        self.file.forget(base_url)
        return "the system keyring"

    def load(self, base_url: str) -> str | None:
        keyring, KeyringError = _keyring()
        try:
            found = keyring.get_password(SERVICE, base_url)
        except (KeyringError, RuntimeError):
            found = None
        return found if found is not None else self.file.load(base_url)

    def forget(self, base_url: str) -> None:
        keyring, KeyringError = _keyring()
        try:
            keyring.delete_password(SERVICE, base_url)
        except (KeyringError, RuntimeError):
            pass
        self.file.forget(base_url)
