"""Backing up and restoring the store's database from the settings screen.

Rules:
- Both need MANAGE_SETTINGS (owners). A backup is audited in the live database; a
  restore is audited in the restored one (with who did it and where the database as it
  was is kept), and announced to this app's bus (``Resync``): everything shown is read
  again. After a restore, sessions opened since the backup no longer exist, so the app
  asks everyone to sign in again.
- On PostgreSQL there is nothing to do here: the server's backups are the tool.
"""

from __future__ import annotations

from pos.domain.errors import ValidationError
from pos.domain.staff import Permission
from pos.ports.backup import BackupResult, DatabaseBackup, Progress
from pos.ports.events import Resync
from pos.ports.staff import Actor
from pos.services.context import ServiceContext, require

SERVER_BACKUPS = (
    "This store's database is on a PostgreSQL server: back it up and restore it with the "
    "server's own tools (pg_dump and pg_restore, or your host's snapshots), not from here."
)


def _tool(ctx: ServiceContext) -> DatabaseBackup:
    if ctx.backup is None:
        raise ValidationError("backup", SERVER_BACKUPS)
    return ctx.backup


def _ignore(done: int, total: int) -> None:
    return None


def backup_database(
    ctx: ServiceContext, actor: Actor, target: str, progress: Progress = _ignore
) -> BackupResult:
    tool = _tool(ctx)
    with ctx.read() as uow:
        actor = require(uow, actor, Permission.MANAGE_SETTINGS, "Backing up the database")
    result = tool.backup(target, progress)
    with ctx.uow() as uow:
        uow.audit.record(
            "backup",
            actor.user_id,
            detail={"path": result.path, "bytes": result.size_bytes, "checked": result.checked},
        )
        uow.commit()
    return result


def restore_database(
    ctx: ServiceContext, actor: Actor, source: str, progress: Progress = _ignore
) -> BackupResult:
    tool = _tool(ctx)
    with ctx.read() as uow:
        actor = require(uow, actor, Permission.MANAGE_SETTINGS, "Restoring the database")
    result = tool.restore(source, progress)
    with ctx.uow() as uow:
        uow.audit.record(
            "restore",
            None,  # the restored database may not know this account
            detail={
                "by": actor.username,
                "from": result.path,
                "kept_aside": result.kept_aside,
                "checked": result.checked,
            },
        )
        uow.commit()
    ctx.bus.publish(Resync("the database was restored"))
    return result
