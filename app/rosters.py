"""Reading rosters (花名册) from Excel into people, volunteers, elders or one 关爱对象 group.

Valid rows go in one transaction; every refused row is reported with its Excel row
number and the reason. A row whose ID number is already registered updates that
person or is skipped, as the user chooses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app import care, elders, people, volunteers
from app.errors import UserError, ValidationError
from app.paths import refuse_other_file
from app.validation import normalize_id_number
from db import care as care_queries
from db import elders as elder_queries
from db import people as people_queries
from db import volunteers as volunteer_queries
from db.store import Store

KINDS = {"people": "居民", "volunteers": "志愿者", "elders": "老年人", "care": "关爱对象"}
# Rows of our own ledgers that are not people: the totals row and the signature line.
NOT_A_PERSON = ("制表人：", "审核人：", "制表日期：")
PERSON_HEADERS = {
    "name": ["姓名", "名字", "居民姓名"],
    "gender": ["性别"],
    "id_number": ["身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证"],
    "birth_date": ["出生日期", "出生年月", "生日"],
    "phone": ["电话", "联系电话", "手机", "手机号", "手机号码", "联系方式"],
    "estate": ["小区", "小区名称"],
    "building": ["楼栋", "楼号", "幢"],
    "unit": ["单元"],
    "room": ["室", "房号", "门牌号"],
    "village_group": ["村民小组", "组别"],
    "grid": ["网格"],
    "note": ["备注"],
}
EXTRA_HEADERS = {
    "people": {},
    "volunteers": {
        "volunteer_no": ["志愿者编号", "编号"],
        "team": ["服务队", "队伍", "所属队伍"],
        "political_status": ["政治面貌"],
        "skills": ["专长", "特长"],
        "registered_on": ["注册日期", "注册时间"],
    },
    "elders": {
        "categories": ["类别", "困难类别", "老人类别"],
        "risk_level": ["风险等级"],
        "emergency_contact": ["紧急联系人"],
        "emergency_phone": ["紧急联系电话", "紧急联系人电话"],
        "supporter": ["赡养人"],
        "responsible_visitor": ["责任探访人"],
        "joined_on": ["纳入日期", "纳入时间"],
        "health_note": ["健康状况"],
    },
}
# A 关爱对象 roster's own columns; a group reads only the member fields it asks for (care.Group.fields).
CARE_HEADERS = {
    "risk_level": ["风险等级"],
    "status": ["状态", "在册状态"],
    "responsible_visitor": ["责任探访人"],
    "joined_on": ["纳入日期", "纳入时间"],
}
CARE_FIELD_HEADERS = {  # the first spelling is the template's (its words keep the column text in Excel)
    "guardian": ["监护人", "监护人姓名"],
    "guardian_phone": ["监护人电话", "监护人联系电话", "监护人手机"],
    "school": ["就读学校", "学校"],
    "disability_no": ["残疾证号码", "残疾证号", "残疾人证号"],
    "disability_category": ["残疾类别"],
    "disability_grade": ["残疾等级"],
    "living_subsidy": ["困难残疾人生活补贴", "生活补贴"],
    "nursing_subsidy": ["重度残疾人护理补贴", "护理补贴"],
    "certificate_no": ["证件编号", "低保证号", "特困证号", "证书编号"],
    "household": ["家庭情况"],
}
CARE_TEMPLATE_HEADERS = ["姓名", "身份证号", "联系电话", "小区", "楼栋", "单元", "室", "风险等级", "责任探访人", "纳入日期"]
TEMPLATE_HEADERS = {
    "people": ["姓名", "性别", "身份证号", "出生日期", "联系电话", "小区", "楼栋", "单元", "室", "村民小组", "网格", "备注"],
    "volunteers": ["姓名", "身份证号", "联系电话", "志愿者编号", "服务队", "政治面貌", "专长", "注册日期"],
    "elders": ["姓名", "身份证号", "联系电话", "小区", "楼栋", "单元", "室", "类别", "风险等级", "紧急联系人", "紧急联系电话",
               "赡养人", "责任探访人", "纳入日期"],
}


class _DryRun(Exception):
    """Raised to roll back a trial import."""


@dataclass
class ImportReport:
    accepted: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "updated": self.updated, "skipped": self.skipped,
                "rejected": self.rejected, "dry_run": self.dry_run}


def headers(kind: str, group: care.Group | None = None) -> dict[str, list[str]]:
    if kind == "care":
        fields = {key: CARE_FIELD_HEADERS[key] for key in group.fields} if group else {}
        return {"no": ["序号"], **PERSON_HEADERS, **CARE_HEADERS, **fields}
    return {"no": ["序号"], **PERSON_HEADERS, **EXTRA_HEADERS[kind]}


def care_template_headers(group: care.Group) -> list[str]:
    """The columns of a group's blank roster: the person, the membership, the group's own fields."""
    return [*CARE_TEMPLATE_HEADERS, *(CARE_FIELD_HEADERS[key][0] for key in group.fields)]


def import_group(store: Store, name: str) -> care.Group:
    """The group a 关爱对象 roster goes into, by its name (特殊困难老年人 has its own roster)."""
    group = care.group_named(store, str(name or "").strip())
    if group.is_elders:
        raise UserError("特殊困难老年人请用老年人花名册导入（import elders），那里有类别、紧急联系人和赡养人")
    return group


def _not_a_person(raw: dict[str, Any]) -> bool:
    """The totals rows (合计, 其中…), note or signature line of an exported ledger read back as a roster."""
    texts = [value.strip() for value in raw.values() if isinstance(value, str)]
    if any(text.startswith(("合计", "其中")) or text.startswith(NOT_A_PERSON) for text in texts):
        return True
    filled = {v for v in raw.values() if v not in (None, "")}
    # The ledger's note: one sentence in a row merged across the sheet (read back into every cell).
    return len(filled) == 1 and len(texts) >= 1 and len(texts[0]) > 20 and texts[0].endswith("。")


def write_template(kind: str, path: str | Path, *, group: care.Group | None = None) -> Path:
    """A blank roster; a 关爱对象 one (kind care) is of one group, with that group's fields."""
    import shutil
    import tempfile

    from exports.roster import write_template as write

    if kind == "care" and group is None:
        raise UserError("关爱对象花名册要指明类别")
    refuse_other_file(path, (".xlsx",), "花名册")
    title = f"{group.name}花名册" if kind == "care" else f"{KINDS[kind]}花名册"
    columns = care_template_headers(group) if kind == "care" else TEMPLATE_HEADERS[kind]
    # Written in the temporary folder first and then copied: a destination that fails half-way
    # (a full disk, /dev/full) gives one clean OSError instead of a half-closed workbook.
    with tempfile.TemporaryDirectory(prefix="ledger-template-") as folder:
        made = Path(folder) / "template.xlsx"
        write(made, title, columns)
        shutil.copyfile(made, path)
    return Path(path)


def _text(value: Any) -> Any:
    """Excel's raw cell values as the validators expect them (dates stay dates)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _unreadable_cells(raw: dict[str, Any], written: dict[str, str]) -> None:
    """Refuse a row with a field the file holds no value for: a formula without its result, an error
    value (#REF!, #N/A …), a date before 1900. The reason names the column. The 序号 is never
    imported, so whatever it holds (often =ROW()-2) refuses nothing."""
    from exports.roster import UnreadableCell

    for key, value in raw.items():
        if key != "no" and isinstance(value, UnreadableCell):
            raise ValidationError(f"“{written[key]}”{value.problem}")


def _id_number(raw: Any, today: date) -> str | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        # Excel keeps 15 significant digits: an 18-digit ID stored as a number has lost its end.
        raise ValidationError("身份证号被 Excel 存成了数字，末几位已丢失，请把该列设为文本后重新填写")
    return normalize_id_number(raw, today)


def import_roster(store: Store, kind: str, path: str | Path, *, update_existing: bool = True,
                  dry_run: bool = False, today: date | None = None, group: str | None = None) -> ImportReport:
    """Import a roster; a dry run checks every row exactly as a real one and writes nothing.

    A 关爱对象 roster (kind care) goes into the group named `group`.
    """
    from exports.roster import read_roster

    if kind not in KINDS:
        raise UserError(f"花名册种类应为：{'、'.join(KINDS)}")
    into = import_group(store, group) if kind == "care" else None
    today = today or store.clock.today()
    labels = headers(kind, into)
    sheet = read_roster(path, labels)
    if "name" in sheet.missing:
        raise UserError("表格中找不到“姓名”列，请检查表头（可用“下载模板”得到标准表头）")
    report = ImportReport(dry_run=dry_run)
    written = {key: sheet.written.get(key) or aliases[0] for key, aliases in labels.items()}  # as the user named it
    seen: dict[str, int] = {}
    new_people: list[dict[str, Any]] = []
    # Each row's ID number checked first, so that the registered ones are looked up in a few
    # queries rather than one per row.
    rows = []
    for row_number, raw in sheet:
        if _not_a_person(raw):
            continue
        try:
            _unreadable_cells(raw, written)
            if isinstance(raw.get("disability_no"), (int, float)) and not isinstance(raw["disability_no"], bool):
                raise ValidationError("残疾证号被 Excel 存成了数字，末几位已丢失，请把该列设为文本后重新填写")
            rows.append((row_number, raw, _id_number(raw.get("id_number"), today)))
        except (ValidationError, UserError) as exc:
            rows.append((row_number, raw, exc))
    try:
        with store.transaction():
            registered = people_queries.by_id_numbers(store, [n for _, _, n in rows if isinstance(n, str)])
            for row_number, raw, id_number in rows:
                values = {key: _text(value) for key, value in raw.items() if key != "no"}
                try:
                    if isinstance(id_number, Exception):
                        raise id_number
                    values["id_number"] = id_number
                    if id_number in seen:
                        raise ValidationError(f"与第 {seen[id_number]} 行的身份证号重复")
                    existing = registered.get(id_number) if id_number else None
                    if kind == "people" and existing is None:
                        # New residents are checked now and written together at the end.
                        new_people.append(people.clean_person({k: values.get(k) for k in PERSON_HEADERS},
                                                              today=today))
                        outcome = "accepted"
                    elif kind == "people":  # one service call, atomic by itself: no savepoint of our own
                        outcome = _import_row(store, kind, values, update_existing, today, existing)
                    else:
                        with store.transaction():  # a savepoint: a refused row leaves nothing behind
                            outcome = _import_row(store, kind, values, update_existing, today, existing, into)
                except (ValidationError, UserError) as exc:
                    report.rejected.append({"row": row_number, "reason": str(exc)})
                    continue
                if values["id_number"]:
                    seen[values["id_number"]] = row_number
                setattr(report, outcome, getattr(report, outcome) + 1)
            people.add_checked_people(store, new_people)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _import_row(store: Store, kind: str, values: dict[str, Any], update_existing: bool, today: date,
                existing: dict[str, Any] | None, group: care.Group | None = None) -> str:
    """Write one row; returns which count it adds to: accepted, updated or skipped.

    existing: the person already registered with the row's ID number (looked up for all rows at once).
    The counts speak of the roster's own kind: a volunteer roster's row is "accepted" when it
    creates the volunteer record, even for a resident who was already registered.
    """
    person_fields = {k: values.get(k) for k in PERSON_HEADERS}
    if existing and existing["deleted_at"]:
        raise ValidationError(f"该身份证号属于回收站中的“{existing['name']}”，请先在回收站恢复")
    if existing and update_existing:
        known = {k: v for k, v in person_fields.items() if v not in (None, "")}
        person = people.update_person(store, existing["id"], known, today=today)
    elif existing:
        person = existing
    else:
        person = people.add_person(store, person_fields, today=today)
    if kind == "people":
        return "accepted" if not existing else ("updated" if update_existing else "skipped")
    if kind == "care":
        return _import_member(store, group, person, values, update_existing, today)
    extra = {k: values.get(k) for k in EXTRA_HEADERS[kind] if values.get(k) not in (None, "")}
    if kind == "elders" and "categories" in extra:
        text = str(extra["categories"])
        for separator in ("，", ",", "/", "；", ";", " "):
            text = text.replace(separator, "、")
        extra["categories"] = [c for c in text.split("、") if c.strip()]
    find, add, update = {
        "volunteers": (volunteer_queries.volunteer_of_person, volunteers.add_volunteer, volunteers.update_volunteer),
        "elders": (elder_queries.elder_of_person, elders.add_elder, elders.update_elder),
    }[kind]
    current = find(store, person["id"])
    if current is None:
        add(store, {**extra, "person_id": person["id"]}, today=today)
        return "accepted"
    if not update_existing:
        return "skipped"
    update(store, current["id"], extra, today=today)
    return "updated"


def _import_member(store: Store, group: care.Group, person: dict[str, Any], values: dict[str, Any],
                   update_existing: bool, today: date) -> str:
    """One 关爱对象 row: the person joins the group, or their membership is updated (or skipped)."""
    keys = [*CARE_HEADERS, *group.fields]
    extra = {k: values.get(k) for k in keys if values.get(k) not in (None, "")}
    for key in care.SUBSIDY_FIELDS:
        if key in extra and str(extra[key]).strip() not in ("是", "否", "已享受", "享受", "未享受", "1", "0"):
            raise ValidationError(f"“{CARE_FIELD_HEADERS[key][0]}”应填“是”或“否”")
    current = care_queries.member_of(store, group.id, person["id"])
    if current is None:
        care.add_member(store, {**extra, "person_id": person["id"], "group_id": group.id}, today=today)
        return "accepted"
    if not update_existing:
        return "skipped"
    care.update_member(store, current["id"], extra, today=today)
    return "updated"
