"""特殊困难老年人, their 探访, and the month's visit duty (应探访 / 已探访 / 未探访, 探访率)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from app import settings
from app.elders import (
    add_elder,
    change_status,
    delete_elder,
    delete_visit,
    get_elder,
    month_duty,
    record_visit,
)
from app.errors import NotFound, ValidationError
from app.trash import restore
from tests.factories import count_rows, elder, make_id, person

D = date.fromisoformat


def visit(store, today, who, day, **fields):
    return record_visit(store, {"elder_id": who["id"], "date": day, "visitor": "李干事", **fields}, today=today)


def line_of(duty, who):
    found = [line for line in duty.lines if line.elder_id == who["id"]]
    return found[0] if found else None


def joined(store, today, name="王奶奶", on="2026-01-05", risk="一般", **fields):
    return elder(store, today, name, joined_on=on, risk_level=risk, **fields)


# -- elders -----------------------------------------------------------------------------------


def test_add_elder_keeps_categories_in_canonical_order(store, today):
    saved = elder(store, today, categories=["低保", "独居", "空巢"], emergency_phone="138 1234 5678")
    assert json.loads(saved["categories"]) == ["独居", "空巢", "低保"]
    assert (saved["risk_level"], saved["status"], saved["joined_on"], saved["left_on"]) == ("一般", "在册", "2026-11-23", None)
    assert saved["emergency_phone"] == "13812345678"


@pytest.mark.parametrize("categories", [[], None, ["独居", "孤寡"]])
def test_categories_are_validated(store, today, categories):
    with pytest.raises(ValidationError) as info:
        elder(store, today, categories=categories)
    assert "categories" in info.value.errors
    assert count_rows(store, "elders")["elders"] == 0


def test_gaoling_needs_80_years_by_the_birth_date_in_the_id(store, today):
    young = person(store, today, "李爷爷", id_number=make_id("19461124"))  # 80 tomorrow
    with pytest.raises(ValidationError, match="未满 80 周岁"):
        add_elder(store, {"person_id": young["id"], "categories": ["高龄"]}, today=today)
    old = person(store, today, "王爷爷", id_number=make_id("19461123"))  # 80 today
    assert add_elder(store, {"person_id": old["id"], "categories": ["高龄"]}, today=today)
    assert count_rows(store, "elders")["elders"] == 1


def test_a_person_is_in_the_register_once(store, today):
    first = elder(store, today)
    with pytest.raises(ValidationError, match="已在老年人名册中"):
        add_elder(store, {"person_id": first["person_id"], "categories": ["空巢"]}, today=today)


def test_status_other_than_zaice_needs_a_sensible_date(store, today):
    who = elder(store, today, joined_on="2026-03-01")
    for status, on, message in [("去世", None, "请填写变更日期"), ("迁出", today + timedelta(days=1), "不能晚于今天"),
                                ("入住机构", "2026-02-28", "不能早于纳入日期")]:
        with pytest.raises(ValidationError, match=message):
            change_status(store, who["id"], status, on, today=today)
    assert get_elder(store, who["id"])["status"] == "在册"
    change_status(store, who["id"], "去世", "2026.11.2", today=today)
    assert (get_elder(store, who["id"])["status"], get_elder(store, who["id"])["left_on"]) == ("去世", "2026-11-02")
    change_status(store, who["id"], "在册", "2026-11-02", today=today)
    assert get_elder(store, who["id"])["left_on"] is None


def test_adding_an_elder_who_already_left_needs_the_date(store, today):
    with pytest.raises(ValidationError, match="请填写变更日期") as info:
        elder(store, today, status="入住机构")
    assert "left_on" in info.value.errors
    assert elder(store, today, "李奶奶", status="入住机构", joined_on="2026-01-01", left_on="2026-06-30")["left_on"] == "2026-06-30"


def test_delete_and_restore_elder(store, today):
    who = elder(store, today)
    delete_elder(store, who["id"])
    with pytest.raises(NotFound):
        get_elder(store, who["id"])
    restore(store, "elders", who["id"])
    assert get_elder(store, who["id"])["person_id"] == who["person_id"]


# -- visits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("risk, next_due", [("高风险", "2026-11-17"), ("重点", "2026-12-10"), ("一般", "2026-12-10")])
def test_next_due_follows_the_risk_level(store, today, risk, next_due):
    who = joined(store, today, risk=risk)
    assert visit(store, today, who, "2026-11-10")["next_due"] == next_due


def test_quarterly_interval_from_the_settings(store, today):
    settings.save(store, {"visit_intervals": {"高风险": "week", "重点": "month", "一般": "quarter"}})
    who = joined(store, today, risk="一般")
    assert visit(store, today, who, "2026-08-31")["next_due"] == "2026-11-30"


def test_bad_visit_intervals_are_refused(store):
    for bad in ({"高风险": "week", "重点": "month"}, {"高风险": "day", "重点": "month", "一般": "month"}):
        with pytest.raises(ValidationError, match="探访周期"):
            settings.save(store, {"visit_intervals": bad})
    assert settings.load(store).visit_intervals == settings.DEFAULT_VISIT_INTERVALS


def test_visit_dates_must_fall_while_in_care_and_not_in_the_future(store, today):
    who = joined(store, today, on="2026-03-01")
    with pytest.raises(ValidationError, match="不能晚于今天"):
        visit(store, today, who, today + timedelta(days=1))
    with pytest.raises(ValidationError, match="早于该老人的纳入日期"):
        visit(store, today, who, "2026-02-28")
    change_status(store, who["id"], "迁出", "2026-10-31", today=today)
    with pytest.raises(ValidationError, match="之后不能再登记探访"):
        visit(store, today, who, "2026-11-01")
    assert count_rows(store, "visits")["visits"] == 0
    assert visit(store, today, who, "2026-10-31")["date"] == "2026-10-31"


def test_visit_needs_a_visitor_and_a_known_method(store, today):
    who = joined(store, today)
    with pytest.raises(ValidationError) as info:
        record_visit(store, {"elder_id": who["id"], "date": today, "method": "写信"}, today=today)
    assert set(info.value.errors) == {"visitor", "method"}
    assert count_rows(store, "visits")["visits"] == 0


# -- the month's duty -------------------------------------------------------------------------


def test_visited_last_month_is_due_this_month(store, today):
    who = joined(store, today)
    visit(store, today, who, "2026-10-20")
    line = line_of(month_duty(store, 2026, 11, today=today), who)
    assert (line.due_on, line.visited, line.days_overdue) == (D("2026-11-20"), False, 3)


def test_visit_this_month_counts(store, today):
    who = joined(store, today)
    visit(store, today, who, "2026-10-20")
    visit(store, today, who, "2026-11-18")
    duty = month_duty(store, 2026, 11, today=today)
    assert (duty.due, duty.visited, duty.rate) == (1, 1, 1.0)
    assert line_of(duty, who).next_due == D("2026-12-18")


def test_due_later_this_month_is_not_yet_overdue(store, today):
    who = joined(store, today)
    visit(store, today, who, "2026-10-28")
    line = line_of(month_duty(store, 2026, 11, today=today), who)
    assert (line.due_on, line.visited, line.days_overdue) == (D("2026-11-28"), False, 0)


def test_never_visited_elder_is_due_one_interval_after_joining(store, today):
    mid_month = joined(store, today, "王奶奶", on="2026-11-10")
    last_month = joined(store, today, "李奶奶", on="2026-10-10")
    duty = month_duty(store, 2026, 11, today=today)
    assert line_of(duty, mid_month) is None
    assert (line_of(duty, last_month).due_on, line_of(duty, last_month).days_overdue) == (D("2026-11-10"), 13)


def test_leaving_before_the_due_date_ends_the_duty(store, today):
    who = joined(store, today)
    visit(store, today, who, "2026-10-25")  # due 11-25
    change_status(store, who["id"], "去世", "2026-11-10", today=today)
    assert month_duty(store, 2026, 11, today=today).due == 0


def test_leaving_after_a_missed_due_date_is_due_and_not_visited(store, today):
    who = joined(store, today)
    visit(store, today, who, "2026-10-05")  # due 11-05
    change_status(store, who["id"], "迁出", "2026-11-15", today=today)
    duty = month_duty(store, 2026, 11, today=today)
    line = line_of(duty, who)
    assert (duty.due, duty.visited, line.visited) == (1, 0, False)
    assert line.days_overdue > 0
    assert [x.elder_id for x in duty.not_visited] == [who["id"]]


def test_weekly_elder_visited_only_early_in_the_month_is_not_visited(store, today):
    who = joined(store, today, risk="高风险")
    visit(store, today, who, "2026-10-30")
    visit(store, today, who, "2026-11-03")
    line = line_of(month_duty(store, 2026, 11, today=today), who)
    assert (line.visited, line.next_due, line.days_overdue) == (False, D("2026-11-10"), 13)


def test_weekly_elder_visited_every_week_is_visited(store, today):
    who = joined(store, today, risk="高风险")
    for day in ("2026-10-30", "2026-11-06", "2026-11-13", "2026-11-20"):
        visit(store, today, who, day)
    line = line_of(month_duty(store, 2026, 11, today=today), who)
    assert (line.visited, line.days_overdue) == (True, 0)


def test_past_month_is_counted_to_the_day_after_its_end(store, today):
    monthly = joined(store, today, "王奶奶")
    weekly = joined(store, today, "李奶奶", risk="高风险")
    visit(store, today, monthly, "2026-09-10")  # due 10-10, not visited in October
    for day in ("2026-09-30", "2026-10-07", "2026-10-14", "2026-10-21"):  # then nothing: due 10-28
        visit(store, today, weekly, day)
    duty = month_duty(store, 2026, 10, today=today)
    assert duty.reference == D("2026-11-01")
    assert (line_of(duty, monthly).days_overdue, line_of(duty, weekly).days_overdue) == (22, 4)
    assert duty.visited == 0
    assert [line.elder_id for line in duty.not_visited] == [monthly["id"], weekly["id"]]


def test_weekly_visit_in_the_last_week_covers_a_past_month(store, today):
    weekly = joined(store, today, risk="高风险")
    for day in ("2026-09-30", "2026-10-25"):
        visit(store, today, weekly, day)
    line = line_of(month_duty(store, 2026, 10, today=today), weekly)
    assert (line.visited, line.next_due) == (True, D("2026-11-01"))


def test_quarterly_setting_changes_who_is_due(store, today):
    who = joined(store, today)
    visit(store, today, who, "2026-09-10")
    assert month_duty(store, 2026, 11, today=today).due == 1
    settings.save(store, {"visit_intervals": {"高风险": "week", "重点": "month", "一般": "quarter"}})
    assert month_duty(store, 2026, 11, today=today).due == 0
    assert line_of(month_duty(store, 2026, 12, today=today), who).due_on == D("2026-12-10")


def test_visit_rate(store, today):
    elders = [joined(store, today, name) for name in ("王奶奶", "李奶奶", "赵奶奶", "孙奶奶")]
    for who in elders:
        visit(store, today, who, "2026-10-15")
    visit(store, today, elders[0], "2026-11-16")
    duty = month_duty(store, 2026, 11, today=today)
    assert (duty.due, duty.visited, duty.rate) == (4, 1, 0.25)
    assert len(duty.overdue) == 3


def test_rate_is_one_when_nobody_is_due(store, today):
    joined(store, today, on="2026-11-01")
    duty = month_duty(store, 2026, 11, today=today)
    assert (duty.due, duty.visited, duty.rate, duty.not_visited) == (0, 0, 1.0, [])


def test_deleted_elders_and_visits_are_ignored(store, today):
    gone = joined(store, today, "王奶奶")
    kept = joined(store, today, "李奶奶")
    visit(store, today, gone, "2026-10-15")
    visit(store, today, kept, "2026-10-15")
    this_month = visit(store, today, kept, "2026-11-16")
    delete_elder(store, gone["id"])
    assert month_duty(store, 2026, 11, today=today).visited == 1
    delete_visit(store, this_month["id"])
    duty = month_duty(store, 2026, 11, today=today)
    assert [line.elder_id for line in duty.lines] == [kept["id"]]
    assert (duty.visited, line_of(duty, kept).days_overdue) == (0, 8)


def test_correcting_a_visit_recomputes_its_next_due_date(store, today):
    from app.elders import record_visit, update_visit

    who = elder(store, today, joined_on="2026-01-01")
    visit = record_visit(store, {"elder_id": who["id"], "date": "2026-11-02", "visitor": "王晓燕"}, today=today)
    assert visit["next_due"] == "2026-12-02"
    fixed = update_visit(store, visit["id"], {"date": "2026.11.05"}, today=today)
    assert fixed["date"] == "2026-11-05" and fixed["next_due"] == "2026-12-05"
    with pytest.raises(ValidationError, match="晚于今天"):
        update_visit(store, visit["id"], {"date": "2026-12-01"}, today=today)


def test_last_visit_before_the_month_found_near_and_far_back(store, today):
    """The duty rule's anchor: the last live visit before the month, however long ago."""
    from app.elders import delete_visit
    from db.elders import in_care_between

    recent = elder(store, today, "王奶奶", joined_on="2025-01-01")
    far = elder(store, today, "李爷爷", joined_on="2025-01-01")
    never = elder(store, today, "赵奶奶", joined_on="2025-01-01")
    for who, day in ((recent, "2026-09-05"), (recent, "2026-10-20"), (far, "2025-03-02"), (far, "2025-06-30")):
        record_visit(store, {"elder_id": who["id"], "date": day, "visitor": "王晓燕", "health": "良好"}, today=today)
    late = record_visit(store, {"elder_id": recent["id"], "date": "2026-10-28", "visitor": "王晓燕",
                                "health": "良好"}, today=today)
    delete_visit(store, late["id"])  # a deleted visit is not an anchor
    record_visit(store, {"elder_id": recent["id"], "date": "2026-11-03", "visitor": "王晓燕",
                         "health": "良好"}, today=today)  # inside the month: not "before"
    anchors = {r["id"]: r["last_before"] for r in in_care_between(store, "2026-11-01", "2026-11-30")}
    assert anchors == {recent["id"]: "2026-10-20", far["id"]: "2025-06-30", never["id"]: None}
