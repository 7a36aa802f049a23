"""A 关爱对象's personal numbers (监护人电话, 残疾证号, 低保/特困 证号): masked in lists and ledgers unless asked."""

from __future__ import annotations

from datetime import timedelta

import openpyxl
import pytest

from app import access, care, care_ledgers, privacy
from exports.xlsx import write_xlsx
from tests.factories import person

CHILD_ID = "320505201503070022"  # born 2015: a child on 2026-11-23
ADULT_ID = "320505198001010017"
GUARDIAN = "13912345678"
DISABILITY = ADULT_ID + "42"
CERTIFICATE = "DB2024000123"


@pytest.fixture
def members(store, today):
    groups = {g.name: g for g in care.groups(store)}
    child = person(store, today, "李小花", id_number=CHILD_ID)
    adult = person(store, today, "王建国", id_number=ADULT_ID, phone="13800001111")
    joined = today - timedelta(days=30)
    care.add_member(store, {"person_id": child["id"], "group_id": groups["困境儿童"].id, "guardian": "李大山",
                            "guardian_phone": GUARDIAN, "joined_on": joined}, today=today)
    care.add_member(store, {"person_id": adult["id"], "group_id": groups["残疾人"].id,
                            "disability_no": DISABILITY, "disability_category": "肢体", "joined_on": joined},
                    today=today)
    care.add_member(store, {"person_id": adult["id"], "group_id": groups["低保"].id,
                            "certificate_no": CERTIFICATE, "joined_on": joined}, today=today)
    return groups


def test_mask_value_hides_each_kind_of_number_and_masking_twice_changes_nothing():
    assert privacy.mask_value("guardian_phone", GUARDIAN) == "139****5678"
    assert privacy.mask_value("disability_no", DISABILITY) == "320505********001742"
    assert privacy.mask_value("certificate_no", CERTIFICATE) == "DB******0123"
    for key, value in (("guardian_phone", GUARDIAN), ("disability_no", DISABILITY), ("certificate_no", CERTIFICATE)):
        once = privacy.mask_value(key, value)
        assert privacy.mask_value(key, once) == once


def test_staff_lists_are_masked_and_the_admin_sees_whole_rows(store, members):
    whole = {r["group_name"]: r for r in care.register_page(store)}
    assert whole["困境儿童"]["guardian_phone"] == GUARDIAN
    assert whole["残疾人"]["disability_no"] == DISABILITY and whole["低保"]["certificate_no"] == CERTIFICATE
    access.sign_in(store, "xiaowang", access.STAFF)
    masked = {r["group_name"]: r for r in care.register_page(store)}
    texts = "\n".join(str(v) for row in masked.values() for v in row.values())
    for number in (GUARDIAN, DISABILITY, CERTIFICATE, CHILD_ID, ADULT_ID):
        assert number not in texts
    assert masked["困境儿童"]["guardian_phone"] == "139****5678"
    assert masked["低保"]["certificate_no"] == "DB******0123"


def test_the_reveal_gives_the_care_numbers_and_audits_which_kinds(store, members):
    row = next(r for r in care.register_page(store) if r["group_name"] == "残疾人")
    full = privacy.reveal(store, "care_members", row["id"])
    assert full["disability_no"] == DISABILITY and full["id_number"] == ADULT_ID
    logged = store.query("SELECT after FROM audit WHERE action = 'reveal'")
    assert len(logged) == 1 and "残疾证号" in logged[0]["after"] and DISABILITY not in logged[0]["after"]


def _text(ledger, path) -> str:
    write_xlsx(ledger, path)
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)


@pytest.mark.parametrize("masked", [True, False])
def test_the_group_rosters_mask_every_number_unless_asked(store, members, today, tmp_path, masked):
    ledgers = dict(care_ledgers.monthly(store, today.year, today.month, masked=masked, today=today))
    children = _text(ledgers["关爱_困境儿童花名册"], tmp_path / "c.xlsx")
    disabled = _text(ledgers["关爱_残疾人花名册"], tmp_path / "d.xlsx")
    poor = _text(ledgers["关爱_低保花名册"], tmp_path / "p.xlsx")
    assert (GUARDIAN in children) is not masked and (CHILD_ID in children) is not masked
    assert (DISABILITY in disabled) is not masked and (CERTIFICATE in poor) is not masked
    if masked:
        assert "139****5678" in children and "320505********001742" in disabled and "DB******0123" in poor
