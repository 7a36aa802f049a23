"""The 工作台's group figures (care.groups_figures, read for every group at once) are each group's
duty figures computed the straightforward way (care.group_duty(...).figures()), on random registers."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from app import care, elders
from app.dates import add_interval
from tests.factories import make_id

METHODS = list(elders.METHODS)


def _random_ledger(store, rng: random.Random, today: date) -> None:
    """People in every group (and two in a group of the community's own, counting odd methods),
    joining and leaving at random, visited by random methods on random days; some visits and
    some people deleted."""
    care.add_group(store, {"name": "退役军人", "intervals": {"高风险": "week", "重点": "quarter", "一般": "month"},
                           "counting": {"高风险": ["电话"], "重点": ["视频", "电话"], "一般": ["上门"]},
                           "checklist": ["身体状况"]})
    groups = care.groups(store)
    start = today - timedelta(days=400)
    for n in range(rng.randrange(25, 45)):
        born = f"{rng.randrange(1940, 2015)}0{rng.randrange(1, 10)}1{rng.randrange(0, 9)}"
        who = store.insert("people", {"name": f"居民{n}", "id_number": make_id(born), "sort_key": f"{rng.random()}",
                                      "birth_date": f"{born[:4]}-{born[4:6]}-{born[6:]}"})
        for group in rng.sample(groups, rng.randrange(1, 3)):
            joined = start + timedelta(days=rng.randrange(0, 420))
            left = joined + timedelta(days=rng.randrange(0, 200)) if rng.random() < 0.25 else None
            left = min(left, today) if left else None
            member = {"person_id": who["id"], "risk_level": rng.choice(elders.RISK_LEVELS),
                      "status": rng.choice(("迁出", "去世")) if left else "在册",
                      "joined_on": joined.isoformat(), "left_on": left.isoformat() if left else None}
            if group.is_elders:
                if store.query("SELECT 1 FROM elders WHERE person_id = ?", [who["id"]]):
                    continue
                row = store.insert("elders", {**member, "categories": '["独居"]'})
            else:
                row = store.insert("care_members", {**member, "group_id": group.id})
            day = joined + timedelta(days=rng.randrange(-10, 40))
            while day <= today + timedelta(days=10):  # a few dated after today: not yet counted
                visit = store.insert("visits", {
                    "person_id": who["id"], "elder_id": row["id"] if group.is_elders else None,
                    "date": day.isoformat(), "method": rng.choice(METHODS), "visitor": "小王",
                    "next_due": add_interval(day, "month").isoformat()})
                if rng.random() < 0.05:
                    store.delete("visits", visit["id"])
                day += timedelta(days=rng.randrange(1, 70))
        if rng.random() < 0.05:
            store.delete("people", who["id"])


@pytest.mark.parametrize("seed", range(6))
def test_the_figures_of_every_group_at_once_are_each_groups_duty_figures(store, seed):
    rng = random.Random(seed)
    today = date(2026, rng.randrange(1, 13), rng.randrange(1, 29))
    _random_ledger(store, rng, today)
    elder_duty = None
    for year, month in ((today.year, today.month), (today.year - 1, 12), (today.year, 1), (today.year + 1, 1)):
        if rng.random() < 0.5:
            elder_duty = elders.month_duty(store, year, month, today=today)
        straight = {g.name: care.group_duty(store, g, year, month, today=today).figures() for g in care.groups(store)}
        assert care.groups_figures(store, year, month, today=today, elder_duty=elder_duty) == straight
        elder_duty = None
    assert any(f["due"] for f in straight.values())  # the comparison saw people due, not only empty groups


def test_a_phone_call_counts_nowhere_a_group_counts_only_home_visits(store, today):
    group = care.add_group(store, {"name": "只数上门", "intervals": {"高风险": "week", "重点": "month", "一般": "month"},
                                   "counting": {t: ["上门"] for t in elders.RISK_LEVELS}, "checklist": ["身体状况"]})
    who = store.insert("people", {"name": "李四", "id_number": make_id("19700101"), "sort_key": "li si"})
    store.insert("care_members", {"person_id": who["id"], "group_id": group.id, "risk_level": "一般",
                                  "status": "在册", "joined_on": "2026-09-01"})
    store.insert("visits", {"person_id": who["id"], "date": "2026-11-10", "method": "电话", "visitor": "小王"})
    figures = care.groups_figures(store, 2026, 11, today=today)["只数上门"]
    assert figures == care.group_duty(store, group, 2026, 11, today=today).figures()
    assert (figures["due"], figures["visited"], figures["home_visits"]) == (1, 0, 0)
