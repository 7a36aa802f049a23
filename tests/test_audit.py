"""The 操作日志 (app/audit.py): filters by local date, user, kind and action; keyset pages;
summaries that name the fields changed and never their values; export to .xlsx and .pdf."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from app import access, audit
from app.audit import AuditFilter
from app.errors import PermissionDenied, UserError
from app.database import open_ledger
from app.people import add_person, delete_person, update_person
from app.trash import restore
from db.clock import FixedClock
from tests.exports.helpers import flat, pdf_pages
from tests.factories import make_id

TODAY = date(2026, 11, 23)
ID = make_id("19800101", "123")
PHONE = "13912345678"
NOTE = "患有糖尿病"


@pytest.fixture
def clock():
    # 2026-11-22 23:30 in China: the evening before TODAY there.
    return FixedClock(datetime(2026, 11, 22, 15, 30, tzinfo=timezone.utc))


@pytest.fixture
def logged(tmp_path, clock):
    """A person added the evening before, changed, deleted and restored just after local midnight."""
    store = open_ledger(tmp_path / "ledger.db", author="王芳", clock=clock)
    person = add_person(store, {"name": "欧阳晓东"}, today=TODAY)
    clock.advance(timedelta(hours=1))  # 2026-11-23 00:30 China time, still 11-22 in UTC
    access.sign_in(store, "李明", access.ADMIN)
    update_person(store, person["id"], {"id_number": ID, "phone": PHONE, "note": NOTE}, today=TODAY)
    clock.advance(timedelta(minutes=1))
    delete_person(store, person["id"])
    clock.advance(timedelta(minutes=1))
    restore(store, "people", person["id"])
    clock.advance(timedelta(minutes=1))
    store.log_event("backup", detail={"file": "社区台账_2026-11-23.db", "phone": PHONE})
    yield store, person
    store.close()


def people_rows(store, **filters):
    return [r for r in audit.audit_page(store, AuditFilter(**filters), limit=1000) if r["table_name"] != "stamp_items"]


def test_local_dates_are_china_days_not_utc_days(logged):
    store, _ = logged
    on_22 = people_rows(store, date_from=date(2026, 11, 22), date_to=date(2026, 11, 22))
    on_23 = people_rows(store, date_from=date(2026, 11, 23), date_to=date(2026, 11, 23))
    assert [r["action"] for r in on_22] == ["insert"]
    assert [r["action"] for r in on_23] == ["backup", "restore", "delete", "update"]  # newest first
    assert on_22[0]["time"] == "2026-11-22 23:30:00"
    assert on_23[-1]["time"] == "2026-11-23 00:30:00"
    with pytest.raises(UserError):
        audit.audit_page(store, AuditFilter(date_from=date(2026, 11, 23), date_to=date(2026, 11, 22)))


def test_filters_by_user_kind_and_action(logged):
    store, person = logged
    assert {r["user"] for r in people_rows(store, user="王芳")} == {"王芳"}
    assert [r["action"] for r in people_rows(store, user="王芳")] == ["insert"]
    assert [r["action"] for r in people_rows(store, user="李明", table="people")] == ["restore", "delete", "update"]
    assert [r["kind"] for r in people_rows(store, table="people")] == ["居民"] * 4
    assert [r["action"] for r in people_rows(store, action="delete")] == ["delete"]
    assert [r["action_name"] for r in people_rows(store, action="backup")] == ["备份"]
    assert audit.audit_users(store) == ["李明", "王芳"]


def test_pages_follow_each_other_without_gaps_or_repeats(logged):
    store, _ = logged
    everything = audit.audit_page(store, limit=10_000)
    seen, after = [], None
    while True:
        page = audit.audit_page(store, after=after, limit=3)
        seen += page
        if len(page) < 3:
            break
        after = (page[-1]["_sort"], page[-1]["id"])
    assert [r["id"] for r in seen] == [r["id"] for r in everything]
    assert [r["at"] for r in everything] == sorted((r["at"] for r in everything), reverse=True)


def test_summaries_name_the_fields_and_never_the_values(logged):
    store, _ = logged
    rows = {r["action"]: r for r in people_rows(store)}
    assert rows["insert"]["summary"] == "新增居民"
    assert rows["update"]["summary"].startswith("修改居民：")
    changed = set(rows["update"]["summary"].removeprefix("修改居民：").split("、"))
    assert changed == {"身份证号", "联系电话", "备注", "性别", "出生日期"}  # gender and birth date follow the ID
    assert rows["delete"]["summary"] == "删除居民（移入回收站）"
    assert rows["restore"]["summary"] == "从回收站恢复居民"
    assert rows["backup"]["summary"] == "备份：文件：社区台账_2026-11-23.db"  # a phone in a detail is dropped
    assert rows["update"]["record"] == "欧阳晓东"
    shown = repr(list(rows.values()))
    for secret in (ID, ID[-4:], PHONE, PHONE[-4:], NOTE, "1980-01-01"):
        assert secret not in shown
    assert all("before" not in r and "after" not in r for r in rows.values())


def test_export_to_excel_and_pdf_holds_the_filtered_log_without_values(logged, tmp_path):
    store, _ = logged
    chosen = AuditFilter(date_from=date(2026, 11, 23), date_to=date(2026, 11, 23), table="people")
    xlsx = audit.export_audit(store, tmp_path / "log.xlsx", chosen, today=TODAY)
    sheet = load_workbook(xlsx).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    text = "\n".join(cells)
    assert "操作日志" in text and "2026-11-23 至 2026-11-23" in text
    assert "2026-11-23 00:30:00" in cells and "修改" in cells and "居民" in cells
    assert "从回收站恢复居民" in cells and "新增居民" not in cells  # the insert was on the 22nd
    pdf = audit.export_audit(store, tmp_path / "log.pdf", chosen, today=TODAY)
    words = flat("".join(pdf_pages(pdf)))
    assert "操作日志" in words and "删除居民（移入回收站）" in words and "李明" in words
    for secret in (ID, PHONE, NOTE):
        assert secret not in text and secret not in words
    with pytest.raises(UserError):
        audit.export_audit(store, tmp_path / "log.csv", chosen)


def test_the_log_is_for_administrators_only(logged, tmp_path):
    store, _ = logged
    access.sign_in(store, access.current(store).user, access.STAFF)
    with pytest.raises(PermissionDenied):
        audit.audit_page(store)
    with pytest.raises(PermissionDenied):
        audit.audit_users(store)
    with pytest.raises(PermissionDenied):
        audit.export_audit(store, tmp_path / "log.xlsx")
    assert not (tmp_path / "log.xlsx").exists()


def test_rows_name_their_resident_in_chinese_and_hide_the_programs_bookkeeping(tmp_path, clock):
    from app import stamps
    from app.elders import record_visit
    from tests.factories import activity, elder, volunteer

    store = open_ledger(tmp_path / "ledger.db", author="王芳", clock=clock)
    grandma = elder(store, TODAY, "王秀英", id_number=make_id("19400101"))
    record_visit(store, {"elder_id": grandma["id"], "date": TODAY, "visitor": "李干事"}, today=TODAY)
    helper = volunteer(store, TODAY, "赵志愿")
    activity(store, TODAY, [helper["id"]], minutes=90)
    for matter in ("低保申请", "低保申请"):  # each takes a serial from a counter (as the volunteer's number did)
        stamps.register_request(store, {"matter": matter, "result": "已盖章", "applicant": "孙申请",
                                        "purpose": "办理", "handler": "李干事"}, today=TODAY)
    assert store.scalar("SELECT count(*) FROM audit WHERE table_name = 'counters'") == 3

    rows = audit.audit_page(store, limit=1000)
    by_kind = {r["table_name"]: r for r in rows}
    assert "counters" not in by_kind and "counters" not in audit.kinds()
    assert "王秀英" in by_kind["visits"]["record"] and TODAY.isoformat() in by_kind["visits"]["record"]
    assert "赵志愿" in by_kind["service_records"]["record"]
    assert by_kind["volunteers"]["record"] == "赵志愿"
    for row in rows:  # no column name shows through: record and summary are Chinese words and dates
        assert not any(ch.isascii() and ch.isalpha() for ch in row["summary"] + row["kind"]), row
        assert grandma["id"] not in row["record"] and "*" not in row["record"]

    request = store.query("SELECT id FROM stamp_requests LIMIT 1")[0]["id"]
    store.update("stamp_requests", request, {"year": 2027, "seq": 9, "purpose": "另作他用"})
    changed = audit.audit_page(store, AuditFilter(table="stamp_requests", action="update"))[0]
    assert changed["summary"] == "修改盖章登记：用途"  # year and seq are the serial's own bookkeeping

    store.set_setting("community_name", "幸福社区")
    setting = audit.audit_page(store, AuditFilter(table="settings"))[0]
    assert setting["record"] == "社区（村）名称"
    store.close()
