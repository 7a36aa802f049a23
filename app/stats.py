"""The month's figures of every module (the `stats` command and the 工作台)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app import care
from app.consultation import CLOSED_STATES, topics_page
from app.dates import month_bounds
from app.elders import MonthDuty, month_duty
from db import consultation, elders, people, service, stamps, volunteers
from db.store import Store


_SERVICE = ("activities", "service_records", "service_hours", "service_hours_confirmed")  # month_stats' order


def month_stats(store: Store, year: int, month: int, *, today: date | None = None,
                duty: MonthDuty | None = None, overdue: list | None = None) -> dict[str, Any]:
    """The month's figures; pass the month's duty (and its overdue lines) when already computed."""
    today = today or store.clock.today()
    duty = duty or month_duty(store, year, month, today=today)
    work = month_work(store, year, month, today=today, duty=duty, overdue=overdue)
    return {
        "month": f"{year:04d}-{month:02d}",
        "people_total": people.count(store),
        "volunteers_total": volunteers.count_volunteers(store, "在册"),
        **{key: work[key] for key in _SERVICE},
        "elders_total": elders.count_elders(store, "在册"),
        **{key: value for key, value in work.items() if key not in _SERVICE},
        # 组名 → total, due, visited, visit_rate, home_visits, overdue (the elders_* keys are 特殊困难老年人)
        "groups": care.groups_figures(store, year, month, today=today, elder_duty=duty),
    }


def month_work(store: Store, year: int, month: int, *, today: date, duty: MonthDuty,
               overdue: list | None = None) -> dict[str, Any]:
    """What was done in the month, module by module (the 月度工作汇总表 needs only these):
    no totals of the registers, no 关爱对象 groups."""
    start, end = month_bounds(year, month)
    span = (start.isoformat(), end.isoformat())
    work = service.month_figures(store, *span)
    overdue = duty.overdue if overdue is None else overdue  # sorts every line: once per refresh
    requests = stamps.month_counts(store, *span)
    return {
        "activities": work["activities"],
        "service_records": work["records"],
        "service_hours": round(work["minutes"] / 60, 2),
        "service_hours_confirmed": round(work["confirmed"] / 60, 2),
        "elders_due": duty.due,
        "elders_visited": duty.visited,
        "visit_rate": round(duty.rate, 4),
        "elders_overdue": len(overdue),
        "visits": elders.count_visits_between(store, *span),
        "topics_open": consultation.count_open_at(store, min(end, today).isoformat(), CLOSED_STATES),
        "meetings": consultation.count_meetings_between(store, *span),
        "stamp_requests": requests["requests"],
        "stamp_refused": requests["refused"],
    }

LABELS = {
    "month": "月份",
    "people_total": "居民人数",
    "volunteers_total": "在册志愿者",
    "activities": "志愿活动",
    "service_records": "服务记录",
    "service_hours": "服务时长（小时）",
    "service_hours_confirmed": "其中已确认（小时）",
    "elders_total": "在册老年人",
    "elders_due": "应探访",
    "elders_visited": "已探访",
    "visit_rate": "探访率",
    "elders_overdue": "逾期未探访",
    "visits": "探访次数",
    "topics_open": "在办议题",
    "meetings": "协商会议",
    "stamp_requests": "盖章登记",
    "stamp_refused": "其中不予盖章",
    "groups": "关爱对象",
}


def dashboard(store: Store, *, today: date | None = None) -> dict[str, Any]:
    """The 工作台: this month's figures, the overdue elders and the topics waiting for follow-up."""
    today = today or store.clock.today()
    duty = month_duty(store, today.year, today.month, today=today)
    overdue = duty.overdue
    return {
        "figures": month_stats(store, today.year, today.month, today=today, duty=duty, overdue=overdue),
        "overdue": [
            {"elder_id": line.elder_id, "name": line.name, "risk_level": line.risk_level,
             "due_on": line.next_due.isoformat(), "days_overdue": line.days_overdue,
             "visitor": line.row.get("responsible_visitor")}
            for line in overdue
        ],
        "waiting_topics": topics_page(store, limit=50, states=("形成决议", "落实中")),
        "overdue_referrals": care.overdue_referrals(store, today=today),
    }
