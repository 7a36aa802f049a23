"""The street (街道) database: a kind of its own, holding the communities' signed monthly summaries.

Its schema is a separate Migrations set; a street file refuses to open as a community ledger
(db/schema.check_version) and a community ledger refuses to open here. Rows are written only
by an import whose signature was checked (app/street.py); nothing offers to edit them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from db import connection
from db.errors import NewerSchema, NotLedgerDatabase

migrations = Migrations("community_ledger_street")
MARKER_TABLE = "street_summaries"  # its presence makes a file a street database

NOT_STREET = "该文件是社区台账数据库，不是街道汇总数据库：请用“社区”方式打开它，或另选一个街道汇总数据库文件。"
NOT_COMMUNITY = "该文件是街道汇总数据库，不是社区台账数据库：请用“街道汇总”方式打开（如 community-ledger --db 文件 street report）。"

Row = dict[str, Any]
_KNOWN: list[str] = []  # the migrations this version knows, in order


def _migration(fn):
    _KNOWN.append(fn.__name__)
    return migrations()(fn)


@_migration
def s001_initial(db: sqlite_utils.Database) -> None:
    """Communities (the key trusted at first report), their months, and the import log."""
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE street_communities (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            street TEXT NOT NULL DEFAULT '',
            public_key TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            trusted_at TEXT NOT NULL
        )""")
    db.execute(
        f"""CREATE TABLE {MARKER_TABLE} (
            code TEXT NOT NULL REFERENCES street_communities(code),
            month TEXT NOT NULL,
            made_at TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            name TEXT NOT NULL,
            stats TEXT NOT NULL,
            summary TEXT NOT NULL,
            signature TEXT NOT NULL,
            PRIMARY KEY (code, month)
        )""")
    db.execute(f"CREATE INDEX street_summaries_month ON {MARKER_TABLE}(month, code)")
    db.execute(
        """CREATE TABLE street_imports (
            at TEXT NOT NULL,
            file TEXT NOT NULL,
            code TEXT,
            month TEXT,
            outcome TEXT NOT NULL
        )""")


def is_street(db: sqlite_utils.Database) -> bool:
    return MARKER_TABLE in db.table_names()


def kind_of(path: str | Path) -> str | None:
    """'street', 'community', or None for a file that is missing or empty (nothing set up yet)."""
    path = Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return None
    db = connection.open_existing(path)
    try:
        names = set(db.table_names())
    except sqlite3.DatabaseError as exc:
        raise connection.classify_error(path, exc) from None
    finally:
        db.close()
    if not names:
        return None
    return "street" if MARKER_TABLE in names else "community"


def check_version(db: sqlite_utils.Database) -> None:
    tables = set(db.table_names())
    if not tables:
        return
    if MARKER_TABLE not in tables:
        if "people" in tables:
            raise NotLedgerDatabase(NOT_STREET)
        raise NotLedgerDatabase("该文件不是街道汇总数据库（没有版本记录），请检查所选文件。")
    if {m.name for m in migrations.applied(db)} - set(_KNOWN):
        raise NewerSchema("该街道汇总数据库由更新版本的社区台账写入，请先升级本程序再打开。")


def open_street(path: str | Path) -> sqlite_utils.Database:
    """Open (or set up) the street database at path, migrated to this version."""
    def prepare(db: sqlite_utils.Database) -> sqlite_utils.Database:
        check_version(db)
        connection.enable_wal(db)
        migrations.apply(db)
        return db

    return connection.open_prepared(path, prepare)


# -- queries -------------------------------------------------------------------------------


def _one(db: sqlite_utils.Database, sql: str, params: Any = ()) -> Row | None:
    rows = list(db.query(sql, params))
    return rows[0] if rows else None


def community(db: sqlite_utils.Database, code: str) -> Row | None:
    return _one(db, "SELECT * FROM street_communities WHERE code = ?", [code])


def communities(db: sqlite_utils.Database) -> list[Row]:
    """Every community the street knows, with its last month reported."""
    return list(db.query(
        f"""SELECT c.*, (SELECT max(month) FROM {MARKER_TABLE} s WHERE s.code = c.code) AS last_month,
                   (SELECT count(*) FROM {MARKER_TABLE} s WHERE s.code = c.code) AS months
            FROM street_communities c ORDER BY c.code"""))


def summary(db: sqlite_utils.Database, code: str, month: str) -> Row | None:
    return _one(db, f"SELECT * FROM {MARKER_TABLE} WHERE code = ? AND month = ?", [code, month])


def month_summaries(db: sqlite_utils.Database, month: str) -> list[Row]:
    return list(db.query(f"SELECT * FROM {MARKER_TABLE} WHERE month = ? ORDER BY code", [month]))


def months_stats(db: sqlite_utils.Database, first: str, last: str) -> list[Row]:
    """(code, month, stats, summary, signature) of every summary in [first, last]."""
    return list(db.query(
        f"SELECT code, month, stats, summary, signature FROM {MARKER_TABLE}"
        " WHERE month BETWEEN ? AND ? ORDER BY month, code", [first, last]))


def trust(db: sqlite_utils.Database, values: Row) -> None:
    names = list(values)
    db.conn.execute(f"INSERT INTO street_communities ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    [values[n] for n in names])


def rename(db: sqlite_utils.Database, code: str, name: str, street: str) -> None:
    """The community's name and 街道 as its newest summary gives them."""
    db.conn.execute("UPDATE street_communities SET name = ?, street = ? WHERE code = ?", [name, street, code])


def put_summary(db: sqlite_utils.Database, values: Row) -> None:
    names = list(values)
    db.conn.execute(f"INSERT OR REPLACE INTO {MARKER_TABLE} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    [values[n] for n in names])


def log_import(db: sqlite_utils.Database, values: Row) -> None:
    names = list(values)
    db.conn.execute(f"INSERT INTO street_imports ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                    [values[n] for n in names])


def recent_imports(db: sqlite_utils.Database, limit: int = 100) -> list[Row]:
    return list(db.query("SELECT * FROM street_imports ORDER BY rowid DESC LIMIT ?", [limit]))


def newest_month(db: sqlite_utils.Database, code: str) -> str | None:
    """The latest month a community has sent."""
    return db.execute(f"SELECT max(month) FROM {MARKER_TABLE} WHERE code = ?", [code]).fetchone()[0]


def months(db: sqlite_utils.Database) -> list[str]:
    """Every month some community has sent, newest first."""
    return [r[0] for r in db.execute(f"SELECT DISTINCT month FROM {MARKER_TABLE} ORDER BY month DESC").fetchall()]


def most_common_street(db: sqlite_utils.Database) -> str:
    """The 街道 most communities name."""
    found = db.execute("SELECT street, count(*) AS n FROM street_communities WHERE street != ''"
                       " GROUP BY street ORDER BY n DESC, street LIMIT 1").fetchone()
    return found[0] if found else ""
