"""`import care FILE --group 组名` and `template care --group 组名 FILE`: real .xlsx files, the same contract
as `import elders` (a refused row with its reason, the rest imported, exit 1 when any was refused)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from openpyxl import load_workbook

from app import care
from app.database import open_ledger
from app.rosters import CARE_TEMPLATE_HEADERS
from tests.factories import make_id
from tests.test_rosters import cli, one_chinese_line, write_roster

CHILD = make_id("20150307", "021")
CHILD_2 = make_id("20120101", "032")
ADULT = make_id("19800101", "017")


def members(db, group: str) -> list[dict]:
    store = open_ledger(db)
    try:
        return [dict(r) for r in store.query(
            "SELECT p.name, p.id_number, c.* FROM care_members c JOIN people p ON p.id = c.person_id"
            " JOIN care_groups g ON g.id = c.group_id WHERE g.name = ? ORDER BY p.name", [group])]
    finally:
        store.close()


def snapshot(db) -> list:
    conn = sqlite3.connect(db)
    try:
        return [conn.execute(f"SELECT count(*) FROM {t}").fetchone() for t in ("people", "care_members", "audit")]
    finally:
        conn.close()


@pytest.fixture
def children_roster(tmp_path):
    return write_roster(tmp_path / "困境儿童.xlsx",
                        ["序号", "姓名", "身份证号码", "监护人", "监护人电话", "就读学校", "风险等级", "纳入日期"], [
                            [1, "李小花", CHILD, "李大山", "13912345678", "阳光小学", "高风险", "2026-03-01"],
                            [2, "王建国", ADULT, "王父", "13912340000", None, "一般", "2026-03-01"],
                            [3, "赵小宝", CHILD_2, "赵母", "1391234", "实验小学", "重点", "2026-03-01"],
                            None,
                        ])


def test_a_children_roster_imports_the_children_and_refuses_the_adult_and_the_bad_phone(
        tmp_path, capsys, children_roster):
    db = tmp_path / "ledger.db"
    code, out, err = cli(capsys, "--db", db, "import", "care", children_roster, "--group", "困境儿童", "--json")
    assert code == 1, err
    report = json.loads(out)
    assert (report["accepted"], report["dry_run"]) == (1, False)
    reasons = {r["row"]: r["reason"] for r in report["rejected"]}
    assert set(reasons) == {4, 5}
    assert "不能纳入困境儿童" in reasons[4] and "电话" in reasons[5]
    [child] = members(db, "困境儿童")
    assert (child["name"], child["guardian"], child["guardian_phone"], child["school"], child["risk_level"],
            child["joined_on"]) == ("李小花", "李大山", "13912345678", "阳光小学", "高风险", "2026-03-01")
    # Again, now in 留守儿童 too: the same person joins a second group, and the first import's row is updated.
    code, out, err = cli(capsys, "--db", db, "import", "care", children_roster, "--group", "困境儿童")
    assert code == 1 and "更新 1 行" in out and "第 4 行" in out
    code, out, _ = cli(capsys, "--db", db, "import", "care", children_roster, "--group", "留守儿童", "--json")
    assert json.loads(out)["accepted"] == 1 and [m["name"] for m in members(db, "留守儿童")] == ["李小花"]


def test_a_dry_run_checks_every_row_and_writes_nothing(tmp_path, capsys, children_roster):
    db = tmp_path / "ledger.db"
    open_ledger(db).close()
    before = snapshot(db)
    code, out, err = cli(capsys, "--db", db, "import", "care", children_roster, "--group", "困境儿童",
                         "--dry-run", "--json")
    assert code == 1, err
    assert json.loads(out)["accepted"] == 1 and json.loads(out)["dry_run"] is True
    assert snapshot(db) == before


def test_a_disabled_roster_with_every_field(tmp_path, capsys):
    db = tmp_path / "ledger.db"
    path = write_roster(tmp_path / "残疾人.xlsx",
                        ["姓名", "身份证号", "残疾证号", "残疾类别", "残疾等级", "生活补贴", "护理补贴"], [
                            ["王建国", ADULT, ADULT + "42", "肢体", "二级", "是", "否"],
                            ["张三", make_id("19700101", "051"), make_id("19700101", "051") + "92", "视力", "一级",
                             "是", "是"],
                            ["李四", make_id("19600101", "071"), 32050519600101007100, "视力", "一级", "否", "否"],
                            ["赵五", make_id("19650101", "091"), None, "听力", "三级", "也许", "否"],
                        ])
    code, out, err = cli(capsys, "--db", db, "import", "care", path, "--group", "残疾人", "--json")
    assert code == 1, err
    report = json.loads(out)
    reasons = {r["row"]: r["reason"] for r in report["rejected"]}
    assert report["accepted"] == 1 and set(reasons) == {4, 5, 6}
    assert "残疾证号" in reasons[4] and "存成了数字" in reasons[5] and "是" in reasons[6]
    [member] = members(db, "残疾人")
    assert (member["disability_no"], member["disability_category"], member["disability_grade"],
            member["living_subsidy"], member["nursing_subsidy"]) == (ADULT + "42", "肢体", "二级", 1, 0)


def test_every_row_accepted_exits_0(tmp_path, capsys):
    db = tmp_path / "ledger.db"
    path = write_roster(tmp_path / "低保.xlsx", ["姓名", "身份证号", "证件编号", "家庭情况"],
                        [["王建国", ADULT, "DB2024000123", "三口之家，一人患病"]])
    code, out, err = cli(capsys, "--db", db, "import", "care", path, "--group", "低保")
    assert code == 0, err
    assert "新增 1 行" in out
    assert members(db, "低保")[0]["certificate_no"] == "DB2024000123"


@pytest.mark.parametrize("argv", [
    ["import", "care", "{file}", "--group", "外星人"],
    ["import", "care", "{file}"],
    ["import", "care", "{file}", "--group", "特殊困难老年人"],
    ["import", "people", "{file}", "--group", "困境儿童"],
    ["template", "care", "{out}", "--group", "外星人"],
    ["template", "care", "{out}"],
])
def test_an_unknown_or_missing_group_is_one_chinese_line_and_exit_2(tmp_path, capsys, children_roster, argv):
    db = tmp_path / "ledger.db"
    open_ledger(db).close()
    before = snapshot(db)
    out_file = tmp_path / "模板.xlsx"
    args = [a.format(file=children_roster, out=out_file) for a in argv]
    code, _, err = cli(capsys, "--db", db, *args)
    assert code == 2
    one_chinese_line(err)
    assert snapshot(db) == before and not out_file.exists()
    if "外星人" in args:
        assert "外星人" in err and "困境儿童" in err  # says which groups there are


def test_a_groups_template_has_its_fields_and_imports_back(tmp_path, capsys):
    db = tmp_path / "ledger.db"
    path = tmp_path / "残疾人模板.xlsx"
    code, out, err = cli(capsys, "--db", db, "template", "care", "--group", "残疾人", path)
    assert code == 0, err
    ws = load_workbook(path).active
    assert ws["A1"].value == "残疾人花名册"
    titles = [c.value for c in ws[2] if c.value]
    assert titles == [*CARE_TEMPLATE_HEADERS, "残疾证号码", "残疾类别", "残疾等级", "困难残疾人生活补贴",
                      "重度残疾人护理补贴"]
    assert "监护人" not in titles
    for title in ("身份证号", "残疾证号码"):
        assert ws.cell(3, titles.index(title) + 1).number_format == "@", title
    values = {"姓名": "王建国", "身份证号": ADULT, "风险等级": "重点", "责任探访人": "陈立新", "纳入日期": "2026-01-01",
              "残疾证号码": ADULT + "31", "残疾类别": "言语", "残疾等级": "一级", "困难残疾人生活补贴": "是",
              "重度残疾人护理补贴": "是"}
    for col, title in enumerate(titles, 1):
        ws.cell(3, col, values.get(title))
    ws.parent.save(path)
    code, out, err = cli(capsys, "--db", db, "import", "care", path, "--group", "残疾人", "--json")
    assert code == 0, out + err
    [member] = members(db, "残疾人")
    assert (member["disability_no"], member["risk_level"], member["responsible_visitor"], member["nursing_subsidy"]) \
        == (ADULT + "31", "重点", "陈立新", 1)


def test_a_group_the_administrator_added_gets_its_own_template(tmp_path, capsys):
    db = tmp_path / "ledger.db"
    store = open_ledger(db)
    try:
        every = care.get_group(store, care.group_named(store, "困境儿童").id)
        care.add_group(store, {"name": "失独家庭", "intervals": every.intervals, "counting": every.counting,
                               "checklist": ["心理状况"], "fields": ["household"]})
    finally:
        store.close()
    path = tmp_path / "失独.xlsx"
    assert cli(capsys, "--db", db, "template", "care", "--group", "失独家庭", path)[0] == 0
    titles = [c.value for c in load_workbook(path).active[2] if c.value]
    assert titles == [*CARE_TEMPLATE_HEADERS, "家庭情况"]


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", bytes(range(256)) * 40])
def test_a_file_that_is_not_a_roster_is_one_chinese_line_and_exit_2(tmp_path, capsys, content):
    db = tmp_path / "ledger.db"
    open_ledger(db).close()
    before = snapshot(db)
    path = tmp_path / "名单.xlsx"
    path.write_bytes(content)
    code, _, err = cli(capsys, "--db", db, "import", "care", path, "--group", "残疾人")
    assert code == 2
    one_chinese_line(err)
    assert snapshot(db) == before
