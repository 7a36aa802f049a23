"""Personal numbers in lists: masked for 工作人员, revealed one record at a time (audited)."""

from __future__ import annotations

from collections.abc import Iterable

from app.access import is_admin
from app.errors import NotFound, UserError
from app.validation import mask_id_number, mask_phone
from db import kinds
from db.store import Row, Store

# The columns of list rows that hold personal numbers, and how each is masked.
ID_KEYS = ("id_number",)
PHONE_KEYS = ("phone", "emergency_phone", "supporter_phone", "guardian_phone")
# A 关爱对象's other personal numbers: 残疾证号 (ID number + category + grade) and 低保/特困 证号.
CARD_KEYS = ("disability_no", "certificate_no")
NUMBER_KEYS = (*ID_KEYS, *PHONE_KEYS, *CARD_KEYS)


def mask_card(value: str | None) -> str:
    """A certificate number with only its first two and last four characters kept (`32******0012`)."""
    if not value:
        return ""
    if len(value) <= 6:
        return "*" * (len(value) - 2) + value[-2:]
    keep = 2 if len(value) > 8 else 0
    return value[:keep] + "*" * (len(value) - keep - 4) + value[-4:]


def mask_value(key: str, value: str | None) -> str:
    """The masked form of one personal number (`320102********1234`, `138****5678`), with the
    same helpers the ledgers' Masker uses; masking an already masked value changes nothing."""
    if key in ID_KEYS:
        return mask_id_number(value)
    if key == "disability_no" and value and len(value) == 20:
        return mask_id_number(value[:18]) + value[18:]  # the ID part masked, category and grade kept
    if key in CARD_KEYS:
        return mask_card(value)
    return mask_phone(value)


def mask_row(row: Row) -> Row:
    """A copy of a list row with its ID numbers, phones and certificate numbers masked."""
    masked = dict(row)
    for key in NUMBER_KEYS:
        if masked.get(key):
            masked[key] = mask_value(key, masked[key])
    return masked


def for_role(store: Store, rows: Iterable[Row]) -> list[Row]:
    """List rows as the signed-in user may see them: masked for a 工作人员, whole for a 管理员."""
    if is_admin(store):
        return list(rows)
    return [mask_row(row) for row in rows]


def _person_of(store: Store, table: str, record_id: str) -> tuple[Row, Row | None]:
    """(the record, the person it stands on) for the tables whose lists show numbers."""
    record = store.get(table, record_id)
    if record is None:
        raise NotFound("找不到该记录，可能已被删除，请刷新列表。")
    if kinds.KINDS[table].numbers_on_person:
        return record, store.get("people", record["person_id"], include_deleted=True)
    return record, None


def reveal(store: Store, table: str, record_id: str) -> dict[str, str]:
    """The full ID number and phones of one record, for the row it belongs to.

    Writes one 'reveal' row to the audit naming the record and which kinds of number
    were shown — never the numbers themselves.
    """
    kind = kinds.KINDS.get(table)
    if kind is None or not kind.numbers:
        raise UserError("这一页没有可显示的完整号码。")
    record, person = _person_of(store, table, record_id)
    source = {**record, **(person and {k: person[k] for k in ("id_number", "phone")} or {})}
    full = {key: source[key] for key in kind.numbers if source.get(key)}
    store.log_event("reveal", table, record_id, {"fields": [kinds.field_label(key) for key in full]})
    return full


def opened_for_edit(store: Store, table: str, record_id: str, record: Row) -> None:
    """Opening a record's edit form shows its full numbers: audited as a reveal, as 显示完整号码 is
    (for a 管理员 too). `record` is what the form was loaded with."""
    # Only the numbers the form itself holds (a volunteer's form shows the person's name only).
    shown = [kinds.field_label(key) for key in NUMBER_KEYS if record.get(key)]
    if shown:
        store.log_event("reveal", table, record_id, {"fields": shown, "form": "编辑"})
