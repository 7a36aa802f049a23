"""Queries over volunteers, activities, service records and the time bank."""

from __future__ import annotations

from typing import Any

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


ACTIVITY_SORTS = {
    "date": "a.date",
    "name": "a.name",
    "category": "coalesce(a.category, '')",
    "location": "coalesce(a.location, '')",
}


def activity_page(
    store: Store, *, month: tuple[str, str] | None = None, search: str = "", sort: str | None = None,
    descending: bool = True, after: tuple | None = None, limit: int = 100,
) -> list[Row]:
    """Activities (newest first by default), with how many served, their minutes and pending reviews."""
    found = Listing(
        """a.*,
           (SELECT count(*) FROM service_records r WHERE r.activity_id = a.id AND r.deleted_at IS NULL) AS volunteers,
           (SELECT coalesce(sum(minutes), 0) FROM service_records r
            WHERE r.activity_id = a.id AND r.deleted_at IS NULL) AS minutes,
           (SELECT count(*) FROM service_records r WHERE r.activity_id = a.id AND r.deleted_at IS NULL
            AND r.review_state = '待审核') AS pending""",
        "activities a", "a.id", ACTIVITY_SORTS, "date")
    found.where("a.deleted_at IS NULL")
    if month:
        found.where("a.date BETWEEN :start AND :end", start=month[0], end=month[1])
    if search.strip():
        found.where("(a.name LIKE :text OR a.location LIKE :text OR a.organizer LIKE :text)",
                    text=f"%{search.strip()}%")
    return fetch_page(store, found, sort=sort, descending=descending, after=after, limit=limit)


RECORD_SORTS = {"date": "r.date"}


def record_page(
    store: Store, *, sort: str | None = None, descending: bool = True, after: tuple | None = None,
    limit: int = 100, from_end: bool = False,
) -> list[Row]:
    """Service records with their activity and volunteer, newest first; from_end gives the last page."""
    found = Listing(
        "r.id, r.minutes, r.review_state, r.is_backfill, a.date, a.name AS activity, p.name, v.volunteer_no",
        "service_records r JOIN activities a ON a.id = r.activity_id JOIN volunteers v ON v.id = r.volunteer_id"
        " JOIN people p ON p.id = v.person_id",
        "r.id", RECORD_SORTS, "date")
    found.where("r.deleted_at IS NULL")
    if from_end:
        rows = fetch_page(store, found, sort=sort, descending=not descending, limit=limit)
        return rows[::-1]
    return fetch_page(store, found, sort=sort, descending=descending, after=after, limit=limit)


def activity_volunteers(store: Store, activity_id: str) -> set[str]:
    rows = store.query(
        "SELECT volunteer_id FROM service_records WHERE activity_id = ? AND deleted_at IS NULL",
        [activity_id],
    )
    return {r["volunteer_id"] for r in rows}


def records_deleted_with(store: Store, activity_id: str, deleted_at: str) -> list[Row]:
    """The service records that were deleted together with their activity."""
    return store.query(
        "SELECT id FROM service_records WHERE activity_id = ? AND deleted_at = ?", [activity_id, deleted_at]
    )


def confirmed_minutes(store: Store, volunteer_id: str, *, until: str | None = None) -> int:
    """Minutes of confirmed service (the time bank's income)."""
    sql = """SELECT coalesce(sum(r.minutes), 0) FROM service_records r
             JOIN activities a ON a.id = r.activity_id
             WHERE r.volunteer_id = ? AND r.deleted_at IS NULL AND a.deleted_at IS NULL
               AND r.review_state = '已确认'"""
    params: list[Any] = [volunteer_id]
    if until:
        sql += " AND a.date <= ?"
        params.append(until)
    return store.scalar(sql, params)


def redeemed_minutes(store: Store, volunteer_id: str) -> int:
    return store.scalar(
        "SELECT coalesce(sum(minutes), 0) FROM redemptions WHERE volunteer_id = ? AND deleted_at IS NULL",
        [volunteer_id],
    )


def records_of_activity(store: Store, activity_id: str) -> list[Row]:
    return store.query(
        """SELECT r.*, p.name FROM service_records r
           JOIN volunteers v ON v.id = r.volunteer_id JOIN people p ON p.id = v.person_id
           WHERE r.activity_id = ? AND r.deleted_at IS NULL ORDER BY p.sort_key""",
        [activity_id],
    )


def month_figures(store: Store, start: str, end: str) -> Row:
    """Activities, service records and minutes with an activity date in [start, end]."""
    activities = store.scalar(
        "SELECT count(*) FROM activities WHERE deleted_at IS NULL AND date BETWEEN ? AND ?",
        [start, end],
    )
    row = store.query(
        """SELECT count(*) AS records, coalesce(sum(minutes), 0) AS minutes,
                  coalesce(sum(CASE WHEN review_state = '已确认' THEN minutes END), 0) AS confirmed
           FROM service_records WHERE deleted_at IS NULL AND date BETWEEN ? AND ?""",
        [start, end],
    )[0]
    return {"activities": activities, **row}


def count_volunteers(store: Store, status: str | None = None) -> int:
    if status:
        return store.scalar(
            "SELECT count(*) FROM volunteers WHERE deleted_at IS NULL AND status = ?", [status]
        )
    return store.scalar("SELECT count(*) FROM volunteers WHERE deleted_at IS NULL")


def time_bank_lines(store: Store, volunteer_id: str) -> list[Row]:
    """A volunteer's confirmed service (income) and redemptions (spending), oldest first."""
    return store.query(
        """SELECT a.date AS date, a.name AS what, r.minutes AS earned, 0 AS spent, r.created_at AS at
           FROM service_records r JOIN activities a ON a.id = r.activity_id
           WHERE r.volunteer_id = ? AND r.deleted_at IS NULL AND a.deleted_at IS NULL AND r.review_state = '已确认'
           UNION ALL
           SELECT date, '兑换：' || reason, 0, minutes, created_at FROM redemptions
           WHERE volunteer_id = ? AND deleted_at IS NULL
           ORDER BY date, at""",
        [volunteer_id, volunteer_id],
    )
