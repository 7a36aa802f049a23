"""Records arriving in a sync package are checked like typed input: the value types SQLite can
store, the validators of the form that types each record kind, and the settings' own rules.

A record is checked as of the day it was written (its `updated_at`, or `created_at` for a
service record, in China's calendar): a visit typed on the day it happened is still valid when
the package is imported a week later, and a 补录 rule is judged by when the line was entered.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from app import care, consultation, elders, people, service, settings, stamps, volunteers
from app.errors import ValidationError
from db import sync as sync_queries
from db.clock import LOCAL_TZ
from db.store import Row, Store

MAX_TEXT = 100_000  # characters in one value: far above any form's limit, far below harm
PREFIX_KEY_LETTERS = set("ABCDEFGHJKLMNPQRSTUVWXYZ")
_TEXT_TYPES = {str, type(None)}


def problem(store: Store, table: str, row: Row, community_code: str) -> str | None:
    """Why the form would refuse this record, in Chinese; None when it is acceptable."""
    values = row.values()
    # Most records hold only text: then one pass in C says that no value is of a wrong type or too long.
    if not set(map(type, values)) <= _TEXT_TYPES or sum(map(len, filter(None, values))) > MAX_TEXT:
        why = _value_problem(row)
        if why:
            return why
    for key in ("id", "created_at", "updated_at", "device_id"):
        if not isinstance(row.get(key), str) or not row[key] or len(row[key]) > 64:
            return "记录缺少编号或写入时间"
    try:
        written = _day(row["created_at" if table == "service_records" else "updated_at"])
    except ValueError:
        return "记录的写入时间无法识别"
    check = CHECKS.get(table)
    try:
        if check is not None:
            check(store, row, written, community_code)
    except ValidationError as exc:
        return str(exc).splitlines()[0]
    except (TypeError, ValueError, KeyError, AttributeError):
        return "记录的内容无法识别"
    return None


# The checks that read another record (an elder's person, a service entry's activity): they run as the
# record is merged, after the records before it in the package are written. Every other check reads
# only the record, and may run ahead.
READS_OTHER_RECORDS = frozenset({"elders", "service_records"})
LATER = object()  # problems_ahead's answer for a record to be checked when it is merged


def problems_ahead(store: Store, items: list[tuple[str, dict, Row]], community_code: str) -> list:
    """problem() of each (table, version, row) whose check reads only the record; LATER for the others.
    Run one after another, the checks cost about half of what they cost between the writes of an
    import (the same few validators stay hot in the processor's caches)."""
    return [problem(store, table, row, community_code)
            if isinstance(row, dict) and table not in READS_OTHER_RECORDS else LATER
            for table, _, row in items]


def _value_problem(row: Row) -> str | None:
    """The first value of a type SQLite cannot keep as typed, too long, or out of range."""
    for key, value in row.items():
        kind = type(value)  # what JSON decodes to: exactly these types (a bool is not an int here)
        if kind is str:
            if len(value) > MAX_TEXT:
                return f"“{key}”的内容太长"
        elif kind is int:
            if not -(2**63) <= value < 2**63:
                return f"“{key}”的数值超出范围"
        elif value is not None and kind is not float:
            return f"“{key}”的取值类型不对"
    return None


def forged(table: str, row: Row, community_code: str) -> str | None:
    """What no honest package does (a change of the community code): refuses the whole package."""
    if table == "settings" and row.get("id") == "community_code":
        try:
            value = json.loads(row.get("value"))
        except (TypeError, ValueError):
            value = None
        if value != community_code:
            return "同步包要修改社区代码"
    return None


def _day(text: str) -> date:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment.astimezone(LOCAL_TZ).date()


def _settings(store: Store, row: Row, today: date, community_code: str) -> None:
    key = row["id"]
    try:
        value = json.loads(row["value"])
    except (TypeError, ValueError):
        raise ValidationError(f"设置项“{key}”的取值无法读取") from None
    if key.startswith(sync_queries.PREFIX_SETTING):
        letters = key[len(sync_queries.PREFIX_SETTING):]
        if not (1 <= len(letters) <= 2 and set(letters) <= PREFIX_KEY_LETTERS and isinstance(value, str)
                and 0 < len(value) <= 64):
            raise ValidationError("编号前缀的登记无法识别")
        return
    settings.check_value(key, value)


def _person(store: Store, row: Row, today: date, code: str) -> None:
    cleaned = people.clean_person(row, today=today)
    if row.get("id_number") != cleaned["id_number"]:
        raise ValidationError("身份证号未按规范保存")


def _elder(store: Store, row: Row, today: date, code: str) -> None:
    person = store.get("people", row.get("person_id") or "", include_deleted=True)
    birth = date.fromisoformat(person["birth_date"]) if person and person.get("birth_date") else None
    elders.clean_elder(row, birth=birth, today=today)


# Rules that compare a record with another record's later state, or with the day it was typed
# (a visit after the elder's recorded departure, a late line without a 补录 reason), are the
# form's workflow: a record typed correctly can break them once the other record is edited.
# They are not checked here; each record's own fields and limits are.


def _visit(store: Store, row: Row, today: date, code: str) -> None:
    if row.get("elder_id"):
        elders.clean_visit(row, None, today=today)
    else:  # a visit to a 关爱对象 of another group: its checklist findings are rows of their own
        care.clean_care_visit({k: v for k, v in row.items() if k != "findings"}, row.get("person_id"), [],
                              today=today)


def _service_record(store: Store, row: Row, today: date, code: str) -> None:
    activity = store.get("activities", row.get("activity_id") or "", include_deleted=True) or {}
    service.clean_entry(row, {**activity, "date": today.isoformat()}, today=today)


def _merge(store: Store, row: Row, today: date, code: str) -> None:
    kept, merged = row.get("kept_id"), row.get("merged_id")
    if not isinstance(kept, str) or not isinstance(merged, str) or not kept or not merged:
        raise ValidationError("居民合并缺少要保留或要并入的居民")
    if kept == merged:
        raise ValidationError("居民合并的两方是同一条记录")


CHECKS = {
    "settings": _settings,
    "people": _person,
    "volunteers": lambda store, row, today, code: volunteers.clean_volunteer(row, today=today),
    "activities": lambda store, row, today, code: service.clean_activity(row, today=today),
    "service_records": _service_record,
    "elders": _elder,
    "visits": _visit,
    "topics": lambda store, row, today, code: consultation.clean_topic(row, today=today),
    "meetings": lambda store, row, today, code: consultation.clean_meeting(row, today=today),
    "meeting_participants": lambda store, row, today, code: consultation.clean_participant(row),
    "stamp_items": lambda store, row, today, code: stamps.clean_item(row),
    "stamp_requests": lambda store, row, today, code: stamps.clean_request(row, today=today),
    "person_merges": _merge,
}
