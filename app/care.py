"""关爱对象: the groups the committee must visit, their members, structured visits and 转介 follow-ups.

特殊困难老年人 is one of the groups: its members are the elders register (app/elders.py keeps its
fields and rules), and its duty is app/elders.py's `month_duty`. Every group shares the one duty
rule (`elders.duty_line`); a group only says which interval each risk tier has and which visit
methods count toward its 探访率 (a phone call does not count for a 高风险 child, say). A visit
that a method does not count for neither makes the person visited nor moves their due date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app import elders
from app import settings as settings_module
from app.access import require_admin
from app.dates import add_interval, age_on, from_iso, month_bounds
from app.errors import NotFound, UserError, ValidationError
from app.people import get_person
from app.privacy import for_role
from app.records import require
from app.settings import INTERVALS
from app.validation import (
    Collector,
    choice,
    normalize_id_number,
    normalize_phone,
    optional_text,
    parse_date,
    required_text,
)
from db import care as queries
from db.care import ELDER_GROUP_ID
from db.store import Row, Store

RISK_LEVELS = elders.RISK_LEVELS
METHODS = elders.METHODS
STATUSES = ("在册", "迁出", "退出", "去世")
DISABILITY_CATEGORIES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
DISABILITY_GRADES = ("一级", "二级", "三级", "四级")
REFERRAL_STATES = ("转介", "已接收", "已办结")
TARGET_KINDS = ("部门", "个人")
# The fields a group may ask of its members (care_members columns), with their Chinese names.
MEMBER_FIELDS = {
    "guardian": "监护人", "guardian_phone": "监护人电话", "school": "就读学校",
    "disability_no": "残疾证号", "disability_category": "残疾类别", "disability_grade": "残疾等级",
    "living_subsidy": "困难残疾人生活补贴", "nursing_subsidy": "重度残疾人护理补贴",
    "certificate_no": "证件编号", "household": "家庭情况",
}
SUBSIDY_FIELDS = ("living_subsidy", "nursing_subsidy")
# The elder checklist items kept in the visits table's own columns (the 探访关爱记录台账 reads them).
ELDER_ITEM_COLUMNS = {label: key for key, label in elders.VISIT_TEXT_FIELDS.items()
                      if key not in ("problems", "measures", "referral")}


# -- groups --------------------------------------------------------------------------------


@dataclass
class Group:
    id: str
    name: str
    builtin: str | None
    position: int
    min_age: int | None
    max_age: int | None
    fields: list[str]
    intervals: dict[str, str]  # risk tier → week / month / quarter
    counting: dict[str, list[str]]  # risk tier → methods that count toward 探访率
    responsible: str
    checklist: list[str]
    note: str | None = None

    @property
    def is_elders(self) -> bool:
        return self.id == ELDER_GROUP_ID

    def counts(self, risk_level: str, method: str) -> bool:
        return method in self.counting.get(risk_level, METHODS)

    def interval(self, risk_level: str) -> str:
        return self.intervals.get(risk_level, "month")

    @property
    def counts_everything(self) -> bool:
        return all(set(self.counting.get(tier, METHODS)) >= set(METHODS) for tier in RISK_LEVELS)


def _group(row: Row, visit_intervals: dict[str, str]) -> Group:
    intervals = json.loads(row["intervals"]) if row["intervals"] else dict(visit_intervals)
    return Group(id=row["id"], name=row["name"], builtin=row["builtin"], position=row["position"],
                 min_age=row["min_age"], max_age=row["max_age"], fields=json.loads(row["fields"] or "[]"),
                 intervals=intervals, counting=json.loads(row["counting"] or "{}"),
                 responsible=row["responsible"] or "", checklist=json.loads(row["checklist"] or "[]"),
                 note=row["note"])


def groups(store: Store) -> list[Group]:
    """Every group in display order; 特殊困难老年人's intervals are the settings' (设置 › 探访周期)."""
    visit_intervals = settings_module.load(store).visit_intervals
    return [_group(row, visit_intervals) for row in queries.groups(store)]


def get_group(store: Store, group_id: str) -> Group:
    for group in groups(store):
        if group.id == group_id:
            return group
    raise NotFound("找不到该关爱对象类别，可能已被删除")


def group_named(store: Store, name: str) -> Group:
    for group in groups(store):
        if group.name == name:
            return group
    raise UserError(f"没有名为“{name}”的关爱对象类别，现有：{'、'.join(g.name for g in groups(store))}")


def _age(value: Any, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"{label}应为整数") from None
    if not 0 <= number <= 150:
        raise ValidationError(f"{label}应在 0 到 150 之间")
    return number


def _intervals(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != set(RISK_LEVELS) or any(v not in INTERVALS for v in value.values()):
        raise ValidationError(f"请为{'、'.join(RISK_LEVELS)}各选一个探访周期（{'、'.join(INTERVALS.values())}）")
    return dict(value)


def _counting(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict) or set(value) != set(RISK_LEVELS):
        raise ValidationError(f"请为{'、'.join(RISK_LEVELS)}分别选择计入探访率的方式")
    result = {}
    for tier in RISK_LEVELS:
        methods = value[tier]
        if isinstance(methods, str):
            methods = [m for m in methods.replace("，", "、").replace(",", "、").split("、") if m.strip()]
        methods = [str(m).strip() for m in methods]
        if not methods:
            raise ValidationError(f"{tier}至少要有一种计入探访率的方式")
        unknown = [m for m in methods if m not in METHODS]
        if unknown:
            raise ValidationError(f"探访方式应为：{'、'.join(METHODS)}")
        result[tier] = [m for m in METHODS if m in methods]
    return result


def _checklist(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.replace("，", "\n").replace("、", "\n").splitlines()
    items = [str(v).strip() for v in (value or []) if str(v).strip()]
    if not items:
        raise ValidationError("探访清单至少要有一项")
    if len(items) > 20:
        raise ValidationError("探访清单最多 20 项")
    if any(len(item) > 20 for item in items):
        raise ValidationError("清单每项最多 20 个字")
    if len(set(items)) != len(items):
        raise ValidationError("探访清单中有重复的项")
    return items


def _fields(value: Any) -> list[str]:
    items = list(value or [])
    unknown = [f for f in items if f not in MEMBER_FIELDS]
    if unknown:
        raise ValidationError(f"登记栏目应为：{'、'.join(MEMBER_FIELDS.values())}")
    return [f for f in MEMBER_FIELDS if f in items]


def clean_group(data: dict[str, Any]) -> dict[str, Any]:
    c = Collector()
    c.field("name", required_text, data.get("name"), field="类别名称", max_length=20)
    low = c.field("min_age", _age, data.get("min_age"), "最低年龄")
    high = c.field("max_age", _age, data.get("max_age"), "最高年龄")
    if low is not None and high is not None and low > high:
        c.error("max_age", "最高年龄不能小于最低年龄")
    c.field("intervals", _intervals, data.get("intervals"))
    c.field("counting", _counting, data.get("counting"))
    c.field("checklist", _checklist, data.get("checklist"))
    c.field("fields", _fields, data.get("fields"))
    c.field("responsible", optional_text, data.get("responsible"), field="责任人", max_length=30)
    c.field("note", optional_text, data.get("note"), field="备注", max_length=500)
    return c.done()


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    stored = dict(values)
    for key in ("intervals", "counting", "checklist", "fields"):
        if key in stored:
            stored[key] = json.dumps(stored[key], ensure_ascii=False)
    return stored


def add_group(store: Store, data: dict[str, Any]) -> Group:
    """A group the community adds (管理员 only)."""
    require_admin(store, "添加关爱对象类别")
    values = clean_group(data)
    with store.transaction():
        if queries.group_by_name(store, values["name"]):
            raise ValidationError(f"已有名为“{values['name']}”的类别", "name")
        position = max((g.position for g in groups(store)), default=0) + 1
        row = store.insert("care_groups", {**_stored(values), "position": position, "builtin": None})
    return get_group(store, row["id"])


def update_group(store: Store, group_id: str, data: dict[str, Any]) -> Group:
    """Change a group's rules (管理员 only); 特殊困难老年人's intervals are the settings' 探访周期."""
    require_admin(store, "修改关爱对象类别的规则")
    group = get_group(store, group_id)
    current = {"name": group.name, "min_age": group.min_age, "max_age": group.max_age,
               "intervals": group.intervals, "counting": group.counting, "checklist": group.checklist,
               "fields": group.fields, "responsible": group.responsible, "note": group.note}
    values = clean_group({**current, **data})
    if group.builtin and values["name"] != group.name:
        raise ValidationError("内置类别不能改名", "name")
    if group.is_elders and (values["min_age"], values["max_age"]) != (group.min_age, group.max_age):
        raise ValidationError(f"特殊困难老年人的年龄条件固定为 {elders.ELDER_MIN_AGE} 周岁以上", "min_age")
    with store.transaction():
        other = queries.group_by_name(store, values["name"])
        if other and other["id"] != group_id:
            raise ValidationError(f"已有名为“{values['name']}”的类别", "name")
        if group.is_elders:
            settings_module.save(store, {"visit_intervals": values.pop("intervals")})
            values["fields"] = []
        store.update("care_groups", group_id, _stored(values))
    return get_group(store, group_id)


def delete_group(store: Store, group_id: str) -> Row:
    require_admin(store, "删除关爱对象类别")
    group = get_group(store, group_id)
    if group.builtin:
        raise UserError("内置类别不能删除")
    if queries.count_members(store, group_id):
        raise UserError(f"“{group.name}”中还有关爱对象，请先把他们移出该类别")
    return store.delete("care_groups", group_id)


# -- members -------------------------------------------------------------------------------


def age_problem(group: Group, person: Row, today: date) -> str | None:
    """Why the person may not be in the group by age, or None. Children's age is read from the ID number."""
    birth = from_iso(person.get("birth_date"))
    if group.max_age is not None and not person.get("id_number"):
        return f"{group.name}按身份证号判断年龄：请先在“居民”中填写“{person['name']}”的身份证号"
    if birth is None:
        return None
    age = age_on(birth, today)
    if group.max_age is not None and age > group.max_age:
        return f"“{person['name']}”已满 {group.max_age + 1} 周岁（现 {age} 岁），不能纳入{group.name}"
    if group.min_age is not None and age < group.min_age:
        return f"“{person['name']}”未满 {group.min_age} 周岁（现 {age} 岁），不能纳入{group.name}"
    return None


def _optional_phone(value: Any, label: str) -> str | None:
    if not str(value or "").strip():
        return None
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError(f"{label}：{exc}") from None


def _disability_no(value: Any, person: Row | None, today: date) -> str | None:
    """残疾证号: the 18-character ID number and two digits (category 1–7, grade 1–4)."""
    text = str(value or "").strip().upper()
    if not text:
        return None
    if len(text) != 20 or not text[18:].isdigit() or not ("1" <= text[18] <= "7" and "1" <= text[19] <= "4"):
        raise ValidationError("残疾证号应为 20 位：身份证号加残疾类别（1–7）和等级（1–4）各一位")
    try:
        id_part = normalize_id_number(text[:18], today)
    except ValidationError:
        raise ValidationError("残疾证号的前 18 位不是有效的身份证号") from None
    if person and person.get("id_number") and person["id_number"] != id_part:
        raise ValidationError("残疾证号的前 18 位与本人身份证号不一致")
    return id_part + text[18:]


def _flag(value: Any) -> int:
    return 1 if value in (True, 1, "1", "是", "已享受", "享受") else 0


def clean_member(data: dict[str, Any], group: Group, person: Row | None, *, today: date) -> dict[str, Any]:
    """Validate a membership of `group`; without the person (a form being typed) the age is not checked."""
    c = Collector()
    if not data.get("person_id"):
        c.error("person_id", "请选择关爱对象本人（先在居民中登记）")
    else:
        c.values["person_id"] = data["person_id"]
        if person:
            problem = age_problem(group, person, today)
            if problem:
                c.error("person_id", problem)
    c.values["group_id"] = group.id
    c.field("risk_level", choice, data.get("risk_level") or "一般", RISK_LEVELS, field="风险等级")
    c.field("status", choice, data.get("status") or "在册", STATUSES, field="状态")
    c.field("responsible_visitor", optional_text, data.get("responsible_visitor"), field="责任探访人", max_length=30)
    c.field("note", optional_text, data.get("note"), field="备注", max_length=1000)
    joined, left = elders.care_dates(c, data, today)
    for key in ("guardian", "school"):
        c.values[key] = None
        if key in group.fields:
            c.field(key, optional_text, data.get(key), field=MEMBER_FIELDS[key], max_length=50)
    c.values["guardian_phone"] = None
    if "guardian_phone" in group.fields:
        c.field("guardian_phone", _optional_phone, data.get("guardian_phone"), "监护人电话")
    c.values["disability_no"] = None
    if "disability_no" in group.fields:
        c.field("disability_no", _disability_no, data.get("disability_no"), person, today)
    for key, options in (("disability_category", DISABILITY_CATEGORIES), ("disability_grade", DISABILITY_GRADES)):
        c.values[key] = None
        if key in group.fields and str(data.get(key) or "").strip():
            c.field(key, choice, data.get(key), options, field=MEMBER_FIELDS[key])
    for key in SUBSIDY_FIELDS:
        c.values[key] = _flag(data.get(key)) if key in group.fields else None
    c.values["certificate_no"] = None
    if "certificate_no" in group.fields:
        c.field("certificate_no", optional_text, data.get("certificate_no"), field="证件编号", max_length=30)
    c.values["household"] = None
    if "household" in group.fields:
        c.field("household", optional_text, data.get("household"), field="家庭情况", max_length=200)
    values = c.done()
    values["joined_on"] = joined.isoformat()
    values["left_on"] = left.isoformat() if left else None
    return values


def _refuse_elders(group: Group) -> None:
    if group.is_elders:
        raise UserError("特殊困难老年人请在“老年人探访”页登记（需填写类别、紧急联系人、赡养人）")


def add_member(store: Store, data: dict[str, Any], *, today: date | None = None) -> Row:
    """Put a person in a group (other than 特殊困难老年人, which app/elders.py registers)."""
    today = today or store.clock.today()
    group = get_group(store, data.get("group_id") or "")
    _refuse_elders(group)
    person = get_person(store, data["person_id"]) if data.get("person_id") else None
    values = clean_member(data, group, person, today=today)
    with store.transaction():
        if queries.member_of(store, group.id, values["person_id"]):
            raise ValidationError(f"“{person['name']}”已在{group.name}中", "person_id")
        return store.insert("care_members", values)


def add_to_groups(store: Store, data: dict[str, Any], group_ids: list[str], *,
                  today: date | None = None) -> list[Row]:
    """Put a person in several groups at once (the 新建关爱对象 form's ticked groups): all or none."""
    if not group_ids:
        raise ValidationError("请至少勾选一个类别", "groups")
    with store.transaction():
        return [add_member(store, {**data, "group_id": group_id}, today=today) for group_id in group_ids]


def get_member(store: Store, member_id: str) -> Row:
    return require(store, "care_members", member_id, "关爱对象")


def update_member(store: Store, member_id: str, data: dict[str, Any], *, today: date | None = None) -> Row:
    today = today or store.clock.today()
    current = get_member(store, member_id)
    group = get_group(store, current["group_id"])
    merged = {**current, **data, "group_id": group.id}
    person = get_person(store, merged["person_id"])
    values = clean_member(merged, group, person, today=today)
    with store.transaction():
        other = queries.member_of(store, group.id, values["person_id"])
        if other and other["id"] != member_id:
            raise ValidationError(f"“{person['name']}”已在{group.name}中", "person_id")
        return store.update("care_members", member_id, values)


def delete_member(store: Store, member_id: str) -> Row:
    get_member(store, member_id)
    return store.delete("care_members", member_id)


def register_page(store: Store, **options: Any) -> list[Row]:
    """A page of the one register (group_id, status, search, sort …); numbers masked for 工作人员."""
    return for_role(store, queries.register_page(store, **options))


def search_in_care(store: Store, text: str, *, limit: int = 20) -> list[Row]:
    """People in care in any group, one row each (for the visit form's picker)."""
    seen, found = set(), []
    for row in register_page(store, status="在册", search=text, limit=limit * 3):
        if row["person_id"] not in seen:
            seen.add(row["person_id"])
            found.append({**row, "id": row["person_id"]})
    return found[:limit]


def memberships(store: Store, person_id: str) -> list[Row]:
    return queries.memberships(store, person_id)


def _active_on(member: Row, day: date) -> bool:
    return (member["joined_on"] <= day.isoformat()
            and (not member["left_on"] or member["left_on"] >= day.isoformat()))


# -- visits --------------------------------------------------------------------------------


def checklist_of(store: Store, person_id: str) -> list[str]:
    """The checklist items of every group the person is in (each item once, in group order)."""
    by_id = {g.id: g for g in groups(store)}
    items: list[str] = []
    for member in memberships(store, person_id):
        for item in by_id[member["group_id"]].checklist:
            if item not in items:
                items.append(item)
    return items


def _findings(value: Any, allowed: list[str]) -> list[dict[str, Any]]:
    if isinstance(value, dict):  # item → {"checked", "note"} as a form gives it
        value = [{"item": item, **(v if isinstance(v, dict) else {"checked": bool(v)})} for item, v in value.items()]
    result = []
    for entry in value or []:
        item = str(entry.get("item") or "").strip()
        if item not in allowed:
            raise ValidationError(f"“{item}”不在此人所属类别的探访清单中")
        note = str(entry.get("note") or "").strip() or None
        if note and len(note) > 500:
            raise ValidationError(f"“{item}”的情况说明最多 500 字")
        checked = bool(entry.get("checked")) or bool(note)
        if checked:
            result.append({"item": item, "checked": 1, "note": note})
    order = {item: n for n, item in enumerate(allowed)}
    return sorted(result, key=lambda f: order[f["item"]])


def clean_care_visit(data: dict[str, Any], person_id: str | None, allowed: list[str], *,
                     today: date) -> dict[str, Any]:
    """Validate a visit to a 关爱对象; the follow-up fields are checked when a 转介 target is given."""
    c = Collector()
    if person_id:
        c.values["person_id"] = person_id
    else:
        c.error("person_id", "请选择要探访的关爱对象（输入姓名或拼音首字母）")
    day = c.field("date", parse_date, data.get("date") or today, field="探访日期")
    if day and day > today:
        c.error("date", "探访日期不能晚于今天")
    c.field("method", choice, data.get("method") or "上门", METHODS, field="探访方式")
    c.field("visitor", required_text, data.get("visitor"), field="探访人", max_length=30)
    c.field("findings", _findings, data.get("findings"), allowed)
    for key, label in (("problems", "发现问题"), ("measures", "帮扶措施"), ("referral", "转介")):
        c.field(key, optional_text, data.get(key), field=label, max_length=1000)
    target = str(data.get("referral_target") or "").strip()
    if target:
        c.field("referral_target", required_text, target, field="转介给", max_length=50)
        c.field("referral_kind", choice, data.get("referral_kind") or "部门", TARGET_KINDS, field="转介对象类型")
        due = None
        if str(data.get("referral_due") or "").strip():
            due = c.field("referral_due", parse_date, data["referral_due"], field="办结期限")
        else:
            c.error("referral_due", "请填写转介的办结期限")
        if due and day and due < day:
            c.error("referral_due", "办结期限不能早于探访日期")
        if not str(data.get("problems") or "").strip():
            c.error("problems", "转介前请写明发现的问题")
    values = c.done()
    values["date"] = day.isoformat()
    if "referral_due" in values:
        values["referral_due"] = values["referral_due"].isoformat()
    return values


def record_care_visit(store: Store, data: dict[str, Any], *, today: date | None = None) -> Row:
    """Save a visit with its checklist findings and, when a problem is referred, its 转介 follow-up."""
    today = today or store.clock.today()
    person_id = data.get("person_id")
    if isinstance(person_id, dict):
        person_id = person_id.get("id")
    person = get_person(store, person_id) if person_id else None
    allowed = checklist_of(store, person["id"]) if person else []
    values = clean_care_visit(data, person["id"] if person else None, allowed, today=today)
    day = date.fromisoformat(values["date"])
    live = [m for m in memberships(store, person["id"]) if _active_on(m, day)]
    if not live:
        raise ValidationError(f"{values['date']} “{person['name']}”不在任何关爱对象类别中，不能登记探访", "date")
    by_id = {g.id: g for g in groups(store)}
    elder = next((m for m in live if m["group_id"] == ELDER_GROUP_ID), None)
    findings = values.pop("findings")
    follow = {k: values.pop(k) for k in ("referral_target", "referral_kind", "referral_due") if k in values}
    row = {**values, "elder_id": elder["id"] if elder else None}
    for finding in findings:  # the elder checklist also fills the columns the elder ledgers read
        column = ELDER_ITEM_COLUMNS.get(finding["item"])
        if elder and column:
            row[column] = finding["note"] or "已查看"
    dues = [add_interval(day, by_id[m["group_id"]].interval(m["risk_level"])) for m in live
            if by_id[m["group_id"]].counts(m["risk_level"], values["method"])]
    row["next_due"] = min(dues).isoformat() if dues else None
    with store.transaction():
        visit = store.insert("visits", row)
        for position, finding in enumerate(findings):
            store.insert("visit_findings", {**finding, "visit_id": visit["id"], "position": position})
        if follow:
            store.insert("referrals", {
                "person_id": person["id"], "visit_id": visit["id"], "problem": values["problems"],
                "target_kind": follow["referral_kind"], "target": follow["referral_target"],
                "referred_on": values["date"], "due_on": follow["referral_due"], "state": "转介",
                "handler": values["visitor"]})
    return visit


def _legacy_findings(visit: Row) -> list[dict[str, Any]]:
    """What an elder visit from before the checklist wrote in its text boxes, as findings."""
    return [{"item": label, "checked": 1, "note": visit[column]}
            for label, column in ELDER_ITEM_COLUMNS.items() if visit.get(column)]


def visit_history(store: Store, person_id: str, *, limit: int = 100) -> list[Row]:
    """A person's visits, newest first, each with its findings and the follow-ups it opened."""
    visits = queries.visits_of_person(store, person_id, limit=limit)
    found = queries.findings_of(store, [v["id"] for v in visits])
    opened: dict[str, list[Row]] = {}
    for referral in queries.referrals(store, person_id=person_id):
        opened.setdefault(referral["visit_id"], []).append(referral)
    return [{**v, "findings": found.get(v["id"]) or _legacy_findings(v), "referrals": opened.get(v["id"], [])}
            for v in visits]


def last_findings(store: Store, person_id: str) -> dict[str, Any]:
    """What the last visit found and what is still open, shown beside a new visit's form."""
    history = visit_history(store, person_id, limit=1)
    return {"last": history[0] if history else None,
            "open_referrals": queries.referrals(store, person_id=person_id, open_only=True)}


# -- 转介 follow-ups -----------------------------------------------------------------------


NEXT_STATE = {"转介": "已接收", "已接收": "已办结"}


def clean_referral(data: dict[str, Any], *, today: date) -> dict[str, Any]:
    c = Collector()
    if not data.get("person_id"):
        c.error("person_id", "请选择关爱对象")
    else:
        c.values["person_id"] = data["person_id"]
    c.values["visit_id"] = data.get("visit_id") or None
    c.field("problem", required_text, data.get("problem"), field="问题", max_length=500)
    c.field("target_kind", choice, data.get("target_kind") or "部门", TARGET_KINDS, field="转介对象类型")
    c.field("target", required_text, data.get("target"), field="转介给", max_length=50)
    c.field("handler", optional_text, data.get("handler"), field="经办人", max_length=30)
    referred = c.field("referred_on", parse_date, data.get("referred_on") or today, field="转介日期")
    if referred and referred > today:
        c.error("referred_on", "转介日期不能晚于今天")
    due = None
    if str(data.get("due_on") or "").strip():
        due = c.field("due_on", parse_date, data["due_on"], field="办结期限")
    else:
        c.error("due_on", "请填写办结期限")
    if due and referred and due < referred:
        c.error("due_on", "办结期限不能早于转介日期")
    values = c.done()
    values["referred_on"] = referred.isoformat()
    values["due_on"] = due.isoformat()
    values["state"] = "转介"
    return values


def add_referral(store: Store, data: dict[str, Any], *, today: date | None = None) -> Row:
    values = clean_referral(data, today=today or store.clock.today())
    get_person(store, values["person_id"])
    return store.insert("referrals", values)


def advance_referral(store: Store, referral_id: str, state: str, *, on: Any = None, outcome: str | None = None,
                     today: date | None = None) -> Row:
    """转介 → 已接收 → 已办结 (one step at a time; 已办结 needs the outcome)."""
    today = today or store.clock.today()
    current = require(store, "referrals", referral_id, "转介记录")
    if NEXT_STATE.get(current["state"]) != state:
        following = NEXT_STATE.get(current["state"])
        raise UserError(f"该转介现为“{current['state']}”，" + (f"下一步只能是“{following}”" if following else "已经办结"))
    c = Collector()
    day = c.field("on", parse_date, on or today, field="日期")
    if day and day > today:
        c.error("on", "日期不能晚于今天")
    if day and day.isoformat() < current["referred_on"]:
        c.error("on", "日期不能早于转介日期")
    if state == "已办结":
        c.field("outcome", required_text, outcome, field="办理结果", max_length=1000)
    values = c.done()
    changes: dict[str, Any] = {"state": state}
    if state == "已接收":
        changes["received_on"] = day.isoformat()
    else:
        changes["closed_on"] = day.isoformat()
        changes["outcome"] = values["outcome"]
        if not current["received_on"]:
            changes["received_on"] = day.isoformat()
    return store.update("referrals", referral_id, changes)


def referrals(store: Store, *, open_only: bool = False, person_id: str | None = None) -> list[Row]:
    return queries.referrals(store, open_only=open_only, person_id=person_id)


def overdue_referrals(store: Store, *, today: date | None = None) -> list[Row]:
    """Follow-ups not closed by their due date, longest overdue first, with days_overdue."""
    today = today or store.clock.today()
    rows = queries.referrals(store, overdue_on=today.isoformat())
    return [{**r, "days_overdue": (today - date.fromisoformat(r["due_on"])).days} for r in rows]


# -- the month's duty per group --------------------------------------------------------------


@dataclass
class GroupDuty:
    group: Group
    duty: elders.MonthDuty
    home_visits: int  # 上门 visits in the month to people in the group
    total: int  # in care (在册) now
    person_of: dict[str, str] = field(default_factory=dict, repr=False)  # member id → person id

    def figures(self) -> dict[str, Any]:
        # Counted in one pass: duty.overdue sorts the 未探访名单, which the figures do not need.
        lines = self.duty.lines
        visited = sum(1 for line in lines if line.visited)
        overdue = sum(1 for line in lines if not line.visited and line.days_overdue > 0)
        return {"total": self.total, "due": len(lines), "visited": visited,
                "visit_rate": round(visited / len(lines) if lines else 1.0, 4), "home_visits": self.home_visits,
                "overdue": overdue}


def group_duty(store: Store, group: Group, year: int, month: int, *, today: date | None = None,
               elder_duty: elders.MonthDuty | None = None) -> GroupDuty:
    """Who in the group had to be visited in the month, who was (by a method that counts), who is overdue.

    特殊困难老年人 with every method counting is exactly `elders.month_duty` (pass it when computed).
    """
    today = today or store.clock.today()
    start, end = month_bounds(year, month)
    start_text, end_text = start.isoformat(), end.isoformat()
    reference = elders.month_reference(year, month, today)
    if group.is_elders and group.counts_everything:
        # Exactly the elders' own duty: no member list needed (their ledgers are 05–07).
        duty = elder_duty or elders.month_duty(store, year, month, today=today)
        home = queries.elders_home_visits(store, start_text, end_text)
        return GroupDuty(group, duty, home, queries.count_in_care(store, group.id))
    counting = {tier: group.counting.get(tier, list(METHODS)) for tier in RISK_LEVELS}
    members = queries.duty_rows(store, group.id, start_text, end_text, counting, list(METHODS))
    lines = []
    for member in members:
        month_dates = member["month_dates"].split(",") if member["month_dates"] else ()
        line = elders.duty_line(member, group.interval(member["risk_level"]), month_dates, end, reference)
        if line:
            lines.append(line)
    lines.sort(key=lambda line: (line.row["sort_key"], line.elder_id))
    duty = elders.MonthDuty(year, month, reference, lines)
    if group.is_elders:
        home = queries.elders_home_visits(store, start_text, end_text)
    else:
        home = sum(member["home"] for member in members)
    total = sum(1 for m in members if m["status"] == "在册")
    return GroupDuty(group, duty, home, total, {m["id"]: m["person_id"] for m in members})


def groups_duty(store: Store, year: int, month: int, *, today: date | None = None,
                elder_duty: elders.MonthDuty | None = None) -> list[GroupDuty]:
    """Every group's duty for the month."""
    today = today or store.clock.today()
    return [group_duty(store, g, year, month, today=today, elder_duty=elder_duty) for g in groups(store)]


def groups_figures(store: Store, year: int, month: int, *, today: date | None = None,
                   elder_duty: elders.MonthDuty | None = None) -> dict[str, dict[str, Any]]:
    """组名 → total, due, visited, visit_rate, home_visits, overdue (the `stats` "groups" key).

    The same figures as `group_duty(...).figures()` for each group (tests/test_care_figures.py
    holds them equal), with the month's visits of every group read in one range of the index
    (date, person_id, method) instead of two index seeks per member: each member's query seeks
    only their last visit before the month. Only the figures: no sorted lines."""
    today = today or store.clock.today()
    start, end = month_bounds(year, month)
    reference = elders.month_reference(year, month, today)
    every = groups(store)
    month_visits = (queries.visits_by_person(store, start.isoformat(), end.isoformat())
                    if any(not g.is_elders for g in every) else {})
    figures = {}
    for g in every:
        if g.is_elders:
            figures[g.name] = group_duty(store, g, year, month, today=today, elder_duty=elder_duty).figures()
            continue
        counting = {tier: g.counting.get(tier, list(METHODS)) for tier in RISK_LEVELS}
        members = queries.duty_rows(store, g.id, start.isoformat(), end.isoformat(), counting, list(METHODS),
                                    month=False)
        figures[g.name] = _member_figures(g, members, month_visits, year, month, reference)
    return figures


def _member_figures(group: Group, members: list[Row], month_visits: dict[str, list[tuple[str, str]]],
                    year: int, month: int, reference: date) -> dict[str, Any]:
    """One care_members group's figures from its members (with last_before) and the month's visits."""
    start, end = month_bounds(year, month)
    start_text, end_text = start.isoformat(), end.isoformat()
    counted = {tier: set(group.counting.get(tier, METHODS)) for tier in RISK_LEVELS}
    every_method = set(METHODS)
    lines, home, total = [], 0, 0
    for member in members:
        visits = month_visits.get(member["person_id"], ())
        methods = counted.get(member["risk_level"], every_method)
        dates = [day for day, method in visits if method in methods]
        line = elders.duty_line(member, group.interval(member["risk_level"]), dates, end, reference)
        if line:
            lines.append(line)
        if visits:  # 上门 visits while in the group (duty_rows' `home`)
            first, last = max(start_text, member["joined_on"]), min(end_text, member["left_on"] or end_text)
            home += sum(1 for day, method in visits if method == "上门" and first <= day <= last)
        total += member["status"] == "在册"
    return GroupDuty(group, elders.MonthDuty(year, month, reference, lines), home, total).figures()


def contacts(store: Store, person_ids: list[str]) -> dict[str, Row]:
    return queries.contacts(store, person_ids)
