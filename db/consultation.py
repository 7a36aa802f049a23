"""Queries over topics, their steps and events, meetings and follow-ups."""

from __future__ import annotations

from db.paging import Listing, fetch_page
from db.store import Row, Store


def steps_of(store: Store, topic_id: str) -> dict[str, Row]:
    rows = store.query(
        "SELECT * FROM topic_steps WHERE topic_id = ? AND deleted_at IS NULL", [topic_id]
    )
    return {r["step"]: r for r in rows}


def events_of(store: Store, topic_id: str) -> list[Row]:
    return store.query(
        "SELECT * FROM topic_events WHERE topic_id = ? AND deleted_at IS NULL ORDER BY date, created_at",
        [topic_id],
    )


def meetings_of(store: Store, topic_id: str) -> list[Row]:
    return store.query(
        "SELECT * FROM meetings WHERE topic_id = ? AND deleted_at IS NULL ORDER BY date", [topic_id]
    )


def participants_of(store: Store, meeting_id: str) -> list[Row]:
    return store.query(
        "SELECT * FROM meeting_participants WHERE meeting_id = ? AND deleted_at IS NULL ORDER BY rowid",
        [meeting_id],
    )


def followups_of(store: Store, topic_id: str) -> list[Row]:
    return store.query(
        "SELECT * FROM followups WHERE topic_id = ? AND deleted_at IS NULL ORDER BY date, created_at",
        [topic_id],
    )


TOPIC_SORTS = {
    "proposed_on": "proposed_on",
    "title": "title",
    "procedure": "procedure",
    "state": "state",
    "proposer": "coalesce(proposer, '')",
}


def topic_page(
    store: Store, *, states: tuple[str, ...] = (), search: str = "", sort: str | None = None,
    descending: bool = True, after: tuple | None = None, limit: int = 100,
) -> list[Row]:
    """Topics, newest first by default."""
    found = Listing("*", "topics", "id", TOPIC_SORTS, "proposed_on")
    found.where("deleted_at IS NULL")
    if states:
        marks = ",".join(f":s{i}" for i in range(len(states)))
        found.where(f"state IN ({marks})", **{f"s{i}": s for i, s in enumerate(states)})
    if search.strip():
        found.where("(title LIKE :text OR proposer LIKE :text)", text=f"%{search.strip()}%")
    return fetch_page(store, found, sort=sort, descending=descending, after=after, limit=limit)


def count_open_at(store: Store, day: str, closed: tuple[str, ...]) -> int:
    """Topics proposed by `day` and not yet in a closed state on that day (from their events)."""
    marks = ",".join("?" * len(closed))
    return store.scalar(
        f"""SELECT count(*) FROM topics t WHERE t.deleted_at IS NULL AND t.proposed_on <= ?
            AND NOT EXISTS (SELECT 1 FROM topic_events e WHERE e.topic_id = t.id AND e.deleted_at IS NULL
                            AND e.to_state IN ({marks}) AND e.date <= ?)""",
        [day, *closed, day],
    )


def count_meetings_between(store: Store, start: str, end: str) -> int:
    return store.scalar(
        "SELECT count(*) FROM meetings WHERE deleted_at IS NULL AND date BETWEEN ? AND ?", [start, end]
    )
