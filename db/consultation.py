"""Queries over topics, their steps and events, meetings and follow-ups."""

from __future__ import annotations

from typing import Any

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


def topic_page(
    store: Store, *, after: tuple[str, str] | None = None, limit: int = 100, states: tuple[str, ...] = ()
) -> list[Row]:
    """Topics, newest first."""
    params: dict[str, Any] = {"limit": limit}
    conditions = ["deleted_at IS NULL"]
    if states:
        marks = ",".join(f":s{i}" for i in range(len(states)))
        conditions.append(f"state IN ({marks})")
        params.update({f"s{i}": s for i, s in enumerate(states)})
    if after:
        conditions.append("(proposed_on, id) < (:k, :i)")
        params.update(k=after[0], i=after[1])
    return store.query(
        f"""SELECT * FROM topics WHERE {' AND '.join(conditions)}
            ORDER BY proposed_on DESC, id DESC LIMIT :limit""",
        params,
    )


def count_topics(store: Store, *, excluding: tuple[str, ...] = ()) -> int:
    marks = ",".join("?" * len(excluding)) or "''"
    return store.scalar(
        f"SELECT count(*) FROM topics WHERE deleted_at IS NULL AND state NOT IN ({marks})",
        list(excluding),
    )


def count_meetings_between(store: Store, start: str, end: str) -> int:
    return store.scalar(
        "SELECT count(*) FROM meetings WHERE deleted_at IS NULL AND date BETWEEN ? AND ?", [start, end]
    )
