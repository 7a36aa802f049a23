"""The .xlsx ledger read back with openpyxl: cells, formats, merged title, print settings."""

from __future__ import annotations

from datetime import datetime

import pytest
from openpyxl import load_workbook

from exports.xlsx import write_xlsx
from tests.exports.helpers import COLUMNS, make_ledger, make_rows


def _sheet(tmp_path, ledger):
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "ledger.xlsx"
    write_xlsx(ledger, path)
    return load_workbook(path).active


def test_title_heading_and_column_headers(tmp_path):
    ws = _sheet(tmp_path, make_ledger())
    assert ws["A1"].value == "志愿服务记录台账"
    assert ws["A1"].font.b
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:G1" in merged
    row2 = [c.value for c in ws[2] if c.value]
    assert row2 == ["单位：平江新城社区居民委员会", "时间：2026年10月"]
    assert [c.value for c in ws[3]] == [c.title for c in COLUMNS]
    assert all(c.font.b and c.border.bottom.style == "thin" for c in ws[3])


def test_cells_are_typed_dates_numbers_and_text(tmp_path):
    ws = _sheet(tmp_path, make_ledger())
    no, day, name, id_number, phone, content, hours = ws[4]
    assert no.value == 1 and no.data_type == "n"
    assert day.is_date and day.value == datetime(2026, 10, 2) and day.number_format == "yyyy-mm-dd"
    assert name.value == "居民0001"
    assert id_number.value == "320102199001011234" and id_number.data_type == "s"
    assert id_number.number_format == "@" and phone.number_format == "@" and phone.value == "13812345678"
    assert hours.value == 2.5 and hours.data_type == "n"
    assert content.alignment.wrap_text and content.border.left.style == "thin"
    # The spec's widths in proportion, widened to fill the A4 page as the PDF does: an ID column twice a name's.
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABCDEFG"}
    assert widths["D"] > 21 and (widths["D"] + 1) / (widths["C"] + 1) == pytest.approx(21 / 9, rel=0.05)
    printed = sum(w * 7 + 5 for w in widths.values()) * 0.75  # pixels to points
    assert 0.85 * 784 < printed <= 0.93 * 784  # A4 landscape inside 0.4-inch margins, with room for other fonts


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    rows = make_rows(1)
    rows[0]["content"] = "=1+1"
    ws = _sheet(tmp_path, make_ledger(rows=rows))
    assert ws["F4"].value == "=1+1" and ws["F4"].data_type == "s"


def test_totals_note_and_signature_line_under_the_table(tmp_path):
    ws = _sheet(tmp_path, make_ledger(note="说明：往返路途时间不计入。"))
    totals = ws[7]
    assert totals[0].value == "合计" and totals[0].font.b
    assert totals[6].value == 7.5 and totals[6].font.b
    assert ws["A8"].value == "说明：往返路途时间不计入。"
    signatures = [c.value for c in ws[9] if c.value]
    assert signatures == ["制表人：王晓燕", "审核人：李红梅", "制表日期：2026-11-03"]
    assert ws.print_area == "'志愿服务记录台账'!$A$1:$G$9"


def test_print_settings(tmp_path):
    ws = _sheet(tmp_path, make_ledger())
    setup = ws.page_setup
    assert setup.orientation == "landscape"
    assert int(setup.paperSize) == 9
    # Our own scale, not fit-to-width: Excel ignores manual page breaks under fit-to-width.
    assert int(setup.scale or 100) == 100 and not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3"
    assert ws.freeze_panes == "A4"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_portrait_when_the_ledger_asks(tmp_path):
    ws = _sheet(tmp_path, make_ledger(landscape=False))
    assert ws.page_setup.orientation == "portrait"


def test_a_long_generator_ledger_shares_a_few_styles(tmp_path):
    ws = _sheet(tmp_path, make_ledger(rows=(r for r in make_rows(2000))))
    assert ws.max_row == 3 + 2000 + 1 + 1  # header rows, data, totals, signatures
    assert ws.cell(2003, 3).value == "居民2000"
    body_styles = {c.style_id for row in ws.iter_rows(min_row=4, max_row=2003) for c in row}
    assert len(body_styles) <= len(COLUMNS)  # one shared format per kind of column, not one per cell
    assert ws.print_area.endswith("$G$2005")


def test_an_empty_ledger_says_so(tmp_path):
    ws = _sheet(tmp_path, make_ledger(rows=[]))
    assert ws["A4"].value == "（本期无记录）"
    assert "A4:G4" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A5"].value == "合计"


def test_sheet_name_drops_characters_excel_refuses(tmp_path):
    ws = _sheet(tmp_path, make_ledger(title="探访关爱记录台账[2026/10]：月度汇总表（平江新城社区）"))
    assert ws.title == "探访关爱记录台账202610：月度汇总表（平江新城社区）"


def _tricky_rows():
    rows = make_rows(6)
    rows[0]["content"] = "#N/A"  # looks like an Excel error: still the resident's text
    rows[1]["content"] = " 前后有空格 "
    rows[2]["content"] = 'a & b <c> "引号"\n第二行'
    rows[3]["name"] = None
    rows[4]["day"] = "2026年上半年"  # not a date: printed as given
    rows[5]["hours"] = 1.333333
    return rows


def test_text_cells_keep_what_the_resident_wrote(tmp_path):
    ws = _sheet(tmp_path, make_ledger(rows=_tricky_rows()))
    assert ws["F4"].value == "#N/A" and ws["F4"].data_type == "s"
    assert ws["F5"].value == " 前后有空格 "
    assert ws["F6"].value == 'a & b <c> "引号"\n第二行'
    assert ws["C7"].value is None and ws["C7"].border.left.style == "thin"  # an empty cell keeps its border
    assert ws["B8"].value == "2026年上半年" and ws["G9"].value == 1.33


def test_every_row_has_an_explicit_height(tmp_path):
    rows = make_rows(2)
    rows[1]["content"] = "第一行\n第二行\n第三行"
    ws = _sheet(tmp_path, make_ledger(rows=rows))
    assert all(ws.row_dimensions[r].customHeight for r in range(1, ws.max_row + 1))
    assert ws.row_dimensions[5].height > ws.row_dimensions[4].height  # three lines need more room


def _printed_pages(ws) -> list[list[int]]:
    """Rows (1-based) on each printed page, from the file's own row heights, print scale and breaks."""
    scale = int(ws.page_setup.scale or 100) / 100
    margins = ws.page_margins
    portrait = ws.page_setup.orientation == "portrait"
    height = (841.89 if portrait else 595.28) - (margins.top + margins.bottom) * 72
    room = height / scale
    repeat = int(ws.print_title_rows.split(":")[0].strip("$"))
    manual = {b.id + 1 for b in ws.row_breaks.brk}  # a break after row id: the next row starts a page
    pages, used = [[]], 0.0
    for r in range(1, ws.max_row + 1):
        h = ws.row_dimensions[r].height
        if pages[-1] and (r in manual or used + h > room):
            pages.append([])
            used = ws.row_dimensions[repeat].height
        pages[-1].append(r)
        used += h
    return pages


@pytest.mark.parametrize("n", range(20, 80, 3))
def test_the_signatures_never_stand_alone_on_the_last_printed_page(tmp_path, n):
    ws = _sheet(tmp_path, make_ledger(rows=make_rows(n), note="说明：往返路途时间不计入。"))
    pages = _printed_pages(ws)
    last = pages[-1]
    data_rows = [r for r in last if isinstance(ws.cell(r, 1).value, int)]
    assert data_rows, f"{n} rows: the last page holds {[ws.cell(r, 1).value for r in last]}"
    assert ws.cell(last[-1], 1).value == "制表人：王晓燕"
