"""The one way records are written: ids, timestamps, soft delete and the audit trail."""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import timezone
from pathlib import Path
from typing import Any

import sqlite_utils

from db import connection, schema
from db.clock import Clock
from db import sync as sync_log
from db.errors import DatabaseLocked, primary_code

Row = dict[str, Any]

PROTECTED = ("id", "created_at", "updated_at", "deleted_at", "device_id")
EVERYTHING = "*"  # what changed when the whole file was replaced (a restore)


def new_id() -> str:
    return str(uuid.uuid4())


class Store:
    """A migrated ledger database, the device writing it, the name its audit rows carry, a clock."""

    def __init__(self, db: sqlite_utils.Database, *, author: str = "", clock: Clock | None = None):
        self.db = db
        self.author = author  # written into audit rows; app/access.py decides who that is
        self.clock = clock or Clock()
        self.device_id = _device_id(db)
        self._upserts: dict[tuple, str] = {}
        self._changed: set[str] = set()

    # -- transactions -------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write transaction; nested calls become savepoints.

        BEGIN IMMEDIATE takes the write lock up front, so two writers queue on the
        busy timeout instead of failing when a read lock is upgraded.
        """
        conn = self.db.conn
        if conn.in_transaction:
            name = f"sp_{secrets.token_hex(6)}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException:
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    conn.execute(f"RELEASE SAVEPOINT {name}")
                raise
            else:
                conn.execute(f"RELEASE SAVEPOINT {name}")
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if primary_code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise DatabaseLocked("数据库正被另一个程序写入，请稍后再试。") from None
            raise
        try:
            yield self
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # -- reading ------------------------------------------------------------------

    def now(self) -> str:
        return self.clock.now().astimezone(timezone.utc).isoformat(timespec="microseconds")

    def get(self, table: str, record_id: str, *, include_deleted: bool = False) -> Row | None:
        cursor = self.db.execute(f"SELECT * FROM [{table}] WHERE id = ?", [record_id])
        row = cursor.fetchone()
        if row is None:
            return None
        record = dict(zip((d[0] for d in cursor.description), row))
        if record["deleted_at"] and not include_deleted:
            return None
        return record

    def query(self, sql: str, params: Any = ()) -> list[Row]:
        return list(self.db.query(sql, params))

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row else None

    # -- what changed (the window refreshes what shows it) ---------------------------

    def note_change(self, *tables: str) -> None:
        """Say that these tables were written outside insert/update/delete (raw statements)."""
        self._changed.update(tables)

    def take_changes(self) -> frozenset[str]:
        """The tables written since the last call (every audited write notes its table)."""
        changed = frozenset(self._changed)
        self._changed.clear()
        return changed

    # -- writing ------------------------------------------------------------------

    def insert(self, table: str, values: Row) -> Row:
        now = self.now()
        record = {k: v for k, v in values.items() if k not in PROTECTED}
        record.update(
            id=values.get("id") or new_id(),
            created_at=now,
            updated_at=now,
            deleted_at=None,
            device_id=self.device_id,
        )
        with self.transaction():
            self._insert_row(table, record)
            self._audit(table, record["id"], "insert", None, record)
            self._track(table, record["id"])
        return record

    def insert_many(self, table: str, rows: list[Row]) -> list[Row]:
        """insert() for many new records in one transaction and a few statements (an import):
        each still gets its own audit row and change number."""
        if not rows:
            return []
        now = self.now()
        records = [{**{k: v for k, v in values.items() if k not in PROTECTED},
                    "id": values.get("id") or new_id(), "created_at": now, "updated_at": now,
                    "deleted_at": None, "device_id": self.device_id} for values in rows]
        shapes: dict[tuple[str, ...], list[Row]] = {}
        for record in records:
            shapes.setdefault(tuple(record), []).append(record)
        conn = self.db.conn
        with self.transaction():
            for names, alike in shapes.items():
                conn.executemany(
                    f"INSERT INTO [{table}] ({', '.join(f'[{n}]' for n in names)})"
                    f" VALUES ({', '.join('?' * len(names))})",
                    [list(record.values()) for record in alike])
            conn.executemany(
                "INSERT INTO audit (id, at, user, device_id, table_name, record_id, action, before, after)"
                " VALUES (?, ?, ?, ?, ?, ?, 'insert', NULL, ?)",
                [(new_id(), now, self.author, self.device_id, table, record["id"], _json(record)) for record in records])
            sync_log.new_records(conn, self.device_id, table, [record["id"] for record in records])
        self.note_change(table, "audit")
        return records

    def update(self, table: str, record_id: str, changes: Row) -> Row:
        """Apply changes to a live record; returns the record after the change."""
        with self.transaction():
            before = self._require(table, record_id)
            changed = {
                k: v for k, v in changes.items() if k not in PROTECTED and before.get(k) != v
            }
            if not changed:
                return before
            changed.update(updated_at=self.now(), device_id=self.device_id)
            self._update_row(table, record_id, changed)
            after = {**before, **changed}
            self._audit(table, record_id, "update", before, after)
            self._track(table, record_id)
        return after

    def delete(self, table: str, record_id: str, *, at: str | None = None) -> Row:
        """Soft delete: the record goes to the 回收站, nothing is erased.

        Records deleted together share `at`, so they can be restored together.
        """
        with self.transaction():
            before = self._require(table, record_id)
            now = at or self.now()
            changed = {"deleted_at": now, "updated_at": now, "device_id": self.device_id}
            self._update_row(table, record_id, changed)
            after = {**before, **changed}
            self._audit(table, record_id, "delete", before, after)
            self._track(table, record_id)
        return after

    def restore(self, table: str, record_id: str) -> Row:
        with self.transaction():
            before = self.get(table, record_id, include_deleted=True)
            if before is None:
                raise KeyError(record_id)
            if not before["deleted_at"]:
                return before
            changed = {"deleted_at": None, "updated_at": self.now(), "device_id": self.device_id}
            self._update_row(table, record_id, changed)
            after = {**before, **changed}
            self._audit(table, record_id, "restore", before, after)
            self._track(table, record_id)
        return after

    def write_version(self, table: str, record: Row, before: Row | None) -> Row:
        """Write a whole record as it came from another device (a sync package or a decided
        conflict), keeping its timestamps and device; audited like every other write.

        `before` is the record as it is here (None when new). The caller keeps the
        record's sync version (db/sync.py); this method does not touch it.
        """
        names = tuple(record)
        sql = self._upserts.get((table, names))
        if sql is None:
            updates = ", ".join(f"[{n}] = excluded.[{n}]" for n in names if n != "id")
            sql = self._upserts[(table, names)] = (
                f"INSERT INTO [{table}] ({', '.join(f'[{n}]' for n in names)}) "
                f"VALUES ({', '.join('?' for _ in names)}) ON CONFLICT (id) DO UPDATE SET {updates}")
        # Inside a transaction already (an import) no savepoint is needed: the upsert comes
        # first, and a refused upsert (a unique rule) leaves nothing behind.
        with nullcontext() if self.db.conn.in_transaction else self.transaction():
            self.db.conn.execute(sql, list(record.values()))
            after = {**(before or {}), **record}
            if before is None:
                action = "insert"
            elif bool(before.get("deleted_at")) != bool(after.get("deleted_at")):
                action = "delete" if after.get("deleted_at") else "restore"
            else:
                action = "update"
            self.db.conn.execute(
                "INSERT INTO audit (id, at, user, device_id, table_name, record_id, action, before, after)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [new_id(), self.now(), self.author, self.device_id, table, record["id"], action,
                 _json(before), _json(after)],
            )
        self.note_change(table, "audit")
        return after

    # Plain statements: sqlite-utils' insert()/update() read the table's schema on every
    # call, which made one saved record cost some twenty queries.
    def _insert_row(self, table: str, row: Row) -> None:
        columns = ", ".join(f"[{c}]" for c in row)
        marks = ", ".join("?" * len(row))
        self.db.conn.execute(f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", list(row.values()))

    def _update_row(self, table: str, record_id: str, changes: Row) -> None:
        assignments = ", ".join(f"[{c}] = ?" for c in changes)
        self.db.conn.execute(f"UPDATE [{table}] SET {assignments} WHERE id = ?", [*changes.values(), record_id])

    def _track(self, table: str, record_id: str) -> None:
        """Give the write a new local change number, so the next sync package carries it."""
        sync_log.local_change(self.db.conn, self.device_id, table, record_id)

    def _require(self, table: str, record_id: str) -> Row:
        record = self.get(table, record_id)
        if record is None:
            raise KeyError(record_id)
        return record

    def _audit(self, table: str, record_id: str, action: str, before: Row | None, after: Row | None) -> None:
        self.note_change(table, "audit")
        self._insert_row(
            "audit",
            {
                "id": new_id(),
                "at": self.now(),
                "user": self.author,
                "device_id": self.device_id,
                "table_name": table,
                "record_id": record_id,
                "action": action,
                "before": _json(before),
                "after": _json(after),
            }
        )

    def log_event(self, action: str, table: str = "", record_id: str = "", detail: Row | None = None) -> None:
        """Put something done that is not a record change in the audit (sign-in, a revealed
        number, a backup …). `detail` is shown in 操作日志: never put personal data in it."""
        self.note_change("audit")
        with self.transaction():
            self._insert_row("audit", {
                "id": new_id(), "at": self.now(), "user": self.author, "device_id": self.device_id,
                "table_name": table, "record_id": record_id, "action": action,
                "before": None, "after": _json(detail),
            })

    # -- settings -----------------------------------------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        row = self.get("settings", key)
        return default if row is None else json.loads(row["value"])

    def set_setting(self, key: str, value: Any) -> None:
        encoded = json.dumps(value, ensure_ascii=False)
        with self.transaction():
            if self.get("settings", key, include_deleted=True) is None:
                self.insert("settings", {"id": key, "value": encoded})
            else:
                self.update("settings", key, {"value": encoded})

    def reopened(self) -> None:
        """Forget what was read from the file before its pages were replaced (a restore)."""
        self.device_id = _device_id(self.db)
        self._upserts.clear()
        self.note_change(EVERYTHING)

    def reconnected(self, db: sqlite_utils.Database) -> None:
        """Carry on with a connection to a file swapped in for the old one (a restore)."""
        self.db = db
        self.reopened()

    def close(self) -> None:
        self.db.close()


def _json(record: Row | None) -> str | None:
    return None if record is None else json.dumps(record, ensure_ascii=False, sort_keys=True)


def _device_id(db: sqlite_utils.Database) -> str:
    row = db.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()
    if row:
        return row[0]
    device = new_id()
    db.execute("INSERT INTO meta (key, value) VALUES ('device_id', ?)", [device])
    return device


def open_store(path: str | Path, *, author: str = "", clock: Clock | None = None) -> Store:
    """Open or create a ledger database, migrated to this version."""
    db = connection.connect(path)
    try:
        schema.check_version(db)
        connection.enable_wal(db)
        schema.migrate(db)
        return Store(db, author=author, clock=clock)
    except sqlite3.DatabaseError as exc:
        db.close()
        raise connection.classify_error(Path(path), exc) from None
    except Exception:
        db.close()
        raise
