"""A ledger as an .xlsx file, ready to print on A4: one ledger per file."""

from __future__ import annotations

import math
import os
import re
import unicodedata
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter

from exports.ledger import EMPTY_TEXT, Column, Ledger, cell_value, clean_text

FONT_NAME = "宋体"
BODY_SIZE = 11
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
HEADER_ROW = 3  # title, community/period, then the column headers
LINE_HEIGHT = 14.5  # points per line of 宋体 11
FOOTER = "第 &P 页 共 &N 页"

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _fmt(column: Column) -> str:
    if column.kind == "date":
        return DATE_FORMAT
    return TEXT_FORMAT if column.kind in ("id", "phone") else "General"


def _display_width(text: str) -> int:
    """Width in half-width characters: Chinese characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (a little pessimistic)."""
    if "\n" not in text and len(text) * 2 <= width:
        return 1  # the common case, without measuring
    return sum(max(1, math.ceil(_display_width(part) * 1.1 / width)) for part in text.split("\n"))


def _height(values: list[Any], widths: list[float]) -> float:
    """Row height for wrapped text: neither Excel nor LibreOffice grows rows of a generated file by itself."""
    lines = max((_lines(v, w) for v, w in zip(values, widths) if isinstance(v, str)), default=1)
    return lines * LINE_HEIGHT + 5  # and a little air, as on a hand-ruled ledger


def sheet_title(title: str) -> str:
    """A title Excel accepts as a sheet name (no []:*?/\\, at most 31 characters)."""
    return _BAD_SHEET_CHARS.sub("", title).strip()[:31] or "台账"


class _Sheet:
    """A write-only sheet: rows appended one by one, cells sharing a handful of named styles."""

    def __init__(self, wb: Workbook, title: str, columns: int) -> None:
        self.wb = wb
        self.ws = wb.create_sheet(sheet_title(title))
        self.n = columns
        self.last = get_column_letter(columns)
        self.row = 0
        self._styles: dict[str, Any] = {}  # style name -> the StyleArray its cells get

    def style(self, role: str, fmt: str = "General", align: str = "center", *, bold: bool = False,
              size: int = BODY_SIZE, border: bool = True, fill: bool = False, wrap: bool = True) -> str:
        """The name of a named style, registered on first use (a role always comes with the same look)."""
        name = f"台账 {role} {fmt} {align}"
        if name not in self._styles:
            style = NamedStyle(name=name, number_format=fmt)
            style.font = Font(name=FONT_NAME, size=size, bold=bold)
            style.alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)
            if border:
                style.border = _BORDER
            if fill:
                style.fill = PatternFill("solid", fgColor="D9D9D9")  # light grey: still readable on a B/W printer
            self.wb.add_named_style(style)
            cell = WriteOnlyCell(self.ws)
            cell.style = name
            self._styles[name] = cell._style
        return name

    def cell(self, value: Any, style: str) -> WriteOnlyCell:
        """A cell in a named style; value already typed by cell_value or clean_text."""
        cell = WriteOnlyCell(self.ws)
        # Setting cell.style by name searches a list and copies: copying the array directly is 3x cheaper.
        cell._style = copy(self._styles[style])
        cell.value = value
        if isinstance(value, str) and cell.data_type == "f":
            cell.data_type = "s"  # a resident's note starting with "=" is text, not a formula
        return cell

    def append(self, cells: list, height: float | None = None) -> None:
        self.row += 1
        if height is not None:
            self.ws.row_dimensions[self.row].height = height  # before the row is written: it streams
        self.ws.append(cells)

    def merge_next(self, first: int = 1, last: int | None = None) -> None:
        """Merge columns first..last of the row about to be appended."""
        last = self.n if last is None else last
        if last > first:
            r = self.row + 1
            self.ws.merged_cells.add(f"{get_column_letter(first)}{r}:{get_column_letter(last)}{r}")

    def spread(self, parts: list[str], role: str, height: float) -> None:
        """Short texts side by side, each merged over its share of the columns, left / centre / right."""
        parts = [p for p in parts if p]
        if len(parts) > self.n:
            parts = ["\u3000\u3000".join(parts)]
        cells: list = [None] * self.n
        if parts:
            bounds = [round(i * self.n / len(parts)) for i in range(len(parts) + 1)]
            aligns = ["left"] + ["center"] * (len(parts) - 2) + ["right"] if len(parts) > 1 else ["left"]
            for part, align, lo, hi in zip(parts, aligns, bounds, bounds[1:]):
                cells[lo] = self.cell(clean_text(part), self.style(role, align=align, border=False, wrap=False))
                self.merge_next(lo + 1, hi)
        self.append(cells, height)


def _page_setup(ws: Any, ledger: Ledger) -> None:
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.page_setup.paperSize = 9  # A4 (Worksheet.PAPERSIZE_A4; the write-only sheet lacks the constant)
    ws.page_setup.orientation = "landscape" if ledger.landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # without it Excel ignores fitToWidth and cuts columns
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.7
    ws.page_margins.header, ws.page_margins.footer = 0.3, 0.3
    ws.oddFooter.center.text = FOOTER
    ws.oddFooter.center.size = 10
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def write_xlsx(ledger: Ledger, path: str | os.PathLike) -> None:
    """Write the ledger to path: A4, fit to one page wide, header repeated on every printed page."""
    wb = Workbook(write_only=True)  # streams rows to disk: a generator of 50,000 rows never sits in memory
    columns = ledger.columns
    sheet = _Sheet(wb, ledger.title, len(columns))
    ws = sheet.ws
    # Widths, panes and page setup go before the first row: a write-only sheet writes them first.
    for i, col in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width + 1  # +1: Excel's cell padding
    _page_setup(ws, ledger)
    blank = [None] * (len(columns) - 1)

    sheet.merge_next()
    title_style = sheet.style("标题", bold=True, size=16, border=False, wrap=False)
    sheet.append([sheet.cell(clean_text(ledger.title), title_style)] + blank, 32)
    sheet.spread(list(ledger.heading()), "表头信息", 22)

    widths = [c.width for c in columns]
    header_style = sheet.style("列标题", bold=True, fill=True)
    titles = [clean_text(c.title) for c in columns]
    sheet.append([sheet.cell(t, header_style) for t in titles], max(_height(titles, widths), 2 * LINE_HEIGHT + 5))

    body = [sheet.style("正文", _fmt(c), c.alignment) for c in columns]
    for data in ledger.iter_rows():
        get = data.get
        values = [cell_value(c, get(c.key)) for c in columns]
        sheet.append([sheet.cell(v, s) for v, s in zip(values, body)], _height(values, widths))
    if sheet.row == HEADER_ROW:
        empty = sheet.style("正文", align="center")
        sheet.merge_next()
        sheet.append([sheet.cell(EMPTY_TEXT, empty)] + [sheet.cell(None, empty) for _ in blank], _height([], []))

    totals = ledger.total_row()
    if totals is not None:
        bold = [sheet.style("合计", _fmt(c), c.alignment, bold=True) for c in columns]
        values = [cell_value(c, totals.get(c.key)) for c in columns]
        sheet.append([sheet.cell(v, s) for v, s in zip(values, bold)], _height(values, widths))

    if ledger.note:
        note = clean_text(ledger.note)
        sheet.merge_next()  # a merged cell never grows by itself: it gets the height its lines need
        lines = _lines(note, sum(c.width + 1 for c in columns))
        sheet.append([sheet.cell(note, sheet.style("说明", align="left", border=False))] + blank, lines * 16 + 6)
    sheet.spread(list(ledger.signatures()), "签名", 30)
    ws.print_area = f"A1:{sheet.last}{sheet.row}"
    wb.save(os.fspath(path))
