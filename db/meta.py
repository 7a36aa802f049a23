"""This PC's own settings rows in the `meta` table (never synced, never in the audit)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.store import Store


def get(store: Store, name: str) -> str | None:
    found = store.db.conn.execute("SELECT value FROM meta WHERE key = ?", [name]).fetchone()
    return found[0] if found else None


def put(store: Store, name: str, value: str) -> None:
    store.db.conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [name, value])


def put_new(store: Store, name: str, value: str) -> None:
    """Writes the row only if there is none: two programs writing at once keep the first."""
    store.db.conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", [name, value])
