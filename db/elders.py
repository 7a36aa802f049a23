"""Queries over elders and visits."""

from __future__ import annotations

from collections import defaultdict

from db.people import match_clause
from db.paging import Listing, fetch_page
from db.store import Row, Store


def elder_of_person(store: Store, person_id: str) -> Row | None:
    rows = store.query("SELECT * FROM elders WHERE person_id = ? AND deleted_at IS NULL", [person_id])
    return rows[0] if rows else None


def in_care_between(store: Store, start: str, end: str) -> list[Row]:
    """Elders in care for at least one day of [start, end], with the person's name and the
    date of their last visit before start (last_before; None when never visited)."""
    # Only what the duty rule needs, unsorted: this runs on every 工作台 refresh over
    # thousands of elders; contacts are fetched for the few who were not visited.
    elders = store.query(
        """SELECT e.id, e.risk_level, e.status, e.joined_on, e.left_on, e.responsible_visitor,
                  p.name, p.sort_key
           FROM elders e JOIN people p ON p.id = e.person_id
           WHERE e.deleted_at IS NULL AND p.deleted_at IS NULL
             AND e.joined_on <= :end AND (e.left_on IS NULL OR e.left_on >= :start)""",
        {"start": start, "end": end},
    )
    # One index seek per elder for the last visit cost most of a refresh; the visits of the
    # two months before start are read in one range instead, and only the elders without
    # one there (long unvisited, or new) are looked up one by one.
    recent = _last_visits_between(store, _months_before(start, 2), start)
    missing = [e["id"] for e in elders if e["id"] not in recent]
    recent.update(_last_visits_before(store, missing, start))
    for elder in elders:
        elder["last_before"] = recent.get(elder["id"])
    return elders


def _months_before(day: str, months: int) -> str:
    year, month = int(day[:4]), int(day[5:7]) - months
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}-01"


def _last_visits_between(store: Store, since: str, before: str) -> dict[str, str]:
    """elder id → the latest visit date in [since, before)."""
    latest: dict[str, str] = {}
    # Other groups' visits have no elder_id: left out in the index (date, elder_id), never read.
    for elder_id, day in store.db.conn.execute(
        "SELECT elder_id, date FROM visits INDEXED BY visits_live_date"
        " WHERE deleted_at IS NULL AND date >= ? AND date < ? AND elder_id IS NOT NULL", [since, before]
    ):
        if day > latest.get(elder_id, ""):
            latest[elder_id] = day
    return latest


def _last_visits_before(store: Store, elder_ids: list[str], before: str) -> dict[str, str]:
    """elder id → the latest visit date before `before`, for the elders given (None left out)."""
    found: dict[str, str] = {}
    for first in range(0, len(elder_ids), 500):
        chunk = elder_ids[first:first + 500]
        for elder_id, day in store.db.conn.execute(
            f"""SELECT e.id, (SELECT v.date FROM visits v WHERE v.elder_id = e.id AND v.deleted_at IS NULL
                              AND v.date < ? ORDER BY v.date DESC LIMIT 1)
                FROM elders e WHERE e.id IN ({",".join("?" * len(chunk))})""", [before, *chunk]
        ):
            if day:
                found[elder_id] = day
    return found


def contacts(store: Store, elder_ids: list[str]) -> dict[str, Row]:
    """elder id → phone and address of the person."""
    if not elder_ids:
        return {}
    marks = ",".join("?" * len(elder_ids))
    rows = store.query(
        f"""SELECT e.id, p.phone, p.estate, p.building, p.unit, p.room, p.village_group
            FROM elders e JOIN people p ON p.id = e.person_id WHERE e.id IN ({marks})""",
        elder_ids,
    )
    return {r["id"]: r for r in rows}


def visit_dates_between(store: Store, start: str, end: str) -> dict[str, list[str]]:
    """elder id → sorted dates of visits in [start, end]."""
    found: dict[str, list[str]] = defaultdict(list)
    for row in store.query(
        """SELECT elder_id, date FROM visits WHERE deleted_at IS NULL AND date BETWEEN ? AND ?
             AND elder_id IS NOT NULL ORDER BY date""",
        [start, end],
    ):
        found[row["elder_id"]].append(row["date"])
    return found


def last_visit(store: Store, elder_id: str) -> str | None:
    return store.scalar(
        "SELECT max(date) FROM visits WHERE elder_id = ? AND deleted_at IS NULL", [elder_id]
    )


def visits_of(store: Store, elder_id: str, *, limit: int = 100) -> list[Row]:
    return store.query(
        "SELECT * FROM visits WHERE elder_id = ? AND deleted_at IS NULL ORDER BY date DESC, id LIMIT ?",
        [elder_id, limit],
    )


LAST_VISIT = "(SELECT max(v.date) FROM visits v WHERE v.elder_id = e.id AND v.deleted_at IS NULL)"
ELDER_SORTS = {
    "name": "p.sort_key",
    "birth_date": "coalesce(p.birth_date, '')",
    "risk_level": "e.risk_level",
    "status": "e.status",
    "responsible_visitor": "coalesce(e.responsible_visitor, '')",
    "last_visit": f"coalesce({LAST_VISIT}, '')",
}


def elder_page(
    store: Store, *, status: str | None = None, category: str | None = None, search: str = "",
    sort: str | None = None, descending: bool = False, after: tuple | None = None, limit: int = 100,
) -> list[Row]:
    """Elders with the person's name and their last visit."""
    found = Listing(f"e.*, p.name, p.gender, p.birth_date, p.phone, p.id_number, p.sort_key, {LAST_VISIT} AS last_visit",
                    "elders e JOIN people p ON p.id = e.person_id", "e.id", ELDER_SORTS, "name")
    found.where("e.deleted_at IS NULL")
    if status:
        found.where("e.status = :status", status=status)
    if category:
        # categories is a JSON list of names: match the quoted name
        found.where("e.categories LIKE :category", category=f'%"{category}"%')
    clause = match_clause(search, "p")
    if clause:
        found.where(clause[0], **clause[2])
        found.rank = clause[1]
    return fetch_page(store, found, sort=sort, descending=descending, after=after, limit=limit)


def count_elders(store: Store, status: str | None = None) -> int:
    if status:
        return store.scalar("SELECT count(*) FROM elders WHERE deleted_at IS NULL AND status = ?", [status])
    return store.scalar("SELECT count(*) FROM elders WHERE deleted_at IS NULL")


def count_visits_between(store: Store, start: str, end: str) -> int:
    return store.scalar(
        "SELECT count(*) FROM visits WHERE deleted_at IS NULL AND elder_id IS NOT NULL AND date BETWEEN ? AND ?",
        [start, end],
    )


def id_numbers(store: Store, elder_ids: list[str]) -> dict[str, str | None]:
    """elder id → the person's 身份证号 (the street summary prints it masked)."""
    if not elder_ids:
        return {}
    marks = ",".join("?" * len(elder_ids))
    rows = store.db.conn.execute(
        f"SELECT e.id, p.id_number FROM elders e JOIN people p ON p.id = e.person_id WHERE e.id IN ({marks})",
        elder_ids).fetchall()
    return dict(rows)
