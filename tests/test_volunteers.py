"""志愿者, 志愿活动 with its 服务记录, review (审核), the 时间银行 and star levels."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from app import settings
from app.errors import NotFound, UserError, ValidationError
from app.database import open_ledger
from app.service import (
    delete_activity,
    delete_record,
    get_record,
    record_activity,
    records_of_activity,
    review,
    update_record,
)
from app.timebank import balance, cancel_redemption, redeem
from app.trash import restore
from app.volunteers import (
    add_volunteer,
    delete_volunteer,
    get_volunteer,
    star_level,
    update_volunteer,
    volunteer_star,
)
from tests.factories import activity, count_rows, volunteer, volunteers


def record_ids(store, activity_id: str) -> list[str]:
    return [r["id"] for r in records_of_activity(store, activity_id)]


def confirmed(store, today, vol, minutes: int, day: date | None = None) -> str:
    """One confirmed service record of `minutes` for the volunteer; returns its id."""
    act = activity(store, today, [vol["id"]], minutes=minutes, review_state="已确认", day=day,
                   start_time="00:00", end_time="23:59")
    return record_ids(store, act["id"])[0]


def spend(store, today, vol, minutes: int):
    return redeem(store, {"volunteer_id": vol["id"], "minutes": minutes, "reason": "兑换理发服务"}, today=today)


# -- volunteers ---------------------------------------------------------------------------------


def test_add_volunteer_with_defaults(store, today):
    vol = volunteer(store, today, volunteer_no=" V001 ", team="红马甲服务队", political_status="中共党员")
    saved = get_volunteer(store, vol["id"])
    assert (saved["volunteer_no"], saved["team"], saved["political_status"]) == ("V001", "红马甲服务队", "中共党员")
    assert (saved["status"], saved["registered_on"]) == ("在册", today.isoformat())


def test_volunteer_needs_a_person_a_known_status_and_a_past_registration(store, today):
    with pytest.raises(ValidationError) as info:
        add_volunteer(store, {"status": "休眠", "registered_on": today + timedelta(days=1),
                              "political_status": "无党派"}, today=today)
    assert set(info.value.errors) == {"person_id", "status", "registered_on", "political_status"}
    assert count_rows(store, "volunteers")["volunteers"] == 0


def test_a_person_is_a_volunteer_only_once(store, today):
    vol = volunteer(store, today)
    with pytest.raises(ValidationError, match="张三丰.*已经是志愿者") as info:
        add_volunteer(store, {"person_id": vol["person_id"]}, today=today)
    assert "person_id" in info.value.errors
    assert count_rows(store, "volunteers")["volunteers"] == 1


def test_volunteer_number_is_unique_on_add_and_on_edit(store, today):
    volunteer(store, today, "张三", volunteer_no="V001")
    other = volunteer(store, today, "李四", volunteer_no="V002")
    with pytest.raises(ValidationError, match="编号已被使用"):
        volunteer(store, today, "王五", volunteer_no="V001")
    with pytest.raises(ValidationError, match="编号已被使用"):
        update_volunteer(store, other["id"], {"volunteer_no": "V001"}, today=today)
    assert get_volunteer(store, other["id"])["volunteer_no"] == "V002"
    assert count_rows(store, "volunteers")["volunteers"] == 2


def test_edit_changes_fields_and_keeps_the_rest(store, today):
    vol = volunteer(store, today, volunteer_no="V001", team="红马甲服务队")
    update_volunteer(store, vol["id"], {"status": "暂停", "skills": "理发"}, today=today)
    saved = get_volunteer(store, vol["id"])
    assert (saved["status"], saved["skills"], saved["team"], saved["volunteer_no"]) == ("暂停", "理发", "红马甲服务队", "V001")


def test_delete_and_restore_volunteer(store, today):
    vol = volunteer(store, today)
    delete_volunteer(store, vol["id"])
    with pytest.raises(NotFound):
        get_volunteer(store, vol["id"])
    restore(store, "volunteers", vol["id"])
    assert get_volunteer(store, vol["id"])["deleted_at"] is None


def test_restore_refused_when_the_person_became_a_volunteer_again(store, today):
    vol = volunteer(store, today)
    delete_volunteer(store, vol["id"])
    again = add_volunteer(store, {"person_id": vol["person_id"]}, today=today)
    with pytest.raises(UserError, match="张三丰.*已经是志愿者"):
        restore(store, "volunteers", vol["id"])
    with pytest.raises(NotFound):
        get_volunteer(store, vol["id"])
    assert get_volunteer(store, again["id"])["person_id"] == vol["person_id"]


# -- activities and service records -----------------------------------------------------------


def test_one_activity_for_five_volunteers(store, today):
    five = volunteers(store, today, 5)
    before = count_rows(store, "activities", "service_records")
    act = activity(store, today, [v["id"] for v in five], minutes="3小时", location="阳光小区")
    assert count_rows(store, "activities", "service_records") == {
        "activities": before["activities"] + 1, "service_records": before["service_records"] + 5}
    records = records_of_activity(store, act["id"])
    assert {r["volunteer_id"] for r in records} == {v["id"] for v in five}
    assert {(r["minutes"], r["review_state"], r["is_backfill"]) for r in records} == {(180, "待审核", 0)}


def _deleted(store, today, vols):
    delete_volunteer(store, vols[4]["id"])
    return {"volunteer_id": vols[4]["id"], "minutes": 60}


def _paused(store, today, vols):
    update_volunteer(store, vols[4]["id"], {"status": "暂停"}, today=today)
    return {"volunteer_id": vols[4]["id"], "minutes": 60}


def _duplicate(store, today, vols):
    return {"volunteer_id": vols[0]["id"], "minutes": 60}


def _too_long(store, today, vols):
    return {"volunteer_id": vols[4]["id"], "minutes": 4 * 60 + 1}  # the activity runs 08:00–12:00


def _doubt_without_note(store, today, vols):
    return {"volunteer_id": vols[4]["id"], "minutes": 60, "review_state": "有疑问"}


def _unknown(store, today, vols):
    return {"volunteer_id": "no-such-volunteer", "minutes": 60}


@pytest.mark.parametrize("bad_entry", [_deleted, _paused, _duplicate, _too_long, _doubt_without_note, _unknown])
def test_one_invalid_entry_writes_nothing(store, today, bad_entry):
    vols = volunteers(store, today, 5)
    entries = [{"volunteer_id": v["id"], "minutes": 60} for v in vols[:4]]
    entries.append(bad_entry(store, today, vols))
    before = count_rows(store, "activities", "service_records")
    with pytest.raises(ValidationError):
        record_activity(store, {"date": today, "name": "清扫楼道", "start_time": "08:00", "end_time": "12:00"},
                        entries, today=today)
    assert count_rows(store, "activities", "service_records") == before


def test_entry_errors_name_their_line(store, today):
    vols = volunteers(store, today, 2)
    entries = [{"volunteer_id": vols[0]["id"], "minutes": 60}, {"volunteer_id": vols[1]["id"], "minutes": "很久"}]
    with pytest.raises(ValidationError, match="第 2 行") as info:
        record_activity(store, {"date": today, "name": "清扫楼道"}, entries, today=today)
    assert list(info.value.errors) == ["entries.1"]


def test_activity_needs_volunteers_a_past_date_and_end_after_start(store, today):
    vol = volunteer(store, today)
    entry = [{"volunteer_id": vol["id"], "minutes": 30}]
    with pytest.raises(ValidationError, match="至少选择一名"):
        record_activity(store, {"date": today, "name": "清扫楼道"}, [], today=today)
    with pytest.raises(ValidationError, match="不能晚于今天"):
        record_activity(store, {"date": today + timedelta(days=1), "name": "清扫楼道"}, entry, today=today)
    with pytest.raises(ValidationError, match="结束时间应晚于开始时间"):
        record_activity(store, {"date": today, "name": "清扫楼道", "start_time": "10:00", "end_time": "09:00"},
                        entry, today=today)
    assert count_rows(store, "activities", "service_records") == {"activities": 0, "service_records": 0}


def test_minutes_up_to_the_span_are_accepted(store, today):
    vol = volunteer(store, today)
    act = activity(store, today, [vol["id"]], minutes=240)  # 08:00–12:00
    assert records_of_activity(store, act["id"])[0]["minutes"] == 240


def test_activity_more_than_30_days_ago_is_a_backfill_and_needs_a_reason(store, today):
    vol = volunteer(store, today)
    old = {"date": today - timedelta(days=31), "name": "清扫楼道"}
    with pytest.raises(ValidationError, match="补录原因"):
        record_activity(store, old, [{"volunteer_id": vol["id"], "minutes": 60}], today=today)
    assert count_rows(store, "activities", "service_records") == {"activities": 0, "service_records": 0}
    act = record_activity(store, old, [{"volunteer_id": vol["id"], "minutes": 60,
                                        "backfill_reason": "纸质签到表后补"}], today=today)
    record = records_of_activity(store, act["id"])[0]
    assert (record["is_backfill"], record["backfill_reason"]) == (1, "纸质签到表后补")


def test_activity_exactly_30_days_ago_is_not_a_backfill(store, today):
    vol = volunteer(store, today)
    act = activity(store, today, [vol["id"]], day=today - timedelta(days=30))
    assert records_of_activity(store, act["id"])[0]["is_backfill"] == 0


# -- review (审核) ---------------------------------------------------------------------------------


def test_review_confirms_several_records(store, today):
    vols = volunteers(store, today, 3)
    act = activity(store, today, [v["id"] for v in vols])
    assert review(store, record_ids(store, act["id"]), "已确认") == 3
    assert {r["review_state"] for r in records_of_activity(store, act["id"])} == {"已确认"}


def test_doubt_needs_a_note(store, today):
    vol = volunteer(store, today)
    act = activity(store, today, [vol["id"]])
    [rid] = record_ids(store, act["id"])
    for note in (None, "  "):
        with pytest.raises(ValidationError, match="写明疑问"):
            review(store, [rid], "有疑问", note)
    assert get_record(store, rid)["review_state"] == "待审核"
    review(store, [rid], "有疑问", "签到表上没有签名")
    assert (get_record(store, rid)["review_state"], get_record(store, rid)["review_note"]) == ("有疑问", "签到表上没有签名")


def test_review_refuses_an_unknown_state(store, today):
    vol = volunteer(store, today)
    act = activity(store, today, [vol["id"]])
    with pytest.raises(ValidationError, match="审核状态"):
        review(store, record_ids(store, act["id"]), "通过")


# -- time bank --------------------------------------------------------------------------------


def test_balance_is_confirmed_minutes_minus_redemptions(store, today):
    vol = volunteer(store, today)
    confirmed(store, today, vol, 120, day=today)
    confirmed(store, today, vol, 90, day=today - timedelta(days=1))
    activity(store, today, [vol["id"]], minutes=200, day=today - timedelta(days=2))  # 待审核: not counted
    assert balance(store, vol["id"]) == 210
    spend(store, today, vol, 60)
    assert balance(store, vol["id"]) == 150
    assert volunteer_star(store, vol["id"]) == 0


def test_redeeming_more_than_the_balance_is_refused(store, today):
    vol = volunteer(store, today)
    confirmed(store, today, vol, 120)
    with pytest.raises(UserError, match="余额不足") as info:
        spend(store, today, vol, 121)
    assert "2 小时" in str(info.value)
    assert count_rows(store, "redemptions")["redemptions"] == 0
    spend(store, today, vol, 120)
    assert balance(store, vol["id"]) == 0


def test_pending_minutes_cannot_be_redeemed(store, today):
    vol = volunteer(store, today)
    activity(store, today, [vol["id"]], minutes=120)
    with pytest.raises(UserError, match="余额不足"):
        spend(store, today, vol, 30)
    assert count_rows(store, "redemptions")["redemptions"] == 0


def test_redemption_needs_a_reason_and_a_past_date(store, today):
    vol = volunteer(store, today)
    confirmed(store, today, vol, 120)
    with pytest.raises(ValidationError) as info:
        redeem(store, {"volunteer_id": vol["id"], "minutes": 30, "date": today + timedelta(days=1)}, today=today)
    assert set(info.value.errors) == {"reason", "date"}
    assert count_rows(store, "redemptions")["redemptions"] == 0


@pytest.mark.parametrize("state, note", [("有疑问", "时长有误"), ("待审核", None)])
def test_unconfirming_redeemed_hours_is_refused(store, today, state, note):
    vol = volunteer(store, today)
    rid = confirmed(store, today, vol, 120)
    spend(store, today, vol, 60)
    with pytest.raises(UserError, match="撤销相应的兑换"):
        review(store, [rid], state, note)
    assert get_record(store, rid)["review_state"] == "已确认"
    assert balance(store, vol["id"]) == 60


def test_deleting_or_shortening_redeemed_hours_is_refused(store, today):
    vol = volunteer(store, today)
    rid = confirmed(store, today, vol, 120)
    activity_id = get_record(store, rid)["activity_id"]
    spend(store, today, vol, 100)
    with pytest.raises(UserError, match="撤销相应的兑换"):
        delete_record(store, rid)
    with pytest.raises(UserError, match="撤销相应的兑换"):
        delete_activity(store, activity_id)
    with pytest.raises(UserError, match="撤销相应的兑换"):
        update_record(store, rid, {"minutes": 90}, today=today)
    saved = get_record(store, rid)
    assert (saved["minutes"], saved["review_state"], saved["deleted_at"]) == (120, "已确认", None)
    assert balance(store, vol["id"]) == 20


def test_hours_not_redeemed_can_be_unconfirmed(store, today):
    vol = volunteer(store, today)
    first = confirmed(store, today, vol, 60, day=today)
    second = confirmed(store, today, vol, 60, day=today - timedelta(days=1))
    redemption = spend(store, today, vol, 60)
    review(store, [first], "有疑问", "时长有误")  # the other hour still covers the redemption
    with pytest.raises(UserError):
        review(store, [second], "待审核")
    assert balance(store, vol["id"]) == 0
    cancel_redemption(store, redemption["id"])
    review(store, [second], "待审核")
    assert balance(store, vol["id"]) == 0


def test_review_of_several_records_is_all_or_nothing(store, today):
    vol, other = volunteers(store, today, 2)
    act = activity(store, today, [vol["id"], other["id"]], review_state="已确认")
    spend(store, today, vol, 60)
    with pytest.raises(UserError):
        review(store, record_ids(store, act["id"]), "有疑问", "时长有误")
    assert {r["review_state"] for r in records_of_activity(store, act["id"])} == {"已确认"}


# -- star levels ------------------------------------------------------------------------------


@pytest.mark.parametrize("minutes, stars", [
    (0, 0), (99 * 60 + 59, 0), (100 * 60, 1), (299 * 60 + 59, 1), (300 * 60, 2),
    (599 * 60 + 59, 2), (600 * 60, 3), (1000 * 60, 4), (1499 * 60 + 59, 4), (1500 * 60, 5), (5000 * 60, 5),
])
def test_star_level_default_thresholds(minutes, stars):
    assert star_level(minutes, settings.DEFAULT_STAR_HOURS) == stars


def test_star_level_follows_the_setting(store, today):
    vol = volunteer(store, today)
    confirmed(store, today, vol, 150)
    activity(store, today, [vol["id"]], minutes=240, day=today - timedelta(days=1))  # pending: not counted
    assert volunteer_star(store, vol["id"]) == 0
    settings.save(store, {"star_hours": [1, 2, 3, 4, 5]})
    assert volunteer_star(store, vol["id"]) == 2


@pytest.mark.parametrize("bad", [
    [100, 300, 600, 1000], [100, 300, 600, 1000, 1500, 2000], [0, 300, 600, 1000, 1500],
    [100, 300, 300, 1000, 1500], [300, 100, 600, 1000, 1500], ["一百", 300, 600, 1000, 1500], None,
])
def test_bad_star_settings_are_refused(store, bad):
    settings.save(store, {"star_hours": [10, 20, 30, 40, 50]})
    with pytest.raises(ValidationError, match="星级时长"):
        settings.save(store, {"star_hours": bad})
    assert settings.load(store).star_hours == (10, 20, 30, 40, 50)


# -- the balance never goes negative ----------------------------------------------------------

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["confirm", "unconfirm", "doubt", "delete"]), st.integers(0, 3)),
        st.tuples(st.just("redeem"), st.integers(1, 240)),
        st.tuples(st.just("cancel"), st.integers(0, 5)),
    ),
    min_size=6,
    max_size=30,
)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(minutes=st.lists(st.integers(1, 240), min_size=4, max_size=4), operations=OPERATIONS)
def test_random_operations_never_leave_a_negative_balance(minutes, operations):
    today = date(2026, 11, 23)
    with tempfile.TemporaryDirectory() as folder:
        store = open_ledger(Path(folder) / "ledger.db")
        try:
            vol = volunteer(store, today)
            records = []
            for i, m in enumerate(minutes):
                act = activity(store, today, [vol["id"]], minutes=m, day=today - timedelta(days=i),
                               start_time="08:00", end_time="12:00")
                records.append(record_ids(store, act["id"])[0])
            redemptions: list[str] = []
            for op, arg in operations:
                before = balance(store, vol["id"])
                try:
                    if op == "confirm":
                        review(store, [records[arg]], "已确认")
                    elif op == "unconfirm":
                        review(store, [records[arg]], "待审核")
                    elif op == "doubt":
                        review(store, [records[arg]], "有疑问", "时长存疑")
                    elif op == "delete":
                        delete_record(store, records[arg])
                    elif op == "redeem":
                        redemptions.append(spend(store, today, vol, arg)["id"])
                    elif redemptions:
                        cancel_redemption(store, redemptions.pop(arg % len(redemptions)))
                except UserError:
                    assert balance(store, vol["id"]) == before  # a refused step changes nothing
                assert balance(store, vol["id"]) >= 0
        finally:
            store.close()


def test_restoring_an_activity_brings_back_its_records(store, today):
    from app import service as service_module

    team = volunteers(store, today, 3)
    saved = service_module.record_activity(
        store, {"date": today, "name": "清扫楼道"}, [{"volunteer_id": v["id"], "minutes": 60} for v in team],
        today=today)
    earlier = service_module.records_of_activity(store, saved["id"])[0]
    service_module.delete_record(store, earlier["id"])  # deleted on its own, before the activity
    store.clock.advance(timedelta(minutes=1))
    service_module.delete_activity(store, saved["id"])
    assert service_module.records_of_activity(store, saved["id"]) == []
    with pytest.raises(UserError, match="志愿活动“2026-11-23 清扫楼道”还在回收站中，请先恢复该志愿活动"):
        restore(store, "service_records", earlier["id"])
    restore(store, "activities", saved["id"])
    back = service_module.records_of_activity(store, saved["id"])
    assert len(back) == 2 and earlier["id"] not in {r["id"] for r in back}


def test_one_more_volunteer_joins_an_activity_with_the_activity_date(store, today):
    from app.service import add_to_activity

    first, second = volunteers(store, today, 2)
    saved = activity(store, today, [first["id"]])
    record = add_to_activity(store, saved["id"], {"volunteer_id": second["id"], "minutes": 45}, today=today)
    assert record["date"] == saved["date"] and record["minutes"] == 45
    with pytest.raises(ValidationError, match="已登记"):
        add_to_activity(store, saved["id"], {"volunteer_id": second["id"], "minutes": 30}, today=today)


def test_a_volunteer_registered_without_a_number_gets_the_next_one(store, today):
    from db.sync import set_serial_prefix
    from tests.factories import person

    first = volunteer(store, today, "张一")
    typed = volunteer(store, today, "李二", volunteer_no="ZY260002")  # typed by hand: kept, and skipped
    third = volunteer(store, today, "王三")
    assert (first["volunteer_no"], typed["volunteer_no"], third["volunteer_no"]) == ("ZY260001", "ZY260002", "ZY260003")
    next_year = add_volunteer(store, {"person_id": person(store, today, "赵四")["id"]}, today=date(2027, 1, 4))
    assert next_year["volunteer_no"] == "ZY270001"
    set_serial_prefix(store, "B")  # a PC prepared from a sync package numbers with its own letter
    assert volunteer(store, today, "钱五")["volunteer_no"] == "ZY26B0004"
    with pytest.raises(ValidationError):  # a number typed that is already taken is still refused
        volunteer(store, today, "孙六", volunteer_no="ZY260001")


def test_every_demo_volunteer_has_a_number_made_by_the_same_rule(demo_path):
    store = open_ledger(demo_path)
    try:
        numbers = [r["volunteer_no"] for r in store.query("SELECT volunteer_no FROM volunteers")]
    finally:
        store.close()
    assert len(numbers) == 60 and len(set(numbers)) == 60
    assert sorted(numbers) == [f"ZY26{i:04d}" for i in range(1, 61)]
