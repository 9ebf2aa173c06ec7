"""A private PgBouncer for tests and benchmarks: transaction pooling in front of a
PostgreSQL server, on a free port of 127.0.0.1, with its own config in a temporary folder;
stopped (and its folder removed) at the end.

Debian's ``pgbouncer`` package provides the program (``.ci/run`` installs it). PgBouncer
refuses to run as root, so as root it is started with ``-u`` the server's usual account
(``postgres``), which then must be able to read the config folder.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

POOL_SIZE = 20


def available() -> str | None:
    """The pgbouncer program, or None when it is not installed."""
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(p)), None
    )


@dataclass(frozen=True)
class Bouncer:
    port: int
    server_url: str  # the PostgreSQL server behind it (any database)

    def url(self, database: str) -> str:
        """A SQLAlchemy URL to ``database`` through the bouncer, marked as pooled."""
        parsed = make_url(self.server_url).set(
            drivername="postgresql+psycopg", host="127.0.0.1", port=self.port, database=database
        )
        parsed = parsed.update_query_dict({"pos_pooler": "transaction"})
        return parsed.render_as_string(hide_password=False)

    def direct_url(self, database: str) -> str:
        """The same database on the server itself (for LISTEN and administration)."""
        parsed = make_url(self.server_url).set(drivername="postgresql+psycopg", database=database)
        return parsed.render_as_string(hide_password=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running(
    server_url: str, *, pool_size: int = POOL_SIZE, max_clients: int = 4000
) -> Iterator[Bouncer]:
    """Start PgBouncer in front of ``server_url``'s server; yield it; stop it."""
    program = available()
    if program is None:
        raise RuntimeError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    server = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    user = server.username or "postgres"
    folder = Path(tempfile.mkdtemp(prefix="pos-pgbouncer-"))
    port = _free_port()
    (folder / "userlist.txt").write_text(f'"{user}" "{server.password or ""}"\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={server.host or '127.0.0.1'} port={server.port or 5432}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        f"unix_socket_dir = {folder}\n"
        "auth_type = trust\n"
        f"auth_file = {folder / 'userlist.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {pool_size}\n"
        "min_pool_size = 0\n"
        "reserve_pool_size = 0\n"
        f"max_client_conn = {max_clients}\n"
        f"max_db_connections = {pool_size}\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"admin_users = {user}\n"
        "server_reset_query =\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        f"pidfile = {folder / 'pgbouncer.pid'}\n"
    )
    command = [program, "-q", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
        for item in folder.iterdir():
            os.chown(item, account.pw_uid, account.pw_gid)
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(port, process, folder)
        yield Bouncer(port, server.render_as_string(hide_password=False))
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # PgBouncer's "shut down now"
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (
                (folder / "pgbouncer.log").read_text()
                if (folder / "pgbouncer.log").exists()
                else ""
            )
            err = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"pgbouncer exited at start: {err or log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"pgbouncer did not listen on 127.0.0.1:{port} within 10 s")
