"""Queries over volunteers: who they are, their numbers, the paged list."""

from __future__ import annotations

from db.people import match_clause
from db.paging import Listing, fetch_page
from db.store import Row, Store


def volunteer_of_person(store: Store, person_id: str) -> Row | None:
    rows = store.query(
        "SELECT * FROM volunteers WHERE person_id = ? AND deleted_at IS NULL", [person_id]
    )
    return rows[0] if rows else None


def volunteer_by_number(store: Store, number: str) -> Row | None:
    rows = store.query("SELECT id, person_id FROM volunteers WHERE volunteer_no = ?", [number])
    return rows[0] if rows else None


def volunteers_with_names(store: Store, ids: list[str]) -> dict[str, Row]:
    """Live volunteers among ids, with the person's name."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = store.query(
        f"""SELECT v.id, v.status, p.name FROM volunteers v JOIN people p ON p.id = v.person_id
            WHERE v.id IN ({marks}) AND v.deleted_at IS NULL""",
        ids,
    )
    return {r["id"]: r for r in rows}


CONFIRMED_MINUTES = """(SELECT coalesce(sum(r.minutes), 0) FROM service_records r
    WHERE r.volunteer_id = v.id AND r.deleted_at IS NULL AND r.review_state = '已确认')"""
VOLUNTEER_SORTS = {
    "name": "p.sort_key",
    "volunteer_no": "coalesce(v.volunteer_no, '')",
    "team": "coalesce(v.team, '')",
    "political_status": "coalesce(v.political_status, '')",
    "registered_on": "v.registered_on",
    "status": "v.status",
    "minutes": CONFIRMED_MINUTES,
}


def volunteer_page(
    store: Store, *, status: str | None = None, search: str = "", sort: str | None = None,
    descending: bool = False, after: tuple | None = None, limit: int = 100,
) -> list[Row]:
    """Volunteers with the person's name and their confirmed minutes."""
    found = Listing(f"v.*, p.name, p.gender, p.phone, p.id_number, p.sort_key, {CONFIRMED_MINUTES} AS confirmed_minutes",
                    "volunteers v JOIN people p ON p.id = v.person_id", "v.id", VOLUNTEER_SORTS, "name")
    found.where("v.deleted_at IS NULL")
    if status:
        found.where("v.status = :status", status=status)
    clause = match_clause(search, "p")
    if clause:
        found.where(clause[0], **clause[2])
        found.rank = clause[1]
    return fetch_page(store, found, sort=sort, descending=descending, after=after, limit=limit)


def count_volunteers(store: Store, status: str | None = None) -> int:
    if status:
        return store.scalar(
            "SELECT count(*) FROM volunteers WHERE deleted_at IS NULL AND status = ?", [status]
        )
    return store.scalar("SELECT count(*) FROM volunteers WHERE deleted_at IS NULL")
