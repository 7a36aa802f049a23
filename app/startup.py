"""A working session on one database: one writer at a time, a check before opening, the
newest sound backup offered when the file is damaged, a backup when it closes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app import backups
from app.database import open_ledger
from app.logs import log
from db import connection
from db.clock import Clock
from db.errors import DamagedDatabase, StorageError
from db.writer_lock import WriterLock
from db.store import Store

# A window opened right after one was closed waits this long for the closing program to
# finish its backup and let go of the database.
LOCK_WAIT_S = 5.0

# (what is wrong, the backup on offer) -> restore it?
AskRestore = Callable[[str, backups.Backup], bool]


@dataclass
class Session:
    store: Store
    lock: WriterLock

    def close(self, *, backup: bool = True) -> None:
        """Back up if anything changed, close the database, give the lock up.

        The session counts as closed cleanly (so the next start skips its check) only when the
        file was found sound now: by the check of the backup just written, or by a quick check
        when there was nothing to back up. The window is gone by then; nobody waits for it.
        """
        sound = False
        try:
            made = backups.backup_on_exit(self.store) if backup else None
            sound = made is not None or not connection.integrity_problems(self.store.db, quick=True)
        except DamagedDatabase:
            log.warning("the database failed its check on closing")
        except StorageError as exc:
            # Closing must not fail because a backup could not be written; the next start
            # or the daily backup tries again.
            log.warning("backup on exit failed: %s", type(exc).__name__)
        finally:
            self.store.close()
            self.lock.release(clean=sound)


def problem_at_start(db_file: Path, lock: WriterLock) -> str | None:
    """What stops the database from being opened as if it were fine, or None.

    The quick check reads the whole file (a third of a second at five years' size), so it
    is skipped when the last session closed cleanly and the file has not changed since.
    """
    if backups.lost_with_backups(db_file):
        return f"找不到数据库文件“{db_file.name}”（或者它是空的），但备份文件夹里有它的备份。"
    if not db_file.exists() or lock.closed_cleanly():
        return None
    try:
        db = connection.open_existing(db_file)
    except DamagedDatabase:
        return f"数据库文件“{db_file.name}”已损坏，打不开。"
    try:
        problems = connection.integrity_problems(db, quick=True)
    finally:
        db.close()
    if problems:
        return f"数据库文件“{db_file.name}”已损坏（完整性检查未通过）。"
    return None


def open_session(db_file: Path, *, ask_restore: AskRestore,
                 clock: Clock | None = None, wait: float | None = None) -> Session:
    """Lock, check and open the database; a damaged one is restored only if the user agrees."""
    clock = clock or Clock()
    lock = WriterLock(db_file).acquire(wait=LOCK_WAIT_S if wait is None else wait)
    try:
        problem = problem_at_start(db_file, lock)
        if problem:
            offered = backups.newest_sound_backup(db_file)
            if offered is None:
                raise DamagedDatabase(problem + "备份文件夹里没有完好的备份。文件保持原样，请联系维护人员帮助恢复。")
            if not ask_restore(problem, offered):
                raise DamagedDatabase(problem + "没有恢复备份，程序不打开这个数据库。文件保持原样。")
            # The database's own backup from its own folder: a community renamed since is no reason to ask.
            backups.restore_file(db_file, offered.path, now=clock.local_now(), clock=clock, other_community=True)
            log.info("restored a backup at start-up")
        store = open_ledger(db_file, clock=clock)
        backups.tidy_leftovers(store)  # what a killed backup or restore left behind
    except BaseException:
        lock.release(clean=False)
        raise
    return Session(store, lock)
