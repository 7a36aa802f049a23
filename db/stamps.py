"""Queries over the stamp checklist, stamp requests and yearly serial counters."""

from __future__ import annotations

from db.paging import Listing, fetch_page
from db.store import Row, Store


def checklist(store: Store, kind: str | None = None) -> list[Row]:
    if kind:
        return store.query(
            "SELECT * FROM stamp_items WHERE deleted_at IS NULL AND kind = ? ORDER BY position, name",
            [kind],
        )
    return store.query(
        "SELECT * FROM stamp_items WHERE deleted_at IS NULL ORDER BY kind DESC, position, name"
    )


def count_items(store: Store, *, include_deleted: bool = True) -> int:
    where = "" if include_deleted else " WHERE deleted_at IS NULL"
    return store.scalar(f"SELECT count(*) FROM stamp_items{where}")


def next_serial(store: Store, counter_id: str) -> int:
    """Take the next number of a counter. Call inside a write transaction."""
    current = store.get("counters", counter_id)
    if current is None:
        store.insert("counters", {"id": counter_id, "value": 1})
        return 1
    value = current["value"] + 1
    store.update("counters", counter_id, {"value": value})
    return value


REQUEST_SORTS = {
    "serial": "serial",
    "date": "date",
    "applicant": "applicant",
    "matter": "matter",
    "result": "result",
    "handler": "coalesce(handler, '')",
}


def request_page(
    store: Store, *, result: str | None = None, month: tuple[str, str] | None = None, search: str = "",
    sort: str | None = None, descending: bool = True, after: tuple | None = None, limit: int = 100,
) -> list[Row]:
    """Stamp requests, newest serial first by default."""
    found = Listing("*", "stamp_requests", "id", REQUEST_SORTS, "serial")
    found.where("deleted_at IS NULL")
    if result:
        found.where("result = :result", result=result)
    if month:
        found.where("date BETWEEN :start AND :end", start=month[0], end=month[1])
    if search.strip():
        found.where("(applicant LIKE :text OR matter LIKE :text OR serial LIKE :text)", text=f"%{search.strip()}%")
    return fetch_page(store, found, sort=sort, descending=descending, after=after, limit=limit)


def month_counts(store: Store, start: str, end: str) -> Row:
    return store.query(
        """SELECT count(*) AS requests,
                  coalesce(sum(result = '不予盖章'), 0) AS refused,
                  coalesce(sum(result = '已盖章'), 0) AS stamped
           FROM stamp_requests WHERE deleted_at IS NULL AND date BETWEEN ? AND ?""",
        [start, end],
    )[0]


def last_handler(store: Store) -> str | None:
    return store.scalar(
        "SELECT handler FROM stamp_requests WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1"
    )


def refused_between(store: Store, start: str, end: str) -> list[Row]:
    """The 不予盖章 requests dated in [start, end], by serial."""
    return store.query(
        """SELECT serial, date, applicant, id_number, matter, referral FROM stamp_requests
           WHERE deleted_at IS NULL AND result = '不予盖章' AND date BETWEEN ? AND ? ORDER BY serial""",
        [start, end])
