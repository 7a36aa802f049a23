"""Each 关爱对象 group's ledgers in the month's export, read back from the .xlsx files."""

from __future__ import annotations

import openpyxl

from app import care
from app.month_export import export_month
from app.database import open_ledger
from tests.conftest import pinned_clock


def _cells(path) -> list[list]:
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_months_export_has_each_groups_roster_visits_and_not_visited(demo_path, tmp_path, today):
    store = open_ledger(demo_path, clock=pinned_clock())
    try:
        result = export_month(store, 2026, 11, tmp_path / "out", fmt="xlsx", today=today)
        names = {p.name for p in result.files}
        for group in ("困境儿童", "留守儿童", "残疾人"):
            for kind in ("花名册", "探访记录", "未探访名单"):
                assert f"14_关爱_{group}{kind}_2026-11.xlsx" in names
        assert not [n for n in names if "低保" in n or "特困" in n]  # no members: no empty ledgers
        assert "05_特殊困难老年人花名册_2026-11.xlsx" in names
        text = "\n".join(str(c) for row in _cells(tmp_path / "out" / "14_关爱_残疾人花名册_2026-11.xlsx")
                         for c in row if c is not None)
        assert "残疾人花名册" in text and "残疾证号" in text and "护理补贴" in text
        members = care.register_page(store, group_id=care.group_named(store, "残疾人").id)
        assert all(m["name"] in text for m in members)
        full = [m["id_number"] for m in store.query("SELECT p.id_number FROM care_members c JOIN people p"
                                                     " ON p.id = c.person_id")]
        assert not any(number in text for number in full)  # masked unless asked
        duty = care.group_duty(store, care.group_named(store, "困境儿童"), 2026, 11, today=today)
        missed = _cells(tmp_path / "out" / "14_关爱_困境儿童未探访名单_2026-11.xlsx")
        flat = "\n".join(str(c) for row in missed for c in row if c is not None)
        assert f"应探访 {duty.duty.due} 人，已探访 {duty.duty.visited} 人" in flat
        assert all(line.name in flat for line in duty.duty.not_visited) and duty.duty.not_visited
        visits = "\n".join(str(c) for row in _cells(tmp_path / "out" / "14_关爱_困境儿童探访记录_2026-11.xlsx")
                           for c in row if c is not None)
        assert "就学情况：近两周未到校" in visits
    finally:
        store.close()
