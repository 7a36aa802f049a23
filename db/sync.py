"""Queries for offline sync: record versions, peers, exchange history, conflicts, parked records.

Every write through Store calls `local_change`, so each synced record has a local change
number (`seq`) and a version vector (`vv`, device id -> change number on that device).
This module knows nothing of packages; app/sync.py does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import TYPE_CHECKING

from db import kinds

if TYPE_CHECKING:
    from db.store import Row, Store

COMMON = ("id", "created_at", "updated_at", "deleted_at", "device_id")
PREFIX_SETTING = "serial_prefix."  # settings id `serial_prefix.A` = the device (peer) it went to


def tracked(table: str) -> bool:
    """Whether a table's changes are numbered for sync: the catalog's synced kinds."""
    return kinds.is_synced(table)


# -- versions -------------------------------------------------------------------------


def next_seq(conn: sqlite3.Connection) -> int:
    """The next local change number: above every number this device has given out, even
    those a restore from an older backup took out of sync_records (see raise_seq_floor)."""
    return conn.execute(
        "SELECT max(coalesce((SELECT max(seq) FROM sync_records), 0),"
        " coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'seq_floor'), 0)) + 1"
    ).fetchone()[0]


def raise_seq_floor(conn: sqlite3.Connection, floor: int) -> None:
    """After a restore: never number a change again with a number peers may already hold,
    or they would take the new change for one they have and drop it."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('seq_floor', ?)"
        " ON CONFLICT (key) DO UPDATE SET value = max(CAST(value AS INTEGER), excluded.value)",
        [str(floor)],
    )


def new_records(conn: sqlite3.Connection, device_id: str, table: str, record_ids: list[str]) -> None:
    """Records just created on this device, many at once: consecutive change numbers."""
    if not tracked(table) or not record_ids:
        return
    first = next_seq(conn)
    conn.executemany(
        "INSERT INTO sync_records (table_name, record_id, seq, vv) VALUES (?, ?, ?, ?)",
        [(table, record_id, first + n, json.dumps({device_id: first + n})) for n, record_id in enumerate(record_ids)],
    )


def local_change(conn: sqlite3.Connection, device_id: str, table: str, record_id: str) -> None:
    """A write on this device: a new change number, and this device's entry in the vector."""
    if not tracked(table):
        return
    found = conn.execute(
        "SELECT vv FROM sync_records WHERE table_name = ? AND record_id = ?", [table, record_id]
    ).fetchone()
    vv = json.loads(found[0]) if found else {}
    seq = next_seq(conn)
    vv[device_id] = seq
    _put_version(conn, table, record_id, seq, vv)


def set_version(store: Store, table: str, record_id: str, vv: dict[str, int], *, bump_self: bool = False,
                seq: int | None = None) -> int:
    """Store a record's vector with a new local change number (so it goes out in the next package).

    `seq` may be given by a caller that numbers many records in one transaction.
    """
    conn = store.db.conn
    seq = seq or next_seq(conn)
    vv = dict(vv)
    if bump_self:
        vv[store.device_id] = seq
    _put_version(conn, table, record_id, seq, vv)
    return seq


def _put_version(conn: sqlite3.Connection, table: str, record_id: str, seq: int, vv: dict[str, int]) -> None:
    conn.execute(
        """INSERT INTO sync_records (table_name, record_id, seq, vv) VALUES (?, ?, ?, ?)
           ON CONFLICT (table_name, record_id) DO UPDATE SET seq = excluded.seq, vv = excluded.vv""",
        [table, record_id, seq, json.dumps(vv, sort_keys=True)],
    )


def version(store: Store, table: str, record_id: str) -> dict[str, int] | None:
    found = store.db.conn.execute(
        "SELECT vv FROM sync_records WHERE table_name = ? AND record_id = ?", [table, record_id]
    ).fetchone()
    return json.loads(found[0]) if found else None


def local_with_version(store: Store, table: str, record_id: str) -> tuple[Row | None, dict[str, int] | None]:
    """The record as it is here (deleted or not) and its version vector, in one query."""
    cursor = store.db.conn.execute(
        f"""SELECT t.*, s.vv AS _vv FROM [{table}] t
            LEFT JOIN sync_records s ON s.table_name = ? AND s.record_id = t.id WHERE t.id = ?""",
        [table, record_id],
    )
    found = cursor.fetchone()
    if found is None:
        return None, None
    row = dict(zip((d[0] for d in cursor.description), found))
    vv = row.pop("_vv")
    return row, (json.loads(vv) if vv else None)


def existing_ids(store: Store, table: str, ids: set[str]) -> set[str]:
    """Which of `ids` (at most a few hundred) are in `table`, deleted or not."""
    marks = ",".join("?" * len(ids))
    return {r[0] for r in store.db.conn.execute(f"SELECT id FROM [{table}] WHERE id IN ({marks})", list(ids))}


def max_seq(store: Store) -> int:
    return store.scalar("SELECT coalesce(max(seq), 0) FROM sync_records")


def synced_tables(store: Store) -> list[str]:
    """Record tables in the order they were created (parents before the tables that refer to them)."""
    names = [r[0] for r in store.db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid").fetchall()]
    return [n for n in names if n in kinds.KINDS and kinds.KINDS[n].synced]


def columns(store: Store, table: str) -> list[str]:
    return [r[1] for r in store.db.conn.execute(f"PRAGMA table_info([{table}])").fetchall()]


def foreign_keys(store: Store, table: str) -> list[tuple[str, str]]:
    """(column, parent table) of each reference a record of `table` makes."""
    return [(r[3], r[2]) for r in store.db.conn.execute(f"PRAGMA foreign_key_list([{table}])").fetchall()]


def exists(store: Store, table: str, record_id: str) -> bool:
    return store.db.conn.execute(f"SELECT 1 FROM [{table}] WHERE id = ?", [record_id]).fetchone() is not None


def changes(store: Store, table: str, after: int, until: int) -> Iterator[tuple[Row, str]]:
    """(record, vv as JSON) of every record of `table` changed here in (after, until], oldest first."""
    cursor = store.db.conn.execute(
        f"""SELECT t.*, s.vv AS _vv FROM sync_records s JOIN [{table}] t ON t.id = s.record_id
            WHERE s.table_name = ? AND s.seq > ? AND s.seq <= ? ORDER BY s.seq""",
        [table, after, until],
    )
    names = [d[0] for d in cursor.description]
    for values in cursor:
        row = dict(zip(names, values))
        yield row, row.pop("_vv")


def applied_migrations(store: Store) -> list[str]:
    return [r[0] for r in store.db.conn.execute("SELECT name FROM _sqlite_migrations ORDER BY rowid")]


# -- this device ------------------------------------------------------------------------


def serial_prefix(store: Store) -> str:
    """This device's letter in serial numbers ('' for the device the community was set up on)."""
    found = store.db.conn.execute("SELECT value FROM meta WHERE key = 'serial_prefix'").fetchone()
    return found[0] if found else ""


def set_serial_prefix(store: Store, prefix: str) -> None:
    store.db.conn.execute(
        "INSERT INTO meta (key, value) VALUES ('serial_prefix', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [prefix])
    store.note_change("sync")


def claimed_prefixes(store: Store) -> set[str]:
    rows = store.db.conn.execute(
        "SELECT substr(id, ?) FROM settings WHERE id LIKE ? ESCAPE '\\'",
        [len(PREFIX_SETTING) + 1, PREFIX_SETTING.replace("_", "\\_") + "%"],
    ).fetchall()
    return {r[0] for r in rows}


# -- peers and history --------------------------------------------------------------------


def peer(store: Store, name: str) -> Row | None:
    rows = store.query("SELECT * FROM sync_peers WHERE name = ?", [name])
    return rows[0] if rows else None


def peers(store: Store) -> list[Row]:
    return store.query("SELECT * FROM sync_peers ORDER BY last_sent_at DESC, name")


def save_peer(store: Store, name: str, last_sent_seq: int, offered_prefix: str | None, at: str) -> None:
    store.db.conn.execute(
        """INSERT INTO sync_peers (name, last_sent_seq, offered_prefix, last_sent_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET last_sent_seq = excluded.last_sent_seq,
               offered_prefix = excluded.offered_prefix, last_sent_at = excluded.last_sent_at""",
        [name, last_sent_seq, offered_prefix, at],
    )
    store.note_change("sync")


def every_peer(store: Store) -> list[Row]:
    return store.query("SELECT * FROM sync_peers ORDER BY name")


def every_exchange(store: Store) -> list[Row]:
    return store.query("SELECT * FROM sync_exchanges ORDER BY rowid")


def replace_peers(store: Store, rows: list[Row]) -> None:
    """The whole peer list, as given (a restore keeping this PC's own)."""
    store.db.conn.execute("DELETE FROM sync_peers")
    for row in rows:
        _insert(store, "sync_peers", row)
    store.note_change("sync")


def replace_exchanges(store: Store, rows: list[Row]) -> None:
    """The whole package history, as given (a restore keeping this PC's own)."""
    store.db.conn.execute("DELETE FROM sync_exchanges")
    for row in rows:
        _insert(store, "sync_exchanges", row)
    store.note_change("sync")


def _insert(store: Store, table: str, values: Row) -> None:
    names = list(values)
    store.db.conn.execute(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [values[n] for n in names],
    )


def add_exchange(store: Store, values: Row) -> None:
    _insert(store, "sync_exchanges", values)
    store.note_change("sync")


def exchanges(store: Store, limit: int = 200) -> list[Row]:
    return store.query("SELECT * FROM sync_exchanges ORDER BY at DESC, rowid DESC LIMIT ?", [limit])


def was_imported(store: Store, package_id: str) -> bool:
    return store.scalar(
        "SELECT count(*) FROM sync_exchanges WHERE package_id = ? AND direction = 'import'", [package_id]) > 0


# -- conflicts and parked records -----------------------------------------------------------


def open_conflicts(store: Store, table: str | None = None, record_id: str | None = None) -> list[Row]:
    if table is None:
        return store.query("SELECT * FROM sync_conflicts WHERE resolved_at IS NULL ORDER BY detected_at, rowid")
    return store.query(
        "SELECT * FROM sync_conflicts WHERE resolved_at IS NULL AND table_name = ? AND record_id = ?"
        " ORDER BY detected_at, rowid", [table, record_id])


def conflict(store: Store, conflict_id: str) -> Row | None:
    rows = store.query("SELECT * FROM sync_conflicts WHERE id = ?", [conflict_id])
    return rows[0] if rows else None


def add_conflict(store: Store, values: Row) -> None:
    names = list(values)
    store.db.conn.execute(
        f"INSERT INTO sync_conflicts ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [values[n] for n in names],
    )
    store.note_change("sync")


def close_conflict(store: Store, conflict_id: str, resolution: str, at: str) -> None:
    store.db.conn.execute(
        "UPDATE sync_conflicts SET resolved_at = ?, resolution = ? WHERE id = ?", [at, resolution, conflict_id])
    store.note_change("sync")


def parked(store: Store, table: str | None = None, record_id: str | None = None) -> list[Row]:
    if table is None:
        return store.query("SELECT * FROM sync_parked ORDER BY rowid")
    return store.query("SELECT * FROM sync_parked WHERE table_name = ? AND record_id = ? ORDER BY rowid",
                       [table, record_id])


def park(store: Store, values: Row) -> None:
    names = list(values)
    store.db.conn.execute(
        f"INSERT INTO sync_parked ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [values[n] for n in names],
    )
    store.note_change("sync")


def unpark(store: Store, parked_id: str) -> None:
    store.db.conn.execute("DELETE FROM sync_parked WHERE id = ?", [parked_id])
    store.note_change("sync")


def count_parked(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM sync_parked")


def record_label(store: Store, table: str, record_id: str) -> str | None:
    """A short name for a record a person recognises (the 回收站's labels)."""
    if table == "settings":
        return record_id
    kind = kinds.KINDS.get(table)
    if kind is None or kind.label_sql is None:
        return None
    found = store.db.conn.execute(f"SELECT {kind.label_sql} FROM [{table}] t WHERE t.id = ?", [record_id]).fetchone()
    return found[0] if found else None


# -- changes held for an administrator ----------------------------------------------------------


def held(store: Store) -> list[Row]:
    return store.query("SELECT * FROM sync_held ORDER BY held_at, rowid")


def hold(store: Store, values: Row) -> None:
    """Keep one incoming version aside (a newer one of the same record replaces it)."""
    store.db.conn.execute("DELETE FROM sync_held WHERE table_name = ? AND record_id = ?",
                          [values["table_name"], values["record_id"]])
    names = list(values)
    store.db.conn.execute(
        f"INSERT INTO sync_held ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [values[n] for n in names],
    )


def unhold(store: Store, held_id: str) -> None:
    store.db.conn.execute("DELETE FROM sync_held WHERE id = ?", [held_id])


# -- records set aside: they broke a form's rule and were not written -----------------------------


def set_aside(store: Store, values: Row) -> None:
    """Keep one refused incoming version with its reason (a later refused one replaces it)."""
    drop_set_aside(store, values["table_name"], values["record_id"])
    names = list(values)
    store.db.conn.execute(
        f"INSERT INTO sync_set_aside ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
        [values[n] for n in names],
    )


def drop_set_aside(store: Store, table: str, record_id: str) -> None:
    store.db.conn.execute("DELETE FROM sync_set_aside WHERE table_name = ? AND record_id = ?", [table, record_id])


def set_aside_records(store: Store) -> set[tuple[str, str]]:
    return {(t, r) for t, r in store.db.conn.execute("SELECT table_name, record_id FROM sync_set_aside")}


def set_aside_list(store: Store) -> list[Row]:
    return store.query("SELECT id, table_name, record_id, label, reason, from_device, package_id, set_aside_at"
                       " FROM sync_set_aside ORDER BY set_aside_at DESC, rowid DESC")


def dismiss_set_aside(store: Store, item_id: str) -> bool:
    return store.db.conn.execute("DELETE FROM sync_set_aside WHERE id = ?", [item_id]).rowcount > 0


def discard_held(store: Store) -> int:
    return store.db.conn.execute("DELETE FROM sync_held").rowcount
