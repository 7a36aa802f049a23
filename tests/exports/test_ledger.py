"""The Ledger spec: typed cell values shared by both renderers, rows that can be rendered twice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from exports.ledger import Column, Ledger, cell_text, cell_value
from exports.pdf import write_pdf
from exports.xlsx import write_xlsx
from tests.exports.helpers import make_ledger, make_rows, pdf_pages


def test_dates_from_iso_text_and_datetimes_become_dates():
    day = Column("d", "日期", 11, "date")
    assert cell_value(day, "2026-11-23") == date(2026, 11, 23)
    assert cell_value(day, "2026-11-23T08:30:00+00:00") == date(2026, 11, 23)
    assert cell_value(day, datetime(2026, 11, 23, 8, 30)) == date(2026, 11, 23)
    assert cell_value(day, "2026年上半年") == "2026年上半年"
    assert cell_value(day, "2026-13-45") == "2026-13-45"
    assert cell_text(day, "2026-11-23") == "2026-11-23"


def test_hours_are_rounded_to_two_decimals_and_printed_with_two_as_excel_shows_them():
    hours = Column("h", "时长", 8, "hours")
    assert cell_value(hours, 80 / 60) == 1.33
    assert cell_value(hours, Decimal("2.50")) == 2.5
    assert cell_value(hours, 3.0) == 3 and isinstance(cell_value(hours, 3.0), int)
    assert [cell_text(hours, v) for v in (2.5, 3, 1.25, 0)] == ["2.50", "3.00", "1.25", "0.00"]


def test_ids_and_phones_are_always_text():
    assert cell_value(Column("i", "身份证号", 20, "id"), 320102199001011234) == "320102199001011234"
    assert cell_value(Column("p", "电话", 12, "phone"), 13812345678) == "13812345678"


def test_empty_values_and_control_characters():
    text = Column("t", "备注", 10)
    assert cell_value(text, None) is None and cell_value(text, "") is None
    assert cell_value(text, "第一行\r\n第二行\x07") == "第一行\n第二行"


def test_bad_columns_are_refused():
    with pytest.raises(ValueError):
        Column("x", "X", 10, "money")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Ledger("t", "c", "p", [Column("a", "A"), Column("a", "B")])
    with pytest.raises(ValueError):
        Ledger("t", "c", "p", [])


def test_totals_row_is_labelled_in_the_first_column():
    assert make_ledger(totals={"hours": 7.5}).total_row() == {"hours": 7.5, "no": "合计"}
    assert make_ledger(totals={"no": "总计"}).total_row() == {"no": "总计"}
    assert make_ledger(totals=None).total_row() is None


def test_signature_line_leaves_room_when_no_name_is_given():
    who, checker, when = make_ledger(reviewer="", prepared_on=None).signatures()
    assert who == "制表人：王晓燕"
    assert checker.startswith("审核人：") and checker.strip("审核人：\u3000") == ""
    assert when.startswith("制表日期：")


def test_a_generator_cannot_silently_render_empty_the_second_time(tmp_path):
    ledger = make_ledger(rows=(r for r in make_rows(3)))
    write_xlsx(ledger, tmp_path / "a.xlsx")
    with pytest.raises(RuntimeError, match="生成器"):
        write_pdf(ledger, tmp_path / "a.pdf")


def test_a_row_function_renders_both_files(tmp_path):
    ledger = make_ledger(rows=lambda: iter(make_rows(4)))
    write_xlsx(ledger, tmp_path / "a.xlsx")
    write_pdf(ledger, tmp_path / "a.pdf")
    ws = load_workbook(tmp_path / "a.xlsx").active
    assert [ws.cell(r, 3).value for r in range(4, 8)] == ["居民0001", "居民0002", "居民0003", "居民0004"]
    assert "居民0004" in pdf_pages(tmp_path / "a.pdf")[0]
