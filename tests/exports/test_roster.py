"""Reading hand-made rosters back: title rows, merged cells, other header spellings, Excel's damage."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook

from exports.roster import RosterError, normalize_header, read_roster, write_template

ALIASES = {
    "name": ["姓名", "名字"],
    "id_number": ["身份证号", "身份证号码", "公民身份号码"],
    "phone": ["电话", "联系电话", "手机", "手机号码"],
    "building": ["楼栋"],
    "birth": ["出生日期"],
}


def _messy_roster(path):
    """What a community actually sends: a title, a blank line, odd headers, gaps, merged cells."""
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "平江新城社区特殊困难老年人花名册"
    ws.merge_cells("A1:G1")
    ws["A2"] = "填报单位：平江新城社区"
    ws.append(["序号", "名字", " 公民身份号码（必填）", "手机号码*", "楼栋", "出生日期", "备注"])  # row 3
    ws.append([1, "张三", "320102194501011234", "13812345678", "1幢", datetime(1945, 1, 1), ""])  # row 4
    ws.append([None] * 7)  # row 5: empty
    ws.append([2, "李四", 3.20102194601012e17, 13912345678, "2幢", datetime(1946, 1, 1), None])  # row 6
    ws.append([3, "王五", "32010219470101123X", "", None, "1947.1.1", "独居"])  # row 7: 楼栋 merged below
    ws.append([4, "赵六", "320102194801011230", "", None, None, None])  # row 8
    ws.merge_cells("E7:E8")
    ws["E7"] = "3幢"
    ws.append(["", "  ", None, None, None, None, None])  # row 9: blank strings only
    ws.append(["序号", "姓名", "身份证号", "联系电话", "楼栋", "出生日期", "备注"])  # row 10: header pasted again
    ws.append([5, "钱七", "320102194901011232", "0512-67771234", "5幢", None, None])  # row 11
    wb.save(path)


def test_a_messy_roster_reads_with_the_right_row_numbers(tmp_path):
    path = tmp_path / "roster.xlsx"
    _messy_roster(path)
    roster = read_roster(path, ALIASES)
    assert roster.header_row == 3
    assert roster.columns == {"name": 2, "id_number": 3, "phone": 4, "building": 5, "birth": 6}
    assert roster.unknown_headers == ["序号", "备注"]
    assert roster.missing == []
    rows = dict(iter(roster))
    assert list(rows) == [4, 6, 7, 8, 11]
    assert len(roster) == 5
    assert rows[4] == {"name": "张三", "id_number": "320102194501011234", "phone": "13812345678",
                       "building": "1幢", "birth": datetime(1945, 1, 1)}
    assert isinstance(rows[6]["id_number"], float)  # Excel's rounded ID arrives as it is, for the app to refuse
    assert rows[6]["phone"] == 13912345678
    assert rows[7]["building"] == rows[8]["building"] == "3幢"  # merged over two rows: both rows get it
    assert rows[7]["birth"] == "1947.1.1"
    assert rows[11]["name"] == "钱七"


def test_missing_columns_are_reported(tmp_path):
    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    wb.active.append(["张三", "13812345678"])
    wb.save(tmp_path / "r.xlsx")
    roster = read_roster(tmp_path / "r.xlsx", ALIASES)
    assert roster.missing == ["id_number", "building", "birth"]
    assert list(roster) == [(2, {"name": "张三", "phone": "13812345678"})]


def test_a_two_row_header_is_read_as_one(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "地址", None])
    ws.append([None, None, "楼栋", "室"])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:B2")
    ws.merge_cells("C1:D1")
    ws.append(["张三", "320102194501011234", "1幢", "101"])
    wb.save(tmp_path / "r.xlsx")
    roster = read_roster(tmp_path / "r.xlsx", ALIASES)
    assert roster.columns["building"] == 3
    assert list(roster) == [(3, {"name": "张三", "id_number": "320102194501011234", "building": "1幢"})]


def test_the_header_is_searched_on_every_sheet_or_the_one_named(tmp_path):
    wb = Workbook()
    wb.active.title = "说明"
    wb.active["A1"] = "请在第二个工作表填写"
    data = wb.create_sheet("名单")
    data.append(["姓名", "身份证号"])
    data.append(["张三", "320102194501011234"])
    wb.save(tmp_path / "r.xlsx")
    assert read_roster(tmp_path / "r.xlsx", ALIASES).sheet == "名单"
    with pytest.raises(RosterError, match="表头"):
        read_roster(tmp_path / "r.xlsx", ALIASES, sheet="说明")
    with pytest.raises(RosterError, match="没有名为"):
        read_roster(tmp_path / "r.xlsx", ALIASES, sheet="Sheet9")


def test_no_header_in_the_first_ten_rows(tmp_path):
    wb = Workbook()
    ws = wb.active
    for i in range(11):
        ws.append([f"说明第{i + 1}行"])
    ws.append(["姓名", "身份证号"])
    wb.save(tmp_path / "r.xlsx")
    with pytest.raises(RosterError, match="前 10 行中没有找到表头"):
        read_roster(tmp_path / "r.xlsx", ALIASES)


def test_files_that_are_not_xlsx(tmp_path):
    with pytest.raises(RosterError, match="找不到文件"):
        read_roster(tmp_path / "none.xlsx", ALIASES)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("姓名,身份证号\n张三,320102194501011234\n", encoding="utf-8")
    with pytest.raises(RosterError, match="不是有效的 .xlsx 文件"):
        read_roster(fake, ALIASES)
    old = tmp_path / "old.xlsx"  # an .xls renamed, or an .xlsx with a password: both OLE files
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    with pytest.raises(RosterError, match="另存为"):
        read_roster(old, ALIASES)
    with pytest.raises(RosterError, match="找不到文件"):
        read_roster(tmp_path, ALIASES)  # a folder


def test_header_spellings_are_compared_loosely():
    assert normalize_header(" 身份证号码（必填）* ") == "身份证号码"
    assert normalize_header("联系\n电话：") == "联系电话"
    assert normalize_header("（备注）") == "（备注）"
    assert normalize_header(None) == ""


def test_template_has_text_columns_for_ids_and_phones(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path, "志愿者花名册", ["姓名", "身份证号", "联系电话", "服务队"])
    wb = load_workbook(path)
    ws = wb.active
    assert ws["A1"].value == "志愿者花名册" and "A1:D1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]] == ["姓名", "身份证号", "联系电话", "服务队"]
    assert ws["B3"].number_format == "@" and ws["C100"].number_format == "@"
    assert ws["A3"].number_format == "General" and ws["D3"].number_format == "General"
    assert ws.freeze_panes == "A3"
    ws["A3"], ws["B3"], ws["C3"] = "张三", "320102194501011234", "13812345678"
    wb.save(path)
    roster = read_roster(path, ALIASES)
    assert roster.header_row == 2
    assert list(roster) == [(3, {"name": "张三", "id_number": "320102194501011234", "phone": "13812345678"})]


# -- what Excel and WPS write, read as Excel shows it ----------------------------------------------


def test_merged_ranges_rich_text_and_odd_values_read_as_excel_shows_them(tmp_path):
    path = tmp_path / "roster.xlsx"
    _messy_roster(path)
    wb = load_workbook(path)
    ws = wb.active
    ws.append([6, "孙八", True, 1.5, -3, datetime(2026, 1, 2, 8, 30), "=1+1"])  # row 12
    ws.merge_cells("B13:C14")
    ws["B13"] = "合并两行两列"
    ws["A13"] = ws["A14"] = 7
    wb.save(path)
    rows = dict(iter(read_roster(path, {**ALIASES, "note": ["备注"], "no": ["序号"]})))
    assert rows[12]["id_number"] is True and rows[12]["phone"] == 1.5 and rows[12]["building"] == -3
    assert rows[12]["birth"] == datetime(2026, 1, 2, 8, 30)
    assert rows[13]["name"] == rows[13]["id_number"] == rows[14]["name"] == rows[14]["id_number"] == "合并两行两列"


def _with_shared_strings(path, sheet_xml: str, strings: list[str]):
    """Replace the sheet of an openpyxl file by hand-written XML, with a shared-string table as
    Excel and WPS write it (openpyxl itself writes inline strings only)."""
    import zipfile

    from openpyxl.xml.constants import SHEET_MAIN_NS

    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    parts = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            parts[name] = z.read(name)
    parts["xl/worksheets/sheet1.xml"] = (
        f'<worksheet xmlns="{SHEET_MAIN_NS}"><sheetData>{sheet_xml}</sheetData>'
        f'<mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="A7:B7"/></mergeCells></worksheet>').encode()
    parts["xl/sharedStrings.xml"] = f'<sst xmlns="{SHEET_MAIN_NS}">{items}</sst>'.encode()
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9" /></Relationships>')
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_what_excel_writes_shared_strings_rich_text_dates_errors(tmp_path):
    import zipfile

    path = tmp_path / "excel.xlsx"
    wb = Workbook()
    wb.active["A1"] = datetime(2026, 1, 1)  # gives styles.xml a date format, to point cells at
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        date_style = re.search(rb'<c r="A1" s="(\d+)"', z.read("xl/worksheets/sheet1.xml")).group(1).decode()
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'  # a title merged over A1:C1
        '<row r="3"><c r="A3" t="s"><v>1</v></c><c r="B3" t="s"><v>2</v></c><c r="C3" t="s"><v>3</v></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><r><t>张</t></r><r><t>三</t></r><rPh sb="0" eb="1"><t>zhang</t></rPh></is></c>'
        f'<c r="B4" t="str"><f>A4</f><v>320102194501011234</v></c><c r="C4" s="{date_style}"><v>16438</v></c>'
        '<c r="D4" t="b"><v>1</v></c><c r="E4" t="e"><v>#N/A</v></c><c r="F4"><v>1.5E3</v></c>'
        '<c r="G4" t="d"><v>2026-01-02T08:30:00</v></c><c r="H4"/></row>'
        '<row r="6"><c r="A6" t="s"><v>4</v></c><c r="AA6"><v>7</v></c></row>'
        '<row r="7"><c r="B7"><v>8</v></c></row>'  # inside an empty merged range: Excel shows nothing
    )
    _with_shared_strings(path, sheet, ["花名册", "姓名", "身份证号", "出生日期", "李四"])
    roster = read_roster(path, ALIASES)
    assert roster.header_row == 3
    assert list(roster) == [(4, {"name": "张三", "id_number": "320102194501011234", "birth": datetime(1945, 1, 1)}),
                            (6, {"name": "李四", "id_number": None, "birth": None})]
