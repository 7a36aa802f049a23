"""协商议事: the topic workflow, its texts, dates and events, 四议两公开, meetings and follow-ups."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest

from app.consultation import (
    MOVE_TEXT,
    STATES,
    WORKFLOW,
    add_followup,
    add_meeting,
    advance_topic,
    delete_meeting,
    events_of,
    followups_of,
    get_topic,
    participants_of,
    publish,
    record_step,
    steps_of,
)
from app.errors import UserError, ValidationError
from tests.factories import TEXT, count_rows, drive, meeting, topic

ILLEGAL = [(s, t) for s in STATES for t in STATES if t not in WORKFLOW[s]]


def quorum(expected, present, votes_for, **fields):
    return {"expected": expected, "present": present, "votes_for": votes_for, **fields}


def four_steps(store, today, topic_id, *, first=date(2026, 11, 2)):
    """提议, 商议, 审议 and 决议, each a day after the last, with valid counts."""
    for i, step in enumerate(("提议", "商议", "审议", "决议")):
        data = {"date": first + timedelta(days=i)}
        if step in ("审议", "决议"):
            data.update(quorum(30, 25, 20))
        record_step(store, topic_id, step, data, today=today)


def village_topic(store, today, state="协商"):
    """A 四议两公开 topic proposed on 11-01, 受理 and (unless told) 协商 on 11-01."""
    made = topic(store, today, procedure="四议两公开", proposed_on="2026-11-01")
    for step in ("受理", "协商"):
        made = advance_topic(store, made["id"], step, on="2026-11-01", today=today)
        if step == state:
            return made
    raise ValueError(state)


# -- the workflow -----------------------------------------------------------------------------


def test_the_whole_workflow_records_every_event(store, today):
    done = drive(store, today, "已评议")
    assert (done["state"], done["resolution"], done["result"], done["evaluation"]) == (
        "已评议", TEXT["形成决议"], TEXT["已办结"], TEXT["已评议"])
    assert (done["resolution_published_on"], done["result_published_on"]) == (today.isoformat(), today.isoformat())
    events = events_of(store, done["id"])
    path = ["提出", "受理", "协商", "形成决议", "落实中", "已办结", "已评议"]
    assert [(e["from_state"], e["to_state"]) for e in events] == list(zip(path, path[1:]))
    assert {e["date"] for e in events} == {today.isoformat()}


def test_rejecting_a_topic_keeps_the_reason(store, today):
    rejected = drive(store, today, "不予受理")
    assert (rejected["state"], rejected["reject_reason"]) == ("不予受理", TEXT["不予受理"])
    assert [(e["from_state"], e["to_state"]) for e in events_of(store, rejected["id"])] == [("提出", "不予受理")]


@pytest.mark.parametrize("state, to_state", ILLEGAL)
def test_every_illegal_move_is_refused_and_changes_nothing(store, today, state, to_state):
    before = drive(store, today, state)
    events = len(events_of(store, before["id"]))
    with pytest.raises(UserError) as info:
        advance_topic(store, before["id"], to_state, text="说明文字", on=today, today=today)
    message = str(info.value)
    if WORKFLOW[state]:
        assert all(step in message for step in WORKFLOW[state]), message
    else:
        assert "流程已结束" in message
    assert get_topic(store, before["id"]) == before
    assert len(events_of(store, before["id"])) == events


def test_an_unknown_state_is_refused(store, today):
    made = topic(store, today)
    with pytest.raises(UserError, match="受理、不予受理"):
        advance_topic(store, made["id"], "已撤回", today=today)


@pytest.mark.parametrize("to_state", list(MOVE_TEXT))
def test_moves_that_need_text_are_refused_without_it(store, today, to_state):
    state = next(s for s, nexts in WORKFLOW.items() if to_state in nexts)
    before = drive(store, today, state)
    if to_state == "形成决议":
        meeting(store, today, before["id"])
    if to_state == "已评议":
        publish(store, before["id"], "结果", today, today=today)
    before = get_topic(store, before["id"])
    column, label = MOVE_TEXT[to_state]
    for text in (None, "   "):
        with pytest.raises(ValidationError, match=label) as info:
            advance_topic(store, before["id"], to_state, text=text, today=today)
        assert column in info.value.errors
    assert get_topic(store, before["id"]) == before
    moved = advance_topic(store, before["id"], to_state, text=" 文字 ", today=today)
    assert (moved["state"], moved[column]) == (to_state, "文字")


def test_resolution_needs_a_meeting(store, today):
    made = drive(store, today, "协商")
    with pytest.raises(UserError, match="协商会议"):
        advance_topic(store, made["id"], "形成决议", text="加装电梯", today=today)
    held = meeting(store, today, made["id"])
    delete_meeting(store, held["id"])
    with pytest.raises(UserError, match="协商会议"):
        advance_topic(store, made["id"], "形成决议", text="加装电梯", today=today)
    assert get_topic(store, made["id"])["state"] == "协商"
    meeting(store, today, made["id"])
    assert advance_topic(store, made["id"], "形成决议", text="加装电梯", today=today)["state"] == "形成决议"


def test_implementation_needs_the_resolution_published(store, today):
    made = drive(store, today, "形成决议")
    with pytest.raises(UserError, match="决议尚未公开"):
        advance_topic(store, made["id"], "落实中", today=today)
    assert get_topic(store, made["id"])["state"] == "形成决议"
    publish(store, made["id"], "决议", today, today=today)
    assert advance_topic(store, made["id"], "落实中", today=today)["state"] == "落实中"


def test_evaluation_needs_the_result_published(store, today):
    made = drive(store, today, "已办结")
    with pytest.raises(UserError, match="落实结果尚未公开"):
        advance_topic(store, made["id"], "已评议", text="满意", today=today)
    assert get_topic(store, made["id"])["state"] == "已办结"


@pytest.mark.parametrize("state, what", [("协商", "决议"), ("落实中", "结果"), ("提出", "决议")])
def test_nothing_is_published_before_it_exists(store, today, state, what):
    made = drive(store, today, state)
    with pytest.raises(UserError, match="还不能登记"):
        publish(store, made["id"], what, today, today=today)
    assert get_topic(store, made["id"]) == made


# -- dates ------------------------------------------------------------------------------------


def test_dates_cannot_go_backwards_or_into_the_future(store, today):
    made = topic(store, today, proposed_on="2026-11-10")
    with pytest.raises(ValidationError, match="不能早于上一步"):
        advance_topic(store, made["id"], "受理", on="2026-11-09", today=today)
    advance_topic(store, made["id"], "受理", on="2026-11-12", today=today)
    with pytest.raises(ValidationError, match="不能早于上一步"):
        advance_topic(store, made["id"], "协商", on="2026-11-11", today=today)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        advance_topic(store, made["id"], "协商", on=today + timedelta(days=1), today=today)
    assert get_topic(store, made["id"])["state"] == "受理"
    advance_topic(store, made["id"], "协商", on="2026-11-12", today=today)  # the same day is fine
    assert [e["date"] for e in events_of(store, made["id"])] == ["2026-11-12", "2026-11-12"]


def test_topic_cannot_be_proposed_in_the_future(store, today):
    with pytest.raises(ValidationError, match="提出日期不能晚于今天"):
        topic(store, today, proposed_on=today + timedelta(days=1))
    assert count_rows(store, "topics")["topics"] == 0


@pytest.mark.parametrize("what, state, column", [("决议", "形成决议", "resolution_published_on"),
                                                  ("结果", "已办结", "result_published_on")])
def test_nothing_is_published_before_the_day_it_was_reached(store, today, what, state, column):
    made = drive(store, today - timedelta(days=20), "协商")  # everything on 11-03
    meeting(store, today, made["id"], date="2026-11-03")
    moves = {"形成决议": "2026-11-10", "落实中": "2026-11-11", "已办结": "2026-11-20"}
    for step, on in moves.items():
        if step == "落实中":
            publish(store, made["id"], "决议", "2026-11-10", today=today)
        advance_topic(store, made["id"], step, text=TEXT.get(step), on=on, today=today)
        if step == state:
            break
    before = get_topic(store, made["id"])
    with pytest.raises(UserError):
        publish(store, made["id"], what, "2026-11-05", today=today)  # before the topic reached `state`
    assert get_topic(store, made["id"])[column] == before[column]


# -- 四议两公开 ---------------------------------------------------------------------------------


def test_four_steps_then_the_two_publications(store, today):
    made = village_topic(store, today)
    with pytest.raises(UserError, match="四议两公开尚缺：提议、商议、审议、决议"):
        advance_topic(store, made["id"], "形成决议", text="修村道", today=today)
    four_steps(store, today, made["id"])
    advance_topic(store, made["id"], "形成决议", text="修村道", on="2026-11-06", today=today)
    record_step(store, made["id"], "决议公开", {"date": "2026-11-07"}, today=today)
    advance_topic(store, made["id"], "落实中", on="2026-11-08", today=today)
    advance_topic(store, made["id"], "已办结", text="村道已修好", on="2026-11-20", today=today)
    record_step(store, made["id"], "实施结果公开", {"date": "2026-11-21"}, today=today)
    done = advance_topic(store, made["id"], "已评议", text="群众满意", on="2026-11-22", today=today)
    assert set(steps_of(store, made["id"])) == {"提议", "商议", "审议", "决议", "决议公开", "实施结果公开"}
    assert (done["resolution_published_on"], done["result_published_on"]) == ("2026-11-07", "2026-11-21")


def test_steps_only_in_order(store, today):
    made = village_topic(store, today)
    with pytest.raises(UserError, match="请先登记“提议”"):
        record_step(store, made["id"], "商议", {"date": "2026-11-02"}, today=today)
    record_step(store, made["id"], "提议", {"date": "2026-11-03"}, today=today)
    with pytest.raises(UserError, match="已经登记过了"):
        record_step(store, made["id"], "提议", {"date": "2026-11-03"}, today=today)
    with pytest.raises(UserError, match="请先登记“商议”"):
        record_step(store, made["id"], "审议", quorum(30, 30, 30, date="2026-11-04"), today=today)
    with pytest.raises(ValidationError, match="商议日期不能早于提议日期"):
        record_step(store, made["id"], "商议", {"date": "2026-11-02"}, today=today)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        record_step(store, made["id"], "商议", {"date": today + timedelta(days=1)}, today=today)
    assert set(steps_of(store, made["id"])) == {"提议"}


def test_steps_belong_to_village_topics_between_acceptance_and_resolution(store, today):
    ordinary = drive(store, today, "协商")
    with pytest.raises(UserError, match="一般协商程序"):
        record_step(store, ordinary["id"], "提议", {"date": today}, today=today)
    proposed = topic(store, today, procedure="四议两公开")
    with pytest.raises(UserError, match="受理后、形成决议前"):
        record_step(store, proposed["id"], "提议", {"date": today}, today=today)
    accepted = village_topic(store, today, state="受理")
    assert record_step(store, accepted["id"], "提议", {"date": today}, today=today)["step"] == "提议"
    assert count_rows(store, "topic_steps")["topic_steps"] == 1


@pytest.mark.parametrize("expected, present, votes_for, error", [
    (30, 20, 11, None),            # exactly two thirds present, a majority of them agree
    (30, 30, 16, None),
    (30, 19, 19, "三分之二"),       # below two thirds
    (30, 20, 10, "未超过实到"),     # half of those present is not a majority
    (30, 31, 20, "实到人数不能多于应到人数"),
    (0, 0, 0, "应到人数应大于 0"),
    (None, 20, 11, "应到人数"),
    (30, None, 11, "实到人数"),
    (30, 20, None, "同意票"),
])
def test_party_assembly_quorum_for_shenyi(store, today, expected, present, votes_for, error):
    made = village_topic(store, today)
    for step in ("提议", "商议"):
        record_step(store, made["id"], step, {"date": "2026-11-02"}, today=today)
    data = quorum(expected, present, votes_for, date="2026-11-03")
    if error is None:
        assert record_step(store, made["id"], "审议", data, today=today)["body"] == "党员大会"
    else:
        with pytest.raises(ValidationError, match=error):
            record_step(store, made["id"], "审议", data, today=today)
        assert "审议" not in steps_of(store, made["id"])


@pytest.mark.parametrize("body, expected, present, votes_for, error", [
    ("村民会议", 100, 51, 26, None),
    ("村民会议", 100, 50, 50, "未超过应到 100 人的半数"),
    ("村民代表会议", 30, 20, 11, None),
    ("村民代表会议", 30, 19, 19, "三分之二"),
    ("村民会议", 100, 60, 30, "未获通过"),
    ("党员大会", 30, 30, 30, "决议应由"),
])
def test_decision_bodies_and_their_quorum(store, today, body, expected, present, votes_for, error):
    made = village_topic(store, today)
    for step in ("提议", "商议"):
        record_step(store, made["id"], step, {"date": "2026-11-02"}, today=today)
    record_step(store, made["id"], "审议", quorum(30, 25, 20, date="2026-11-03"), today=today)
    data = quorum(expected, present, votes_for, date="2026-11-04", body=body)
    if error is None:
        assert record_step(store, made["id"], "决议", data, today=today)["body"] == body
    else:
        with pytest.raises(ValidationError, match=error):
            record_step(store, made["id"], "决议", data, today=today)
        assert "决议" not in steps_of(store, made["id"])


# -- meetings and follow-ups -------------------------------------------------------------------

PARTICIPANTS = [{"name": "张三", "role": "居民代表"}, {"name": "李四", "role": "物业", "organization": "阳光物业"},
                {"name": "王五", "role": "党员"}]


def test_meeting_with_participants_and_votes(store, today):
    made = drive(store, today, "协商")
    held = add_meeting(store, {"topic_id": made["id"], "date": today, "host": "李书记", "recorder": "王干事",
                               "form": "听证会", "votes_for": 2, "votes_against": 1}, PARTICIPANTS, today=today)
    people = participants_of(store, held["id"])
    assert [(p["name"], p["role"]) for p in people] == [("张三", "居民代表"), ("李四", "物业"), ("王五", "党员")]
    assert (held["form"], held["votes_for"], held["votes_against"]) == ("听证会", 2, 1)


@pytest.mark.parametrize("bad", [{"name": "1234"}, {"name": ""}, {"name": "赵六", "role": "路人"}])
def test_an_invalid_participant_writes_nothing(store, today, bad):
    made = drive(store, today, "协商")
    before = count_rows(store, "meetings", "meeting_participants")
    with pytest.raises(ValidationError, match="第 2 位参会人"):
        add_meeting(store, {"topic_id": made["id"], "date": today, "host": "李书记", "recorder": "王干事"},
                    [PARTICIPANTS[0], bad, PARTICIPANTS[2]], today=today)
    assert count_rows(store, "meetings", "meeting_participants") == before


def test_a_participant_failing_on_insert_rolls_back_the_whole_meeting(store, today):
    before = count_rows(store, "meetings", "meeting_participants")
    with pytest.raises((UserError, sqlite3.IntegrityError)):
        add_meeting(store, {"date": today, "host": "李书记", "recorder": "王干事"},
                    [PARTICIPANTS[0], {"name": "赵六", "person_id": "no-such-person"}], today=today)
    assert count_rows(store, "meetings", "meeting_participants") == before


def test_meeting_refused_for_a_topic_not_under_discussion(store, today):
    for state in ("提出", "不予受理", "已评议"):
        made = drive(store, today, state)
        before = count_rows(store, "meetings", "meeting_participants")
        with pytest.raises(UserError, match="不能再为它登记会议"):
            meeting(store, today, made["id"])
        assert count_rows(store, "meetings", "meeting_participants") == before


def test_meeting_needs_host_recorder_and_votes_within_attendance(store, today):
    with pytest.raises(ValidationError) as info:
        add_meeting(store, {"date": today + timedelta(days=1), "form": "茶话会"}, [], today=today)
    assert set(info.value.errors) == {"date", "form", "host", "recorder"}
    with pytest.raises(ValidationError, match="票数之和不能多于参会人数"):
        add_meeting(store, {"date": today, "host": "李书记", "recorder": "王干事", "votes_for": 4},
                    PARTICIPANTS, today=today)
    assert count_rows(store, "meetings")["meetings"] == 0


def test_a_held_meeting_records_how_many_came_and_its_sign_in_sheet_prints_it(store, today, tmp_path):
    from pypdf import PdfReader

    from app.documents import write_minutes

    made = drive(store, today, "协商")
    base = {"topic_id": made["id"], "date": today, "host": "李书记", "recorder": "王干事"}
    held = add_meeting(store, {**base, "present": "2", "votes_for": 2}, PARTICIPANTS, today=today)
    assert held["present"] == 2
    write_minutes(store, held["id"], tmp_path / "held.pdf")
    sheet = "".join(PdfReader(str(tmp_path / "held.pdf")).pages[-1].extract_text().split())
    assert "签到表" in sheet and "应到：3人" in sheet and "实到：2人" in sheet

    unsigned = add_meeting(store, base, PARTICIPANTS, today=today)  # 实到 not known yet: a blank to fill in
    write_minutes(store, unsigned["id"], tmp_path / "blank.pdf")
    sheet = "".join(PdfReader(str(tmp_path / "blank.pdf")).pages[-1].extract_text().split())
    assert "实到：____人" in sheet


def test_attendance_recorded_after_the_sheet_is_signed(store, today):
    from app.consultation import record_attendance

    made = drive(store, today, "协商")
    held = add_meeting(store, {"topic_id": made["id"], "date": today, "host": "李书记", "recorder": "王干事",
                               "votes_for": 2}, PARTICIPANTS, today=today)
    for wrong, message in (("4", "不能多于参会人员名单的 3 人"), ("1", "表决票数之和不能多于实到人数"),
                           ("", "请填写实到人数"), ("-2", "不能为负数")):
        with pytest.raises(ValidationError, match=message):
            record_attendance(store, held["id"], wrong)
    assert store.get("meetings", held["id"])["present"] is None
    assert record_attendance(store, held["id"], "3")["present"] == 3


@pytest.mark.parametrize("present, votes, field, message", [
    ("4", None, "present", "实到人数不能多于参会人员名单的 3 人"),
    ("-1", None, "present", "实到人数不能为负数"),
    ("两人", None, "present", "实到人数应为整数"),
    ("1", 2, "votes_for", "表决票数之和不能多于实到人数"),
])
def test_attendance_is_between_nought_and_the_people_invited(store, today, present, votes, field, message):
    from app.consultation import clean_meeting_form

    made = drive(store, today, "协商")
    data = {"topic_id": made["id"], "date": today, "host": "李书记", "recorder": "王干事", "present": present,
            "votes_for": votes}
    before = count_rows(store, "meetings", "meeting_participants")
    with pytest.raises(ValidationError) as info:
        add_meeting(store, data, PARTICIPANTS, today=today)
    assert message in info.value.errors[field]
    assert count_rows(store, "meetings", "meeting_participants") == before
    typed = "\n".join(f"{p['name']} {p['role']}" for p in PARTICIPANTS)
    with pytest.raises(ValidationError) as info:  # the window's form says the same before saving
        clean_meeting_form({**data, "participants": typed}, today=today)
    assert message in info.value.errors[field]


@pytest.mark.parametrize("state, allowed", [
    ("提出", False), ("受理", False), ("协商", False), ("不予受理", False),
    ("形成决议", True), ("落实中", True), ("已办结", True),
])
def test_followups_only_after_a_resolution(store, today, state, allowed):
    made = drive(store, today, state)
    entry = {"date": today, "content": "已联系电梯公司勘察", "handler": "王干事"}
    if allowed:
        add_followup(store, made["id"], entry, today=today)
        assert [f["content"] for f in followups_of(store, made["id"])] == ["已联系电梯公司勘察"]
    else:
        with pytest.raises(UserError, match="形成决议后才能登记"):
            add_followup(store, made["id"], entry, today=today)
        assert followups_of(store, made["id"]) == []


def test_followup_needs_content_and_a_past_date(store, today):
    made = drive(store, today, "落实中")
    with pytest.raises(ValidationError) as info:
        add_followup(store, made["id"], {"date": today + timedelta(days=1)}, today=today)
    assert set(info.value.errors) == {"date", "content"}
    assert followups_of(store, made["id"]) == []
