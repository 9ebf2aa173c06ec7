"""Databases for benchmarks: fresh ones, and copies of one holding the whole catalog.

SQLite databases are files under ``bench-data/db/``; PostgreSQL databases are created on
the given server as ``pos_bench_<random>`` and dropped at the end of the run (only the
ones this run created). A loaded database is made once per backend and run (by the import
benchmark, or by an untimed import when that did not run) and copied for each user:
a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import catalog

OWNER = ("bench-owner", "bench-password-1")


@dataclass
class Backend:
    name: str  # "sqlite" or "postgresql"
    admin_url: str = ""  # PostgreSQL: a database to connect to for CREATE/DROP DATABASE
    created: list[str] = field(default_factory=list)
    template: str | None = None  # URL of the loaded database

    def __str__(self) -> str:
        return self.name


@dataclass
class Env:
    products: int
    data_dir: Path
    repeat: int = 20
    keep: bool = False
    owner: Any = None  # pos.services.context.Actor of the last prepared database

    @property
    def catalog_csv(self) -> Path:
        return catalog.catalog_file(self.products, self.data_dir)

    # ------------------------------------------------------------------ databases
    def new_url(self, backend: Backend, label: str) -> str:
        """An empty, migrated database (no tax classes, no users)."""
        if backend.name == "sqlite":
            folder = self.data_dir / "db"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{label}-{uuid.uuid4().hex[:8]}.sqlite3"
            backend.created.append(str(path))
            url = f"sqlite:///{path}"
        else:
            name = f"pos_bench_{uuid.uuid4().hex[:10]}"
            _pg_admin(backend, f'CREATE DATABASE "{name}"')
            backend.created.append(name)
            url = _pg_url(backend.admin_url, name)
        from db.engine import make_engine
        from db.migrate import upgrade

        engine = make_engine(url)
        upgrade(engine, backup=False)
        engine.dispose()
        return url

    @contextlib.contextmanager
    def fresh(self, backend: Backend, label: str = "fresh") -> Iterator[Any]:
        """An App on a new database with the catalog's tax classes and an owner."""
        from pos.app import open_app

        url = self.new_url(backend, label)
        app = open_app(url)
        try:
            self.owner = _seed(app.ctx)
            yield app
        finally:
            app.close()
            self.drop(backend, url)

    def copy_of_loaded(self, backend: Backend) -> str:
        """The URL of a new copy of the database holding the whole catalog."""
        if backend.template is None:
            url = self.new_url(backend, "template")
            from pos.app import open_app
            from pos.services import product_io, staff

            app = open_app(url)
            try:
                _seed(app.ctx)
                product_io.import_products(app.ctx, staff.CLI, self.catalog_csv)
            finally:
                app.close()
            self.keep_as_template(backend, url)
        assert backend.template is not None
        if backend.name == "sqlite":
            source = Path(backend.template.removeprefix("sqlite:///"))
            target = source.with_name(f"loaded-{uuid.uuid4().hex[:8]}.sqlite3")
            _checkpoint(backend.template)
            shutil.copyfile(source, target)
            backend.created.append(str(target))
            return f"sqlite:///{target}"
        name = f"pos_bench_{uuid.uuid4().hex[:10]}"
        template = backend.template.rsplit("/", 1)[1]
        _pg_admin(backend, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        backend.created.append(name)
        return _pg_url(backend.admin_url, name)

    def keep_as_template(self, backend: Backend, url: str) -> None:
        """Use ``url`` (a database holding the whole catalog) as the loaded template."""
        if backend.template is None:
            backend.template = url

    @contextlib.contextmanager
    def loaded(self, backend: Backend) -> Iterator[Any]:
        """An App on a fresh copy of the loaded catalog database."""
        from pos.app import open_app

        url = self.copy_of_loaded(backend)
        app = open_app(url)
        try:
            self.owner = _owner(app.ctx)
            yield app
        finally:
            app.close()
            self.drop(backend, url)

    def drop(self, backend: Backend, url: str) -> None:
        if self.keep or url == backend.template:
            return
        if backend.name == "sqlite":
            path = url.removeprefix("sqlite:///")
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
            if path in backend.created:
                backend.created.remove(path)
        else:
            name = url.rsplit("/", 1)[1]
            if name in backend.created:
                _pg_admin(backend, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                backend.created.remove(name)

    def cleanup(self, backend: Backend) -> None:
        """Drop every database this run created (the template too), unless --keep."""
        if self.keep:
            return
        backend.template = None
        for item in list(backend.created):
            url = (
                f"sqlite:///{item}"
                if backend.name == "sqlite"
                else _pg_url(backend.admin_url, item)
            )
            self.drop(backend, url)


def _seed(ctx: Any) -> Any:
    """The catalog's tax classes and an owner account, through the services."""
    from pos.services import catalog as catalog_service
    from pos.services import staff

    staff.create_user(ctx, None, OWNER[0], "owner", OWNER[1], full_name="Benchmark Owner")
    owner = _owner(ctx)
    for code, name, rate in catalog.TAX_CLASSES:
        catalog_service.create_tax_class(ctx, owner, code, name, rate)
    return owner


def _owner(ctx: Any) -> Any:
    from pos.services import staff

    return staff.login(ctx, OWNER[0], OWNER[1])


def _checkpoint(url: str) -> None:
    import sqlite3

    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _pg_url(admin_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    return url.set(database=name).render_as_string(hide_password=False)


def _pg_admin(backend: Backend, sql: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(
        backend.admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()
