"""Volunteers (志愿者) and their star level."""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from typing import Any

from app import settings as settings_module
from app.errors import NotFound, UserError, ValidationError
from app.people import get_person
from app.privacy import for_role
from app.validation import Collector, choice, optional_text, parse_date
from db import service as service_queries
from db import volunteers as queries
from db.stamps import next_serial
from db.sync import serial_prefix
from app.records import require
from db.store import Row, Store

STATUSES = ("在册", "暂停", "退出")
POLITICAL = ("中共党员", "中共预备党员", "共青团员", "民主党派", "群众")


def clean_volunteer(data: dict[str, Any], *, today: date) -> dict[str, Any]:
    c = Collector()
    if not data.get("person_id"):
        c.error("person_id", "请选择志愿者本人（先在居民中登记）")
    else:
        c.values["person_id"] = data["person_id"]
    c.field("volunteer_no", optional_text, data.get("volunteer_no"), field="志愿者编号", max_length=40)
    c.field("team", optional_text, data.get("team"), field="服务队", max_length=60)
    political = str(data.get("political_status") or "").strip()
    if political:
        c.field("political_status", choice, political, POLITICAL, field="政治面貌")
    else:
        c.values["political_status"] = None
    c.field("skills", optional_text, data.get("skills"), field="专长", max_length=200)
    registered = c.field(
        "registered_on", parse_date, data.get("registered_on") or today, field="注册日期"
    )
    if registered and registered > today:
        c.error("registered_on", "注册日期不能晚于今天")
    elif registered:
        c.values["registered_on"] = registered.isoformat()
    c.field("status", choice, data.get("status") or "在册", STATUSES, field="状态")
    return c.done()


def _refuse_duplicates(store: Store, values: dict[str, Any], own_id: str | None = None) -> None:
    person = get_person(store, values["person_id"])
    existing = queries.volunteer_of_person(store, values["person_id"])
    if existing and existing["id"] != own_id:
        raise ValidationError(f"“{person['name']}”已经是志愿者", "person_id")
    if values.get("volunteer_no"):
        numbered = queries.volunteer_by_number(store, values["volunteer_no"])
        if numbered and numbered["id"] != own_id:
            raise ValidationError("志愿者编号已被使用，请换一个", "volunteer_no")


def next_volunteer_no(store: Store, year: int) -> str:
    """`ZY260001`: ZY, the year's last two digits, this PC's serial letter, a number counted per
    year. Call inside a write transaction; numbers typed by hand or imported are skipped."""
    while True:
        number = f"ZY{year % 100:02d}{serial_prefix(store)}{next_serial(store, f'volunteers:{year}'):04d}"
        if queries.volunteer_by_number(store, number) is None:
            return number


def add_volunteer(store: Store, data: dict[str, Any], *, today: date | None = None) -> Row:
    """A new volunteer; one registered without a 志愿者编号 gets the next one (next_volunteer_no)."""
    today = today or store.clock.today()
    values = clean_volunteer(data, today=today)
    with store.transaction():
        _refuse_duplicates(store, values)
        if not values.get("volunteer_no"):
            values["volunteer_no"] = next_volunteer_no(store, today.year)
        return store.insert("volunteers", values)


def update_volunteer(store: Store, volunteer_id: str, data: dict[str, Any], *, today: date | None = None) -> Row:
    current = get_volunteer(store, volunteer_id)
    values = clean_volunteer({**current, **data}, today=today or store.clock.today())
    with store.transaction():
        _refuse_duplicates(store, values, volunteer_id)
        return store.update("volunteers", volunteer_id, values)


def get_volunteer(store: Store, volunteer_id: str) -> Row:
    return require(store, "volunteers", volunteer_id, "志愿者")


def delete_volunteer(store: Store, volunteer_id: str) -> Row:
    get_volunteer(store, volunteer_id)
    return store.delete("volunteers", volunteer_id)


def volunteers_page(store: Store, **options: Any) -> list[Row]:
    """A page of volunteers: status, search, sort, descending, after, limit (see db.volunteers);
    a 工作人员 gets ID numbers and phones masked."""
    return for_role(store, queries.volunteer_page(store, **options))


def star_level(minutes: int, star_hours: tuple[int, ...]) -> int:
    """0–5 stars for a total of confirmed service minutes."""
    return bisect_right([h * 60 for h in star_hours], minutes)


def volunteer_star(store: Store, volunteer_id: str) -> int:
    hours = settings_module.load(store).star_hours
    return star_level(service_queries.confirmed_minutes(store, volunteer_id), hours)


def search_volunteers(store: Store, text: str, *, limit: int = 20) -> list[Row]:
    """Active volunteers matching a name, pinyin, ID or phone fragment (for pickers)."""
    return for_role(store, queries.volunteer_page(store, limit=limit, status="在册", search=text))


def find_volunteer(store: Store, text: str) -> Row:
    """The one volunteer a number, ID number or name names; a clear message when none or several."""
    text = (text or "").strip()
    numbered = queries.volunteer_by_number(store, text)
    if numbered and store.get("volunteers", numbered["id"]):
        return get_volunteer(store, numbered["id"])
    matches = queries.volunteer_page(store, search=text, limit=5)
    exact = [m for m in matches if m["name"] == text or m["id_number"] == text.upper()]
    found = exact or matches
    if not found:
        raise NotFound(f"找不到志愿者“{text}”，请核对编号或姓名")
    if len(found) > 1:
        raise UserError(f"有 {len(found)} 位志愿者与“{text}”相符，请用志愿者编号指明")
    return found[0]
