"""志愿活动 and 服务记录: one activity records many volunteers at once."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from app import timebank
from app.errors import ValidationError
from app.validation import (
    Collector,
    choice,
    optional_text,
    parse_date,
    parse_minutes,
    required_text,
)
from db import service as queries
from db import volunteers as volunteer_queries
from app.records import require
from db.store import Row, Store

CATEGORIES = ("扶老助残", "环境保护", "文明实践", "治安巡逻", "助学支教", "文化体育",
              "卫生健康", "应急救援", "矛盾调解", "其他")
REVIEW_STATES = ("待审核", "已确认", "有疑问")
# Hours entered this long after the activity count as 补录 and need a reason.
BACKFILL_AFTER_DAYS = 30


def _time(text: Any, field: str) -> str | None:
    value = str(text or "").strip().replace("：", ":")
    if not value:
        return None
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", value)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValidationError(f"{field}格式不对，请写成 09:30")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def clean_activity(data: dict[str, Any], *, today: date) -> dict[str, Any]:
    c = Collector()
    day = c.field("date", parse_date, data.get("date"), field="活动日期")
    if day and day > today:
        c.error("date", "活动日期不能晚于今天：服务时长只能在活动之后登记")
    elif day:
        c.values["date"] = day.isoformat()
    c.field("name", required_text, data.get("name"), field="活动名称", max_length=100)
    category = str(data.get("category") or "").strip()
    if category:
        c.field("category", choice, category, CATEGORIES, field="活动类别")
    else:
        c.values["category"] = None
    for key, label in (("location", "地点"), ("organizer", "组织者"), ("beneficiaries", "服务对象")):
        c.field(key, optional_text, data.get(key), field=label, max_length=100)
    c.field("note", optional_text, data.get("note"), field="备注", max_length=1000)
    start = c.field("start_time", _time, data.get("start_time"), "开始时间")
    end = c.field("end_time", _time, data.get("end_time"), "结束时间")
    if start and end and end <= start:
        c.error("end_time", "结束时间应晚于开始时间")
    return c.done()


def _span_minutes(activity: dict[str, Any]) -> int | None:
    if not (activity.get("start_time") and activity.get("end_time")):
        return None
    sh, sm = map(int, activity["start_time"].split(":"))
    eh, em = map(int, activity["end_time"].split(":"))
    return (eh * 60 + em) - (sh * 60 + sm)


def clean_entry(entry: dict[str, Any], activity: dict[str, Any], *, today: date) -> dict[str, Any]:
    """One volunteer's line of an activity: minutes, content, attestation, 补录, review."""
    c = Collector()
    c.values["volunteer_id"] = entry.get("volunteer_id")
    minutes = c.field("minutes", parse_minutes, entry.get("minutes"))
    span = _span_minutes(activity)
    if minutes and span is not None and minutes > span:
        c.error("minutes", f"服务时长超过活动起止时间（{span} 分钟），往返路途时间不计入")
    c.field("content", optional_text, entry.get("content"), field="服务内容", max_length=500)
    c.field("recorder", optional_text, entry.get("recorder"), field="记录人", max_length=30)
    c.field("attested_by", optional_text, entry.get("attested_by"), field="证明人", max_length=30)
    c.field("review_state", choice, entry.get("review_state") or "待审核", REVIEW_STATES, field="审核状态")
    c.field("review_note", optional_text, entry.get("review_note"), field="审核意见", max_length=300)
    if c.values.get("review_state") == "有疑问" and not c.values.get("review_note"):
        c.error("review_note", "标为“有疑问”时请写明疑问")
    late = date.fromisoformat(activity["date"]) < today - timedelta(days=BACKFILL_AFTER_DAYS)
    backfill = bool(entry.get("is_backfill")) or late
    reason = c.field("backfill_reason", optional_text, entry.get("backfill_reason"), field="补录原因", max_length=300)
    if backfill and not reason:
        c.error(
            "backfill_reason",
            f"活动已过去 {BACKFILL_AFTER_DAYS} 天以上，属于补录，请填写补录原因",
        )
    c.values["is_backfill"] = int(backfill)
    return c.done()


def record_activity(
    store: Store, activity: dict[str, Any], entries: list[dict[str, Any]], *, today: date | None = None
) -> Row:
    """Save one activity and the service of N volunteers in one transaction."""
    today = today or store.clock.today()
    values = clean_activity(activity, today=today)
    if not entries:
        raise ValidationError("请至少选择一名参加的志愿者", "entries")
    cleaned = []
    errors: dict[str, str] = {}
    for index, entry in enumerate(entries):
        try:
            cleaned.append(clean_entry(entry, values, today=today))
        except ValidationError as exc:
            errors[f"entries.{index}"] = f"第 {index + 1} 行：{exc}"
    if errors:
        raise ValidationError(errors)
    with store.transaction():
        _check_volunteers(store, [e["volunteer_id"] for e in cleaned])
        saved = store.insert("activities", values)
        for entry in cleaned:
            store.insert("service_records", {**entry, "activity_id": saved["id"], "date": saved["date"]})
    return saved


ENTRY_KEYS = ("minutes", "content", "recorder", "attested_by", "review_state", "backfill_reason")


def clean_batch(values: dict[str, Any], *, today: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The batch form's values as (activity, entries), every wrong field reported.

    `volunteer_ids` are the people ticked; `minutes` is everyone's duration unless
    `volunteer_ids_each` gives a person a duration of their own (one served 1小时30分 of the 2小时).
    """
    errors: dict[str, str] = {}
    activity: dict[str, Any] = {}
    try:
        activity = clean_activity(values, today=today)
    except ValidationError as exc:
        errors.update(exc.errors)
    ids = list(values.get("volunteer_ids") or [])
    if not ids:
        errors["volunteer_ids"] = "请勾选至少一名参加的志愿者"
    shared = {k: values.get(k) for k in ENTRY_KEYS}
    each = {k: v for k, v in (values.get("volunteer_ids_each") or {}).items() if k in ids and str(v).strip()}
    try:
        if activity:
            clean_entry({**shared, "volunteer_id": "-"}, activity, today=today)
        else:
            parse_minutes(values.get("minutes"), field="每人时长")
    except ValidationError as exc:
        errors.update(exc.errors if activity else {"minutes": str(exc)})
    for number, vid in enumerate(ids, start=1):
        if vid not in each:
            continue
        try:
            own = parse_minutes(each[vid], field="单独设置的时长")
            span = _span_minutes(activity) if activity else None
            if span is not None and own > span:
                raise ValidationError(f"单独设置的时长超过活动起止时间（{span} 分钟）")
        except ValidationError as exc:
            errors.setdefault("volunteer_ids", f"勾选的第 {number} 人：{exc}")
    if errors:
        raise ValidationError(errors)
    return activity, [{**shared, "volunteer_id": vid, **({"minutes": each[vid]} if vid in each else {})}
                      for vid in ids]


def _check_volunteers(store: Store, ids: list[str], existing: set[str] = frozenset()) -> None:
    found = volunteer_queries.volunteers_with_names(store, ids)
    seen: set[str] = set(existing)
    for vid in ids:
        volunteer = found.get(vid)
        if volunteer is None:
            raise ValidationError("所选志愿者不存在或已被删除，请重新选择", "entries")
        if volunteer["status"] != "在册":
            raise ValidationError(f"“{volunteer['name']}”的志愿者状态为{volunteer['status']}，不能登记服务", "entries")
        if vid in seen:
            raise ValidationError(f"“{volunteer['name']}”在本次活动中已登记，请勿重复", "entries")
        seen.add(vid)


def get_activity(store: Store, activity_id: str) -> Row:
    return require(store, "activities", activity_id, "活动")


def add_to_activity(store: Store, activity_id: str, entry: dict[str, Any], *, today: date | None = None) -> Row:
    """Add one more volunteer's service to an existing activity."""
    today = today or store.clock.today()
    activity = get_activity(store, activity_id)
    values = clean_entry(entry, activity, today=today)
    with store.transaction():
        _check_volunteers(store, [values["volunteer_id"]], queries.activity_volunteers(store, activity_id))
        return store.insert("service_records", {**values, "activity_id": activity_id, "date": activity["date"]})


def update_activity(store: Store, activity_id: str, data: dict[str, Any], *, today: date | None = None) -> Row:
    current = get_activity(store, activity_id)
    values = clean_activity({**current, **data}, today=today or store.clock.today())
    span = _span_minutes(values)
    with store.transaction():
        if span is not None:
            longest = max((r["minutes"] for r in queries.records_of_activity(store, activity_id)), default=0)
            if longest > span:
                raise ValidationError("已登记的服务时长超过新的起止时间，请先修改服务记录", "end_time")
        saved = store.update("activities", activity_id, values)
        if saved["date"] != current["date"]:
            for record in queries.records_of_activity(store, activity_id):
                store.update("service_records", record["id"], {"date": saved["date"]})
        return saved


def get_record(store: Store, record_id: str) -> Row:
    return require(store, "service_records", record_id, "服务记录")


def update_record(store: Store, record_id: str, data: dict[str, Any], *, today: date | None = None) -> Row:
    today = today or store.clock.today()
    current = get_record(store, record_id)
    activity = get_activity(store, current["activity_id"])
    values = clean_entry({**current, **data, "volunteer_id": current["volunteer_id"]}, activity, today=today)
    with store.transaction():
        saved = store.update("service_records", record_id, values)
        timebank.ensure_not_negative(store, current["volunteer_id"])
    return saved


def clean_review(state: str, note: str | None) -> tuple[str, str | None]:
    """A review state and its note; 有疑问 needs the doubt written down."""
    state = choice(state, REVIEW_STATES, field="审核状态")
    note = optional_text(note, field="审核意见", max_length=300)
    if state == "有疑问" and not note:
        raise ValidationError("标为“有疑问”时请写明疑问", "review_note")
    return state, note


def review(store: Store, record_ids: list[str], state: str, note: str | None = None) -> int:
    """Set the review state of several records at once (审核)."""
    state, note = clean_review(state, note)
    with store.transaction():
        for record_id in record_ids:
            current = get_record(store, record_id)
            store.update("service_records", record_id, {"review_state": state, "review_note": note})
            timebank.ensure_not_negative(store, current["volunteer_id"])
    return len(record_ids)


def delete_record(store: Store, record_id: str) -> Row:
    current = get_record(store, record_id)
    with store.transaction():
        deleted = store.delete("service_records", record_id)
        timebank.ensure_not_negative(store, current["volunteer_id"])
    return deleted


def delete_activity(store: Store, activity_id: str) -> Row:
    """Deleting an activity deletes its service records with it."""
    get_activity(store, activity_id)
    with store.transaction():
        at = store.now()
        records = queries.records_of_activity(store, activity_id)
        for record in records:
            store.delete("service_records", record["id"], at=at)
        deleted = store.delete("activities", activity_id, at=at)
        for volunteer_id in {r["volunteer_id"] for r in records}:
            timebank.ensure_not_negative(store, volunteer_id)
    return deleted


def records_of_activity(store: Store, activity_id: str) -> list[Row]:
    return queries.records_of_activity(store, activity_id)


def records_page(store: Store, **options: Any) -> list[Row]:
    """A page of service records, newest first: sort, descending, after, limit, from_end (see db.service)."""
    return queries.record_page(store, **options)


def activities_page(store: Store, **options: Any) -> list[Row]:
    """A page of activities: month, search, sort, descending, after, limit (see db.service)."""
    return queries.activity_page(store, **options)
