"""Copying whole database files with SQLite's online backup API."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import sqlite_utils

from db import connection, schema
from db.errors import DamagedDatabase, NewerSchema, NotLedgerDatabase, StorageError, os_reason, primary_code


def refuse_special_file(dest: Path) -> None:
    """Refuse a destination that is a device or a pipe (/dev/full): every writer here writes
    beside the target and renames over it, which would replace the device, not write into it."""
    if dest.exists() and not dest.is_file():
        raise StorageError(f"“{dest}”不是普通文件，不能把文件写到那里，请换一个文件名或文件夹。")


def write_copy(source: sqlite3.Connection, dest: Path, *, checksum: bool = True) -> None:
    """A consistent copy of an open database (even while it is in use) into dest.

    Written beside dest and renamed into place, so a power cut leaves either the old file
    or the whole new one. The copy is a single self-contained file (no WAL beside it).
    """
    refuse_special_file(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
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
    except sqlite3.DatabaseError as exc:
        part.unlink(missing_ok=True)
        raise _copy_failed(exc, dest) from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    fsync_file(part)
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


def copy_into(source_file: Path, db: sqlite_utils.Database) -> None:
    """Replace every page of the open database with the file's: a restore that keeps the
    connection (and the window) open. SQLite does it in one transaction."""
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    try:
        source.backup(db.conn)
    finally:
        source.close()


def check_file(path: Path) -> None:
    """Refuse a file that is not a sound ledger database of this version or older."""
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
        problems = connection.integrity_problems(db, quick=True)
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


def checksum_matches(path: Path) -> bool | None:
    """Whether the file's bytes are those it was written with (None: a copy from before
    checksums, which carries none)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        mark = conn.execute("PRAGMA application_id").fetchone()[0]
        stored = conn.execute("PRAGMA user_version").fetchone()[0]
        try:
            marked = conn.execute("SELECT 1 FROM meta WHERE key = ?", [CHECKSUM_META]).fetchone() is not None
        except sqlite3.DatabaseError:
            marked = False
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    if mark != CHECKSUM_MARK and not marked:
        return None
    return mark == CHECKSUM_MARK and stored == _file_checksum(path)


def verify_file(path: Path) -> None:
    """check_file, then everything that reads the whole file: its checksum, SQLite's full
    integrity check and the foreign keys. For a file about to be restored."""
    check_file(path)
    damaged = DamagedDatabase(f"备份“{path.name}”已损坏（内容与制作时不符），请选择另一个备份。")
    try:
        if checksum_matches(path) is False:
            raise damaged
    except OSError as exc:
        raise StorageError(f"无法读取备份“{path.name}”（{os_reason(exc)}），请检查文件。") from None
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        problems = full_check(conn)
    finally:
        conn.close()
    if problems:
        raise DamagedDatabase(f"备份“{path.name}”已损坏（{problems[0][:60]}），请选择另一个备份。")


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
