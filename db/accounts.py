"""Queries over the local accounts table.

Accounts belong to this computer only: they are written here with plain statements,
never through Store.insert/update, so the password hash never reaches the audit trail
or a sync package.
"""

from __future__ import annotations

from typing import Any

from db.store import Row, Store, new_id

# Everything but the hash: what lists and the window may see.
PUBLIC = "id, username, role, failed_attempts, retry_after, created_at, updated_at"


def count_live(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM accounts WHERE deleted_at IS NULL") or 0


def count_admins(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM accounts WHERE role = 'admin' AND deleted_at IS NULL") or 0


def by_username(store: Store, username: str) -> Row | None:
    """The live account with this name, hash included (for checking a password)."""
    rows = store.query("SELECT * FROM accounts WHERE username = ? AND deleted_at IS NULL", [username])
    return rows[0] if rows else None


def live(store: Store) -> list[Row]:
    """Live accounts without their hashes, administrators first."""
    return store.query(
        f"SELECT {PUBLIC} FROM accounts WHERE deleted_at IS NULL"
        " ORDER BY CASE role WHEN 'admin' THEN 0 ELSE 1 END, username"
    )


def insert(store: Store, username: str, role: str, password_hash: str, now: str) -> Row:
    row = {"id": new_id(), "username": username, "role": role, "password_hash": password_hash,
           "failed_attempts": 0, "retry_after": None, "created_at": now, "updated_at": now, "deleted_at": None}
    store.db.conn.execute(
        "INSERT INTO accounts (id, username, role, password_hash, failed_attempts, retry_after,"
        " created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        list(row.values()),
    )
    store.note_change("accounts")
    return row


_COLUMNS = {"role", "password_hash", "failed_attempts", "retry_after", "deleted_at"}


def update(store: Store, account_id: str, now: str, **changes: Any) -> None:
    """Change some of an account's columns (only those named in _COLUMNS)."""
    unknown = set(changes) - _COLUMNS
    if unknown:
        raise ValueError(f"not an account column: {sorted(unknown)}")
    assignments = ", ".join(f"{name} = ?" for name in changes)
    store.db.conn.execute(
        f"UPDATE accounts SET {assignments}, updated_at = ? WHERE id = ?",
        [*changes.values(), now, account_id],
    )
    store.note_change("accounts")


def every_row(store: Store) -> list[Row]:
    """All accounts as stored (hashes included, removed ones too): to carry them through a restore."""
    return store.query("SELECT * FROM accounts ORDER BY rowid")


def replace_all(store: Store, rows: list[Row]) -> None:
    """Make the accounts exactly `rows` (inside the caller's transaction)."""
    store.db.conn.execute("DELETE FROM accounts")
    store.note_change("accounts")
    if rows:
        names = list(rows[0])
        store.db.conn.executemany(
            f"INSERT INTO accounts ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [[row[n] for n in names] for row in rows])
