"""Queries over activities, service records and the time bank (volunteers: db/volunteers.py)."""

from __future__ import annotations

from typing import Any

from db.paging import Listing, fetch_page
from db.store import Row, Store


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
