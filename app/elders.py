"""特殊困难老年人, their 探访, and the month's visit duty (应探访 / 已探访 / 未探访).

The duty rule, stated once:
- Each elder has an interval from their risk level (settings: 高风险 weekly, 重点 and
  一般 monthly by default). A visit on day d makes the next one due on d + interval;
  an elder never visited is first due one interval after joining.
- An elder is due in month M when the date due entering M (from visits before M)
  falls on or before M's last day, and, for one who left (迁出/入住机构/去世), on or
  before the day they left: leaving ends the duty, the history stays.
- A due elder counts as visited when visited in M and, after M's visits, the next
  due date is not yet passed at the reference day (the day after M for a past month,
  today for the current one). A weekly elder visited once early in the month and
  then left alone is therefore not counted as visited.
- Days overdue = reference day − the due date that was missed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from app import settings as settings_module
from app.dates import add_interval, from_iso, month_bounds
from app.errors import NotFound, ValidationError
from app.people import get_person
from app.privacy import for_role
from app.validation import (
    Collector,
    choice,
    normalize_phone,
    optional_text,
    parse_date,
    required_text,
)
from db import elders as queries
from app.records import require
from db.store import Row, Store

CATEGORIES = ("高龄", "独居", "空巢", "留守", "失能", "半失能", "重残", "计划生育特殊家庭", "低保", "特困")
RISK_LEVELS = ("高风险", "重点", "一般")
STATUSES = ("在册", "迁出", "入住机构", "去世")
METHODS = ("上门", "电话", "视频")
ELDER_MIN_AGE = 60  # 特殊困难老年人 are 60 or older (a 10-year-old with 低保 belongs in another group)
VISIT_TEXT_FIELDS = {
    "health": "身体与精神状况",
    "living": "基本生活",
    "family_support": "家庭赡养",
    "safety": "安全隐患",
    "needs": "服务需求",
    "problems": "发现问题",
    "measures": "帮扶措施",
    "referral": "转介",
}


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _categories(value: Any) -> list[str]:
    if isinstance(value, str):  # as stored: a JSON list of names
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            raise ValidationError(f"类别应为：{'、'.join(CATEGORIES)}") from None
    if not isinstance(value, (list, tuple, set, frozenset)):
        value = [] if value is None else [value]  # one bare value, to be refused by name below
    items = list(value)
    if not items:
        raise ValidationError("请至少选择一个类别")
    unknown = [c for c in items if c not in CATEGORIES]
    if unknown:
        raise ValidationError(f"类别应为：{'、'.join(CATEGORIES)}")
    return [c for c in CATEGORIES if c in items]


def _optional_phone(value: Any, field_name: str) -> str | None:
    if not str(value or "").strip():
        return None
    try:
        return normalize_phone(value)
    except ValidationError as exc:
        raise ValidationError(f"{field_name}：{exc}") from None


def clean_elder(data: dict[str, Any], *, birth: date | None = None, today: date) -> dict[str, Any]:
    c = Collector()
    if not data.get("person_id"):
        c.error("person_id", "请选择老年人本人（先在居民中登记）")
    else:
        c.values["person_id"] = data["person_id"]
    if birth and _age(birth, today) < ELDER_MIN_AGE:
        c.error("person_id", f"未满 {ELDER_MIN_AGE} 周岁（现 {_age(birth, today)} 岁），不能纳入特殊困难老年人；"
                             "未成年人请纳入困境儿童或留守儿童")
    categories = c.field("categories", _categories, data.get("categories"))
    if categories and "高龄" in categories and birth and _age(birth, today) < 80:
        c.error("categories", f"未满 80 周岁（现 {_age(birth, today)} 岁），不能选“高龄”")
    if categories is not None:
        c.values["categories"] = json.dumps(categories, ensure_ascii=False)
    c.field("risk_level", choice, data.get("risk_level") or "一般", RISK_LEVELS, field="风险等级")
    c.field("status", choice, data.get("status") or "在册", STATUSES, field="状态")
    for key, label in (("emergency_contact", "紧急联系人"), ("supporter", "赡养人"),
                       ("responsible_visitor", "责任探访人")):
        c.field(key, optional_text, data.get(key), field=label, max_length=30)
    c.field("emergency_phone", _optional_phone, data.get("emergency_phone"), "紧急联系电话")
    c.field("supporter_phone", _optional_phone, data.get("supporter_phone"), "赡养人电话")
    c.field("health_note", optional_text, data.get("health_note"), field="健康状况备注", max_length=1000)
    joined, left = care_dates(c, data, today)
    values = c.done()
    values["joined_on"] = joined.isoformat()
    values["left_on"] = left.isoformat() if left else None
    return values


def care_dates(c: Collector, data: dict[str, Any], today: date) -> tuple[date | None, date | None]:
    """纳入日期 and 变更日期 of anyone in care (elders and every 关爱对象 group): a status other than
    在册 needs the day they left, not after today nor before they joined. Call after the status field."""
    joined = c.field("joined_on", parse_date, data.get("joined_on") or today, field="纳入日期")
    if joined and joined > today:
        c.error("joined_on", "纳入日期不能晚于今天")
    left = None
    if str(data.get("left_on") or "").strip():
        left = c.field("left_on", parse_date, data["left_on"], field="变更日期")
    status = c.values.get("status")
    if status and status != "在册":
        if not left:
            c.error("left_on", f"状态为“{status}”时请填写变更日期")
        elif left > today:
            c.error("left_on", "变更日期不能晚于今天")
        elif joined and left < joined:
            c.error("left_on", "变更日期不能早于纳入日期")
    elif status == "在册":
        left = None
    return joined, left


def _birth_of(store: Store, person_id: str | None) -> date | None:
    if not person_id:
        return None
    return from_iso(get_person(store, person_id).get("birth_date"))


def add_elder(store: Store, data: dict[str, Any], *, today: date | None = None) -> Row:
    values = clean_elder(data, birth=_birth_of(store, data.get("person_id")), today=today or store.clock.today())
    with store.transaction():
        _refuse_duplicate(store, values["person_id"])
        return store.insert("elders", values)


def _refuse_duplicate(store: Store, person_id: str, own_id: str | None = None) -> None:
    existing = queries.elder_of_person(store, person_id)
    if existing and existing["id"] != own_id:
        name = get_person(store, person_id)["name"]
        raise ValidationError(f"“{name}”已在老年人名册中", "person_id")


def update_elder(store: Store, elder_id: str, data: dict[str, Any], *, today: date | None = None) -> Row:
    current = get_elder(store, elder_id)
    merged = {**current, **data}
    values = clean_elder(merged, birth=_birth_of(store, merged["person_id"]), today=today or store.clock.today())
    with store.transaction():
        _refuse_duplicate(store, values["person_id"], elder_id)
        return store.update("elders", elder_id, values)


def change_status(store: Store, elder_id: str, status: str, on: Any, *, today: date | None = None) -> Row:
    """迁出 / 入住机构 / 去世 (ending the visit duty) or back to 在册."""
    return update_elder(store, elder_id, {"status": status, "left_on": on}, today=today)


def get_elder(store: Store, elder_id: str) -> Row:
    return require(store, "elders", elder_id, "老年人")


def delete_elder(store: Store, elder_id: str) -> Row:
    get_elder(store, elder_id)
    return store.delete("elders", elder_id)


def elders_page(store: Store, **options: Any) -> list[Row]:
    """A page of elders: status, category, search, sort, descending, after, limit (see db.elders);
    a 工作人员 gets ID numbers and phones masked."""
    return for_role(store, queries.elder_page(store, **options))


def interval_of(store: Store, risk_level: str) -> str:
    return settings_module.load(store).visit_intervals.get(risk_level, "month")


# -- visits --------------------------------------------------------------------------


def clean_visit(data: dict[str, Any], elder: Row | None, *, today: date) -> dict[str, Any]:
    """Validate a visit; without the elder's record (a form being typed) the dates are checked only against today."""
    c = Collector()
    if elder:
        c.values["elder_id"] = elder["id"]
    elif data.get("elder_id"):
        c.values["elder_id"] = data["elder_id"]
    else:
        c.error("elder_id", "请选择要探访的老人（输入姓名或拼音首字母）")
    day = c.field("date", parse_date, data.get("date") or today, field="探访日期")
    if day:
        if day > today:
            c.error("date", "探访日期不能晚于今天")
        elif elder is None:
            pass
        elif day < date.fromisoformat(elder["joined_on"]):
            c.error("date", "探访日期早于该老人的纳入日期")
        elif elder.get("left_on") and day > date.fromisoformat(elder["left_on"]):
            c.error("date", f"该老人已于 {elder['left_on']} {elder['status']}，之后不能再登记探访")
    c.field("method", choice, data.get("method") or "上门", METHODS, field="探访方式")
    c.field("visitor", required_text, data.get("visitor"), field="探访人", max_length=30)
    for key, label in VISIT_TEXT_FIELDS.items():
        c.field(key, optional_text, data.get(key), field=label, max_length=1000)
    values = c.done()
    values["date"] = day.isoformat()
    return values


def record_visit(store: Store, data: dict[str, Any], *, today: date | None = None) -> Row:
    """Validate and save one visit; its next due date follows from the risk level."""
    today = today or store.clock.today()
    elder = get_elder(store, data.get("elder_id") or "")
    values = clean_visit(data, elder, today=today)
    interval = interval_of(store, elder["risk_level"])
    values["next_due"] = add_interval(date.fromisoformat(values["date"]), interval).isoformat()
    values["person_id"] = elder["person_id"]  # visits name the person (关爱对象 of any group)
    return store.insert("visits", values)


def update_visit(store: Store, visit_id: str, data: dict[str, Any], *, today: date | None = None) -> Row:
    today = today or store.clock.today()
    current = store.get("visits", visit_id)
    if current is None:
        raise NotFound("找不到该探访记录，可能已被删除")
    elder = get_elder(store, current["elder_id"])
    values = clean_visit({**current, **data}, elder, today=today)
    interval = interval_of(store, elder["risk_level"])
    values["next_due"] = add_interval(date.fromisoformat(values["date"]), interval).isoformat()
    return store.update("visits", visit_id, values)


def delete_visit(store: Store, visit_id: str) -> Row:
    if store.get("visits", visit_id) is None:
        raise NotFound("找不到该探访记录，可能已被删除")
    return store.delete("visits", visit_id)


def visits_of(store: Store, elder_id: str, *, limit: int = 100) -> list[Row]:
    return queries.visits_of(store, elder_id, limit=limit)


# -- the month's duty ------------------------------------------------------------------


@dataclass(slots=True)  # thousands a 工作台 refresh: slots make each smaller and quicker to build
class DutyLine:
    elder_id: str
    name: str
    risk_level: str
    interval: str
    due_on: date  # the date due entering the month
    visited: bool
    visits: list[date]
    next_due: date  # after the month's visits
    days_overdue: int  # 0 when not (yet) overdue
    row: Row = field(repr=False, default_factory=dict)


@dataclass
class MonthDuty:
    year: int
    month: int
    reference: date
    lines: list[DutyLine]

    @property
    def due(self) -> int:
        return len(self.lines)

    @property
    def visited(self) -> int:
        return sum(1 for line in self.lines if line.visited)

    @property
    def rate(self) -> float:
        """探访率 = visited ÷ due; 1.0 when nobody was due (nothing was missed)."""
        return self.visited / self.due if self.due else 1.0

    @property
    def not_visited(self) -> list[DutyLine]:
        """The 未探访名单, longest overdue first."""
        rest = [line for line in self.lines if not line.visited]
        return sorted(rest, key=lambda line: (-line.days_overdue, line.row.get("sort_key", "")))

    @property
    def overdue(self) -> list[DutyLine]:
        return [line for line in self.not_visited if line.days_overdue > 0]


def month_duty(store: Store, year: int, month: int, *, today: date | None = None) -> MonthDuty:
    """Who had to be visited in the month, who was, and who is overdue by how many days."""
    today = today or store.clock.today()
    start, end = month_bounds(year, month)
    reference = month_reference(year, month, today)
    intervals = settings_module.load(store).visit_intervals
    in_month = queries.visit_dates_between(store, start.isoformat(), end.isoformat())
    lines = []
    for elder in queries.in_care_between(store, start.isoformat(), end.isoformat()):
        line = duty_line(elder, intervals.get(elder["risk_level"], "month"), in_month.get(elder["id"], ()),
                         end, reference)
        if line:
            lines.append(line)
    lines.sort(key=lambda line: (line.row["sort_key"], line.elder_id))
    return MonthDuty(year, month, reference, lines)


def month_reference(year: int, month: int, today: date) -> date:
    """The day a month's duty is judged on: the day after a past month, today in the current one."""
    start, end = month_bounds(year, month)
    if end < today:
        return end + timedelta(days=1)
    return start if start > today else today


def duty_line(member: Row, interval: str, month_visits, end: date, reference: date) -> DutyLine | None:
    """The duty rule for one person in care (id, name, risk_level, joined_on, left_on, last_before):
    None when nothing falls due by the month's `end`; `month_visits` are the month's ISO dates, sorted.
    Shared by every 关爱对象 group (app/care.py)."""
    left = from_iso(member["left_on"])
    anchor = from_iso(member["last_before"]) or date.fromisoformat(member["joined_on"])
    due_on = add_interval(anchor, interval)
    if due_on > end or (left and due_on > left):
        return None
    # ISO dates compare as text: the month's visits up to the reference day (and the day they left).
    last_text = min(reference, left).isoformat() if left else reference.isoformat()
    visits = [date.fromisoformat(d) for d in month_visits if d <= last_text] if month_visits else []
    next_due = add_interval(visits[-1], interval) if visits else due_on
    ref = min(reference, left + timedelta(days=1)) if left else reference
    visited = bool(visits) and next_due >= ref
    return DutyLine(
        elder_id=member["id"],
        name=member["name"],
        risk_level=member["risk_level"],
        interval=interval,
        due_on=due_on,
        visited=visited,
        visits=visits,
        next_due=next_due,
        days_overdue=0 if visited else max(0, (ref - next_due).days),
        row=member,
    )


def search_elders(store: Store, text: str, *, limit: int = 20) -> list[Row]:
    """Elders in care matching a name, pinyin, ID or phone fragment (for pickers)."""
    return for_role(store, queries.elder_page(store, limit=limit, status="在册", search=text))


def elder_contacts(store: Store, elder_ids: list[str]) -> dict[str, Row]:
    """Phone and address of the given elders (for the 未探访名单)."""
    return queries.contacts(store, elder_ids)
