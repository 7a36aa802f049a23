"""Copying whole database files with SQLite's online backup API."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from db import connection, schema
from db.errors import DamagedDatabase, NewerSchema, NotLedgerDatabase, StorageError, os_reason, primary_code


def refuse_special_file(dest: Path) -> None:
    """Refuse a destination that is a device or a pipe (/dev/full): every writer here writes
    beside the target and renames over it, which would replace the device, not write into it."""
    if dest.exists() and not dest.is_file():
        raise StorageError(f"“{dest}”不是普通文件，不能把文件写到那里，请换一个文件名或文件夹。")


def part_path(dest: Path) -> Path:
    """Where a copy is written before it is renamed to dest."""
    return dest.with_name(dest.name + ".part")


def write_copy(source: sqlite3.Connection, dest: Path, *, checksum: bool = True,
               before_rename: Callable[[Path], None] | None = None) -> None:
    """A consistent copy of an open database (even while it is in use) into dest.

    Written beside dest and renamed into place, so a power cut leaves either the old file
    or the whole new one. The copy is a single self-contained file (no WAL beside it).
    `before_rename(part)` runs on the finished, synced copy just before the rename (to check
    it, and to record it); when it raises, the copy is deleted.
    """
    finish_part(write_part(source, dest, checksum=checksum), dest, before_rename=before_rename)


def write_part(source: sqlite3.Connection, dest: Path, *, checksum: bool = True) -> Path:
    """The first half of write_copy: the finished, synced copy beside dest (its `.part`)."""
    refuse_special_file(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    part.unlink(missing_ok=True)
    try:
        target = sqlite3.connect(str(part))
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode = DELETE").fetchone()
        finally:
            target.close()
        if checksum:
            stamp_checksum(part)
        fsync_file(part)
    except sqlite3.DatabaseError as exc:
        part.unlink(missing_ok=True)
        raise _copy_failed(exc, dest) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return part


def finish_part(part: Path, dest: Path, *, before_rename: Callable[[Path], None] | None = None) -> None:
    """The second half: `before_rename(part)`, then the rename (the part is deleted when it raises)."""
    if before_rename is not None:
        try:
            before_rename(part)
        except BaseException:
            part.unlink(missing_ok=True)
            raise
    os.replace(part, dest)


def _copy_failed(exc: sqlite3.DatabaseError, dest: Path) -> StorageError:
    """Where the copy could not be written is not a damaged database."""
    code = primary_code(exc)
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
        return StorageError(f"无法在“{dest.parent}”写入文件（没有权限或是只读的），请换一个位置。")
    if code == sqlite3.SQLITE_FULL:
        return StorageError(f"“{dest.parent}”所在的磁盘空间已满，请清理磁盘或换一个位置。")
    if code == sqlite3.SQLITE_IOERR:
        return StorageError(f"写入“{dest.parent}”时磁盘出错，请检查磁盘或 U 盘后再试。")
    return DamagedDatabase(f"无法复制数据库（{str(exc)[:60]}），数据库可能已损坏。")


def copy_file(source_file: Path, dest: Path, *, checksum: bool = True) -> None:
    """write_copy from a database file that is not open."""
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    try:
        write_copy(source, dest, checksum=checksum)
    finally:
        source.close()


def check_file(path: Path, *, quick: bool = True) -> None:
    """Refuse a file that is not a sound ledger database of this version or older. `quick=False`
    leaves SQLite's quick check out, for a caller about to run the full one."""
    if not path.is_file():
        raise StorageError(f"找不到备份文件“{path}”，请检查路径。")
    not_ours = NotLedgerDatabase(f"文件“{path.name}”不是社区台账的备份，请选择 .db 备份文件。")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.DatabaseError:
        raise not_ours from None
    db = sqlite_utils.Database(conn, execute_plugins=False)
    try:
        try:
            tables = set(db.table_names())
            schema.check_version(db)
        except NewerSchema:
            raise NewerSchema(f"备份“{path.name}”由更新版本的社区台账制作，请先升级本程序再恢复。") from None
        except (NotLedgerDatabase, sqlite3.DatabaseError, UnicodeDecodeError):  # garbled names read back too
            raise not_ours from None
        if "people" not in tables:
            raise not_ours
        problems = connection.integrity_problems(db, quick=True) if quick else []
        if problems:
            raise DamagedDatabase(f"备份“{path.name}”已损坏（{problems[0][:60]}），请选择另一个备份。")
    finally:
        conn.close()


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename in the folder survive a power cut (where the system allows it)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; its renames are journaled by NTFS
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def community_of(path: Path) -> tuple[str, str]:
    """The community code and name saved in a ledger file's settings ('' when not set)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = dict(conn.execute(
            "SELECT id, value FROM settings WHERE id IN ('community_code', 'community_name')"
            " AND deleted_at IS NULL").fetchall())
    except sqlite3.DatabaseError:
        found = {}
    finally:
        conn.close()

    def text(key: str) -> str:
        try:
            value = json.loads(found.get(key) or '""')
        except ValueError:
            return ""
        return value.strip() if isinstance(value, str) else ""

    return text("community_code"), text("community_name")


# -- the checksum every copy carries ------------------------------------------------------------
#
# Bit rot inside a record's text passes SQLite's own checks. Every copy carries a checksum of
# its bytes in the file header's user_version (application_id marks that it has one; meta says
# so too, so a hit on the mark is not mistaken for an old, unmarked copy). The header bytes a
# write changes (the change counter, its copy and user_version itself) are left out of it.
CHECKSUM_MARK = 0x43_4C_44_47  # "CLDG"
CHECKSUM_META = "checksum"
_SKIPPED = ((24, 28), (60, 64), (92, 96))


def _file_checksum(path: Path) -> int:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        head = bytearray(handle.read(100))
        for start, end in _SKIPPED:
            head[start:end] = bytes(end - start)
        digest.update(head)
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return _checksum_value(digest)


def _checksum_value(digest: Any) -> int:
    return int.from_bytes(digest.digest()[:4], "big") & 0x7FFF_FFFF  # user_version is signed


def stamp_checksum(path: Path) -> None:
    """Mark the closed copy at path as checksummed and write the checksum of its bytes."""
    conn = sqlite3.connect(str(path))
    try:
        with conn:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone():
                conn.execute("INSERT INTO meta (key, value) VALUES (?, 'sha256')"
                             " ON CONFLICT (key) DO UPDATE SET value = excluded.value", [CHECKSUM_META])
        conn.execute(f"PRAGMA application_id = {CHECKSUM_MARK}")
    finally:
        conn.close()
    value = _file_checksum(path)
    conn = sqlite3.connect(str(path))
    try:
        conn.execute(f"PRAGMA user_version = {value}")
    finally:
        conn.close()


def clear_checksum(conn: sqlite3.Connection) -> None:
    """A copy that is changed (a restore being prepared) no longer matches its checksum."""
    conn.execute("DELETE FROM meta WHERE key = ?", [CHECKSUM_META])
    conn.execute("PRAGMA application_id = 0")
    conn.execute("PRAGMA user_version = 0")


def checksum_matches(path: Path, *, value: int | None = None) -> bool | None:
    """Whether the file's bytes are those it was written with (None: a copy from before
    checksums, which carries none). `value`: the checksum of its bytes, when already computed."""
    mark, stored, marked = _checksum_mark(path)
    if mark is None:
        return False
    if mark != CHECKSUM_MARK and not marked:
        return None
    return mark == CHECKSUM_MARK and stored == (_file_checksum(path) if value is None else value)


def _checksum_mark(path: Path) -> tuple[int | None, int, bool]:
    """(application_id, user_version, meta says checksummed); None for an unreadable file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        mark = conn.execute("PRAGMA application_id").fetchone()[0]
        stored = conn.execute("PRAGMA user_version").fetchone()[0]
        try:
            marked = conn.execute("SELECT 1 FROM meta WHERE key = ?", [CHECKSUM_META]).fetchone() is not None
        except sqlite3.DatabaseError:
            marked = False
    except sqlite3.DatabaseError:
        return None, 0, False
    finally:
        conn.close()
    return mark, stored, marked


def copy_checked(source: Path, dest: Path) -> None:
    """Copy a backup file to dest, checking its checksum on the way: one read of the file does
    both. A copy from before checksums is copied through SQLite instead (which also takes in a
    log beside it); a file whose bytes are not those it was made with is refused."""
    mark, _, marked = _checksum_mark(source)
    if mark is not None and mark != CHECKSUM_MARK and not marked:
        copy_file(source, dest, checksum=False)
        return
    digest = hashlib.sha256()
    with open(source, "rb") as reading, open(dest, "wb") as writing:
        head = reading.read(100)
        writing.write(head)
        head = bytearray(head)
        for start, end in _SKIPPED:
            head[start:end] = bytes(end - start)
        digest.update(head)
        while chunk := reading.read(1 << 20):
            digest.update(chunk)  # hashlib lets other threads run while it hashes a chunk
            writing.write(chunk)
    if checksum_matches(source, value=_checksum_value(digest)) is not True:
        dest.unlink(missing_ok=True)
        raise DamagedDatabase(f"备份“{source.name}”已损坏（内容与制作时不符），请选择另一个备份。")


def verify_file(path: Path) -> None:
    """check_file, then everything that reads the whole file: its checksum, SQLite's full
    integrity check and the foreign keys. For a file about to be restored. (The full check
    covers everything the quick one does, so check_file leaves it out.)"""
    check_file(path, quick=False)
    damaged = DamagedDatabase(f"备份“{path.name}”已损坏（内容与制作时不符），请选择另一个备份。")
    try:
        if checksum_matches(path) is False:
            raise damaged
    except OSError as exc:
        raise StorageError(f"无法读取备份“{path.name}”（{os_reason(exc)}），请检查文件。") from None
    problems = full_check_file(path)
    if problems:
        raise DamagedDatabase(f"备份“{path.name}”已损坏（{problems[0][:60]}），请选择另一个备份。")


def full_check_file(path: Path) -> list[str]:
    """full_check of a file that is not open, through a connection of its own (so another
    thread can use it: SQLite lets go of Python's lock while it reads)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return full_check(conn)
    finally:
        conn.close()


# Reading the file through memory mapping makes the full check three times faster; the mapped
# pages are the operating system's file cache, not the program's memory.
MMAP_BYTES = 1 << 30


def full_check(conn: sqlite3.Connection) -> list[str]:
    """SQLite's full integrity check and the foreign keys; an empty list means sound."""
    try:
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}").fetchall()
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
        problems += [f"外键错误：{r[0]}" for r in conn.execute("PRAGMA foreign_key_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [str(exc).splitlines()[0][:80]]
    return problems
