"""Queries over volunteers, activities, service records and the time bank."""

from __future__ import annotations

from typing import Any

from db.people import match_clause
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


def volunteer_page(
    store: Store, *, after: tuple[str, str] | None = None, limit: int = 100, status: str | None = None,
    search: str = "",
) -> list[Row]:
    """Volunteers in pinyin order (keyset after (sort_key, id)), or the best matches of a search."""
    params: dict[str, Any] = {"limit": limit}
    conditions = ["v.deleted_at IS NULL"]
    order = "p.sort_key, v.id"
    if status:
        conditions.append("v.status = :status")
        params["status"] = status
    clause = match_clause(search, "p")
    if clause:
        conditions.append(clause[0])
        order = f"{clause[1]}, {order}"
        params.update(clause[2])
    elif after:
        conditions.append("(p.sort_key, v.id) > (:k, :i)")
        params.update(k=after[0], i=after[1])
    return store.query(
        f"""SELECT v.*, p.name, p.gender, p.phone, p.id_number, p.sort_key,
                   (SELECT coalesce(sum(r.minutes), 0) FROM service_records r
                    WHERE r.volunteer_id = v.id AND r.deleted_at IS NULL AND r.review_state = '已确认')
                   AS confirmed_minutes
            FROM volunteers v JOIN people p ON p.id = v.person_id
            WHERE {' AND '.join(conditions)} ORDER BY {order} LIMIT :limit""",
        params,
    )


def activity_page(store: Store, *, after: tuple[str, str] | None = None, limit: int = 100,
                  month: tuple[str, str] | None = None) -> list[Row]:
    """Activities newest first, with how many volunteers served and their minutes."""
    params: dict[str, Any] = {"limit": limit}
    conditions = ["a.deleted_at IS NULL"]
    if month:
        conditions.append("a.date BETWEEN :start AND :end")
        params.update(start=month[0], end=month[1])
    if after:
        conditions.append("(a.date, a.id) < (:k, :i)")
        params.update(k=after[0], i=after[1])
    return store.query(
        f"""SELECT a.*,
                   (SELECT count(*) FROM service_records r WHERE r.activity_id = a.id AND r.deleted_at IS NULL)
                   AS volunteers,
                   (SELECT coalesce(sum(minutes), 0) FROM service_records r
                    WHERE r.activity_id = a.id AND r.deleted_at IS NULL) AS minutes,
                   (SELECT count(*) FROM service_records r WHERE r.activity_id = a.id AND r.deleted_at IS NULL
                    AND r.review_state = '待审核') AS pending
            FROM activities a WHERE {' AND '.join(conditions)}
            ORDER BY a.date DESC, a.id DESC LIMIT :limit""",
        params,
    )


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
        """SELECT count(*) AS records, coalesce(sum(r.minutes), 0) AS minutes,
                  coalesce(sum(CASE WHEN r.review_state = '已确认' THEN r.minutes END), 0) AS confirmed
           FROM service_records r JOIN activities a ON a.id = r.activity_id
           WHERE r.deleted_at IS NULL AND a.deleted_at IS NULL AND a.date BETWEEN ? AND ?""",
        [start, end],
    )[0]
    return {"activities": activities, **row}


def count_volunteers(store: Store, status: str | None = None) -> int:
    if status:
        return store.scalar(
            "SELECT count(*) FROM volunteers WHERE deleted_at IS NULL AND status = ?", [status]
        )
    return store.scalar("SELECT count(*) FROM volunteers WHERE deleted_at IS NULL")
