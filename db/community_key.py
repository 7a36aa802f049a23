"""Where this PC keeps the community key: the `meta` table (never synced, never in the audit).

meta rows: `community_key` (base64), `community_key_recovery` (the key wrapped under the
恢复码, JSON), `recovery_code` (so an administrator can print the 恢复码 sheet again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from db.store import Store

KEY, RECOVERY, RECOVERY_CODE = "community_key", "community_key_recovery", "recovery_code"


def get(store: Store, name: str) -> str | None:
    found = store.db.conn.execute("SELECT value FROM meta WHERE key = ?", [name]).fetchone()
    return found[0] if found else None


def put(store: Store, name: str, value: str) -> None:
    store.db.conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [name, value])
