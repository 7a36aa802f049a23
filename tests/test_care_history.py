"""One 关爱对象's printable visit history: the service, the PDF read back, and `care history` on the command line."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pypdf import PdfReader

from app import access, care
from app.care_history import find_person_in_care, write_history
from app.cli import main
from app.elders import add_elder
from app.errors import NotFound, PermissionDenied, UserError
from db.clock import FixedClock
from tests.conftest import TODAY
from tests.factories import elder, make_id, person


def text_of(path) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(str(path)).pages)


@pytest.fixture
def cared(store, today):
    """王奶奶: an elder who is also 低保, three visits (one on the phone), a 转介 done and one overdue."""
    who = person(store, today, "王奶奶", birth_date="1940-01-01", id_number=make_id("19400101"),
                 phone="13912345678")["id"]
    add_elder(store, {"person_id": who, "categories": ["独居"]}, today=today)
    care.add_member(store, {"person_id": who, "group_id": care.group_named(store, "低保").id, "risk_level": "重点",
                            "joined_on": today - timedelta(days=300), "responsible_visitor": "李干事"}, today=today)
    first = care.record_care_visit(store, {
        "person_id": who, "date": today - timedelta(days=60), "method": "上门", "visitor": "王晓燕",
        "findings": [{"item": "基本生活", "checked": True, "note": "冬季取暖不足"}],
        "problems": "取暖器损坏", "measures": "联系物业上门", "referral_target": "街道民政办",
        "referral_due": today - timedelta(days=40)}, today=today)
    care.record_care_visit(store, {
        "person_id": who, "date": today - timedelta(days=30), "method": "电话", "visitor": "李干事",
        "findings": [{"item": "政策落实", "checked": True, "note": "低保金已到账"}]}, today=today)
    care.record_care_visit(store, {
        "person_id": who, "date": today - timedelta(days=5), "method": "上门", "visitor": "王晓燕",
        "problems": "门锁损坏", "referral_target": "社区物业", "referral_due": today - timedelta(days=1)},
        today=today)
    done = care.referrals(store, person_id=who)
    heating = next(r for r in done if r["visit_id"] == first["id"])
    care.advance_referral(store, heating["id"], "已接收", on=today - timedelta(days=50), today=today)
    care.advance_referral(store, heating["id"], "已办结", on=today - timedelta(days=45), outcome="已更换取暖器",
                          today=today)
    return store.get("people", who)


def test_the_history_prints_every_group_visit_finding_and_follow_up_with_its_state(store, today, cared, tmp_path):
    path = write_history(store, cared["id"], tmp_path / "history.pdf")
    text = text_of(path)
    assert "关爱对象探访记录（王奶奶）" in text
    assert "特殊困难老年人" in text and "低保（重点，在册）" in text
    assert cared["id_number"] not in text and cared["id_number"][-4:] in text  # masked unless asked
    assert "13912345678" not in text and "139****5678" in text
    assert "共3次，其中上门2次" in text
    for days in (60, 30, 5):
        assert (today - timedelta(days=days)).isoformat() in text
    assert "电话" in text and "基本生活：冬季取暖不足" in text and "政策落实：低保金已到账" in text
    assert "取暖器损坏" in text and "联系物业上门" in text
    done = (today - timedelta(days=45)).isoformat()
    assert f"转介街道民政办（部门），期限{(today - timedelta(days=40)).isoformat()}，状态：已办结{done}，已更换取暖器" in text
    assert "转介社区物业（部门）" in text and "状态：转介（已逾期）" in text
    # newest first, as the window lists them
    assert text.index((today - timedelta(days=5)).isoformat()) < text.index((today - timedelta(days=60)).isoformat())


def test_full_numbers_only_for_an_administrator_and_audited(store, today, cared, tmp_path):
    write_history(store, cared["id"], tmp_path / "full.pdf", masked=False)
    assert cared["id_number"] in text_of(tmp_path / "full.pdf")
    assert store.query("SELECT * FROM audit WHERE action = 'export' AND record_id = ?", [cared["id"]])
    access.sign_in(store, "xiaowang", access.STAFF)
    with pytest.raises(PermissionDenied):
        write_history(store, cared["id"], tmp_path / "staff.pdf", masked=False)
    assert not (tmp_path / "staff.pdf").exists()
    write_history(store, cared["id"], tmp_path / "staff.pdf")  # masked is anyone's


def test_a_person_is_found_by_name_or_id_and_only_among_those_in_care(store, today, cared):
    assert find_person_in_care(store, "王奶奶")["id"] == cared["id"]
    assert find_person_in_care(store, cared["id_number"].lower())["id"] == cared["id"]
    person(store, today, "赵大爷")  # a resident, not in care
    with pytest.raises(NotFound, match="找不到关爱对象“赵大爷”"):
        find_person_in_care(store, "赵大爷")
    elder(store, today, "王奶奶", birth="1942-03-03")
    with pytest.raises(UserError, match="有 2 位关爱对象叫“王奶奶”，请用身份证号指明"):
        find_person_in_care(store, "王奶奶")


def run(capsys, *argv):
    code = main([str(a) for a in argv], clock=FixedClock.on(TODAY))
    out, err = capsys.readouterr()
    return code, out, err


def test_care_history_on_the_command_line(store, db_path, today, cared, tmp_path, capsys):
    store.close()
    out = tmp_path / "王奶奶.pdf"
    code, said, err = run(capsys, "--db", db_path, "care", "history", "--person", "王奶奶", "--out", out)
    assert code == 0, err
    assert "王奶奶" in said and "取暖器损坏" in text_of(out) and cared["id_number"] not in text_of(out)
    code, _, err = run(capsys, "--db", db_path, "care", "history", "--person", cared["id_number"], "--out",
                       tmp_path / "full.pdf", "--unmasked")
    assert code == 0, err
    assert cared["id_number"] in text_of(tmp_path / "full.pdf")
    for argv, message in (
        (["--person", "没有这人", "--out", tmp_path / "x.pdf"], "找不到关爱对象"),
        (["--person", "王奶奶", "--out", tmp_path / "no" / "such" / "folder.pdf"], "无法写入"),
        (["--person", "王奶奶"], "缺少必需的参数"),
        (["--out", tmp_path / "x.pdf"], "缺少必需的参数"),
    ):
        code, _, err = run(capsys, "--db", db_path, "care", "history", *argv)
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and message in lines[0], err
    assert not (tmp_path / "x.pdf").exists()
