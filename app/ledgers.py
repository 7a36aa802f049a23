"""The twelve ledgers of DESIGN §4, each declared once as an exports.Ledger.

Builders take the store, the period and whether to mask personal data; the
renderers in exports/ turn the same Ledger into .xlsx and .pdf.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from app import settings as settings_module
from app.access import require_admin
from app.errors import UserError
from app.dates import month_bounds
from app.consultation import FOUR_STEPS
from app.elders import elder_contacts, month_duty
from app.settings import INTERVALS
from app.stamps import checklist
from app.stats import month_work
from app.validation import mask_id_number, mask_phone
from app.volunteers import star_level
from db import ledgers as queries
from db.store import Row, Store
from exports.ledger import Column, Figure, Ledger, Total


@dataclass(frozen=True)
class Period:
    year: int
    month: int
    today: date

    @property
    def bounds(self) -> tuple[str, str]:
        start, end = month_bounds(self.year, self.month)
        return start.isoformat(), end.isoformat()

    @property
    def end(self) -> date:
        """The day the month's ledgers are "as of": its last day once it is over, whatever day they are
        printed on (a past month reads the same later); today while the month runs."""
        return min(month_bounds(self.year, self.month)[1], self.today)

    @property
    def as_of(self) -> str:
        return f"截至{self.end.isoformat()}"

    @property
    def year_bounds(self) -> tuple[str, str]:
        return f"{self.year:04d}-01-01", self.bounds[1]

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"


class Masker:
    """Masks ID numbers and phones unless the user asked for full values."""

    def __init__(self, masked: bool):
        self.masked = masked

    def id(self, value: str | None) -> str:
        return mask_id_number(value) if self.masked else (value or "")

    def phone(self, value: str | None) -> str:
        return mask_phone(value) if self.masked else (value or "")


def _base(store: Store, title: str, period: str, columns: list[Column], rows, *, today: date,
          totals: list[Total] | None = None, note: str | None = None, landscape: bool = True,
          summary: list[Figure] | None = None, seal: bool = False) -> Ledger:
    config = settings_module.load(store)
    return Ledger(title=title, community=config.community_name, street=config.street, period=period,
                  columns=columns, rows=rows, totals=totals, preparer=config.preparer, reviewer=config.reviewer,
                  prepared_on=today, landscape=landscape, note=note, summary=summary or (), seal=seal)


def _numbered(rows) -> Iterator[dict]:
    for number, row in enumerate(rows, start=1):
        yield {"no": number, **row}


def _address(row: Row) -> str:
    return "".join(row.get(k) or "" for k in ("estate", "building", "unit", "room", "village_group"))


def _hours(minutes: int | None) -> float:
    return round((minutes or 0) / 60, 2)


NO = Column("no", "序号", 5, "int")


# 1 ---------------------------------------------------------------------------------------
def volunteer_roster(store: Store, period: Period, mask: Masker) -> Ledger:
    stars = settings_module.load(store).star_hours
    rows = [
        {"name": v["name"], "gender": v["gender"], "id_number": mask.id(v["id_number"]),
         "phone": mask.phone(v["phone"]), "volunteer_no": v["volunteer_no"], "team": v["team"],
         "political_status": v["political_status"], "skills": v["skills"], "registered_on": v["registered_on"],
         "status": v["status"], "hours": _hours(v["confirmed_minutes"]),
         "stars": "★" * star_level(v["confirmed_minutes"], stars)}
        for v in queries.volunteer_roster(store, period.end.isoformat())
    ]
    columns = [NO, Column("name", "姓名", 9), Column("gender", "性别", 5, align="center"),
               Column("id_number", "身份证号", 20, "id"), Column("phone", "联系电话", 14, "phone"),
               Column("volunteer_no", "志愿者编号", 11), Column("team", "服务队", 12),
               Column("political_status", "政治面貌", 10), Column("skills", "专长", 12),
               Column("registered_on", "注册日期", 11, "date"), Column("status", "状态", 6, align="center"),
               Column("hours", "累计确认时长（小时）", 10, "hours"), Column("stars", "星级", 8, align="center")]
    return _base(store, "志愿者花名册", period.as_of, columns, list(_numbered(rows)), today=period.today,
                 totals=[Total("合计", sums=("hours",), counts=("name",))],
                 note=f"累计确认时长只计审核确认的服务，截至 {period.end.isoformat()}；姓名一栏的合计为人数。")


# 2 ---------------------------------------------------------------------------------------
def service_records(store: Store, period: Period, mask: Masker) -> Ledger:
    start, end = period.bounds
    rows = list(_numbered(
        {"date": r["date"], "activity": r["activity"], "category": r["category"], "location": r["location"],
         "time": f"{r['start_time'] or ''}–{r['end_time'] or ''}" if r["start_time"] else "",
         "name": r["name"], "volunteer_no": r["volunteer_no"], "content": r["content"],
         "hours": _hours(r["minutes"]), "attested_by": r["attested_by"], "recorder": r["recorder"],
         "backfill": f"补录：{r['backfill_reason']}" if r["is_backfill"] else "", "review": r["review_state"]}
        for r in queries.service_records_between(store, start, end)
    ))
    columns = [NO, Column("date", "日期", 11, "date"), Column("activity", "活动名称", 16),
               Column("category", "类别", 9), Column("location", "地点", 14), Column("time", "起止时间", 11),
               Column("name", "志愿者", 8), Column("volunteer_no", "编号", 10), Column("content", "服务内容", 14),
               Column("hours", "时长（小时）", 8, "hours"), Column("attested_by", "证明人", 8),
               Column("recorder", "记录人", 8), Column("backfill", "补录", 12), Column("review", "审核", 7)]
    return _base(store, "志愿服务记录台账", period.label, columns, rows, today=period.today,
                 totals=[Total("合计（全部）", sums=("hours",), counts=("name",), label_key="activity"),
                         *(Total(f"其中{state}", sums=("hours",), counts=("name",), where=("review", state),
                                 label_key="activity")
                           for state in ("已确认", "待审核", "有疑问"))],
                 note="本表记录本月全部服务记录，时长合计含待审核和有疑问的记录；计入时间银行、星级和"
                      "《志愿服务时长统计表》的只有“已确认”的时长。志愿者一栏的合计为记录条数。")


# 3 ---------------------------------------------------------------------------------------
def service_hours(store: Store, period: Period, mask: Masker) -> Ledger:
    start, end = period.bounds
    month = queries.confirmed_minutes_by_volunteer(store, start, end)
    recorded = queries.recorded_minutes_by_volunteer(store, start, end)
    year = queries.confirmed_minutes_by_volunteer(store, *period.year_bounds)
    total = queries.confirmed_minutes_by_volunteer(store, "0000-01-01", end)
    stars = settings_module.load(store).star_hours
    rows = [
        {"name": v["name"], "volunteer_no": v["volunteer_no"], "team": v["team"],
         "recorded": _hours(recorded.get(v["id"])), "month": _hours(month.get(v["id"])),
         "year": _hours(year.get(v["id"])), "total": _hours(total.get(v["id"])),
         "stars": "★" * star_level(total.get(v["id"], 0), stars)}
        for v in queries.volunteer_roster(store, end)
    ]
    columns = [NO, Column("name", "姓名", 10), Column("volunteer_no", "志愿者编号", 12), Column("team", "服务队", 14),
               Column("recorded", f"{period.month}月记录时长（含待审核）", 12, "hours"),
               Column("month", f"{period.month}月时长（小时）", 12, "hours"),
               Column("year", f"{period.year}年累计（小时）", 12, "hours"),
               Column("total", "总时长（小时）", 12, "hours"), Column("stars", "星级", 10, align="center")]
    thresholds = "、".join(f"{h}" for h in stars)
    return _base(store, "志愿服务时长统计表", period.label, columns, list(_numbered(rows)), today=period.today,
                 totals=[Total("合计", sums=("recorded", "month", "year", "total"))],
                 note=f"“记录时长”为本月全部服务记录（含待审核、有疑问，与《志愿服务记录台账》合计一致）；"
                      f"其余各栏只统计审核确认的时长，截至 {period.end.isoformat()}。星级按累计确认时长：{thresholds} 小时分别为一至五星。")


# 5 ---------------------------------------------------------------------------------------
def elder_roster(store: Store, period: Period, mask: Masker) -> Ledger:
    intervals = settings_module.load(store).visit_intervals
    rows = []
    on = period.end  # ages and states as of the month's last day
    for e in queries.elder_roster(store, on.isoformat()):
        birth = date.fromisoformat(e["birth_date"]) if e["birth_date"] else None
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day)) if birth else None
        rows.append({
            "name": e["name"], "gender": e["gender"], "birth_date": e["birth_date"], "age": age,
            "id_number": mask.id(e["id_number"]), "phone": mask.phone(e["phone"]), "address": _address(e),
            "categories": "、".join(json.loads(e["categories"])), "risk": e["risk_level"],
            "interval": INTERVALS[intervals.get(e["risk_level"], "month")],
            "emergency": f"{e['emergency_contact'] or ''} {mask.phone(e['emergency_phone'])}".strip(),
            "supporter": e["supporter"], "visitor": e["responsible_visitor"],
            "status": e["status"] + (f"（{e['left_on']}）" if e["left_on"] else ""),
        })
    columns = [NO, Column("name", "姓名", 8), Column("gender", "性别", 5, align="center"),
               Column("birth_date", "出生日期", 11, "date"), Column("age", "年龄", 5, "int"),
               Column("id_number", "身份证号", 20, "id"), Column("phone", "联系电话", 13, "phone"),
               Column("address", "住址", 18), Column("categories", "类别", 14), Column("risk", "风险等级", 8),
               Column("interval", "探访周期", 8), Column("emergency", "紧急联系人及电话", 18),
               Column("supporter", "赡养人", 8), Column("visitor", "责任探访人", 9), Column("status", "状态", 10)]
    return _base(store, "特殊困难老年人花名册", period.as_of, columns, list(_numbered(rows)), today=period.today,
                 totals=[Total("合计", counts=("name",), label_key="address"),
                         Total("其中在册", counts=("name",), where=("status", "在册"), label_key="address")],
                 note=f"年龄和状态为 {on.isoformat()} 的情况；姓名一栏的合计为人数。")


# 6 ---------------------------------------------------------------------------------------
VISIT_METHODS = ("上门", "电话", "视频")


def visits(store: Store, period: Period, mask: Masker) -> Ledger:
    visit_rows = queries.visits_between(store, *period.bounds)
    rows = list(_numbered(
        {"date": v["date"], "name": v["name"], "method": v["method"], "visitor": v["visitor"],
         "health": v["health"], "living": v["living"], "family": v["family_support"], "safety": v["safety"],
         "needs": v["needs"], "problems": v["problems"], "measures": v["measures"], "referral": v["referral"],
         "next_due": v["next_due"]}
        for v in visit_rows
    ))
    columns = [NO, Column("date", "探访日期", 11, "date"), Column("name", "老人", 8), Column("method", "方式", 6),
               Column("visitor", "探访人", 8), Column("health", "身体与精神状况", 14),
               Column("living", "基本生活", 12), Column("family", "家庭赡养", 12), Column("safety", "安全隐患", 12),
               Column("needs", "服务需求", 12), Column("problems", "发现问题", 12), Column("measures", "帮扶措施", 12),
               Column("referral", "转介", 8), Column("next_due", "下次应探访", 11, "date")]
    method_counts = {m: sum(1 for r in rows if r["method"] == m) for m in VISIT_METHODS}
    elders_seen = {v["elder_id"] for v in visit_rows}
    home = queries.home_visited_elders(store, *period.bounds)
    summary = [Figure("探访（次）", len(rows)), *(Figure(f"{m}（次）", n) for m, n in method_counts.items()),
               Figure("探访老人（人）", len(elders_seen)), Figure("其中有上门探访（人）", len(elders_seen & home))]
    return _base(store, "探访关爱记录台账", period.label, columns, rows, today=period.today, summary=summary,
                 totals=[Total("合计", counts=("name",), label_key="health"),
                         *(Total(f"其中{m}", counts=("name",), where=("method", m), label_key="health")
                           for m in VISIT_METHODS)],
                 note="老人一栏的合计为探访次数；电话、视频探访另行统计，不能代替上门探访。")


# 7 ---------------------------------------------------------------------------------------
def not_visited(store: Store, period: Period, mask: Masker) -> Ledger:
    duty = month_duty(store, period.year, period.month, today=period.today)
    contact = elder_contacts(store, [line.elder_id for line in duty.not_visited])
    rows = list(_numbered(
        {"name": line.name, "risk": line.risk_level, "interval": INTERVALS[line.interval],
         "due_on": line.next_due.isoformat(), "overdue": line.days_overdue or None,
         "visitor": line.row.get("responsible_visitor"), "phone": mask.phone(contact[line.elder_id]["phone"]),
         "address": _address(contact[line.elder_id])}
        for line in duty.not_visited
    ))
    columns = [NO, Column("name", "姓名", 9), Column("risk", "风险等级", 8), Column("interval", "探访周期", 8),
               Column("due_on", "应探访日期", 12, "date"), Column("overdue", "逾期天数", 8, "int"),
               Column("visitor", "责任探访人", 10), Column("phone", "联系电话", 14, "phone"),
               Column("address", "住址", 22)]
    home = queries.home_visited_elders(store, *period.bounds)
    at_home = sum(1 for line in duty.lines if line.visited and line.elder_id in home)
    summary = [Figure("应探访（人）", duty.due), Figure("已探访（人）", duty.visited),
               Figure("其中上门（人）", at_home), Figure("探访率", duty.rate, "percent"),
               Figure("上门探访率", at_home / duty.due if duty.due else 1.0, "percent"),
               Figure("未探访（人）", duty.due - duty.visited), Figure("其中逾期（人）", len(duty.overdue))]
    return _base(store, "未探访名单", period.label, columns, rows, today=period.today, summary=summary,
                 note=f"探访率 = 已探访 ÷ 应探访，电话、视频探访计入已探访；上门探访率只计上门。"
                      f"逾期天数算到 {period.end.isoformat()}。")


# 8 ---------------------------------------------------------------------------------------
def step_line(step: Row) -> str:
    """One step of 四议两公开 as printed: `审议 2026-10-12 党员大会 应到 40 实到 31，同意 29 反对 1 弃权 1，通过`."""
    parts = [step["step"], step["date"] or ""]
    if step.get("body"):
        parts.append(step["body"])
    if step.get("expected") is not None or step.get("present") is not None:
        parts.append(f"应到 {_or_blank(step.get('expected'))} 实到 {_or_blank(step.get('present'))}")
    text = " ".join(parts)
    votes = [step.get(k) for k in ("votes_for", "votes_against", "votes_abstain")]
    if any(v is not None for v in votes):
        text += f"，同意 {_or_blank(votes[0])} 反对 {_or_blank(votes[1])} 弃权 {_or_blank(votes[2])}"
        present = step.get("present")
        if votes[0] is not None and present:
            text += "，通过" if votes[0] * 2 > present else "，未通过"
    if step.get("note"):
        text += f"（{step['note']}）"
    return text


def _or_blank(value) -> str:
    return "—" if value is None else str(value)


def procedure_lines(topic: Row, steps: list[Row]) -> list[str]:
    """The topic's 四议两公开 record: the four steps, then the two publicity records."""
    if topic["procedure"] != "四议两公开":
        return []
    taken = {s["step"]: s for s in steps}
    lines = [step_line(taken[name]) if name in taken else f"{name} 未进行" for name in FOUR_STEPS]
    for label, key in (("决议公开", "resolution_published_on"), ("实施结果公开", "result_published_on")):
        lines.append(f"{label} {topic[key]}" if topic.get(key) else f"{label} 未进行")
    return lines


def topics(store: Store, period: Period, mask: Masker) -> Ledger:
    found = queries.topics_active_between(store, *period.bounds)
    steps = queries.topic_steps(store, [t["id"] for t in found])
    rows = list(_numbered(
        {"proposed_on": t["proposed_on"], "title": t["title"], "proposer": t["proposer"],
         "procedure": t["procedure"], "steps": "\n".join(procedure_lines(t, steps.get(t["id"], []))),
         "state": t["state"], "meetings": t["meetings"],
         "resolution": t["resolution"] or t["reject_reason"], "resolution_published_on": t["resolution_published_on"],
         "result": t["result"], "result_published_on": t["result_published_on"], "evaluation": t["evaluation"]}
        for t in found
    ))
    columns = [NO, Column("proposed_on", "提出日期", 11, "date"), Column("title", "议题", 16),
               Column("proposer", "提出人", 8), Column("procedure", "程序", 9),
               Column("steps", "四议两公开（日期、应到/实到、表决）", 34), Column("state", "进度", 8),
               Column("meetings", "会议次数", 6, "int"), Column("resolution", "决议（或不予受理理由）", 20),
               Column("resolution_published_on", "决议公开", 11, "date"), Column("result", "落实结果", 16),
               Column("result_published_on", "结果公开", 11, "date"), Column("evaluation", "评议", 12)]
    return _base(store, "协商议事台账", period.label, columns, rows, today=period.today,
                 totals=[Total("合计", counts=("title",))], note="议题一栏的合计为议题个数。")


# 10 --------------------------------------------------------------------------------------
def stamp_checklist(store: Store, period: Period, mask: Masker) -> Ledger:
    rows = list(_numbered(
        {"kind": "不予盖章（负面清单）" if i["kind"] == "负面" else "可以盖章（保留事项）", "name": i["name"],
         "basis": i["basis"], "department": i["department"] or ""}
        for kind in ("保留", "负面") for i in checklist(store, kind)
    ))
    columns = [NO, Column("kind", "类别", 18), Column("name", "事项", 30), Column("basis", "依据", 30),
               Column("department", "请到以下部门办理", 30)]
    return _base(store, "盖章事项清单", f"{period.year}年", columns, rows, today=period.today,
                 note="负面清单中的证明事项，本社区（村）不予盖章，请按“请到以下部门办理”一栏办理。")


# 11 --------------------------------------------------------------------------------------
def stamp_register(store: Store, period: Period, mask: Masker) -> Ledger:
    rows = [
        {"serial": s["serial"], "date": s["date"], "applicant": s["applicant"], "id_number": mask.id(s["id_number"]),
         "phone": mask.phone(s["phone"]), "matter": s["matter"],
         "kind": {"负面": "负面清单", "保留": "保留事项"}.get(s["item_kind"], "未匹配"), "result": s["result"],
         "reason": s["reason"], "referral": s["referral"], "purpose": s["purpose"], "handler": s["handler"]}
        for s in queries.stamp_requests_between(store, *period.bounds)
    ]
    columns = [Column("serial", "编号", 10), Column("date", "日期", 11, "date"), Column("applicant", "申请人", 8),
               Column("id_number", "身份证号", 20, "id"), Column("phone", "联系电话", 13, "phone"),
               Column("matter", "申请事项", 16), Column("kind", "清单类别", 8), Column("result", "办理结果", 8),
               Column("reason", "理由", 16), Column("referral", "告知去向", 16), Column("purpose", "用途", 10),
               Column("handler", "经办人", 8)]
    return _base(store, "盖章登记台账", period.label, columns, rows, today=period.today,
                 totals=[Total("合计", counts=("applicant",), label_key="matter"),
                         Total("其中不予盖章", counts=("applicant",), where=("result", "不予盖章"), label_key="matter")],
                 note="申请人一栏的合计为登记件数。")


# 12 --------------------------------------------------------------------------------------
SUMMARY_ITEMS = (
    ("志愿服务", "activities", "志愿活动（次）"), ("志愿服务", "service_records", "服务记录（条）"),
    ("志愿服务", "service_hours", "服务时长（小时）"), ("志愿服务", "service_hours_confirmed", "其中已确认（小时）"),
    ("老年人探访", "elders_due", "应探访（人）"), ("老年人探访", "elders_visited", "已探访（人）"),
    ("老年人探访", "elders_visited_home", "其中上门探访（人）"),
    ("老年人探访", "visit_rate", "探访率（%）"), ("老年人探访", "home_rate", "上门探访率（%）"),
    ("老年人探访", "elders_overdue", "逾期未探访（人）"),
    ("老年人探访", "visits", "探访（次）"), ("协商议事", "meetings", "协商会议（次）"),
    ("协商议事", "topics_open", "在办议题（个）"), ("盖章登记", "stamp_requests", "盖章登记（件）"),
    ("盖章登记", "stamp_refused", "其中不予盖章（件）"),
    ("时间银行", "redeemed_hours", "兑换时长（小时）"),
)
RATES = {"visit_rate": "elders_visited", "home_rate": "elders_visited_home"}  # rate: the count it divides
# Figures that describe a moment, not a flow: the year column repeats the month's value.
SNAPSHOT = {"topics_open"}


def monthly_summary(store: Store, period: Period, mask: Masker) -> Ledger:
    months = []
    for m in range(1, period.month + 1):
        duty = month_duty(store, period.year, m, today=period.today)
        figures = month_work(store, period.year, m, today=period.today, duty=duty)
        start, end = month_bounds(period.year, m)
        home = queries.home_visited_elders(store, start.isoformat(), end.isoformat())
        figures["elders_visited_home"] = sum(1 for line in duty.lines if line.visited and line.elder_id in home)
        figures["home_rate"] = figures["elders_visited_home"] / duty.due if duty.due else 1.0
        redeemed = queries.redeemed_minutes_by_volunteer(store, start.isoformat(), end.isoformat())
        figures["redeemed_hours"] = _hours(sum(redeemed.values()))
        months.append(figures)
    this = months[-1]
    year: dict[str, float] = {key: sum(m[key] for m in months) for _, key, _ in SUMMARY_ITEMS
                              if key not in (*RATES, *SNAPSHOT)}
    for rate, count in RATES.items():
        year[rate] = year[count] / year["elders_due"] if year["elders_due"] else 1.0
    year.update({key: this[key] for key in SNAPSHOT})

    def shown(key: str, value: float) -> float:
        # Numbers, not text, so the street office can add them up in Excel.
        return round(value * 100, 1) if key in RATES else round(value, 2)

    rows = [{"module": module, "item": label, "month": shown(key, this[key]), "year": shown(key, year[key])}
            for module, key, label in SUMMARY_ITEMS]
    columns = [Column("module", "模块", 14), Column("item", "项目", 24),
               Column("month", f"{period.month}月", 14, kind="number"),
               Column("year", f"{period.year}年1–{period.month}月累计", 18, kind="number")]
    return _base(store, "月度工作汇总表", period.label, columns, rows, today=period.today, landscape=False,
                 seal=True,
                 note="年度累计中，应探访、已探访、逾期未探访为各月人次之和；在办议题为月末数（本月为今天的数）；"
                      "探访率计入电话、视频探访，上门探访率只计上门。")


# 13 --------------------------------------------------------------------------------------
def timebank(store: Store, period: Period, mask: Masker) -> Ledger:
    """时间银行台账: per volunteer, hours earned (confirmed service) and redeemed in the month and to its end."""
    start, end = period.bounds
    earned_month = queries.confirmed_minutes_by_volunteer(store, start, end)
    redeemed_month = queries.redeemed_minutes_by_volunteer(store, start, end)
    earned = queries.confirmed_minutes_by_volunteer(store, "0000-01-01", end)
    redeemed = queries.redeemed_minutes_by_volunteer(store, "0000-01-01", end)
    rows = [
        {"name": v["name"], "volunteer_no": v["volunteer_no"], "team": v["team"],
         "earned_month": _hours(earned_month.get(v["id"])), "redeemed_month": _hours(redeemed_month.get(v["id"])),
         "earned": _hours(earned.get(v["id"])), "redeemed": _hours(redeemed.get(v["id"])),
         "balance": _hours(earned.get(v["id"], 0) - redeemed.get(v["id"], 0))}
        for v in queries.volunteer_roster(store, end) if earned.get(v["id"]) or redeemed.get(v["id"])
    ]
    columns = [NO, Column("name", "姓名", 10), Column("volunteer_no", "志愿者编号", 12), Column("team", "服务队", 14),
               Column("earned_month", f"{period.month}月存入（小时）", 11, "hours"),
               Column("redeemed_month", f"{period.month}月兑换（小时）", 11, "hours"),
               Column("earned", "累计存入（小时）", 11, "hours"), Column("redeemed", "累计兑换（小时）", 11, "hours"),
               Column("balance", f"余额（截至{period.end.month}月{period.end.day}日）", 12, "hours")]
    return _base(store, "时间银行台账", period.label, columns, list(_numbered(rows)), today=period.today,
                 totals=[Total("合计", sums=("earned_month", "redeemed_month", "earned", "redeemed", "balance"))],
                 note="存入为审核确认的服务时长，兑换按兑换日期计；余额 = 累计存入 − 累计兑换，"
                      f"截至 {period.end.isoformat()}。只列有存入或兑换记录的志愿者。")


def timebank_statement(store: Store, volunteer_id: str, *, until: date | None = None,
                       today: date | None = None) -> Ledger:
    """One volunteer's 时间银行 statement: every deposit and redemption with the running balance."""
    today = today or store.clock.today()
    until = until or today
    volunteer = queries.volunteer_roster(store, until.isoformat())
    found = next((v for v in volunteer if v["id"] == volunteer_id), None)
    if found is None:
        raise UserError("找不到该志愿者，或其注册日期晚于截止日期")
    balance = 0
    rows = []
    for entry in queries.timebank_entries(store, volunteer_id, until.isoformat()):
        deposit = entry["kind"] == "服务"
        balance += entry["minutes"] if deposit else -entry["minutes"]
        rows.append({"date": entry["date"], "kind": "存入" if deposit else "兑换", "what": entry["what"],
                     "deposit": _hours(entry["minutes"]) if deposit else None,
                     "redeem": None if deposit else _hours(entry["minutes"]), "balance": _hours(balance)})
    columns = [NO, Column("date", "日期", 11, "date"), Column("kind", "类别", 6, align="center"),
               Column("what", "服务活动或兑换事由", 30), Column("deposit", "存入（小时）", 10, "hours"),
               Column("redeem", "兑换（小时）", 10, "hours"), Column("balance", "余额（小时）", 10, "hours")]
    title = f"时间银行明细（{found['name']}，编号 {found['volunteer_no'] or '—'}）"
    return _base(store, title, f"截至{until.isoformat()}", columns, list(_numbered(rows)), today=today,
                 landscape=False, totals=[Total("合计", sums=("deposit", "redeem"))],
                 note=f"余额 {_hours(balance):.2f} 小时。存入只计审核确认的服务时长。")


Builder = Callable[[Store, Period, Masker], Ledger]
# number, file stem, builder — the month's ledgers in print order (4 and 9 are per person/meeting).
MONTHLY: list[tuple[int, str, Builder]] = [
    (1, "志愿者花名册", volunteer_roster),
    (2, "志愿服务记录台账", service_records),
    (3, "志愿服务时长统计表", service_hours),
    (5, "特殊困难老年人花名册", elder_roster),
    (6, "探访关爱记录台账", visits),
    (7, "未探访名单", not_visited),
    (8, "协商议事台账", topics),
    (10, "盖章事项清单", stamp_checklist),
    (11, "盖章登记台账", stamp_register),
    (12, "月度工作汇总表", monthly_summary),
    (13, "时间银行台账", timebank),
]


def build(store: Store, number: int, year: int, month: int, *, masked: bool = True,
          today: date | None = None) -> Ledger:
    if not masked:
        require_admin(store, "导出完整的身份证号和电话")
    builder = {n: b for n, _, b in MONTHLY}[number]
    return builder(store, Period(year, month, today or store.clock.today()), Masker(masked))
