"""Backups: automatic copies beside the database, kept 7 daily / 4 weekly / 12 monthly,
and restoring one (the current database is always backed up first)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app import community_key, sealed_backups
from app.access import require_admin
from app.database import database_file
from app.logs import log
from app.paths import refuse_other_file
from db import accounts as account_queries
from db import audit as audit_queries
from db import backup as files
from db import connection, schema
from db import sync as sync_queries
from db.clock import LOCAL_TZ, Clock
from db.errors import (
    DamagedDatabase,
    DatabaseInUse,
    NotLedgerDatabase,
    StorageError,
    as_storage_error,
    os_reason,
    primary_code,
)
from db.store import Store, open_store
from db.writer_lock import held_here

FOLDER = "backups"
KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY = 7, 4, 12
# kind in the file name: automatic copies rotate; the others are kept until deleted by hand.
# (Manual backups made before they were named `-manual` carry no kind and read as automatic.)
AUTO, MANUAL, BEFORE_RESTORE, DAMAGED = "auto", "manual", "before-restore", "damaged"
KIND_NAMES = {AUTO: "自动备份", MANUAL: "手动备份", BEFORE_RESTORE: "恢复前的数据库",
              DAMAGED: "损坏的数据库（留作查看）"}
_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<kind>manual|before-restore|damaged))?\.db$")


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
    # The audit row is committed on the finished copy just before it takes its name: a kill
    # before leaves a `.part` and no row (the next start deletes it), a kill after leaves the
    # row and the `.part`, which the next start names (tidy_leftovers).
    _write(store, path, record=lambda: store.log_event("backup", detail={"file": path.name}))
    made = Backup(path, _taken_at(path), kind, path.stat().st_size)
    prune(db_file)
    return made


def backup_now(store: Store, *, now: datetime | None = None) -> Backup:
    """A backup the user asked for (备份 page, `backup` without --out): kept until deleted by hand."""
    return make_backup(store, now=now, kind=MANUAL)


def save_copy(store: Store, out_file: str | Path) -> Path:
    """A backup to a file the user chose (a USB stick), sealed with the community key; not part
    of the rotation."""
    out = Path(out_file)
    if out.is_dir():
        out = out / f"{database_file(store).stem}-{store.clock.local_now():%Y%m%d-%H%M%S}{sealed_backups.SUFFIX}"
    if out.resolve() == database_file(store).resolve():
        raise StorageError("备份文件不能是正在使用的数据库本身，请换一个文件名。")
    refuse_other_file(out, (sealed_backups.SUFFIX,), "加密备份文件")
    # As make_backup: the audit row is committed on the finished file just before it takes its name.
    _write_sealed(store, out, record=lambda: store.log_event("backup", detail={"file": out.name}))
    return out


def _write_sealed(store: Store, out: Path, *, record: Callable[[], None] | None = None) -> None:
    """The checked copy is written in the data folder, sealed onto `out`, then deleted."""
    _check_writable(out)  # a refused destination leaves the database as it was (no key made)
    community_key.ensure_key(store)  # before any writing: a PC without a key is told so first
    plain = backups_dir(database_file(store)) / f".sealing-{out.name}.db"
    try:
        _write(store, plain)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            sealed_backups.seal_copy(store, plain, out, record)
        except OSError as exc:
            raise StorageError(f"无法写入备份“{out}”（{os_reason(exc)}），请检查磁盘空间和文件夹权限。") from None
    finally:
        plain.unlink(missing_ok=True)


def _check_writable(out: Path) -> None:
    """Refuse a destination that cannot be written before anything else happens."""
    files.refuse_special_file(out)
    probe = out.with_name(out.name + ".part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(probe, "wb"):
            pass
        probe.unlink()
    except OSError as exc:
        raise StorageError(f"无法写入备份“{out}”（{os_reason(exc)}），请检查磁盘空间和文件夹权限。") from None


def _write(store: Store, path: Path, *, record: Callable[[], None] | None = None) -> None:
    """Write a backup and check it: a copy of a damaged page is damaged, so this is also the
    daily check of the database itself (the start-up check is skipped after a clean close).
    `record` runs once the copy passed its check, before it is given its name."""

    def checked(part: Path) -> None:
        try:
            files.check_file(part)
        except DamagedDatabase:
            raise DamagedDatabase("检查发现数据库文件已损坏，这次备份没有保存。请关闭程序后重新打开："
                                  "程序会检查数据库，并提供最近的完好备份。") from None
        if record is not None:
            record()

    try:
        files.write_copy(store.db.conn, path, before_rename=checked)
    except OSError as exc:
        raise StorageError(f"无法写入备份“{path}”（{os_reason(exc)}），请检查磁盘空间和文件夹权限。") from None


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


class OtherCommunity(StorageError):
    """The backup is another community's: restored only when the user says so explicitly."""

    def __init__(self, backup: str, here: str):
        super().__init__(f"这个备份属于另一个社区（{backup}），本机是{here}。恢复后本机的全部记录将换成那个社区的。")
        self.backup, self.here = backup, here


@dataclass(frozen=True)
class Carried:
    """What belongs to this computer, not to the records, and so survives a restore."""

    accounts: list[dict]
    seq_floor: int
    device_id: str
    serial_prefix: str | None
    community: tuple[str, str]  # (code, name): to refuse another community's backup
    # This PC's sync partners and history: kept when the backup is another PC's, whose peers
    # and packages are that PC's (db/sync.py sync_peers, sync_exchanges).
    peers: list[dict] = field(default_factory=list)
    exchanges: list[dict] = field(default_factory=list)


def restore_into(store: Store, backup_file: str | Path, *, now: datetime | None = None,
                 other_community: bool = False, recovery_code: str | None = None) -> Backup:
    """Restore a backup into the open database (the window stays open); returns the backup
    of the database as it was just before. A sealed backup is opened first (unsealed_source)."""
    require_admin(store, "从备份恢复")
    with sealed_backups.unsealed(Path(backup_file), backups_dir(database_file(store)),
                                 key=community_key.key_of(store), recovery_code=recovery_code) as source:
        return _restore_into(store, source, Path(backup_file).name, now=now, other_community=other_community)


def _restore_into(store: Store, source: Path, name: str, *, now: datetime | None, other_community: bool) -> Backup:
    now = now or store.clock.local_now()
    carried = _carried_from(store)
    db_file = database_file(store)
    part = _restoring_path(db_file)
    try:
        before = _built_and_checked(source, part, carried, other_community=other_community,
                                    keep=lambda: _before_restore(store, now)).finish()
        _log_restore(part, store.author, store.clock, name, before.path)
        # The window's connection lets go of the file, the restored file is renamed over it in
        # one step (as on the command line: no second copy of every page through a log), and
        # the window carries on with the file that is there: the restored one, or the old one
        # when the swap was refused.
        store.db.close()
        try:
            _swap_in(part, db_file)
        finally:
            reopened = connection.connect(db_file)
            connection.enable_wal(reopened)  # the restored header says rollback journal, like every backup
            store.reconnected(reopened)
    finally:
        _remove_restoring(part)
    return before


@dataclass
class _Kept:
    """The copy of the database about to be replaced, written as a `.part` while the backup is
    being checked; named (`finish`) once the restore goes ahead, deleted (`discard`) if not."""

    finish: Callable[[], Any]
    part: Path | None = None

    def discard(self) -> None:
        if self.part is not None:
            self.part.unlink(missing_ok=True)


def _built_and_checked(source: Path, part: Path, carried: Carried | None, *, other_community: bool,
                       keep: Callable[[], _Kept] | None) -> _Kept:
    """The restored file built at `part` and the current database kept (`keep`), while the backup
    gets its full check (SQLite's integrity_check and the foreign keys) on a second connection in
    another thread: SQLite lets go of Python's lock while it reads, so on two cores the check
    costs no time of its own. The copy checks the backup's checksum as it reads. A failed check
    stops the restore and leaves nothing behind; it is the reason given, whatever else failed."""
    files.check_file(source, quick=False)
    with ThreadPoolExecutor(max_workers=1) as pool:
        checking = pool.submit(files.full_check_file, source)
        kept = None
        try:
            if carried is not None:
                refuse_other_community(source, carried, allowed=other_community)
            prepare_restore(source, part, carried)
            kept = keep() if keep is not None else _Kept(lambda: None)
        except BaseException:
            problems = checking.result()
            if kept is not None:
                kept.discard()
            if problems:
                raise _damaged_source(source, problems) from None
            raise
        problems = checking.result()
    if problems:
        kept.discard()
        raise _damaged_source(source, problems)
    return kept


def _damaged_source(source: Path, problems: list[str]) -> DamagedDatabase:
    return DamagedDatabase(f"备份“{source.name}”已损坏（{problems[0][:60]}），请选择另一个备份。")


def _before_restore(store: Store, now: datetime) -> _Kept:
    """The open database's backup before a restore (its audit row is written when it is named);
    a damaged database is copied as it is instead (the reason for restoring: kept, not a reason
    to stop)."""
    path = _backup_path(database_file(store), now, BEFORE_RESTORE)
    try:
        part = files.write_part(store.db.conn, path)
    except DamagedDatabase:
        return _Kept(lambda: _keep_damaged(store, now))
    except OSError as exc:
        raise _storage(exc, path.parent) from None
    try:
        files.check_file(part)
    except DamagedDatabase:
        part.unlink(missing_ok=True)
        return _Kept(lambda: _keep_damaged(store, now))

    def finish() -> Backup:
        files.finish_part(part, path, before_rename=lambda _: store.log_event("backup", detail={"file": path.name}))
        return Backup(path, _taken_at(path), BEFORE_RESTORE, path.stat().st_size)

    return _Kept(finish, part)


def _keep_damaged(store: Store, now: datetime) -> Backup:
    """A copy of the open, damaged database, kept as it is for whoever looks into it later."""
    path = _backup_path(database_file(store), now, DAMAGED)
    try:
        files.write_copy(store.db.conn, path)
    except OSError as exc:
        raise StorageError(f"无法写入“{path.parent}”（{os_reason(exc)}），请检查磁盘空间和文件夹权限。") from None
    return Backup(path, _taken_at(path), DAMAGED, path.stat().st_size)


def restore_file(db_file: Path, backup_file: str | Path, *, now: datetime, clock: Clock | None = None,
                 user: str = "", other_community: bool = False, recovery_code: str | None = None) -> Path | None:
    """Restore a backup over a database that is not open (the command line, or a damaged
    database at start-up). The current file is kept: backed up when it is sound, copied into
    the backups folder when it is damaged. Returns where it went (None when there was none).
    A sealed backup is opened with the current file's key, or with the 恢复码.

    The restored file is made whole beside the database and renamed over it in one step."""
    with sealed_backups.unsealed(Path(backup_file), backups_dir(db_file), key=sealed_backups.key_in(db_file),
                                 recovery_code=recovery_code) as source:
        return _restore_file(db_file, source, Path(backup_file).name, now=now, clock=clock, user=user,
                             other_community=other_community)


def _restore_file(db_file: Path, source: Path, name: str, *, now: datetime, clock: Clock | None, user: str,
                  other_community: bool) -> Path | None:
    existing = db_file.is_file() and db_file.stat().st_size > 0
    carried = _carried(db_file) if existing else None
    part = _restoring_path(db_file)
    try:
        kept_as = _built_and_checked(source, part, carried, other_community=other_community,
                                     keep=(lambda: _keep_current(db_file, now)) if existing else None).finish()
        _log_restore(part, user, clock, name, kept_as)
        _swap_in(part, db_file)
    finally:
        _remove_restoring(part)
    return kept_as


def _restoring_path(db_file: Path) -> Path:
    return db_file.with_name(db_file.name + ".restoring")


def _remove_restoring(part: Path) -> None:
    for path in _restoring_files(part):
        path.unlink(missing_ok=True)


def _restoring_files(part: Path) -> list[Path]:
    """The half-built restore, its log, and the copy on its way to becoming it (copy_file's `.part`)."""
    return [part.with_name(part.name + suffix) for suffix in ("", "-journal", ".part", ".part-journal")]


def _storage(exc: OSError, where: Path) -> StorageError:
    return StorageError(f"无法写入“{where}”（{os_reason(exc)}），请检查磁盘空间和文件夹权限。")


def prepare_restore(source: Path, part: Path, carried: Carried | None) -> None:
    """The complete restored database at `part`: the backup, migrated to this version, with
    this computer's accounts, device id, serial letter and change-number floor; checked
    (schema exactly ours, integrity, foreign keys) before anything else is touched."""
    _remove_restoring(part)
    try:
        files.copy_checked(source, part)
    except OSError as exc:
        raise _storage(exc, part.parent) from None
    not_ours = NotLedgerDatabase(f"文件“{source.name}”不是社区台账的备份，请选择 .db 备份文件。")
    db = connection.connect(part)
    try:
        try:
            schema.migrate(db)
        except sqlite3.DatabaseError:
            raise not_ours from None
        if schema.schema_differences(db):
            raise not_ours
        store = Store(db)
        with store.transaction():
            files.clear_checksum(db.conn)
            if carried is not None:
                _put_carried(store, carried)
        problems = connection.integrity_problems(db, quick=True) + _own_problems(store, carried)
        if problems:
            raise DamagedDatabase(f"备份“{source.name}”恢复后检查未通过（{problems[0][:60]}），请选择另一个备份。")
    except sqlite3.DatabaseError as exc:
        raise DamagedDatabase(f"备份“{source.name}”无法恢复（{str(exc).splitlines()[0][:60]}），"
                              "请选择另一个备份。") from None
    finally:
        db.close()


def _put_carried(store: Store, carried: Carried) -> None:
    conn = store.db.conn
    if store.device_id != carried.device_id:
        _keep_this_pcs_sync(store, carried)
    sync_queries.raise_seq_floor(conn, carried.seq_floor)
    # Accounts belong to this computer, not to the records: a restore keeps today's, so an old
    # backup cannot bring back an old password or switch sign-in off.
    account_queries.replace_all(store, carried.accounts)
    # Another PC's backup must not make this PC that PC (its packages would look like ours).
    conn.execute("UPDATE meta SET value = ? WHERE key = 'device_id'", [carried.device_id])
    if carried.serial_prefix is None:
        conn.execute("DELETE FROM meta WHERE key = 'serial_prefix'")
    else:
        sync_queries.set_serial_prefix(store, carried.serial_prefix)


def _keep_this_pcs_sync(store: Store, carried: Carried) -> None:
    """Another PC's backup: its peers and package history are that PC's, and its change numbers
    count that PC's writes, so this PC keeps its own peers and history, and each peer's next
    package is a full one (what was sent before says nothing about these records)."""
    sync_queries.replace_peers(store, [{**peer, "last_sent_seq": 0} for peer in carried.peers])
    sync_queries.replace_exchanges(store, carried.exchanges)


def _own_problems(store: Store, carried: Carried | None) -> list[str]:
    """The program's own checks on a prepared restore, beyond SQLite's."""
    problems = []
    if not store.scalar("SELECT value FROM meta WHERE key = 'device_id'"):
        problems.append("缺少本机编号")
    for key, value in store.db.execute("SELECT id, value FROM settings").fetchall():
        try:
            json.loads(value)
        except (TypeError, ValueError):
            problems.append(f"设置“{key}”的值无法读取")
    if carried is not None:
        if store.scalar("SELECT value FROM meta WHERE key = 'device_id'") != carried.device_id:
            problems.append("本机编号没有保留")
        if (store.scalar("SELECT count(*) FROM accounts") or 0) != len(carried.accounts):
            problems.append("本机账号没有保留")
    return problems


def _log_restore(part: Path, user: str, clock: Clock | None, name: str, before: Path | None) -> None:
    """The restore's own audit row (naming the file the user chose), written into the restored
    file before it is swapped in."""
    store = Store(connection.connect(part), author=user, clock=clock)
    try:
        detail = {"file": name}
        if before is not None:
            detail["before"] = before.name
        store.log_event("restore_backup", detail=detail)
    except sqlite3.DatabaseError as exc:
        raise as_storage_error(exc) or DamagedDatabase("无法写入恢复的数据库，请检查磁盘。") from None
    finally:
        store.close()


def _swap_in(part: Path, db_file: Path) -> None:
    """Rename the prepared file over the database. Nothing of the old file may stay beside it:
    SQLite would apply an old write-ahead log to the new file."""
    if db_file.exists():
        _settle(db_file)
    for leftover in _companions(db_file):
        leftover.unlink(missing_ok=True)
    try:
        files.fsync_file(part)
        os.replace(part, db_file)
    except OSError as exc:
        raise StorageError(f"无法替换数据库文件“{db_file}”（{os_reason(exc)}），没有恢复。"
                           "请检查文件是否只读、文件夹是否可写。") from None
    files.fsync_folder(db_file.parent)


def _settle(db_file: Path) -> None:
    """Write the old file's log into it and leave WAL mode, so a kill before the rename leaves
    it whole without its companions. A damaged file's companions are already copied aside."""
    try:
        conn = sqlite3.connect(str(db_file), timeout=connection.BUSY_TIMEOUT_MS / 1000)
    except sqlite3.DatabaseError:
        return
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()
    except sqlite3.DatabaseError as exc:
        if primary_code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise DatabaseInUse(f"数据库“{db_file.name}”正被另一个程序使用，请关闭它后再恢复。") from None
        return  # damaged: its companions were copied aside by _keep_current
    finally:
        conn.close()
    if mode and mode[0] != "delete":
        raise DatabaseInUse(f"数据库“{db_file.name}”正被另一个程序使用，请关闭它后再恢复。")


def refuse_other_community(source: Path, carried: Carried, *, allowed: bool) -> None:
    """Another community's backup is restored only when asked for explicitly."""
    if allowed:
        return
    theirs = files.community_of(source)
    if _other_community(theirs, carried.community):
        raise OtherCommunity(_community_label(theirs), _community_label(carried.community))


def _other_community(theirs: tuple[str, str], ours: tuple[str, str]) -> bool:
    (their_code, their_name), (our_code, our_name) = theirs, ours
    if their_code and our_code:
        return their_code != our_code
    return bool(their_name and our_name and their_name != our_name)


def _community_label(community: tuple[str, str]) -> str:
    code, name = community
    if name and code:
        return f"“{name}”，社区代码 {code}"
    return f"“{name}”" if name else (f"社区代码 {code}" if code else "未填写社区名称")


def _carried_from(store: Store) -> Carried:
    conn = store.db.conn
    prefix = conn.execute("SELECT value FROM meta WHERE key = 'serial_prefix'").fetchone()
    return Carried(account_queries.every_row(store), sync_queries.next_seq(conn), store.device_id,
                   prefix[0] if prefix else None,
                   ((store.setting("community_code") or "").strip(), (store.setting("community_name") or "").strip()),
                   peers=sync_queries.every_peer(store), exchanges=sync_queries.every_exchange(store))


def _carried(db_file: Path) -> Carried | None:
    """What a restore keeps from the current file, when it can still be read."""
    try:
        store = open_store(db_file)
    except (StorageError, sqlite3.DatabaseError):
        return None
    try:
        return _carried_from(store)
    except (sqlite3.DatabaseError, ValueError):
        return None
    finally:
        store.close()


def _keep_current(db_file: Path, now: datetime) -> _Kept:
    """Keep the database about to be replaced: a backup when it is sound (written now, named by
    `finish`), else a copy of its bytes (with its log) as a damaged copy, made by `finish`.
    Either way the file itself is not touched."""
    try:
        db = connection.open_existing(db_file)
        try:
            sound = not connection.integrity_problems(db, quick=True)
            if sound:
                path = _backup_path(db_file, now, BEFORE_RESTORE)
                part = files.write_part(db.conn, path)

                def finish() -> Path:
                    files.finish_part(part, path)
                    return path

                return _Kept(finish, part)
        finally:
            db.close()
    except StorageError:
        pass
    except OSError as exc:
        raise _storage(exc, backups_dir(db_file)) from None
    return _Kept(lambda: _keep_damaged_file(db_file, now))


def _keep_damaged_file(db_file: Path, now: datetime) -> Path:
    path = _backup_path(db_file, now, DAMAGED)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for companion in _companions(db_file):
            if companion.exists():
                shutil.copyfile(companion, path.with_name(path.name + companion.name[len(db_file.name):]))
        shutil.copyfile(db_file, path.with_name(path.name + ".part"))
        os.replace(path.with_name(path.name + ".part"), path)
    except OSError as exc:
        raise _storage(exc, path.parent) from None
    return path


def _companions(db_file: Path) -> list[Path]:
    return [db_file.with_name(db_file.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def lost_with_backups(db_file: Path) -> bool:
    """The database is gone or empty but it has backups: never start afresh silently."""
    if db_file.exists() and db_file.stat().st_size > 0:
        return False
    return bool(list_backups(db_file))


def tidy_leftovers(store: Store) -> list[Path]:
    """At the start of the one writer: what a killed backup or restore left behind goes.

    A restore's half-built file and the scratch copies of sealed backups are deleted. A
    backup's `.part` whose audit row was committed was finished (checked and synced) before
    the kill, so it is given its name; any other `.part` is deleted. Returns what was deleted.
    Only the holder of the writer lock tidies (a reading command may be writing a backup of
    its own): called by anyone else, it does nothing.
    """
    db_file = database_file(store)
    if not held_here(db_file):
        return []
    removed = [p for p in _restoring_files(_restoring_path(db_file)) if p.exists()]
    folder = backups_dir(db_file)
    if folder.is_dir():
        for path in folder.iterdir():
            name = path.name
            if name.startswith(("restoring-", ".sealing-")) or name.endswith((".part-journal",)):
                removed.append(path)
            elif name.endswith(".part") and not _finish_recorded(store, path):
                removed.append(path)
    for path in removed:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass  # in use by another program (Windows): the next start tries again
    if removed:
        log.info("removed %d leftover files of an interrupted backup or restore", len(removed))
    return removed


def _finish_recorded(store: Store, part: Path) -> bool:
    """Name a backup's `.part` whose audit row is there (the kill came between the two)."""
    final = part.with_name(part.name[: -len(".part")])
    if final.exists() or not audit_queries.backup_recorded(store, final.name):
        return False
    try:
        if files.checksum_matches(part) is not True:
            return False
        os.replace(part, final)
    except OSError:
        return False
    files.fsync_folder(part.parent)
    log.info("finished a backup interrupted after it was recorded")
    return True
