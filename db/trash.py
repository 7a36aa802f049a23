"""The 回收站: soft-deleted records of every kind, newest first."""

from __future__ import annotations

from db import kinds
from db.store import Row, Store


def deleted(store: Store, *, after: tuple[str, str] | None = None, limit: int = 100) -> list[Row]:
    """Deleted records, most recently deleted first; keyset on (deleted_at, id)."""
    parts = [
        f"SELECT '{kind.table}' AS table_name, t.id, t.deleted_at, t.deleted_at AS _sort, {kind.label_sql} AS label"
        f" FROM {kind.table} t WHERE t.deleted_at IS NOT NULL"
        for kind in kinds.in_bin()
    ]
    sql = f"SELECT * FROM ({' UNION ALL '.join(parts)})"
    params: list = []
    if after:
        sql += " WHERE (deleted_at, id) < (?, ?)"
        params += list(after)
    sql += " ORDER BY deleted_at DESC, id DESC LIMIT ?"
    return store.query(sql, params + [limit])


def label(store: Store, table: str, record_id: str) -> str:
    """How the 回收站 names one record of a kind."""
    kind = kinds.KINDS[table]
    found = store.scalar(f"SELECT {kind.label_sql} FROM {table} t WHERE t.id = ?", [record_id])
    return found or ""


def is_deleted(store: Store, table: str, record_id: str) -> bool:
    return bool(store.scalar(f"SELECT 1 FROM {table} WHERE id = ? AND deleted_at IS NOT NULL", [record_id]))


def deleted_with(store: Store, link: kinds.Link, parent_id: str, deleted_at: str) -> list[str]:
    """Ids of the `link.table` records pointing at the parent that were deleted at the same moment."""
    rows = store.query(f"SELECT id FROM {link.table} WHERE {link.column} = ? AND deleted_at = ?",
                       [parent_id, deleted_at])
    return [r["id"] for r in rows]


def live_clash(store: Store, table: str, columns: tuple[str, ...], record: Row) -> bool:
    """A live record other than this one holds the same values in these columns."""
    if any(record.get(c) is None for c in columns):
        return False
    where = " AND ".join(f"{c} = ?" for c in columns)
    return bool(store.scalar(f"SELECT 1 FROM {table} WHERE deleted_at IS NULL AND id != ? AND {where} LIMIT 1",
                             [record["id"], *(record[c] for c in columns)]))
