"""盖章: the checklist (保留事项 and 负面清单), matching a matter, and the register."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from app.access import require_admin
from app.errors import NotFound, UserError, ValidationError
from app.privacy import for_role
from app.validation import (
    Collector,
    choice,
    normalize_id_number,
    normalize_name,
    normalize_phone,
    optional_text,
    parse_date,
    required_text,
)
from db import stamps as queries
from db.sync import serial_prefix
from app.records import require
from db.store import Row, Store

KINDS = ("保留", "负面")
RESULTS = ("已盖章", "不予盖章", "告知承诺", "转办")
MATCH_THRESHOLD = 40
# Default items get ids derived from their names, so two devices seeding the same
# list hold the same records and sync merges them instead of doubling them.
_ITEM_NAMESPACE = uuid.UUID("6b1f8f6e-4c52-4d0e-9a51-0f6d0a2b7c11")


def default_checklist() -> dict[str, list[dict[str, str]]]:
    text = resources.files("app").joinpath("data/stamp_checklist.json").read_text("utf-8")
    data = json.loads(text)
    return {kind: data[kind] for kind in KINDS}


def install_default_checklist(store: Store) -> int:
    """Seed the checklist once, when this database has never had one."""
    if queries.count_items(store):
        return 0
    with store.transaction():
        count = 0
        for kind, items in default_checklist().items():
            for position, item in enumerate(items):
                store.insert(
                    "stamp_items",
                    {
                        "id": str(uuid.uuid5(_ITEM_NAMESPACE, f"{kind}:{item['name']}")),
                        "kind": kind,
                        "name": item["name"],
                        "keywords": item.get("keywords"),
                        "basis": item.get("basis") or ("民发〔2020〕20号" if kind == "负面" else None),
                        "department": item.get("department"),
                        "position": position,
                    },
                )
                count += 1
    return count


def _position(value: Any) -> int:
    """The item's place in the printed list; a typed one must be a whole number."""
    if value is None or str(value).strip() == "":
        return 0
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValidationError("顺序应为整数") from None


def clean_item(data: dict[str, Any]) -> dict[str, Any]:
    c = Collector()
    c.field("kind", choice, data.get("kind"), KINDS, field="清单类别")
    c.field("name", required_text, data.get("name"), field="事项名称", max_length=100)
    c.field("keywords", optional_text, data.get("keywords"), field="关键词", max_length=300)
    c.field("basis", optional_text, data.get("basis"), field="依据", max_length=300)
    c.field("department", optional_text, data.get("department"), field="承办部门", max_length=100)
    c.field("note", optional_text, data.get("note"), field="备注", max_length=300)
    c.field("position", _position, data.get("position"))
    values = c.done()
    if values["kind"] == "负面" and not values["department"]:
        raise ValidationError("负面清单事项请写明应到哪个部门办理（一次告知用）", "department")
    return values


def add_item(store: Store, data: dict[str, Any]) -> Row:
    require_admin(store, "修改盖章事项清单")
    return store.insert("stamp_items", clean_item(data))


def update_item(store: Store, item_id: str, data: dict[str, Any]) -> Row:
    require_admin(store, "修改盖章事项清单")
    current = store.get("stamp_items", item_id)
    if current is None:
        raise NotFound("找不到该清单事项，可能已被删除")
    return store.update("stamp_items", item_id, clean_item({**current, **data}))


def delete_item(store: Store, item_id: str) -> Row:
    require_admin(store, "修改盖章事项清单")
    if store.get("stamp_items", item_id) is None:
        raise NotFound("找不到该清单事项，可能已被删除")
    return store.delete("stamp_items", item_id)


def checklist(store: Store, kind: str | None = None) -> list[Row]:
    return queries.checklist(store, kind)


# -- matching ---------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"[\s，,。、；;：:（）()“”\"'《》]", "", unicodedata.normalize("NFKC", text or ""))


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def match_score(item: Row, text: str) -> int:
    """0–100: how well a typed matter names a checklist item."""
    matter = _norm(text)
    if not matter:
        return 0
    name = _norm(item["name"])
    core = name.removesuffix("证明") or name
    if matter == name:
        return 100
    if core in matter or (len(matter) >= 2 and matter in name):
        return 90
    keywords = [_norm(k) for k in re.split(r"[,，、;；\s]+", item.get("keywords") or "") if k.strip()]
    if any(k and k in matter for k in keywords):
        return 80
    wanted = _bigrams(matter.removesuffix("证明"))
    if not wanted:
        return 0
    known = _bigrams(name).union(*(_bigrams(k) for k in keywords))
    return int(70 * len(wanted & known) / len(wanted))


@dataclass
class MatterCheck:
    """What the worker is told while typing the matter (一次告知)."""

    item: Row | None
    matches: list[Row]
    refused: bool
    message: str


def match_matter(store: Store, text: str, *, limit: int = 5) -> list[Row]:
    """Checklist items that the typed matter may mean, best first."""
    return best_matches(queries.checklist(store), text, limit=limit)


def best_matches(items: list[Row], text: str, *, limit: int = 5) -> list[Row]:
    """The items a matter may mean, best first (pure: the window runs it on every keystroke)."""
    scored = [(match_score(item, text), item) for item in items]
    scored = [(s, i) for s, i in scored if s >= MATCH_THRESHOLD]
    scored.sort(key=lambda pair: (-pair[0], pair[1]["kind"] != "负面", pair[1]["position"]))
    return [{**item, "score": score} for score, item in scored[:limit]]


def check_matter(store: Store, text: str) -> MatterCheck:
    return advise(queries.checklist(store), text)


def advise(items: list[Row], text: str) -> MatterCheck:
    """What to tell the applicant about a matter, from the checklist items given."""
    matches = best_matches(items, text)
    if not matches:
        return MatterCheck(None, [], False, "清单中没有相近的事项，请核对后按规定办理")
    best = matches[0]
    if best["kind"] == "负面":
        return MatterCheck(
            best, matches, True,
            f"“{best['name']}”属于不应由村（居）委会出具的证明事项，不能盖章。"
            f"请告知申请人到{best['department']}办理。",
        )
    return MatterCheck(best, matches, False, f"属于可盖章的保留事项：{best['name']}")


# -- the register ------------------------------------------------------------------


def clean_request(data: dict[str, Any], *, today: date) -> dict[str, Any]:
    c = Collector()
    day = c.field("date", parse_date, data.get("date") or today, field="登记日期")
    if day and day > today:
        c.error("date", "登记日期不能晚于今天")
    c.field("applicant", normalize_name, data.get("applicant"), field="申请人姓名")
    if str(data.get("id_number") or "").strip():
        c.field("id_number", normalize_id_number, data["id_number"], today)
    else:
        c.values["id_number"] = None
    if str(data.get("phone") or "").strip():
        c.field("phone", normalize_phone, data["phone"])
    else:
        c.values["phone"] = None
    c.values["person_id"] = data.get("person_id") or None
    c.values["item_id"] = data.get("item_id") or None
    c.field("matter", required_text, data.get("matter"), field="申请事项", max_length=200)
    c.field("result", choice, data.get("result"), RESULTS, field="办理结果")
    c.field("reason", optional_text, data.get("reason"), field="理由", max_length=500)
    c.field("referral", optional_text, data.get("referral"), field="告知去向", max_length=200)
    c.field("purpose", optional_text, data.get("purpose"), field="用途", max_length=200)
    c.field("handler", required_text, data.get("handler"), field="经办人", max_length=30)
    values = c.done()
    values["date"] = day.isoformat()
    return values


def register_request(store: Store, data: dict[str, Any], *, today: date | None = None) -> Row:
    """Save a stamp request; its serial (`2026-0001`) is taken in the same transaction."""
    today = today or store.clock.today()
    values = clean_request(data, today=today)
    item = None
    if values["item_id"]:
        item = store.get("stamp_items", values["item_id"])
        if item is None:
            raise ValidationError("所选清单事项已不存在，请重新选择", "item_id")
    else:
        matches = match_matter(store, values["matter"])
        item = matches[0] if matches else None
        values["item_id"] = item["id"] if item else None
    if item and item["kind"] == "负面":
        if values["result"] == "已盖章":
            raise UserError(
                f"“{item['name']}”在负面清单中，不能盖章；请选择“不予盖章”，"
                f"并告知申请人到{item['department']}办理"
            )
        values["referral"] = values["referral"] or item["department"]
        values["reason"] = values["reason"] or "属于村（居）委会不应出具的证明事项（民发〔2020〕20号）"
    if values["result"] == "不予盖章" and not values["reason"]:
        raise ValidationError("不予盖章时请写明理由（一次告知）", "reason")
    if values["result"] == "转办" and not values["referral"]:
        raise ValidationError("转办时请写明转往哪个部门", "referral")
    year = int(values["date"][:4])
    with store.transaction():
        seq = queries.next_serial(store, f"stamp_requests:{year}")
        # A device prepared from a sync package numbers with its own letter (2026-A0001), see app/sync.py.
        prefix = serial_prefix(store)
        return store.insert(
            "stamp_requests", {**values, "year": year, "seq": seq, "serial": f"{year}-{prefix}{seq:04d}"}
        )


def requests_page(store: Store, **options: Any) -> list[Row]:
    """A page of the register: result, month, search, sort, descending, after, limit (see db.stamps);
    a 工作人员 gets ID numbers and phones masked."""
    return for_role(store, queries.request_page(store, **options))


def delete_request(store: Store, request_id: str) -> Row:
    """Soft delete: the serial stays taken, so the register shows the gap as 作废."""
    if store.get("stamp_requests", request_id) is None:
        raise NotFound("找不到该盖章登记，可能已被删除")
    return store.delete("stamp_requests", request_id)


def get_item(store: Store, item_id: str) -> Row:
    return require(store, "stamp_items", item_id, "清单事项")
