"""Rosters a hostile world sends: small files that claim or unpack to huge sheets, merged ranges over
the whole sheet, cells past Excel's limit, formulas without results. Each is refused (or its rows
are) with a Chinese reason, quickly and in bounded memory, and the database stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from app.cli import main
from app.database import open_ledger
from app.people import add_person
from app.rosters import import_roster
from db.clock import FixedClock
from exports import roster as roster_module
from exports.roster import MAX_CELL_CHARS, MAX_ROWS, RosterError, read_roster
from tests.handmade_xlsx import HEADER, text_cell, xlsx
from tests.test_rosters import CJK, TODAY, ZHANG, one_chinese_line


@pytest.fixture
def db(tmp_path):
    """A ledger with one resident, to see that a refused import leaves it as it was."""
    path = tmp_path / "ledger.db"
    store = open_ledger(path)
    add_person(store, {"name": "老住户", "id_number": ZHANG}, today=TODAY)
    store.close()
    return path


def _snapshot(path: Path) -> list:
    store = open_ledger(path)
    try:
        return [tuple(r.values()) for r in store.query("SELECT * FROM people ORDER BY id")] + [
            store.scalar("SELECT count(*) FROM audit")]
    finally:
        store.close()


def _refused(db, capsys, path, *extra: str) -> str:
    before = _snapshot(db)
    code = main(["--db", str(db), "import", "people", str(path), *extra], clock=FixedClock.on(TODAY))
    _, err = capsys.readouterr()
    assert code == 2
    one_chinese_line(err)
    assert _snapshot(db) == before
    return err


def test_a_merged_range_over_the_whole_sheet_fills_only_the_rows_there_are(tmp_path):
    path = xlsx(tmp_path / "merged.xlsx", HEADER + f'<row r="2">{text_cell("A2", "张三")}</row>',
                '<mergeCells count="1"><mergeCell ref="A2:XFD1048576"/></mergeCells>')
    assert path.stat().st_size < 6000  # openpyxl's styles and theme make most of it
    roster = read_roster(path, {"name": ["姓名"], "id_number": ["身份证号"]})
    assert list(roster) == [(2, {"name": "张三", "id_number": "张三"})]


def test_a_merged_title_over_the_whole_sheet_finds_no_header(db, tmp_path, capsys):
    path = xlsx(tmp_path / "merged.xlsx", f'<row r="1">{text_cell("A1", "姓名")}</row>',
                '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')
    assert "表头" in _refused(db, capsys, path)


@pytest.mark.parametrize("where", ["inline", "shared"])
def test_a_huge_cell_is_refused(db, tmp_path, capsys, where):
    huge = "很" * 5_000_000  # 15 MB unpacked, a few kilobytes packed
    if where == "inline":
        path = xlsx(tmp_path / "huge.xlsx", HEADER + f'<row r="2">{text_cell("A2", huge)}</row>')
    else:
        path = xlsx(tmp_path / "huge.xlsx", HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>', shared=[huge])
    assert path.stat().st_size < 100_000
    err = _refused(db, capsys, path)
    assert "太大" in err and str(MAX_CELL_CHARS) in err


def test_a_cell_just_past_excels_limit_is_refused(db, tmp_path, capsys):
    path = xlsx(tmp_path / "long.xlsx", HEADER + f'<row r="2">{text_cell("A2", "名" * (MAX_CELL_CHARS + 1))}</row>')
    assert "太大" in _refused(db, capsys, path)


def test_a_part_that_unpacks_past_the_limit_is_refused_before_reading(db, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(roster_module, "MAX_SHEET_BYTES", 10_000)
    rows = "".join(f'<row r="{n}">{text_cell(f"A{n}", "张三")}</row>' for n in range(2, 400))
    path = xlsx(tmp_path / "big.xlsx", HEADER + rows)
    assert "太大" in _refused(db, capsys, path)


def test_a_row_past_excels_last_row_is_refused(db, tmp_path, capsys):
    path = xlsx(tmp_path / "far.xlsx", HEADER + f'<row r="2">{text_cell("A2", "张三")}</row>'
                f'<row r="20000000">{text_cell("A20000000", "李四")}</row>')
    assert "1048576" in _refused(db, capsys, path)


def test_more_rows_than_a_roster_may_hold_are_refused_in_a_dry_run_too(db, tmp_path, capsys):
    rows = "".join(f'<row r="{n}">{text_cell(f"A{n}", "张三")}</row>' for n in range(2, MAX_ROWS + 3))
    path = xlsx(tmp_path / "many.xlsx", HEADER + rows)
    assert path.stat().st_size < 500_000
    err = _refused(db, capsys, path, "--dry-run")
    assert str(MAX_ROWS) in err and "拆" in err


def test_a_damaged_sheet_says_why_in_chinese(db, tmp_path, capsys):
    path = xlsx(tmp_path / "broken.xlsx", HEADER + '<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t>')
    err = _refused(db, capsys, path)
    reason = err.split("：", 1)[1]
    assert CJK.search(reason)


def test_a_formula_without_a_result_in_the_id_column_is_a_refused_row(db, tmp_path, capsys):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号"])
    ws.append(["张三", '=CONCATENATE("3201021990","01011234")'])  # openpyxl keeps no result: nobody computed it
    ws.append(["李四", None])
    ws.append([None, "=A1"])  # a template row with a formula filled down, nothing else: an empty row
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    store = open_ledger(db)
    try:
        report = import_roster(store, "people", path, today=TODAY)
        names = {r["name"] for r in store.query("SELECT name FROM people")}
    finally:
        store.close()
    assert report.accepted == 1 and [r["row"] for r in report.rejected] == [2]
    assert "公式" in report.rejected[0]["reason"] and "身份证号" in report.rejected[0]["reason"]
    assert "张三" not in names and "李四" in names


def test_a_formula_with_its_result_kept_reads_the_result(tmp_path):
    path = xlsx(tmp_path / "kept.xlsx", HEADER + f'<row r="2">{text_cell("A2", "张三")}'
                f'<c r="B2" t="str"><f>"32010219900101"&amp;"1234"</f><v>{ZHANG}</v></c></row>')
    assert list(read_roster(path, {"name": ["姓名"], "id_number": ["身份证号"]})) == [
        (2, {"name": "张三", "id_number": ZHANG})]


def test_a_row_reaching_the_last_column_reads_only_the_roster_columns(tmp_path):
    path = xlsx(tmp_path / "wide.xlsx", HEADER + f'<row r="2">{text_cell("A2", "张三")}{text_cell("XFD2", "远")}</row>')
    assert list(read_roster(path, {"name": ["姓名"], "id_number": ["身份证号"]})) == [
        (2, {"name": "张三", "id_number": None})]


def test_every_refusal_says_why(tmp_path):
    path = xlsx(tmp_path / "huge.xlsx", HEADER + f'<row r="2">{text_cell("A2", "很" * 300_000)}</row>')
    with pytest.raises(RosterError) as caught:
        read_roster(path, {"name": ["姓名"], "id_number": ["身份证号"]})
    assert str(caught.value).strip() and CJK.search(str(caught.value))
