"""盖章: the default checklist, matching a matter, and the numbered register."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from app.errors import UserError, ValidationError
from app.database import open_ledger
from app.stamps import (
    check_matter,
    checklist,
    install_default_checklist,
    register_request,
)

ALLOWED_MATTER = "最低生活保障申请入户调查意见"


def request(store, today, matter=ALLOWED_MATTER, result="已盖章", **fields):
    data = {"applicant": "张三丰", "matter": matter, "result": result, "handler": "李四", **fields}
    return register_request(store, data, today=today)


def serials(store) -> list[str]:
    return [r["serial"] for r in store.query("SELECT serial FROM stamp_requests ORDER BY serial")]


# -- the checklist ---------------------------------------------------------------------


def test_default_negative_list_has_the_20_national_items_each_with_a_department(store):
    negative = checklist(store, "负面")
    assert len(negative) == 20
    assert all(item["department"] and item["basis"] for item in negative)
    assert {"亲属关系证明", "户籍证明", "无犯罪记录证明", "婚姻状况证明", "出生证明", "死亡证明",
            "居民财产证明", "证件遗失证明"} <= {item["name"] for item in negative}


def test_default_checklist_has_a_kept_list(store):
    kept = checklist(store, "保留")
    assert kept
    assert ALLOWED_MATTER in {item["name"] for item in kept}
    assert len(checklist(store)) == len(kept) + 20


def test_installing_twice_adds_nothing(store, db_path):
    before = store.scalar("SELECT count(*) FROM stamp_items")
    assert install_default_checklist(store) == 0
    store.close()
    reopened = open_ledger(db_path)
    try:
        assert reopened.scalar("SELECT count(*) FROM stamp_items") == before
    finally:
        reopened.close()


def test_a_community_that_emptied_its_list_does_not_get_it_back(store):
    for item in checklist(store):
        store.delete("stamp_items", item["id"])
    assert install_default_checklist(store) == 0
    assert checklist(store) == []


@pytest.mark.parametrize(
    "matter, item, department",
    [
        ("亲属关系证明", "亲属关系证明", "公安派出所"),
        ("开父子关系证明", "亲属关系证明", "公安派出所"),
        ("无犯罪", "无犯罪记录证明", "公安机关"),
        ("户口证明", "户籍证明", "公安派出所"),
    ],
)
def test_negative_list_matters_are_refused_with_the_department(store, matter, item, department):
    check = check_matter(store, matter)
    assert check.refused
    assert check.item["name"] == item
    assert department in check.message


@pytest.mark.parametrize("matter", [ALLOWED_MATTER, "低保入户调查"])
def test_kept_matter_is_not_refused(store, matter):
    check = check_matter(store, matter)
    assert not check.refused
    assert check.item["kind"] == "保留"


# -- the register ----------------------------------------------------------------------


def test_serials_count_up_per_year_and_restart_in_a_new_year(store, today):
    assert request(store, today)["serial"] == "2026-0001"
    assert request(store, today, date="2026-01-05")["serial"] == "2026-0002"
    new_year = date(2027, 1, 2)
    assert request(store, new_year, date="2027.1.2")["serial"] == "2027-0001"
    assert request(store, new_year)["serial"] == "2027-0002"
    assert request(store, new_year, date="2026年12月31日")["serial"] == "2026-0003"


def test_request_is_saved_with_its_fields(store, today):
    saved = request(store, today, id_number="11010519491231002x", phone="138 1234 5678", purpose="申请低保")
    row = store.get("stamp_requests", saved["id"])
    assert (row["year"], row["seq"], row["date"]) == (2026, 1, "2026-11-23")
    assert row["id_number"] == "11010519491231002X"
    assert row["phone"] == "13812345678"
    assert row["item_id"] == check_matter(store, ALLOWED_MATTER).item["id"]


def test_stamping_a_negative_list_matter_is_refused_and_takes_no_serial(store, today):
    request(store, today)
    with pytest.raises(UserError, match="公安派出所"):
        request(store, today, matter="开父子关系证明")
    assert request(store, today)["serial"] == "2026-0002"
    assert serials(store) == ["2026-0001", "2026-0002"]


def test_refusing_a_negative_list_matter_fills_in_reason_and_referral(store, today):
    saved = request(store, today, matter="无犯罪", result="不予盖章")
    assert saved["serial"] == "2026-0001"
    assert "公安机关" in saved["referral"]
    assert saved["reason"]


def test_refusal_of_an_unlisted_matter_needs_a_reason(store, today):
    matter = "借用会议室"
    assert check_matter(store, matter).item is None
    with pytest.raises(ValidationError) as info:
        request(store, today, matter=matter, result="不予盖章")
    assert "reason" in info.value.errors
    assert request(store, today, matter=matter, result="不予盖章", reason="不属于盖章事项")["serial"] == "2026-0001"


def test_invalid_requests_take_no_serial(store, today):
    with pytest.raises(ValidationError):
        request(store, today, date="2026-11-24")  # after today
    with pytest.raises(ValidationError):
        request(store, today, result="已办")
    with pytest.raises(ValidationError):
        request(store, today, result="转办")  # no referral
    assert request(store, today)["serial"] == "2026-0001"


def test_two_writers_on_one_file_never_share_or_skip_a_serial(store, db_path, today):
    per_writer = 40
    second = open_ledger(db_path, author="另一台电脑")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(writer):
        try:
            start.wait()
            for _ in range(per_writer):
                request(writer, today)
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s,)) for s in (store, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    second.close()
    assert errors == []
    assert serials(store) == [f"2026-{n:04d}" for n in range(1, 2 * per_writer + 1)]
    assert store.scalar("SELECT value FROM counters WHERE id = 'stamp_requests:2026'") == 2 * per_writer
    writers = store.query("SELECT user, count(*) AS n FROM audit WHERE table_name = 'stamp_requests' GROUP BY user")
    assert {r["user"]: r["n"] for r in writers} == {"测试员": per_writer, "另一台电脑": per_writer}
