"""People (居民), shared by every module: validation, add/edit/delete/restore, search."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.dates import age_on, from_iso
from app.errors import UserError, ValidationError
from app.pinyin import name_keys
from app.privacy import for_role
from app.validation import (
    Collector,
    birth_date_from_id,
    choice,
    gender_from_id,
    normalize_id_number,
    normalize_name,
    normalize_phone,
    parse_date,
)
from db import people as queries
from app.records import require
from db.store import Row, Store

ADDRESS_FIELDS = {
    "estate": "小区",
    "building": "楼栋",
    "unit": "单元",
    "room": "室",
    "village_group": "村民小组",
    "grid": "网格",
}
_TEXT_FIELDS = (*ADDRESS_FIELDS.items(), ("note", "备注"))


def clean_person(data: dict[str, Any], *, today: date) -> dict[str, Any]:
    """Validate a person form; every wrong field is reported at once."""
    c = Collector()
    c.field("name", normalize_name, data.get("name"))
    id_number = None
    if str(data.get("id_number") or "").strip():
        id_number = c.field("id_number", normalize_id_number, data["id_number"], today)
    else:
        c.values["id_number"] = None
    gender = str(data.get("gender") or "").strip() or None
    if gender is not None:
        c.field("gender", choice, gender, ("男", "女"), field="性别")
    if id_number:
        derived = gender_from_id(id_number)
        if gender and gender != derived:
            c.error("gender", f"性别与身份证号不符（身份证号显示为{derived}）")
        c.values["gender"] = derived
    else:
        c.values.setdefault("gender", gender)
    birth = None
    if str(data.get("birth_date") or "").strip():
        birth = c.field("birth_date", parse_date, data["birth_date"], field="出生日期")
        if birth and birth > today:
            c.error("birth_date", "出生日期晚于今天")
    if id_number:
        derived_birth = birth_date_from_id(id_number)
        if birth and birth != derived_birth:
            c.error("birth_date", "出生日期与身份证号不符")
        birth = derived_birth
    c.values["birth_date"] = birth.isoformat() if birth else None
    if str(data.get("phone") or "").strip():
        c.field("phone", normalize_phone, data["phone"])
    else:
        c.values["phone"] = None
    c.texts(data, _TEXT_FIELDS, max_length=500)
    return c.done()


def facts(gender: str | None, birth: date | None, today: date) -> str:
    """`男，1980-01-01 出生，46 岁`: what a form shows beside a person (the parts known)."""
    parts = [gender or ""]
    if birth:
        parts += [f"{birth.isoformat()} 出生", f"{age_on(birth, today)} 岁"]
    return "，".join(p for p in parts if p)


def id_facts(text: str | None, today: date) -> str | None:
    """性别、出生日期、年龄 read from a 身份证号 as typed; None until it is complete and valid."""
    try:
        id_number = normalize_id_number(text or "", today)
    except ValidationError:
        return None
    return facts(gender_from_id(id_number), birth_date_from_id(id_number), today)


def person_facts(row: dict[str, Any], today: date) -> str:
    """The same for a registered person (a row with gender and birth_date)."""
    try:
        birth = from_iso(row.get("birth_date"))
    except ValueError:
        birth = None
    return facts(row.get("gender"), birth, today)


def _with_keys(values: dict[str, Any]) -> dict[str, Any]:
    keys = name_keys(values["name"])
    return {**values, "pinyin": keys.pinyin, "initials": keys.initials, "sort_key": keys.sort_key}


def _refuse_duplicate(store: Store, id_number: str | None, own_id: str | None = None) -> None:
    if not id_number:
        return
    existing = queries.by_id_number(store, id_number)
    if existing and existing["id"] != own_id:
        if existing["deleted_at"]:
            raise ValidationError(
                f"该身份证号已登记为“{existing['name']}”（在回收站中），请到回收站恢复该居民",
                "id_number",
            )
        raise ValidationError(f"该身份证号已登记为“{existing['name']}”，请勿重复登记", "id_number")


def add_person(store: Store, data: dict[str, Any], *, today: date | None = None) -> Row:
    values = clean_person(data, today=today or store.clock.today())
    with store.transaction():
        _refuse_duplicate(store, values["id_number"])
        return store.insert("people", _with_keys(values))


def add_checked_people(store: Store, cleaned: list[dict[str, Any]]) -> list[Row]:
    """Many people at once (a roster): each already through clean_person, and their ID numbers
    checked against the registered ones and each other by the caller."""
    return store.insert_many("people", [_with_keys(values) for values in cleaned])


def update_person(store: Store, person_id: str, data: dict[str, Any], *, today: date | None = None) -> Row:
    current = get_person(store, person_id)
    values = clean_person({**current, **data}, today=today or store.clock.today())
    with store.transaction():
        _refuse_duplicate(store, values["id_number"], person_id)
        return store.update("people", person_id, _with_keys(values))


def get_person(store: Store, person_id: str) -> Row:
    return require(store, "people", person_id, "居民")


def delete_person(store: Store, person_id: str) -> Row:
    get_person(store, person_id)
    with store.transaction():
        held = queries.roles(store, person_id)
        if held:
            raise UserError(f"该居民还登记为{'、'.join(held)}，请先删除相应记录")
        return store.delete("people", person_id)


def search_people(store: Store, text: str, *, limit: int = 50) -> list[Row]:
    """One search for all: name fragment, full pinyin, initials, ID or phone fragment."""
    return for_role(store, queries.search(store, text, limit=limit))


def people_page(store: Store, **options: Any) -> list[Row]:
    """A page of people: search, sort, descending, after, limit (see db.people.page);
    a 工作人员 gets ID numbers and phones masked."""
    return for_role(store, queries.page(store, **options))


def deleted_people(store: Store, *, limit: int = 100) -> list[Row]:
    return for_role(store, queries.page(store, limit=limit, deleted=True))
