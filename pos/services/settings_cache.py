"""Reading the store settings, and the copy the till's hot paths keep of them."""

from __future__ import annotations

from dataclasses import fields, replace

from pos.ports.settings import REVISION_KEY, SettingsRepo, StoreSettings

FIELDS = {f.name: f for f in fields(StoreSettings)}


def read_settings(uow_settings: SettingsRepo) -> StoreSettings:
    stored = {k: v for k, v in uow_settings.all().items() if k in FIELDS}
    return replace(StoreSettings(), **stored)


class SettingsCache:
    """The store settings as last read, with their revision (bumped by every change,
    whoever makes it: another till, the back office, ``pos settings set``). A hot path
    that learns the current revision in one of its own statements uses the cached copy
    when it is that revision, and reads the settings again otherwise."""

    __slots__ = ("_revision", "_settings")

    def __init__(self) -> None:
        self._revision: str | None = None
        self._settings: StoreSettings | None = None

    def current(self, uow_settings: SettingsRepo, revision: str) -> StoreSettings:
        if self._settings is not None and revision == self._revision:
            return self._settings
        stored = uow_settings.all()
        settings = replace(StoreSettings(), **{k: v for k, v in stored.items() if k in FIELDS})
        self._revision, self._settings = str(stored.get(REVISION_KEY) or ""), settings
        return settings
