"""The 回收站: list what was deleted and put it back through each kind's own rules."""

from __future__ import annotations

from collections.abc import Callable

from app import care, consultation, elders, people, service, volunteers
from app.errors import NotFound
from db import kinds
from db import trash as queries
from db.store import Row, Store

BIN_TABLES = frozenset(kind.table for kind in kinds.in_bin())

# The kinds whose restoring has rules of its own (a record comes back with what it stands on);
# every other kind in the 回收站 is put back as it was.
RESTORE_RULES: dict[str, Callable[[Store, str], Row]] = {
    "people": people.restore_person,
    "volunteers": volunteers.restore_volunteer,
    "activities": service.restore_activity,
    "service_records": service.restore_record,
    "elders": elders.restore_elder,
    "visits": elders.restore_visit,
    "topics": consultation.restore_topic,
    "care_members": care.restore_member,
}


def deleted_records(store: Store, *, after: tuple[str, str] | None = None, limit: int = 100) -> list[Row]:
    rows = queries.deleted(store, after=after, limit=limit)
    return [{**row, "kind": kinds.noun(row["table_name"])} for row in rows]


def restore(store: Store, table: str, record_id: str) -> Row:
    kind = kinds.KINDS.get(table)
    if kind is None or not kind.in_bin:
        raise NotFound("回收站不认识这种记录")
    rule = RESTORE_RULES.get(table)
    return rule(store, record_id) if rule else store.restore(table, record_id)
