"""关爱对象: group rules, membership by age, structured visits, 转介 follow-ups, each group's month duty."""

from __future__ import annotations

from datetime import date

import pytest

from app import care, elders
from app.access import sign_in
from app.errors import PermissionDenied, UserError, ValidationError
from tests.factories import elder, make_id, person


def _child(store, today, name="小明", born="20160301"):
    return person(store, today, name, id_number=make_id(born))


def _group(store, name):
    return care.group_named(store, name)


def _join(store, today, who, group, **fields):
    return care.add_member(store, {"person_id": who["id"], "group_id": _group(store, group).id,
                                   "joined_on": "2026-01-01", **fields}, today=today)


def test_a_ten_year_old_is_refused_from_the_elders_with_the_age_said(store, today):
    kid = _child(store, today)
    with pytest.raises(ValidationError) as refused:
        elders.add_elder(store, {"person_id": kid["id"], "categories": ["低保"]}, today=today)
    assert "未满 60 周岁（现 10 岁）" in str(refused.value)


def test_children_groups_take_only_under_eighteens_by_the_id_number(store, today):
    kid = _child(store, today)
    member = _join(store, today, kid, "困境儿童", guardian="王芳", guardian_phone="13812345678", school="实验小学")
    assert member["school"] == "实验小学" and member["guardian_phone"] == "13812345678"
    adult = person(store, today, "大李", id_number=make_id("19900101"))
    with pytest.raises(ValidationError) as refused:
        _join(store, today, adult, "困境儿童")
    assert "已满 18 周岁（现 36 岁），不能纳入困境儿童" in str(refused.value)
    no_id = person(store, today, "无证", birth_date="2018-01-01")
    with pytest.raises(ValidationError, match="按身份证号判断年龄"):
        _join(store, today, no_id, "留守儿童")
    seventeen = _child(store, today, "小红", born="20090101")
    assert _join(store, today, seventeen, "留守儿童")["group_id"] == _group(store, "留守儿童").id


def test_one_person_in_several_groups_and_not_twice_in_one(store, today):
    who = person(store, today, "张残", id_number=make_id("19700101"))
    _join(store, today, who, "残疾人", disability_no=who["id_number"] + "42", disability_category="肢体",
          disability_grade="二级", living_subsidy="是", nursing_subsidy=False)
    _join(store, today, who, "低保", certificate_no="DB2026-001", household="户主，3 人")
    assert [m["group_name"] for m in care.memberships(store, who["id"])] == ["残疾人", "低保"]
    with pytest.raises(ValidationError, match="已在残疾人中"):
        _join(store, today, who, "残疾人")
    other = person(store, today, "李残", id_number=make_id("19700101"))
    with pytest.raises(ValidationError, match="与本人身份证号不一致"):
        _join(store, today, other, "残疾人", disability_no=who["id_number"] + "42")


def test_elders_are_members_of_their_group_and_are_registered_on_their_own_page(store, today):
    old = elder(store, today, "王奶奶")
    rows = care.register_page(store, group_id=_group(store, "特殊困难老年人").id)
    assert [(r["name"], r["group_name"], r["source"]) for r in rows] == [("王奶奶", "特殊困难老年人", "elders")]
    with pytest.raises(UserError, match="老年人探访"):
        _join(store, today, person(store, today, "赵爷爷", birth_date="1940-01-01"), "特殊困难老年人")
    assert old["person_id"] == rows[0]["person_id"]


def test_the_checklist_differs_per_group_and_findings_outside_it_are_refused(store, today):
    kid = _child(store, today)
    _join(store, today, kid, "留守儿童")
    disabled = person(store, today, "张残", id_number=make_id("19700101"))
    _join(store, today, disabled, "残疾人")
    assert "亲情联系" in care.checklist_of(store, kid["id"])
    assert "两项补贴落实" in care.checklist_of(store, disabled["id"])
    assert "两项补贴落实" not in care.checklist_of(store, kid["id"])
    with pytest.raises(ValidationError, match="不在此人所属类别的探访清单中"):
        care.record_care_visit(store, {"person_id": kid["id"], "date": today, "visitor": "小王",
                                       "findings": [{"item": "两项补贴落实", "checked": True}]}, today=today)


def test_a_new_visit_sees_the_last_findings_and_the_open_follow_up(store, today):
    kid = _child(store, today)
    _join(store, today, kid, "困境儿童")
    care.record_care_visit(store, {
        "person_id": kid["id"], "date": "2026-11-10", "method": "上门", "visitor": "小王",
        "findings": {"监护照料": {"checked": True, "note": "奶奶照看，身体差"}, "就学情况": {"checked": True}},
        "problems": "监护人无力照料", "measures": "联系学校", "referral_target": "街道民政科",
        "referral_due": "2026-11-20"}, today=today)
    seen = care.last_findings(store, kid["id"])
    assert seen["last"]["date"] == "2026-11-10"
    assert [(f["item"], f["note"]) for f in seen["last"]["findings"]] == [
        ("监护照料", "奶奶照看，身体差"), ("就学情况", None)]
    [open_one] = seen["open_referrals"]
    assert (open_one["target"], open_one["state"], open_one["problem"]) == ("街道民政科", "转介", "监护人无力照料")
    overdue = care.overdue_referrals(store, today=today)
    assert [(r["name"], r["days_overdue"]) for r in overdue] == [("小明", 3)]
    with pytest.raises(UserError, match="下一步只能是“已接收”"):
        care.advance_referral(store, open_one["id"], "已办结", outcome="已救助", today=today)
    care.advance_referral(store, open_one["id"], "已接收", on="2026-11-21", today=today)
    with pytest.raises(ValidationError, match="办理结果"):
        care.advance_referral(store, open_one["id"], "已办结", today=today)
    closed = care.advance_referral(store, open_one["id"], "已办结", outcome="纳入事实无人抚养儿童", today=today)
    assert (closed["state"], closed["received_on"], closed["closed_on"]) == ("已办结", "2026-11-21", "2026-11-23")
    assert care.overdue_referrals(store, today=today) == []
    assert care.last_findings(store, kid["id"])["open_referrals"] == []


def test_a_referral_needs_a_due_date_and_the_problem(store, today):
    kid = _child(store, today)
    _join(store, today, kid, "困境儿童")
    with pytest.raises(ValidationError) as refused:
        care.record_care_visit(store, {"person_id": kid["id"], "date": today, "visitor": "小王",
                                       "referral_target": "派出所"}, today=today)
    assert set(refused.value.errors) == {"referral_due", "problems"}


def test_a_phone_call_does_not_count_for_a_high_risk_child(store, today):
    calls, home = _child(store, today, "电话娃"), _child(store, today, "上门娃")
    for who in (calls, home):
        _join(store, today, who, "困境儿童", risk_level="高风险", joined_on="2026-11-01")
    care.record_care_visit(store, {"person_id": calls["id"], "date": "2026-11-20", "method": "电话",
                                   "visitor": "小王"}, today=today)
    care.record_care_visit(store, {"person_id": home["id"], "date": "2026-11-20", "method": "上门",
                                   "visitor": "小王"}, today=today)
    duty = care.group_duty(store, _group(store, "困境儿童"), 2026, 11, today=today)
    assert duty.figures() == {"total": 2, "due": 2, "visited": 1, "visit_rate": 0.5, "home_visits": 1,
                              "overdue": 1}
    assert [line.name for line in duty.duty.not_visited] == ["电话娃"]
    # A group whose 高风险 counts phone calls too sees both visited.
    group = care.update_group(store, _group(store, "困境儿童").id,
                              {"counting": {"高风险": ["上门", "电话"], "重点": ["上门"], "一般": ["上门"]}})
    assert care.group_duty(store, group, 2026, 11, today=today).duty.visited == 2


def test_the_elder_group_duty_is_the_elders_duty(store, today):
    for n, risk in enumerate(("高风险", "重点", "一般")):
        old = elder(store, today, "老人" + "甲乙丙"[n], risk_level=risk, joined_on="2026-06-01")
        if n:
            elders.record_visit(store, {"elder_id": old["id"], "date": "2026-11-05", "method": "电话",
                                        "visitor": "小王"}, today=today)
    expected = elders.month_duty(store, 2026, 11, today=today)
    group = _group(store, "特殊困难老年人")
    assert group.counts_everything
    duty = care.group_duty(store, group, 2026, 11, today=today).duty
    assert (duty.due, duty.visited, [line.days_overdue for line in duty.lines]) == (
        expected.due, expected.visited, [line.days_overdue for line in expected.lines])
    # The general rule gives the same answer while every method counts …
    group.counting = {tier: ["上门", "电话", "视频"] for tier in elders.RISK_LEVELS}
    group.counting["高风险"] = ["上门", "电话"]  # nobody 高风险 was visited: the general path, same figures
    general = care.group_duty(store, group, 2026, 11, today=today).duty
    assert (general.due, general.visited, [line.days_overdue for line in general.lines]) == (
        expected.due, expected.visited, [line.days_overdue for line in expected.lines])
    # … and only 上门 counting leaves the two phone visits uncounted.
    only_home = care.update_group(store, group.id, {"counting": {t: ["上门"] for t in elders.RISK_LEVELS}})
    assert care.group_duty(store, only_home, 2026, 11, today=today).duty.visited == 0


def test_only_an_administrator_adds_or_changes_a_group(store, today):
    added = care.add_group(store, {"name": "退役军人", "intervals": {"高风险": "month", "重点": "month",
                                                               "一般": "quarter"},
                                   "counting": {t: ["上门", "电话"] for t in elders.RISK_LEVELS},
                                   "checklist": "身体状况、优待落实、安全隐患", "responsible": "退役军人服务站"})
    assert added.checklist == ["身体状况", "优待落实", "安全隐患"] and added.builtin is None
    with pytest.raises(ValidationError, match="已有名为"):
        care.add_group(store, {"name": "退役军人", "intervals": added.intervals, "counting": added.counting,
                               "checklist": ["a"]})
    sign_in(store, "小王", "staff")
    with pytest.raises(PermissionDenied, match="只有管理员可以修改关爱对象类别的规则"):
        care.update_group(store, added.id, {"checklist": ["身体状况"]})
    with pytest.raises(PermissionDenied):
        care.add_group(store, {"name": "其他"})


def test_the_elder_groups_intervals_are_the_settings(store, today):
    group = _group(store, "特殊困难老年人")
    changed = care.update_group(store, group.id, {"intervals": {"高风险": "week", "重点": "week", "一般": "quarter"}})
    assert changed.intervals["重点"] == "week"
    assert elders.interval_of(store, "重点") == "week"
    with pytest.raises(ValidationError, match="60 周岁"):
        care.update_group(store, group.id, {"min_age": 50})


def test_the_stats_groups_key(store, today):
    kid = _child(store, today)
    _join(store, today, kid, "困境儿童", joined_on="2026-10-01")
    figures = care.groups_figures(store, 2026, 11, today=today)
    assert set(figures) == {"特殊困难老年人", "困境儿童", "留守儿童", "残疾人", "低保", "特困"}
    assert figures["困境儿童"] == {"total": 1, "due": 1, "visited": 0, "visit_rate": 0.0, "home_visits": 0,
                                  "overdue": 1}
    assert date(2026, 11, 1) <= today


def test_stats_json_keeps_its_keys_and_adds_the_groups(store, today):
    from app.stats import dashboard, month_stats

    figures = month_stats(store, 2026, 11, today=today)
    assert {"elders_total", "elders_due", "elders_visited", "visit_rate", "elders_overdue"} <= set(figures)
    assert figures["groups"]["特殊困难老年人"]["due"] == figures["elders_due"]
    kid = _child(store, today)
    _join(store, today, kid, "困境儿童")
    care.add_referral(store, {"person_id": kid["id"], "problem": "辍学", "target": "教育局",
                              "referred_on": "2026-11-01", "due_on": "2026-11-15"}, today=today)
    assert [(r["name"], r["days_overdue"]) for r in dashboard(store, today=today)["overdue_referrals"]] == [
        ("小明", 8)]
