"""Charts a ledger carries (the 街道's 探访率): declared once, drawn in the PDF and native in the workbook.

A Chart is data only. Each renderer adds the ledger's charts with one call:
- PDF: `pdf_flowables(ledger.charts, width, font)` after the table (reportlab graphics);
- .xlsx (XlsxWriter): `add_xlsxwriter_charts(workbook, ledger.charts)` before closing: a sheet 图表
  with the charts' data and one native chart each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

CHART_SHEET = "图表"
BAR_COLOUR = "4472C4"
LINE_COLOUR = "C0504D"


@dataclass(frozen=True)
class Chart:
    """One series over categories; values are fractions shown as percentages when `percent`.

    A None value is a category without data (a month nobody reported): a gap, not a zero.
    """

    title: str
    kind: Literal["bar", "line"]
    categories: Sequence[str]
    values: Sequence[float | None]
    series: str = ""
    percent: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ("bar", "line"):
            raise ValueError(f"unknown chart kind {self.kind!r}")
        if len(self.categories) != len(self.values):
            raise ValueError("a chart needs one value per category")

    def shown(self, value: float | None) -> Any:
        """The value as a cell holds it (percent charts keep fractions, formatted 0.0%)."""
        return None if value is None else round(float(value), 4)


# -- PDF ---------------------------------------------------------------------------------------


def drawing(chart: Chart, width: float, height: float, font: str) -> Any:
    """The chart as a reportlab Drawing (a flowable)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.widgets.markers import makeMarker
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    d = Drawing(width, height)
    d.add(String(width / 2, height - 12, chart.title, fontName=font, fontSize=10, textAnchor="middle"))
    plot = VerticalBarChart() if chart.kind == "bar" else HorizontalLineChart()
    plot.x, plot.y = 36, 40
    plot.width, plot.height = width - 50, height - 64
    scale = 100 if chart.percent else 1
    plot.data = [tuple(None if v is None else v * scale for v in chart.values)] or [()]
    plot.categoryAxis.categoryNames = [str(c) for c in chart.categories]
    plot.categoryAxis.labels.fontName = font
    plot.categoryAxis.labels.fontSize = 6 if len(chart.categories) > 12 else 7
    plot.categoryAxis.labels.angle = 45 if len(chart.categories) > 6 else 0
    plot.categoryAxis.labels.boxAnchor = "ne" if len(chart.categories) > 6 else "n"
    plot.valueAxis.valueMin = 0
    known = [v * scale for v in chart.values if v is not None]
    plot.valueAxis.valueMax = 100 if chart.percent else max(known + [1]) * 1.1
    plot.valueAxis.valueStep = 20 if chart.percent else None
    plot.valueAxis.labels.fontName = font
    plot.valueAxis.labels.fontSize = 7
    if chart.percent:
        plot.valueAxis.labelTextFormat = "%d%%"
    if chart.kind == "bar":
        plot.bars[0].fillColor = colors.HexColor("#" + BAR_COLOUR)
        plot.barLabels.fontName = font
        plot.barLabels.fontSize = 6
        plot.barLabelFormat = "%.0f%%" if chart.percent else "%.1f"
        plot.barLabels.nudge = 6
    else:
        plot.lines[0].strokeColor = colors.HexColor("#" + LINE_COLOUR)
        plot.lines[0].strokeWidth = 1.5
        plot.lines[0].symbol = makeMarker("FilledCircle", size=4)  # a month alone still shows
        plot.joinedLines = 1
    d.add(plot)
    return d


def pdf_flowables(charts: Sequence[Chart], width: float, font: str) -> list[Any]:
    """The charts side by side under the table, kept together on one page."""
    if not charts:
        return []
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    each = width / len(charts)
    row = [drawing(c, each - 8, 200, font) for c in charts]
    table = Table([row], colWidths=[each] * len(charts))
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [KeepTogether([Spacer(0, 10), table])]


# -- .xlsx ---------------------------------------------------------------------------------------


def chart_data(charts: Sequence[Chart]) -> list[tuple[int, list[list[Any]]]]:
    """For each chart, the first row (1-based) of its block on the 图表 sheet and the block's rows:
    a header (分类, series name), then one row per category. Blocks sit one under another."""
    blocks, row = [], 1
    for chart in charts:
        rows = [["分类", chart.series or chart.title]]
        rows += [[str(c), chart.shown(v)] for c, v in zip(chart.categories, chart.values)]
        blocks.append((row, rows))
        row += len(rows) + 1
    return blocks


def add_xlsxwriter_charts(workbook: Any, charts: Sequence[Chart]) -> None:
    """A sheet 图表 holding the charts' data (columns A–B) and one native chart each (from column D)."""
    if not charts:
        return
    ws = workbook.add_worksheet(CHART_SHEET)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 12)
    percent = workbook.add_format({"num_format": "0.0%"})
    anchor_row = 0
    for chart, (first, rows) in zip(charts, chart_data(charts)):
        top = first - 1  # XlsxWriter counts rows from 0
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                fmt = percent if r and c == 1 and chart.percent else None
                if value is None:
                    ws.write_blank(top + r, c, None, fmt)
                else:
                    ws.write(top + r, c, value, fmt)
        native = workbook.add_chart({"type": "column" if chart.kind == "bar" else "line"})
        last = top + len(rows) - 1
        native.add_series({"name": [CHART_SHEET, top, 1], "categories": [CHART_SHEET, top + 1, 0, last, 0],
                           "values": [CHART_SHEET, top + 1, 1, last, 1]})
        native.set_title({"name": chart.title})
        native.set_legend({"none": True})
        axis: dict[str, Any] = {"min": 0}
        if chart.percent:
            axis.update(max=1, num_format="0%")
        native.set_y_axis(axis)
        native.set_size({"width": 640, "height": 300})
        ws.insert_chart(anchor_row, 3, native)
        anchor_row += 17


def write_chart_pdf(charts: Sequence[Chart], path: Any) -> None:
    """The charts alone, side by side on one landscape page (a picture for the window)."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.platypus import SimpleDocTemplate

    from exports.fonts import cjk_font

    doc = SimpleDocTemplate(str(path), pagesize=(landscape(A4)[0], 260), leftMargin=20, rightMargin=20,
                            topMargin=10, bottomMargin=10)
    doc.build(pdf_flowables(charts, landscape(A4)[0] - 40, cjk_font()) or [])
