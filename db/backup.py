"""Copying whole database files with SQLite's online backup API."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from db import connection, schema
from db.errors import DamagedDatabase, NewerSchema, NotLedgerDatabase, StorageError


def write_copy(source: sqlite3.Connection, dest: Path) -> None:
    """A consistent copy of an open database (even while it is in use) into dest.

    Written beside dest and renamed into place, so a power cut leaves either the old file
    or the whole new one. The copy is a single self-contained file (no WAL beside it).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    part.unlink(missing_ok=True)
    target = sqlite3.connect(str(part))
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode = DELETE").fetchone()
    except sqlite3.DatabaseError as exc:
        target.close()
        part.unlink(missing_ok=True)
        raise DamagedDatabase(f"无法复制数据库（{str(exc)[:60]}），数据库可能已损坏。") from None
    except BaseException:
        target.close()
        part.unlink(missing_ok=True)
        raise
    target.close()
    _fsync(part)
    os.replace(part, dest)


def copy_file(source_file: Path, dest: Path) -> None:
    """write_copy from a database file that is not open."""
    source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True)
    try:
        write_copy(source, dest)
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
    db = sqlite_utils.Database(conn)
    try:
        try:
            tables = set(db.table_names())
            schema.check_version(db)
        except NewerSchema:
            raise NewerSchema(f"备份“{path.name}”由更新版本的社区台账制作，请先升级本程序再恢复。") from None
        except (NotLedgerDatabase, sqlite3.DatabaseError):
            raise not_ours from None
        if "people" not in tables:
            raise not_ours
        problems = connection.integrity_problems(db, quick=True)
        if problems:
            raise DamagedDatabase(f"备份“{path.name}”已损坏（{problems[0][:60]}），请选择另一个备份。")
    finally:
        conn.close()


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
