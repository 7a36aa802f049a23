"""Queries over the audit trail."""

from __future__ import annotations

from db.paging import Listing, fetch_page
from db.store import Row, Store


def of_record(store: Store, table: str, record_id: str) -> list[Row]:
    return store.query(
        "SELECT * FROM audit WHERE table_name = ? AND record_id = ? ORDER BY at, rowid",
        [table, record_id],
    )


def last_record_change(store: Store) -> str | None:
    """When a record was last added, changed, deleted or restored (events not counted)."""
    return store.scalar("SELECT max(at) FROM audit WHERE action IN ('insert', 'update', 'delete', 'restore')")


def listing(*, start: str | None = None, end: str | None = None, user: str | None = None,
            table: str | None = None, action: str | None = None, hidden: tuple[str, ...] = ()) -> Listing:
    """The audit trail, filtered: `at` in [start, end) (UTC ISO text), one user, one table, one action.

    Each filter matches an index (audit_at, audit_user_at, audit_table_at), so a filtered
    page deep in a long log is still a short index walk. Rows of the `hidden` tables are left out
    (events have no table and stay).
    """
    found = Listing("a.id, a.at, a.user, a.device_id, a.table_name, a.record_id, a.action, a.before, a.after",
                    "audit a", "a.id", {"at": "a.at"}, "at")
    if start:
        found.where("a.at >= :start", start=start)
    if end:
        found.where("a.at < :end", end=end)
    if user is not None:
        found.where("a.user = :user", user=user)
    if table is not None:
        found.where("a.table_name = :table", table=table)
    if action is not None:
        found.where("a.action = :action", action=action)
    if hidden:
        names = {f"hidden{i}": name for i, name in enumerate(hidden)}
        found.where(f"coalesce(a.table_name, '') NOT IN ({', '.join(':' + k for k in names)})", **names)
    return found


def page(store: Store, *, after: tuple | None = None, limit: int = 100, **filters: str | None) -> list[Row]:
    """One page of the log, newest first; the next page starts after the last row's (_sort, id)."""
    return fetch_page(store, listing(**filters), sort="at", descending=True, after=after, limit=limit)


def users(store: Store) -> list[str]:
    """Every user name the log has seen (the empty name too: writes before accounts were on)."""
    # One index seek per distinct user on audit_user_at, not a walk of the whole (long) log.
    rows = store.query(
        """WITH RECURSIVE seen(user) AS (
               SELECT min(user) FROM audit
               UNION ALL
               SELECT (SELECT min(a.user) FROM audit a WHERE a.user > seen.user) FROM seen
               WHERE seen.user IS NOT NULL)
           SELECT user FROM seen WHERE user IS NOT NULL""")
    return [row["user"] for row in rows]


def people_names(store: Store, ids: list[str]) -> dict[str, str]:
    """id -> name for the residents a page of the log speaks of (deleted ones too)."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    return {r["id"]: r["name"] for r in store.query(f"SELECT id, name FROM people WHERE id IN ({marks})", ids)}


# The records whose audit rows are named by their person's name, found through their own person_id.
_PERSON_OWNERS = ("volunteers", "elders", "visits")


def names_through(store: Store, table: str, ids: list[str]) -> dict[str, str]:
    """id -> the name of the resident a volunteer, elder or visit belongs to (deleted ones too)."""
    if table not in _PERSON_OWNERS:
        raise ValueError(f"no person behind {table!r}")
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = store.query(f"SELECT t.id, p.name FROM {table} t JOIN people p ON p.id = t.person_id "
                       f"WHERE t.id IN ({marks})", ids)
    return {r["id"]: r["name"] for r in rows}


def backup_recorded(store: Store, file_name: str) -> bool:
    """Whether a backup of this file name is in the audit (newest first: the row sought is recent)."""
    return store.db.execute(
        "SELECT 1 FROM audit WHERE action = 'backup' AND json_extract(after, '$.file') = ? ORDER BY at DESC LIMIT 1",
        [file_name]).fetchone() is not None
