"""Charts a ledger carries: native charts in the workbook (openpyxl, XlsxWriter), a picture in the PDF."""

from __future__ import annotations

import zipfile

from openpyxl import load_workbook

from exports.charts import Chart, add_xlsxwriter_charts
from exports.ledger import Column, Ledger
from exports.pdf import write_pdf
from exports.xlsx import write_xlsx

CHARTS = [Chart("各社区探访率", "bar", ["甲社区", "乙社区"], [0.9, 0.5], series="探访率"),
          Chart("街道探访率", "line", ["2026-09", "2026-10"], [None, 0.7], series="街道探访率")]


def _ledger() -> Ledger:
    return Ledger("街道月度汇总表", "平江街道", "2026-10", [Column("name", "社区名称", 12)],
                  rows=[{"name": "甲社区"}], charts=CHARTS)


def _chart_sheet(path) -> list[list]:
    return [[c.value for c in row] for row in load_workbook(path)["图表"].iter_rows()]


def test_the_workbook_has_a_native_chart_per_chart_and_their_data(tmp_path):
    path = tmp_path / "t.xlsx"
    write_xlsx(_ledger(), path)
    parts = zipfile.ZipFile(path).namelist()
    assert sorted(n for n in parts if n.startswith("xl/charts/chart")) == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
    assert _chart_sheet(path)[:3] == [["分类", "探访率"], ["甲社区", 0.9], ["乙社区", 0.5]]
    assert load_workbook(path).worksheets[0]["A4"].value == "甲社区"  # the ledger itself is unchanged


def test_the_pdf_draws_the_charts_under_the_table(tmp_path):
    from pypdf import PdfReader

    path = tmp_path / "t.pdf"
    write_pdf(_ledger(), path)
    text = PdfReader(path).pages[0].extract_text()
    assert "各社区探访率" in text and "街道探访率" in text and "2026-10" in text and "100%" in text


def test_xlsxwriter_gets_the_same_sheet_and_charts(tmp_path):
    import xlsxwriter
    path = tmp_path / "w.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("台账")
    add_xlsxwriter_charts(workbook, CHARTS)
    workbook.close()
    assert len([n for n in zipfile.ZipFile(path).namelist() if n.startswith("xl/charts/chart")]) == 2
    assert _chart_sheet(path)[:3] == [["分类", "探访率"], ["甲社区", 0.9], ["乙社区", 0.5]]
