"""Form drafts: half-typed forms kept aside so they come back after a crash.

Local to this computer: plain rows, not records (no sync version, no audit, no soft delete).
"""

from __future__ import annotations

from db.store import Row, Store


def save(store: Store, key: str, form: str, values_json: str, saved_at: str) -> None:
    with store.transaction():
        store.db.conn.execute(
            "INSERT INTO drafts (key, form, values_json, saved_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET form = excluded.form, values_json = excluded.values_json,"
            " saved_at = excluded.saved_at",
            [key, form, values_json, saved_at],
        )
    store.note_change("drafts")


def load(store: Store, key: str) -> Row | None:
    rows = store.query("SELECT key, form, values_json, saved_at FROM drafts WHERE key = ?", [key])
    return rows[0] if rows else None


def discard(store: Store, key: str) -> None:
    with store.transaction():
        store.db.conn.execute("DELETE FROM drafts WHERE key = ?", [key])
    store.note_change("drafts")
