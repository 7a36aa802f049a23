"""Each 关爱对象 group's ledgers for the month: 花名册, 探访记录, 未探访名单 (the elders have theirs as 5–7).

Declared with the same Ledger as app/ledgers.py; app/export.py writes them after the numbered ones,
with the group's name in the file name.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from app import care
from app.privacy import NUMBER_KEYS, mask_value
from app.ledgers import NO, Masker, Period, _address, _base, _numbered
from app.settings import INTERVALS
from db import care as queries
from db.store import Store
from exports.ledger import Column, Ledger

FIELD_COLUMNS = {
    "guardian": Column("guardian", "监护人", 8), "guardian_phone": Column("guardian_phone", "监护人电话", 13, "phone"),
    "school": Column("school", "就读学校", 12), "disability_no": Column("disability_no", "残疾证号", 22, "id"),
    "disability_category": Column("disability_category", "残疾类别", 7),
    "disability_grade": Column("disability_grade", "等级", 6),
    "living_subsidy": Column("living_subsidy", "生活补贴", 7, align="center"),
    "nursing_subsidy": Column("nursing_subsidy", "护理补贴", 7, align="center"),
    "certificate_no": Column("certificate_no", "证件编号", 14), "household": Column("household", "家庭情况", 16),
}


def roster(store: Store, group: care.Group, period: Period, mask: Masker) -> Ledger:
    rows = []
    for m in queries.group_roster(store, group.id):
        birth = date.fromisoformat(m["birth_date"]) if m["birth_date"] else None
        row = {"name": m["name"], "gender": m["gender"], "birth_date": m["birth_date"],
               "age": care.age_on(birth, period.today) if birth else None, "id_number": mask.id(m["id_number"]),
               "phone": mask.phone(m["phone"]), "address": _address(m), "risk": m["risk_level"],
               "interval": INTERVALS[group.interval(m["risk_level"])], "visitor": m["responsible_visitor"],
               "status": m["status"] + (f"（{m['left_on']}）" if m["left_on"] else "")}
        for key in group.fields:
            value = m.get(key)
            if key in care.SUBSIDY_FIELDS:
                value = "是" if value else "否"
            elif key in NUMBER_KEYS and mask.masked:
                value = mask_value(key, value)
            row[key] = value
        rows.append(row)
    columns = [NO, Column("name", "姓名", 8), Column("gender", "性别", 5, align="center"),
               Column("birth_date", "出生日期", 11, "date"), Column("age", "年龄", 5, "int"),
               Column("id_number", "身份证号", 20, "id"), Column("phone", "联系电话", 13, "phone"),
               Column("address", "住址", 16), *(FIELD_COLUMNS[key] for key in group.fields),
               Column("risk", "风险等级", 8), Column("interval", "探访周期", 8),
               Column("visitor", "责任探访人", 9), Column("status", "状态", 10)]
    return _base(store, f"{group.name}花名册", f"截至{period.today.isoformat()}", columns,
                 list(_numbered(rows)), today=period.today)


def _findings_text(findings: list[dict]) -> str:
    return "；".join(f["item"] + (f"：{f['note']}" if f.get("note") else "") for f in findings)


def visits(store: Store, group: care.Group, period: Period, mask: Masker) -> Ledger:
    found = queries.group_visits_between(store, group.id, *period.bounds)
    findings = queries.findings_of(store, [v["id"] for v in found])
    mine = set(group.checklist)
    rows = list(_numbered(
        {"date": v["date"], "name": v["name"], "method": v["method"],
         "counted": "是" if group.counts(v["risk_level"], v["method"]) else "否", "visitor": v["visitor"],
         "findings": _findings_text([f for f in findings.get(v["id"], []) if f["item"] in mine]),
         "problems": v["problems"], "measures": v["measures"], "referral": v["referral"]}
        for v in found
    ))
    columns = [NO, Column("date", "探访日期", 11, "date"), Column("name", "姓名", 8), Column("method", "方式", 6),
               Column("counted", "计入探访率", 7, align="center"), Column("visitor", "探访人", 8),
               Column("findings", "探访清单情况", 40), Column("problems", "发现问题", 16),
               Column("measures", "帮扶措施", 16), Column("referral", "转介", 10)]
    return _base(store, f"{group.name}探访记录台账", period.label, columns, rows, today=period.today)


def not_visited(store: Store, group: care.Group, period: Period, mask: Masker) -> Ledger:
    result = care.group_duty(store, group, period.year, period.month, today=period.today)
    duty = result.duty
    contact = care.contacts(store, [result.person_of[line.elder_id] for line in duty.not_visited])
    rows = list(_numbered(
        {"name": line.name, "risk": line.risk_level, "interval": INTERVALS[line.interval],
         "due_on": line.next_due.isoformat(), "overdue": line.days_overdue or None,
         "visitor": line.row.get("responsible_visitor"),
         "phone": mask.phone(contact[result.person_of[line.elder_id]]["phone"]),
         "address": _address(contact[result.person_of[line.elder_id]])}
        for line in duty.not_visited
    ))
    columns = [NO, Column("name", "姓名", 9), Column("risk", "风险等级", 8), Column("interval", "探访周期", 8),
               Column("due_on", "应探访日期", 12, "date"), Column("overdue", "逾期天数", 8, "int"),
               Column("visitor", "责任探访人", 10), Column("phone", "联系电话", 14, "phone"),
               Column("address", "住址", 22)]
    counting = "；".join(f"{tier}：{'、'.join(group.counting.get(tier, care.METHODS))}" for tier in care.RISK_LEVELS)
    note = (f"应探访 {duty.due} 人，已探访 {duty.visited} 人，探访率 {duty.rate:.1%}；"
            f"未探访 {duty.due - duty.visited} 人，其中逾期 {len(duty.overdue)} 人；本月上门 {result.home_visits} 次。"
            f"计入探访率的方式（{counting}）。")
    return _base(store, f"{group.name}未探访名单", period.label, columns, rows, today=period.today, note=note)


KINDS = (("花名册", roster), ("探访记录", visits), ("未探访名单", not_visited))


def monthly(store: Store, year: int, month: int, *, masked: bool = True,
            today: date | None = None) -> Iterator[tuple[str, Ledger]]:
    """(file stem, ledger) of each group that has members, other than 特殊困难老年人 (ledgers 5–7 are theirs)."""
    period, mask = Period(year, month, today or store.clock.today()), Masker(masked)
    for group in care.groups(store):
        if group.is_elders or not queries.count_members(store, group.id):
            continue
        for suffix, builder in KINDS:
            yield f"关爱_{group.name}{suffix}", builder(store, group, period, mask)
