"""The 回收站: list what was deleted and put it back through each kind's own rules."""

from __future__ import annotations

from collections.abc import Callable

from app import consultation, elders, people, service, volunteers
from app.errors import NotFound
from db import trash as queries
from db.store import Row, Store

KIND_NAMES = {
    "people": "居民",
    "volunteers": "志愿者",
    "activities": "志愿活动",
    "service_records": "服务记录",
    "elders": "老年人",
    "visits": "探访记录",
    "topics": "议题",
    "meetings": "协商会议",
    "stamp_requests": "盖章登记",
    "stamp_items": "清单事项",
}


def _plain(table: str) -> Callable[[Store, str], Row]:
    return lambda store, record_id: store.restore(table, record_id)


RESTORERS: dict[str, Callable[[Store, str], Row]] = {
    "people": people.restore_person,
    "volunteers": volunteers.restore_volunteer,
    "activities": service.restore_activity,
    "service_records": service.restore_record,
    "elders": elders.restore_elder,
    "visits": elders.restore_visit,
    "topics": consultation.restore_topic,
    "meetings": _plain("meetings"),
    "stamp_requests": _plain("stamp_requests"),
    "stamp_items": _plain("stamp_items"),
}


def deleted_records(store: Store, *, after: tuple[str, str] | None = None, limit: int = 100) -> list[Row]:
    rows = queries.deleted(store, after=after, limit=limit)
    return [{**row, "kind": KIND_NAMES[row["table_name"]]} for row in rows]


def restore(store: Store, table: str, record_id: str) -> Row:
    if table not in RESTORERS:
        raise NotFound("回收站不认识这种记录")
    return RESTORERS[table](store, record_id)
