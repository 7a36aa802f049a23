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
