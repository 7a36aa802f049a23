"""Opening a ledger database file with the pragmas the program relies on."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import sqlite_utils

from db.errors import DamagedDatabase, NotFoundError, NotLedgerDatabase, StorageError, primary_code

BUSY_TIMEOUT_MS = 5000
T = TypeVar("T")


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open (or create) the file with foreign keys, FULL sync and a busy timeout.

    WAL is switched on by enable_wal once the file is known to be ours: journal
    mode is stored in the file, and another program's file must stay as it was.
    """
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    try:
        db = sqlite_utils.Database(conn, execute_plugins=False)
        _apply_pragmas(db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise classify_error(path, exc) from None
    return db


def _apply_pragmas(db: sqlite_utils.Database) -> None:
    with db.ensure_autocommit_on():
        db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Reading the header here makes a non-database file fail now, not at first query.
        db.conn.execute("PRAGMA schema_version").fetchone()
        # A power cut in a village office must not lose a record the user saw saved.
        db.conn.execute("PRAGMA synchronous = FULL")
        db.conn.execute("PRAGMA foreign_keys = ON")


def open_prepared(path: str | Path, prepare: Callable[[sqlite_utils.Database], T]) -> T:
    """connect(), then `prepare` (check the kind and version, WAL, migrate), whose result is returned;
    the file is closed again if that fails."""
    db = connect(path)
    try:
        return prepare(db)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise classify_error(Path(path), exc) from None
    except Exception:
        db.close()
        raise


def enable_wal(db: sqlite_utils.Database) -> None:
    with db.ensure_autocommit_on():
        db.conn.execute("PRAGMA journal_mode = WAL").fetchone()


def classify_error(path: Path, exc: sqlite3.DatabaseError) -> Exception:
    """Turn a low-level SQLite error on opening into a message the user can act on."""
    if primary_code(exc) == sqlite3.SQLITE_NOTADB:
        return NotLedgerDatabase(f"文件“{path.name}”不是社区台账数据库，请检查所选文件。")
    if primary_code(exc) in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY):
        return StorageError(f"无法打开数据库文件“{path.name}”：它或它所在的文件夹是只读的，或者没有权限。"
                            "请把数据库放在可以写入的位置后再试。")
    return DamagedDatabase(
        f"数据库文件“{path.name}”已损坏（{_short(exc)}），请从备份恢复。"
    )


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:80]


def open_existing(path: str | Path) -> sqlite_utils.Database:
    """Open a file that must already exist (for commands that only read)."""
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"找不到数据库文件“{path}”，请检查路径。")
    return connect(path)


def file_path(db: sqlite_utils.Database) -> str:
    """The file the connection has open (for 关于 and messages)."""
    row = db.conn.execute("PRAGMA database_list").fetchone()
    return row[2] if row else ""


def integrity_problems(db: sqlite_utils.Database, *, quick: bool = False) -> list[str]:
    """Run SQLite's integrity check; an empty list means the file is sound."""
    pragma = "quick_check" if quick else "integrity_check"
    try:
        rows = db.conn.execute(f"PRAGMA {pragma}").fetchall()
        problems = [r[0] for r in rows if r[0] != "ok"]
        problems += [
            f"外键错误：{r[0]}" for r in db.conn.execute("PRAGMA foreign_key_check").fetchall()
        ]
    except sqlite3.DatabaseError as exc:
        return [_short(exc)]
    return problems
