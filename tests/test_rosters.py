"""Importing rosters (花名册) from hand-made Excel files, and the empty templates to fill in.

The files are built here with openpyxl the way real ones come in: a title row merged
across the columns, headers spelled in other ways, empty rows, IDs Excel turned into
numbers, dates in every spelling, phones stored as numbers.
"""

from __future__ import annotations

import json
import re
import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from app import logs
from app.cli import main
from app.errors import UserError
from app.database import open_ledger
from app.people import add_person, delete_person
from app.rosters import TEMPLATE_HEADERS, import_roster
from app.validation import gender_from_id, id_check_char, normalize_id_number, normalize_phone
from db.clock import FixedClock
from exports.roster import RosterError
from tests.factories import count_rows, make_id

TODAY = date(2026, 11, 23)
CJK = re.compile(r"[\u4e00-\u9fff]")
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


# -- helpers -------------------------------------------------------------------------------

def id_ending_in_x(born: str = "19850501") -> str:
    """A valid ID number whose check character is X."""
    for seq in range(1000):
        first17 = f"320102{born}{seq:03d}"
        if id_check_char(first17) == "X":
            return first17 + "X"
    raise AssertionError("no X in a thousand")


def wrong_check(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def write_roster(path: Path, header: list, rows: list, title: str | None = "阳光社区花名册（2026年）") -> Path:
    """Title row merged across the columns (unless None), the header, then the rows as given.

    A row of None is an empty row; values are written as they are (numbers stay numbers).
    """
    wb = Workbook()
    ws = wb.active
    if title is not None:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row if row is not None else [])
    wb.save(path)
    return path


def cli(capsys, *argv):
    code = main([str(a) for a in argv], clock=FixedClock.on(TODAY))
    out, err = capsys.readouterr()
    return code, out, err


def one_chinese_line(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and CJK.search(lines[0]), err
    assert "Traceback" not in err and "抱歉" not in err


def people(store) -> dict[str, dict]:
    return {p["name"]: p for p in store.query("SELECT * FROM people WHERE deleted_at IS NULL")}


def reasons(report) -> dict[int, str]:
    return {r["row"]: r["reason"] for r in report.rejected}


@pytest.fixture(autouse=True)
def no_bug_log(monkeypatch):
    monkeypatch.setattr(logs, "log_bug", lambda exc, where: None)


# -- people: the messy roster --------------------------------------------------------------

ZHANG = make_id("19900101", "111")  # male
LI = id_ending_in_x("19850501")
CHU = make_id("19700304", "222")  # female
CHEN = make_id("19600101", "333")  # male
FENG = make_id("19550505", "444")
ROUNDED = 3.20102198505012e17  # what Excel keeps of an ID typed into a General cell

PEOPLE_HEADER = ["名字", "性别", "身份证号码", "出生年月", "联系电话", "小区", "楼栋", "备注"]
PEOPLE_ROWS = [
    # row 3
    ["张三", "男", ZHANG, datetime(1990, 1, 1), 13812345678, "阳光花园", 3, None],
    None,  # row 4: empty
    ["李四", None, LI.lower(), "1985.5.1", "139 1234 5678", "翠竹苑", "5幢", "  "],  # row 5
    ["王五", None, ROUNDED, None, None, None, None, None],  # row 6: ID Excel rounded
    ["赵六", None, wrong_check(make_id("19800808", "555")), None, None, None, None, None],  # row 7
    ["孙七", None, ZHANG, None, None, None, None, None],  # row 8: same ID as row 3
    ["周八", None, None, "2026年5月1日", None, None, None, None],  # row 9
    ["吴九", None, None, "20260501", None, None, None, None],  # row 10
    ["郑十", None, None, "5/1/2026", None, None, None, None],  # row 11: ambiguous date
    ["钱一", None, None, None, "12345", None, None, None],  # row 12: phone too short
    [None, None, make_id("19750101", "666"), None, None, "阳光花园", None, None],  # row 13: no name
    ["   ", None, None, None, None, None, None, None],  # row 14: blanks only: an empty row
    ["陈二", "女", CHEN, None, None, None, None, None],  # row 15: the ID says male
    ["冯三", None, FENG, "1955-06-06", None, None, None, None],  # row 16: the ID says 1955-05-05
    ["褚四", None, CHU.translate(FULL_WIDTH), "1970/3/4", "0512-67521234", None, None, None],  # row 17
    ["蒋五", None, "3.20102E+17", None, None, None, None, None],  # row 18: the rounded ID as text
]
PEOPLE_REJECTED = {
    6: "存成了数字", 7: "校验位", 8: "与第 3 行的身份证号重复", 11: "出生日期格式不对", 12: "手机号",
    13: "请填写姓名", 15: "性别与身份证号不符", 16: "出生日期与身份证号不符", 18: "存成了数字",
}
PEOPLE_ACCEPTED = {"张三", "李四", "周八", "吴九", "褚四"}


@pytest.fixture
def messy_people(tmp_path):
    return write_roster(tmp_path / "居民花名册.xlsx", PEOPLE_HEADER, PEOPLE_ROWS)


def test_messy_people_roster_imports_valid_rows_and_reports_the_rest(store, messy_people):
    report = import_roster(store, "people", messy_people, today=TODAY)
    assert (report.accepted, report.updated, report.skipped) == (len(PEOPLE_ACCEPTED), 0, 0)
    assert set(reasons(report)) == set(PEOPLE_REJECTED)
    for row, words in PEOPLE_REJECTED.items():
        assert words in reasons(report)[row], (row, reasons(report)[row])
        assert CJK.search(reasons(report)[row])
    assert [r["row"] for r in report.rejected] == sorted(PEOPLE_REJECTED)
    assert set(people(store)) == PEOPLE_ACCEPTED


def test_messy_people_roster_values_are_normalised(store, messy_people):
    import_roster(store, "people", messy_people, today=TODAY)
    found = people(store)
    zhang, li, chu = found["张三"], found["李四"], found["褚四"]
    assert (zhang["id_number"], zhang["birth_date"], zhang["gender"]) == (ZHANG, "1990-01-01", "男")
    assert zhang["phone"] == "13812345678"  # stored by Excel as a number
    assert (zhang["estate"], zhang["building"]) == ("阳光花园", "3")
    assert li["id_number"] == LI and li["id_number"].endswith("X")  # typed with a lower-case x
    assert li["birth_date"] == "1985-05-01" and li["phone"] == "13912345678"
    assert li["note"] is None  # blanks are nothing
    assert chu["id_number"] == CHU and chu["gender"] == "女"  # typed in full-width digits
    assert chu["phone"] == "0512-67521234"
    assert found["周八"]["birth_date"] == found["吴九"]["birth_date"] == "2026-05-01"
    assert found["周八"]["id_number"] is None
    assert zhang["pinyin"] and zhang["initials"] == "zs"


def test_dry_run_reports_the_same_and_writes_nothing(store, messy_people):
    before = count_rows(store, "people", "volunteers", "elders", "audit")
    trial = import_roster(store, "people", messy_people, dry_run=True, today=TODAY)
    assert count_rows(store, "people", "volunteers", "elders", "audit") == before
    assert trial.dry_run
    real = import_roster(store, "people", messy_people, today=TODAY)
    assert (trial.accepted, trial.updated, trial.skipped, trial.rejected) == (
        real.accepted, real.updated, real.skipped, real.rejected)
    assert not real.dry_run


def test_an_existing_id_updates_that_person(store, tmp_path):
    old = add_person(store, {"name": "张三", "id_number": ZHANG, "estate": "翠竹苑", "note": "老住户"}, today=TODAY)
    path = write_roster(tmp_path / "p.xlsx", ["姓名", "公民身份号码", "手机"], [["张三", ZHANG, "13812345678"]])
    trial = import_roster(store, "people", path, dry_run=True, today=TODAY)
    assert (trial.accepted, trial.updated) == (0, 1)
    assert people(store)["张三"]["phone"] is None, "a dry run changes nobody"
    report = import_roster(store, "people", path, today=TODAY)
    assert (report.accepted, report.updated, report.skipped, report.rejected) == (0, 1, 0, [])
    rows = store.query("SELECT * FROM people")
    assert len(rows) == 1 and rows[0]["id"] == old["id"]
    assert rows[0]["phone"] == "13812345678"
    assert rows[0]["estate"] == "翠竹苑" and rows[0]["note"] == "老住户", "empty cells do not wipe what is known"


def test_skip_existing_leaves_the_person_alone(store, tmp_path):
    add_person(store, {"name": "张三", "id_number": ZHANG}, today=TODAY)
    path = write_roster(tmp_path / "p.xlsx", ["姓名", "身份证号", "电话"],
                        [["张三", ZHANG, "13812345678"], ["李四", LI, None]])
    report = import_roster(store, "people", path, update_existing=False, today=TODAY)
    assert (report.accepted, report.updated, report.skipped, report.rejected) == (1, 0, 1, [])
    assert people(store)["张三"]["phone"] is None
    assert "李四" in people(store)


def test_an_id_in_the_recycle_bin_is_refused_with_the_reason(store, tmp_path):
    gone = add_person(store, {"name": "张三", "id_number": ZHANG}, today=TODAY)
    delete_person(store, gone["id"])
    path = write_roster(tmp_path / "p.xlsx", ["姓名", "身份证号"], [["张三", ZHANG]])
    report = import_roster(store, "people", path, today=TODAY)
    assert report.accepted == 0 and report.rejected[0]["row"] == 3
    assert "回收站" in report.rejected[0]["reason"]


def test_header_found_below_several_title_rows_and_row_numbers_follow(store, tmp_path):
    path = tmp_path / "p.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["阳光社区"])
    ws.append(["居民花名册"])
    ws.append([])
    ws.append(["填表日期：2026-11-01"])
    ws.append(["序号", "姓 名", "身份证号（必填）", "联系电话"])  # row 5
    ws.append([1, "张三", ZHANG, None])
    ws.append([2, "李四", "123", None])  # row 7
    wb.save(path)
    report = import_roster(store, "people", path, today=TODAY)
    assert report.accepted == 1
    assert [r["row"] for r in report.rejected] == [7]
    assert "18 位" in report.rejected[0]["reason"]


def test_a_cell_merged_down_several_rows_belongs_to_each(store, tmp_path):
    path = tmp_path / "p.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["居民花名册"])
    ws.merge_cells("A1:C1")
    ws.append(["姓名", "小区", "楼栋"])
    ws.append(["张三", "阳光花园", "1幢"])
    ws.append(["李四", None, "2幢"])
    ws.append(["王五", None, "3幢"])
    ws.merge_cells("B3:B5")
    wb.save(path)
    report = import_roster(store, "people", path, today=TODAY)
    assert report.accepted == 3 and not report.rejected
    assert {p["name"]: p["estate"] for p in people(store).values()} == {"张三": "阳光花园", "李四": "阳光花园",
                                                                        "王五": "阳光花园"}


def test_the_roster_is_found_on_a_later_sheet(store, tmp_path):
    path = tmp_path / "p.xlsx"
    wb = Workbook()
    wb.active.title = "填表说明"
    wb.active.append(["请按表头填写，身份证号列设为文本。"])
    data = wb.create_sheet("花名册")
    data.append(["姓名", "身份证号"])
    data.append(["张三", ZHANG])
    wb.save(path)
    report = import_roster(store, "people", path, today=TODAY)
    assert report.accepted == 1 and people(store)["张三"]["id_number"] == ZHANG


def test_a_roster_without_a_name_column_is_refused(store, tmp_path):
    path = write_roster(tmp_path / "p.xlsx", ["身份证号", "联系电话", "住址"], [[ZHANG, None, "x"]])
    with pytest.raises(UserError, match="姓名"):
        import_roster(store, "people", path, today=TODAY)
    assert count_rows(store, "people") == {"people": 0}


# -- volunteers and elders -----------------------------------------------------------------

def test_volunteer_roster_with_other_header_spellings(store, tmp_path):
    header = ["姓名", "身份证", "手机号", "编号", "所属队伍", "政治面貌", "特长", "注册时间"]
    rows = [
        ["张三", ZHANG, 13812345678, "ZY0001", "党员先锋队", "中共党员", "电工", datetime(2025, 3, 1)],  # 3
        ["李四", LI, None, "ZY0002", "巾帼志愿队", "群众", None, "2025.3.2"],  # 4
        ["王五", make_id("19800101", "777"), None, "ZY0003", None, "无党派", None, None],  # 5: no such status
        ["赵六", make_id("19800101", "779"), None, "ZY0004", None, None, None, "2027-01-01"],  # 6: future
        ["孙七", make_id("19800101", "781"), None, "ZY0001", None, None, None, None],  # 7: number taken
        None,
        ["周八", None, None, None, None, None, None, 20250401],  # 9: a date typed as a number
    ]
    path = write_roster(tmp_path / "v.xlsx", header, rows, title="志愿者花名册")
    report = import_roster(store, "volunteers", path, today=TODAY)
    assert report.accepted == 3
    assert set(reasons(report)) == {5, 6, 7}
    assert "政治面貌" in reasons(report)[5]
    assert "注册日期不能晚于今天" in reasons(report)[6]
    assert "编号已被使用" in reasons(report)[7]
    found = {r["name"]: r for r in store.query(
        "SELECT p.name, p.phone, v.* FROM volunteers v JOIN people p ON p.id = v.person_id")}
    assert set(found) == {"张三", "李四", "周八"}
    assert found["张三"]["team"] == "党员先锋队" and found["张三"]["skills"] == "电工"
    assert found["张三"]["registered_on"] == "2025-03-01" and found["张三"]["phone"] == "13812345678"
    assert found["李四"]["registered_on"] == "2025-03-02"
    assert found["周八"]["registered_on"] == "2025-04-01"
    # refused rows left no resident behind either
    assert count_rows(store, "people") == {"people": 3}


def test_volunteer_roster_updates_an_existing_volunteer(store, tmp_path):
    path = write_roster(tmp_path / "v.xlsx", ["姓名", "身份证号", "服务队"], [["张三", ZHANG, "银龄服务队"]])
    assert import_roster(store, "volunteers", path, today=TODAY).accepted == 1
    write_roster(path, ["姓名", "身份证号", "服务队"], [["张三", ZHANG, "青年突击队"]])
    again = import_roster(store, "volunteers", path, today=TODAY)
    assert (again.accepted, again.updated) == (0, 1)
    teams = store.query("SELECT team FROM volunteers")
    assert teams == [{"team": "青年突击队"}]


ELDER_HEADER = ["姓名", "公民身份号码", "联系电话", "困难类别", "风险等级", "纳入时间", "紧急联系人", "紧急联系人电话"]


def test_elder_roster_reads_categories_and_dates(store, tmp_path):
    rows = [
        ["王奶奶", make_id("19400101", "112"), "0512-67521234", "独居，高龄", "重点", "2026.5.1", "王小明", 13812345678],
        ["李爷爷", make_id("19500101", "113"), None, "独居/空巢", None, datetime(2026, 5, 1), None, None],
        ["张爷爷", make_id("19500101", "115"), None, "高龄", None, None, None, None],  # 5: only 76
        ["刘爷爷", make_id("19500101", "117"), None, "穷", None, None, None, None],  # 6
        ["陈奶奶", make_id("19500101", "128"), None, None, None, None, None, None],  # 7: no category
        ["周奶奶", make_id("19500101", "138"), None, "独居", "超高", "20260501", None, None],  # 8
        ["吴爷爷", make_id("19450101", "139"), None, "空巢", None, "2026年5月1日", "吴小", "123"],  # 9
    ]
    path = write_roster(tmp_path / "e.xlsx", ELDER_HEADER, rows, title="特殊困难老年人花名册")
    report = import_roster(store, "elders", path, today=TODAY)
    assert report.accepted == 2
    assert set(reasons(report)) == {5, 6, 7, 8, 9}
    assert "未满 80 周岁" in reasons(report)[5]
    assert "类别应为" in reasons(report)[6]
    assert "请至少选择一个类别" in reasons(report)[7]
    assert "风险等级" in reasons(report)[8]
    assert "紧急联系电话" in reasons(report)[9]
    found = {r["name"]: r for r in store.query(
        "SELECT p.name, p.phone, e.* FROM elders e JOIN people p ON p.id = e.person_id")}
    wang, li = found["王奶奶"], found["李爷爷"]
    assert json.loads(wang["categories"]) == ["高龄", "独居"]
    assert json.loads(li["categories"]) == ["独居", "空巢"]
    assert (wang["risk_level"], li["risk_level"]) == ("重点", "一般")
    assert wang["joined_on"] == li["joined_on"] == "2026-05-01"
    assert wang["phone"] == "0512-67521234" and wang["emergency_phone"] == "13812345678"
    assert wang["emergency_contact"] == "王小明"
    assert count_rows(store, "people", "elders") == {"people": 2, "elders": 2}


def test_refused_rows_leave_no_half_written_person(store, tmp_path):
    """The resident is written before the elder: a refused elder must take its resident along."""
    rows = [[f"老人{'甲乙丙丁'[i]}", make_id("19400101", f"{200 + i}"), "13812345678", category, risk, None, None, phone]
            for i, (category, risk, phone) in enumerate([("穷", None, None), ("独居", "超高", None),
                                                         ("独居", None, "123"), (None, None, None)])]
    path = write_roster(tmp_path / "e.xlsx", ELDER_HEADER, rows)
    before = count_rows(store, "people", "elders", "audit")
    report = import_roster(store, "elders", path, today=TODAY)
    assert report.accepted == report.updated == 0
    assert [r["row"] for r in report.rejected] == [3, 4, 5, 6]
    assert count_rows(store, "people", "elders", "audit") == before


def test_a_refused_elder_row_does_not_update_the_existing_resident(store, tmp_path):
    number = make_id("19400101", "301")
    add_person(store, {"name": "王奶奶", "id_number": number}, today=TODAY)
    path = write_roster(tmp_path / "e.xlsx", ELDER_HEADER, [["王奶奶", number, "13812345678", "穷", None, None, None, None]])
    report = import_roster(store, "elders", path, today=TODAY)
    assert [r["row"] for r in report.rejected] == [3]
    assert people(store)["王奶奶"]["phone"] is None
    assert count_rows(store, "elders") == {"elders": 0}


def test_a_refused_resident_row_leaves_nothing_behind(store, tmp_path):
    path = write_roster(tmp_path / "p.xlsx", ["姓名", "身份证号", "电话", "性别"],
                        [["张三", ZHANG, "123", None], ["李四", LI, None, "女" if gender_from_id(LI) == "男" else "男"],
                         ["王五", make_id("19700101"), None, None]])
    before = count_rows(store, "people", "audit", "sync_records")
    report = import_roster(store, "people", path, today=TODAY)
    assert report.accepted == 1 and [r["row"] for r in report.rejected] == [3, 4]
    after = count_rows(store, "people", "audit", "sync_records")
    assert {table: after[table] - before[table] for table in after} == {"people": 1, "audit": 1, "sync_records": 1}


def test_many_registered_residents_are_found_and_updated(store, tmp_path):
    """More registered ID numbers than one lookup takes: every one is still recognised."""
    numbers = [make_id(f"19{50 + i // 300:02d}0101", f"{i % 300:03d}") for i in range(700)]
    for number in numbers[:650]:
        add_person(store, {"name": "居民", "id_number": number}, today=TODAY)
    path = write_roster(tmp_path / "p.xlsx", ["姓名", "身份证号", "电话"],
                        [["居民", number, "13812345678"] for number in numbers])
    report = import_roster(store, "people", path, today=TODAY)
    assert (report.accepted, report.updated, report.rejected) == (50, 650, [])
    assert store.scalar("SELECT count(*) FROM people WHERE phone = '13812345678'") == 700


# -- the command line ----------------------------------------------------------------------

def test_cli_import_json_reports_and_exits_1_when_rows_are_refused(tmp_path, capsys, messy_people):
    db = tmp_path / "ledger.db"
    code, out, err = cli(capsys, "--db", db, "import", "people", messy_people, "--json")
    assert code == 1, err
    report = json.loads(out)
    assert set(report) >= {"accepted", "updated", "rejected", "skipped", "dry_run"}
    assert report["accepted"] == len(PEOPLE_ACCEPTED) and report["updated"] == 0
    assert report["dry_run"] is False
    assert [r["row"] for r in report["rejected"]] == sorted(PEOPLE_REJECTED)
    assert all(set(r) == {"row", "reason"} and CJK.search(r["reason"]) for r in report["rejected"])


def test_cli_import_exits_0_when_every_row_is_accepted(tmp_path, capsys):
    db = tmp_path / "ledger.db"
    path = write_roster(tmp_path / "p.xlsx", ["姓名", "身份证号"], [["张三", ZHANG], ["李四", LI]])
    code, out, err = cli(capsys, "--db", db, "import", "people", path, "--json")
    assert code == 0, err
    assert json.loads(out) == {"accepted": 2, "updated": 0, "skipped": 0, "rejected": [], "dry_run": False}
    code, out, _ = cli(capsys, "--db", db, "import", "people", path, "--json")
    assert code == 0 and json.loads(out)["updated"] == 2
    code, out, _ = cli(capsys, "--db", db, "import", "people", path, "--json", "--skip-existing")
    assert code == 0 and json.loads(out)["skipped"] == 2


def test_cli_dry_run_writes_nothing(tmp_path, capsys, messy_people):
    db = tmp_path / "ledger.db"
    code, out, _ = cli(capsys, "--db", db, "import", "people", messy_people, "--dry-run", "--json")
    assert code == 1
    trial = json.loads(out)
    assert trial["dry_run"] is True and trial["accepted"] == len(PEOPLE_ACCEPTED)
    store = open_ledger(db)
    try:
        assert count_rows(store, "people") == {"people": 0}
    finally:
        store.close()


def test_cli_import_text_output_lists_refused_rows(tmp_path, capsys, messy_people):
    code, out, _ = cli(capsys, "--db", tmp_path / "ledger.db", "import", "people", messy_people)
    assert code == 1
    assert f"新增 {len(PEOPLE_ACCEPTED)} 行" in out and f"拒绝 {len(PEOPLE_REJECTED)} 行" in out
    for row in PEOPLE_REJECTED:
        assert f"第 {row} 行：" in out


@pytest.mark.parametrize("name,content", [
    ("花名册.xlsx", "姓名,身份证号\n张三,320102199001011110\n".encode()),  # a CSV renamed
    ("空.xlsx", b""),
    ("旧版.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100),
])
def test_cli_import_of_a_file_that_is_not_a_roster_exits_2(tmp_path, capsys, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = cli(capsys, "--db", tmp_path / "ledger.db", "import", "people", path)
    assert code == 2
    one_chinese_line(err)


def test_cli_import_of_a_missing_file_exits_2(tmp_path, capsys):
    code, _, err = cli(capsys, "--db", tmp_path / "ledger.db", "import", "people", tmp_path / "没有.xlsx", "--json")
    assert code == 2
    one_chinese_line(err)
    assert "找不到文件" in err


def test_cli_import_without_a_header_row_exits_2(tmp_path, capsys):
    path = write_roster(tmp_path / "p.xlsx", ["甲", "乙", "丙"], [["张三", ZHANG, "x"]])
    code, _, err = cli(capsys, "--db", tmp_path / "ledger.db", "import", "people", path)
    assert code == 2
    one_chinese_line(err)


def test_cli_import_without_a_name_column_exits_2(tmp_path, capsys):
    path = write_roster(tmp_path / "p.xlsx", ["身份证号", "联系电话"], [[ZHANG, "13812345678"]])
    code, _, err = cli(capsys, "--db", tmp_path / "ledger.db", "import", "people", path)
    assert code == 2
    one_chinese_line(err)
    assert "姓名" in err


def test_read_roster_errors_are_roster_errors(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("hello")
    with pytest.raises(RosterError):
        import_roster(open_ledger(tmp_path / "l.db"), "people", path, today=TODAY)


# -- templates -----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["people", "volunteers", "elders"])
def test_template_reads_back_with_headers_and_text_id_column(tmp_path, capsys, kind):
    path = tmp_path / f"{kind}.xlsx"
    code, _, err = cli(capsys, "template", kind, path)
    assert code == 0, err
    ws = load_workbook(path).active
    assert "花名册" in ws["A1"].value
    assert any(r.min_row == r.max_row == 1 for r in ws.merged_cells.ranges), "title merged across"
    titles = [c.value for c in ws[2] if c.value]
    assert titles == TEMPLATE_HEADERS[kind]
    assert titles[0] == "姓名" and "身份证号" in titles
    for title in ("身份证号", "联系电话"):
        col = titles.index(title) + 1
        letter = ws.cell(2, col).column_letter
        assert ws.cell(3, col).number_format == "@" and ws.cell(200, col).number_format == "@", title
        assert ws.column_dimensions[letter].number_format == "@", title
    assert ws.freeze_panes == "A3"


@pytest.mark.parametrize("kind", ["people", "volunteers", "elders"])
def test_an_empty_template_imports_nothing_and_exits_0(tmp_path, capsys, kind):
    path = tmp_path / f"{kind}.xlsx"
    assert cli(capsys, "template", kind, path)[0] == 0
    code, out, err = cli(capsys, "--db", tmp_path / "ledger.db", "import", kind, path, "--json")
    assert code == 0, err
    assert json.loads(out) == {"accepted": 0, "updated": 0, "skipped": 0, "rejected": [], "dry_run": False}


TEMPLATE_ROW = {
    "姓名": "王奶奶", "性别": "女", "身份证号": make_id("19400101", "402"), "出生日期": "1940-01-01",
    "联系电话": "13812345678", "小区": "阳光花园", "楼栋": "3幢", "单元": "1单元",
    "室": "101室", "村民小组": "一组", "网格": "第1网格", "备注": "无", "志愿者编号": "ZY0001",
    "服务队": "银龄服务队", "政治面貌": "群众", "专长": "剪纸", "注册日期": "2025-01-01", "类别": "高龄、独居",
    "风险等级": "重点", "紧急联系人": "王小明", "紧急联系电话": "13912345678", "赡养人": "王小明",
    "责任探访人": "陈立新", "纳入日期": "2026-01-01",
}
# Where each template column should land: (table, column, value stored).
TEMPLATE_TARGETS = {
    "小区": ("people", "estate", "阳光花园"), "单元": ("people", "unit", "1单元"),
    "楼栋": ("people", "building", "3幢"), "室": ("people", "room", "101室"), "网格": ("people", "grid", "第1网格"),
    "联系电话": ("people", "phone", "13812345678"), "服务队": ("volunteers", "team", "银龄服务队"),
    "专长": ("volunteers", "skills", "剪纸"), "注册日期": ("volunteers", "registered_on", "2025-01-01"),
    "风险等级": ("elders", "risk_level", "重点"), "责任探访人": ("elders", "responsible_visitor", "陈立新"),
    "紧急联系电话": ("elders", "emergency_phone", "13912345678"), "纳入日期": ("elders", "joined_on", "2026-01-01"),
}


@pytest.mark.parametrize("kind", ["people", "volunteers", "elders"])
def test_a_filled_in_template_imports_every_column(tmp_path, capsys, kind):
    path = tmp_path / f"{kind}.xlsx"
    assert cli(capsys, "template", kind, path)[0] == 0
    wb = load_workbook(path)
    ws = wb.active
    for col, title in enumerate(TEMPLATE_HEADERS[kind], 1):
        ws.cell(3, col, TEMPLATE_ROW[title])
    wb.save(path)
    db = tmp_path / "ledger.db"
    code, out, err = cli(capsys, "--db", db, "import", kind, path, "--json")
    assert code == 0, out + err
    assert json.loads(out)["accepted"] == 1
    store = open_ledger(db)
    try:
        for title in TEMPLATE_HEADERS[kind]:
            if title not in TEMPLATE_TARGETS:
                continue
            table, column, value = TEMPLATE_TARGETS[title]
            stored = store.query(f"SELECT {column} AS v FROM {table}")
            assert stored == [{"v": value}], f"template column {title} was not imported"
    finally:
        store.close()


def test_template_to_an_unwritable_place_exits_2(tmp_path, capsys):
    blocker = tmp_path / "a file"
    blocker.write_text("x")
    code, _, err = cli(capsys, "template", "people", blocker / "t.xlsx")
    assert code == 2
    one_chinese_line(err)


# -- anything at all in the cells ----------------------------------------------------------

SAFE_TEXT = st.text(alphabet=st.sampled_from("张三李四王五赵的一二 x X -./年月日0123456789=＊（）,，、\n"), max_size=25)
CELL = st.one_of(
    st.none(),
    SAFE_TEXT,
    st.integers(min_value=-10**18, max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)),
    st.sampled_from([ZHANG, LI, LI.lower(), CHU, wrong_check(CHU), "3.20102E+17", ROUNDED, "13812345678",
                     13812345678, "0512-67521234", "2026.5.1", "2026年5月1日", "20260501", "独居", "高龄、空巢",
                     "重点", "群众", "张三", "王奶奶", "ZY0001", "姓名", "身份证号", " "]),
)
HEADERS = {
    "people": ["姓名", "性别", "身份证号", "出生日期", "联系电话", "小区", "备注"],
    "volunteers": ["姓名", "身份证号", "手机", "志愿者编号", "服务队", "政治面貌", "注册日期"],
    "elders": ["姓名", "身份证号码", "电话", "类别", "风险等级", "纳入日期", "紧急联系电话"],
}


def _cell_ok(value) -> bool:
    return not (isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(HEADERS)),
       rows=st.lists(st.lists(CELL.filter(_cell_ok), min_size=7, max_size=7), min_size=1, max_size=6))
def test_any_cell_contents_give_a_report_never_a_crash(kind, rows):
    with tempfile.TemporaryDirectory() as folder:
        path = write_roster(Path(folder) / "r.xlsx", HEADERS[kind], rows)
        store = open_ledger(Path(folder) / "ledger.db")
        try:
            report = import_roster(store, kind, path, today=TODAY)
            numbers = [r["row"] for r in report.rejected]
            assert len(numbers) == len(set(numbers))
            assert all(3 <= n <= 2 + len(rows) for n in numbers)
            assert all(isinstance(r["reason"], str) and CJK.search(r["reason"]) for r in report.rejected)
            assert report.accepted + report.updated + report.skipped + len(numbers) <= len(rows)
            assert report.updated == report.skipped == 0  # a new database: nobody to update
            # Nothing half-written: one resident per accepted row, and each has the role imported.
            counts = count_rows(store, "people", "volunteers", "elders")
            assert counts["people"] == report.accepted
            if kind != "people":
                assert counts[kind] == report.accepted
            for person in store.query("SELECT id_number, phone FROM people"):
                if person["id_number"]:
                    assert normalize_id_number(person["id_number"], TODAY) == person["id_number"]
                if person["phone"]:
                    assert normalize_phone(person["phone"]) == person["phone"]
        finally:
            store.close()


def test_an_exported_roster_reimports_into_an_empty_database_as_the_same_people(tmp_path):
    """志愿者花名册 exported unmasked, read back into a new database: the same people and numbers."""
    from app.month_export import export_month
    from app.database import open_ledger
    from app.rosters import import_roster as run_import

    source = open_ledger(tmp_path / "source.db")
    from app.demo import build_demo

    build_demo(source, today=TODAY)
    result = export_month(source, 2026, 11, tmp_path / "out", fmt="xlsx", numbers=[1], masked=False, today=TODAY)
    target = open_ledger(tmp_path / "target.db")
    report = run_import(target, "volunteers", result.files[0], today=TODAY)
    assert report.rejected == [] and report.accepted == 60
    query = """SELECT p.name, p.id_number, p.phone, p.gender, v.volunteer_no, v.team, v.registered_on
               FROM volunteers v JOIN people p ON p.id = v.person_id ORDER BY v.volunteer_no"""
    assert target.query(query) == source.query(query)
    source.close()
    target.close()
