"""The 回收站: soft-deleted records of every kind, newest first."""

from __future__ import annotations

from db.store import Row, Store

# table → SQL expression that names the record for a person looking at the bin
LABELS = {
    "people": "name",
    "volunteers": "(SELECT name FROM people WHERE id = t.person_id)",
    "activities": "date || ' ' || name",
    "service_records": "(SELECT a.date || ' ' || a.name FROM activities a WHERE a.id = t.activity_id)",
    "elders": "(SELECT name FROM people WHERE id = t.person_id)",
    "visits": "t.date || ' ' || (SELECT p.name FROM elders e JOIN people p ON p.id = e.person_id WHERE e.id = t.elder_id)",
    "topics": "title",
    "meetings": "date || ' ' || form",
    "stamp_requests": "serial || ' ' || matter",
    "stamp_items": "name",
}


def deleted(store: Store, *, after: tuple[str, str] | None = None, limit: int = 100) -> list[Row]:
    """Deleted records, most recently deleted first; keyset on (deleted_at, id)."""
    parts = [
        f"SELECT '{table}' AS table_name, t.id, t.deleted_at, t.deleted_at AS _sort, {label} AS label FROM {table} t"
        " WHERE t.deleted_at IS NOT NULL"
        for table, label in LABELS.items()
    ]
    sql = f"SELECT * FROM ({' UNION ALL '.join(parts)})"
    params: list = []
    if after:
        sql += " WHERE (deleted_at, id) < (?, ?)"
        params += list(after)
    sql += " ORDER BY deleted_at DESC, id DESC LIMIT ?"
    return store.query(sql, params + [limit])
