"""Backups: automatic copies beside the database, kept 7 daily / 4 weekly / 12 monthly,
and restoring one (the current database is always backed up first)."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from app import community_key, sealed_backups
from app.accounts import require_admin
from app.ledger import database_file
from db import accounts as account_queries
from db import audit as audit_queries
from db import backup as files
from db import connection, schema
from db import sync as sync_queries
from db.clock import LOCAL_TZ
from db.errors import DamagedDatabase, StorageError
from db.store import Store, open_store

FOLDER = "backups"
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 7, 4, 12
# kind in the file name: automatic copies rotate; the others are kept until deleted by hand.
AUTO, BEFORE_RESTORE, DAMAGED = "auto", "before-restore", "damaged"
KIND_NAMES = {AUTO: "自动备份", BEFORE_RESTORE: "恢复前的数据库", DAMAGED: "损坏的数据库（留作查看）"}
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<kind>before-restore|damaged))?\.db$")


@dataclass(frozen=True)
class Backup:
    path: Path
    taken_at: datetime  # local time, from the file name
    kind: str
    size: int

    @property
    def label(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M} {KIND_NAMES[self.kind]}"


def backups_dir(db_file: Path) -> Path:
    return db_file.parent / FOLDER


def list_backups(db_file: Path) -> list[Backup]:
    """This database's backups in its backups folder, newest first."""
    folder = backups_dir(db_file)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if not match or match["stem"] != db_file.stem or not path.is_file():
            continue
        found.append(Backup(path, _taken_at(path), match["kind"] or AUTO, path.stat().st_size))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def backups_of(store: Store) -> list[Backup]:
    """The open database's backups, newest first (for 设置)."""
    return list_backups(database_file(store))


def _taken_at(path: Path) -> datetime:
    return datetime.strptime(_NAME.match(path.name)["stamp"], "%Y%m%d-%H%M%S")


def _backup_path(db_file: Path, now: datetime, kind: str) -> Path:
    suffix = "" if kind == AUTO else f"-{kind}"
    path = backups_dir(db_file) / f"{db_file.stem}-{now:%Y%m%d-%H%M%S}{suffix}.db"
    # Two backups in one second (a restore right after a backup) must not overwrite each other.
    while path.exists():
        now += timedelta(seconds=1)
        path = backups_dir(db_file) / f"{db_file.stem}-{now:%Y%m%d-%H%M%S}{suffix}.db"
    return path


def make_backup(store: Store, *, now: datetime | None = None, kind: str = AUTO) -> Backup:
    """Copy the open database into its backups folder, then drop the copies no longer kept."""
    now = now or store.clock.local_now()
    db_file = database_file(store)
    path = _backup_path(db_file, now, kind)
    _write(store, path)
    store.log_event("backup", detail={"file": path.name})
    made = Backup(path, _taken_at(path), kind, path.stat().st_size)
    prune(db_file)
    return made


def save_copy(store: Store, out_file: str | Path) -> Path:
    """A backup to a file the user chose (a USB stick), sealed with the community key; not part
    of the rotation."""
    out = Path(out_file)
    if out.is_dir():
        out = out / f"{database_file(store).stem}-{store.clock.local_now():%Y%m%d-%H%M%S}{sealed_backups.SUFFIX}"
    if out.resolve() == database_file(store).resolve():
        raise StorageError("备份文件不能是正在使用的数据库本身，请换一个文件名。")
    _write_sealed(store, out)
    store.log_event("backup", detail={"file": out.name})
    return out


def _write_sealed(store: Store, out: Path) -> None:
    """The checked copy is written in the data folder, sealed onto `out`, then deleted."""
    community_key.ensure_key(store)  # before any writing: a PC without a key is told so first
    plain = backups_dir(database_file(store)) / f".sealing-{out.name}.db"
    try:
        _write(store, plain)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            sealed_backups.seal_copy(store, plain, out)
        except OSError as exc:
            raise StorageError(f"无法写入备份“{out}”（{exc.strerror or exc}），请检查磁盘空间和文件夹权限。") from None
    finally:
        plain.unlink(missing_ok=True)


def _write(store: Store, path: Path) -> None:
    """Write a backup and check it: a copy of a damaged page is damaged, so this is also the
    daily check of the database itself (the start-up check is skipped after a clean close)."""
    try:
        files.write_copy(store.db.conn, path)
    except OSError as exc:
        raise StorageError(f"无法写入备份“{path}”（{exc.strerror or exc}），请检查磁盘空间和文件夹权限。") from None
    try:
        files.check_file(path)
    except DamagedDatabase:
        path.unlink(missing_ok=True)
        raise DamagedDatabase("检查发现数据库文件已损坏，这次备份没有保存。请关闭程序后重新打开："
                              "程序会检查数据库，并提供最近的完好备份。") from None


def changed_since(store: Store, moment: datetime) -> bool:
    """Whether a record was written after `moment` (local time); sign-ins and other events
    in the audit do not make a new backup worth taking."""
    last = audit_queries.last_record_change(store)
    if last is None:
        return False
    return datetime.fromisoformat(last).astimezone(LOCAL_TZ).replace(tzinfo=None) > moment


def backup_if_due(store: Store, *, now: datetime | None = None) -> Backup | None:
    """At most one automatic backup a day while the window is open, when something changed."""
    now = now or store.clock.local_now()
    newest = next((b for b in list_backups(database_file(store)) if b.kind == AUTO), None)
    if newest is not None and (newest.taken_at.date() == now.date() or not changed_since(store, newest.taken_at)):
        return None
    return make_backup(store, now=now)


def backup_on_exit(store: Store, *, now: datetime | None = None) -> Backup | None:
    """On closing: a backup unless nothing changed since the newest one."""
    newest = next((b for b in list_backups(database_file(store)) if b.kind == AUTO), None)
    if newest is not None and not changed_since(store, newest.taken_at):
        return None
    return make_backup(store, now=now)


def kept(taken: list[datetime]) -> set[datetime]:
    """Which automatic backups to keep: the newest of each of the last 7 days, 4 weeks and
    12 months that have a backup."""
    keep: set[datetime] = set()
    for key, count in ((lambda t: t.date(), KEEP_DAILY),
                       (lambda t: t.isocalendar()[:2], KEEP_WEEKLY),
                       (lambda t: (t.year, t.month), KEEP_MONTHLY)):
        newest: dict[object, datetime] = {}
        for moment in taken:
            if key(moment) not in newest or moment > newest[key(moment)]:
                newest[key(moment)] = moment
        keep.update(sorted(newest.values(), reverse=True)[:count])
    return keep


def prune(db_file: Path) -> list[Path]:
    """Delete the automatic backups the rotation no longer keeps; returns what went."""
    autos = [b for b in list_backups(db_file) if b.kind == AUTO]
    keep = kept([b.taken_at for b in autos])
    removed = []
    for backup in autos:
        if backup.taken_at not in keep:
            backup.path.unlink(missing_ok=True)
            removed.append(backup.path)
    return removed


def newest_sound_backup(db_file: Path) -> Backup | None:
    """The newest backup that passes the checks (a damaged copy is skipped)."""
    for backup in list_backups(db_file):
        if backup.kind == DAMAGED:
            continue
        try:
            files.check_file(backup.path)
        except StorageError:
            continue
        return backup
    return None


def restore_into(store: Store, backup_file: str | Path, *, now: datetime | None = None,
                 recovery_code: str | None = None) -> Backup:
    """Restore a backup into the open database (the window stays open); returns the backup
    of the database as it was just before. A sealed backup is opened first (unsealed_source)."""
    require_admin(store, "从备份恢复")
    with sealed_backups.unsealed(Path(backup_file), backups_dir(database_file(store)),
                                 key=community_key.key_of(store), recovery_code=recovery_code) as source:
        return _restore_into(store, source, Path(backup_file).name, now=now)


def _restore_into(store: Store, source: Path, name: str, *, now: datetime | None) -> Backup:
    now = now or store.clock.local_now()
    files.check_file(source)
    try:
        before = make_backup(store, now=now, kind=BEFORE_RESTORE)
    except DamagedDatabase:
        before = _keep_damaged(store, now)  # the reason for restoring: kept, not a reason to stop
    user, role = store.user, store.role
    floor = sync_queries.next_seq(store.db.conn)
    # Accounts belong to this computer, not to the records: a restore keeps today's, so an old
    # backup cannot bring back an old password or switch sign-in off.
    current_accounts = account_queries.every_row(store)
    files.copy_into(source, store.db)
    schema.migrate(store.db)
    with store.transaction():
        sync_queries.raise_seq_floor(store.db.conn, floor)
        account_queries.replace_all(store, current_accounts)
    store.reopened()
    store.user, store.role = user, role
    store.log_event("restore_backup", detail={"file": name, "before": before.path.name})
    return before


def _keep_damaged(store: Store, now: datetime) -> Backup:
    """A copy of the open, damaged database, kept as it is for whoever looks into it later."""
    path = _backup_path(database_file(store), now, DAMAGED)
    try:
        files.write_copy(store.db.conn, path)
    except OSError as exc:
        raise StorageError(f"无法写入“{path.parent}”（{exc.strerror or exc}），请检查磁盘空间和文件夹权限。") from None
    return Backup(path, _taken_at(path), DAMAGED, path.stat().st_size)


def restore_file(db_file: Path, backup_file: str | Path, *, now: datetime,
                 recovery_code: str | None = None) -> Path | None:
    """Restore a backup over a database that is not open (the command line, or a damaged
    database at start-up). The current file is kept: backed up when it is sound, moved into
    the backups folder when it is damaged. Returns where it went (None when there was none).
    A sealed backup is opened with the current file's key, or with the 恢复码."""
    with sealed_backups.unsealed(Path(backup_file), backups_dir(db_file), key=sealed_backups.key_in(db_file),
                                 recovery_code=recovery_code) as source:
        return _restore_file(db_file, source, now=now)


def _restore_file(db_file: Path, source: Path, *, now: datetime) -> Path | None:
    files.check_file(source)
    kept_as, carried = None, None
    if db_file.exists() and db_file.stat().st_size > 0:
        carried = _carried(db_file)
        kept_as = _keep_current(db_file, now)
    part = db_file.with_name(db_file.name + ".restoring")
    try:
        files.copy_file(source, part)
    except OSError as exc:
        raise StorageError(f"无法写入“{db_file.parent}”（{exc.strerror or exc}），请检查磁盘空间和文件夹权限。") from None
    for leftover in _companions(db_file):
        leftover.unlink(missing_ok=True)
    part.replace(db_file)
    if carried:
        floor, accounts = carried
        store = open_store(db_file)
        try:
            with store.transaction():
                sync_queries.raise_seq_floor(store.db.conn, floor)
                account_queries.replace_all(store, accounts)
        finally:
            store.close()
    return kept_as


def _carried(db_file: Path) -> tuple[int, list[dict]] | None:
    """What a restore keeps from the current file, when it can still be read: the next change
    number (see restore_into) and this computer's accounts."""
    try:
        store = open_store(db_file)
    except (StorageError, sqlite3.DatabaseError):
        return None
    try:
        return sync_queries.next_seq(store.db.conn), account_queries.every_row(store)
    except sqlite3.DatabaseError:
        return None
    finally:
        store.close()


def _keep_current(db_file: Path, now: datetime) -> Path:
    try:
        db = connection.open_existing(db_file)
        try:
            sound = not connection.integrity_problems(db, quick=True)
            if sound:
                path = _backup_path(db_file, now, BEFORE_RESTORE)
                files.write_copy(db.conn, path)
                return path
        finally:
            db.close()
    except StorageError:
        pass
    # A damaged file is moved aside whole (with its WAL), never deleted.
    path = _backup_path(db_file, now, DAMAGED)
    path.parent.mkdir(parents=True, exist_ok=True)
    for companion in _companions(db_file):
        if companion.exists():
            companion.replace(path.with_name(path.name + companion.name[len(db_file.name):]))
    db_file.replace(path)
    return path


def _companions(db_file: Path) -> list[Path]:
    return [db_file.with_name(db_file.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def lost_with_backups(db_file: Path) -> bool:
    """The database is gone or empty but it has backups: never start afresh silently."""
    if db_file.exists() and db_file.stat().st_size > 0:
        return False
    return bool(list_backups(db_file))
