"""A ledger as an .xlsx file, ready to print on A4: one ledger per file."""

from __future__ import annotations

import math
import os
import re
import unicodedata
from copy import copy
from datetime import date, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter

from exports.charts import add_openpyxl_charts
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


@lru_cache(maxsize=4096)  # ledgers repeat their texts (activities, places, names)
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


class _Row(NamedTuple):
    """A row as the sheet writes it: (value, style id) per column (None: no cell), and its height."""

    cells: list[tuple[Any, int] | None]
    height: float | None


def _number(value: float) -> str:
    """A number as openpyxl writes it (16 significant digits); NaN and infinity become empty."""
    return "" if value != value or value in (math.inf, -math.inf) else "%.16g" % value


def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


class _RowWriter(WorksheetWriter):
    """Writes a ledger's rows as XML text, straight into the sheet's stream.

    openpyxl builds an element tree for every cell and serializes it in pure Python: on a
    50,000-row ledger that was two thirds of the time. The cells here need only a value, a style
    index and a type, so each row is written as one string. The markup is what openpyxl writes
    (inline strings, dates as serial numbers in a date style). Where the stream is not
    et_xmlfile's (lxml installed), rows go through openpyxl's own cells instead.
    """

    def __init__(self, ws: Any) -> None:
        super().__init__(ws)
        self._letters: list[str] = []
        self._serials: dict[Any, str] = {}  # date -> Excel serial number, as text

    def write_row(self, xf: Any, row: Any, row_idx: int) -> None:
        if not isinstance(row, _Row):
            return super().write_row(xf, row, row_idx)
        out = getattr(xf, "_file", None)
        if not callable(out) or not _RAW_ROWS:
            return self._write_cells(xf, row, row_idx)
        letters = self._letters
        while len(letters) < len(row.cells):
            letters.append(get_column_letter(len(letters) + 1))
        r = str(row_idx)
        parts = [f'<row r="{r}" ht="{_number(row.height)}" customHeight="1">' if row.height is not None
                 else f'<row r="{r}">']
        for letter, cell in zip(letters, row.cells):
            if cell is None:
                continue
            value, style = cell
            head = f'<c r="{letter}{r}" s="{style}"'
            if value is None or value == "":
                parts.append(head + "/>")
            elif isinstance(value, str):
                space = ' xml:space="preserve"' if value != value.strip() and value.strip() else ""
                parts.append(f'{head} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>')
            elif isinstance(value, bool):
                parts.append(f'{head} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                parts.append(f'{head} t="n"><v>{_number(value)}</v></c>')
            elif isinstance(value, (date, time, timedelta)):
                serial = self._serials.get(value)
                if serial is None:
                    serial = self._serials[value] = _number(to_excel(value, self.ws.parent.epoch))
                parts.append(f'{head} t="n"><v>{serial}</v></c>')
            else:
                parts.append(f'{head} t="inlineStr"><is><t>{_escape(str(value))}</t></is></c>')
        parts.append("</row>")
        out("".join(parts))

    def _write_cells(self, xf: Any, row: _Row, row_idx: int) -> None:
        """The same row through openpyxl's cells (slower, but any XML stream takes it)."""
        ws = self.ws
        if row.height is not None:
            ws.row_dimensions[row_idx].height = row.height
        styles = ws.parent._cell_styles
        cells = []
        for col, cell in enumerate(row.cells, 1):
            if cell is None:
                continue
            c = WriteOnlyCell(ws, cell[0])
            if isinstance(cell[0], str) and c.data_type != "s":
                c.data_type = "s"  # text starting with "=" or looking like #N/A stays text
            c._style = copy(styles[cell[1]])
            c.column, c.row = col, row_idx
            cells.append(c)
        super().write_row(xf, cells, row_idx)


_RAW_ROWS = True  # tests turn it off to compare both ways of writing a row


class _LedgerWorksheet(WriteOnlyWorksheet):
    """A write-only sheet whose rows are _Row tuples, written by _RowWriter."""

    def _values_to_row(self, values: Any, row_idx: int) -> Any:
        return values  # already cells: the writer knows them

    def _get_writer(self) -> None:
        if self._writer is None:
            self._writer = _RowWriter(self)
            self._writer.write_top()


class _Sheet:
    """A write-only sheet: rows appended one by one, cells sharing a handful of named styles."""

    def __init__(self, wb: Workbook, title: str, columns: int) -> None:
        self.wb = wb
        self.ws = _LedgerWorksheet(parent=wb, title=sheet_title(title))
        wb._add_sheet(self.ws)
        self.n = columns
        self.last = get_column_letter(columns)
        self.row = 0
        self._styles: dict[str, int] = {}  # style name -> the index of its cell format (a cell's s="…")

    def style(self, role: str, fmt: str = "General", align: str = "center", *, bold: bool = False,
              size: int = BODY_SIZE, border: bool = True, fill: bool = False, wrap: bool = True) -> int:
        """A named style, registered on first use (a role always comes with the same look): its index."""
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
            self._styles[name] = cell.style_id  # looked up once, not for every cell
        return self._styles[name]

    @staticmethod
    def cell(value: Any, style: int) -> tuple[Any, int]:
        """A cell in a style; value already typed by cell_value or clean_text (text is always text)."""
        return (value, style)

    def append(self, cells: list, height: float | None = None) -> None:
        self.row += 1
        self.ws.append(_Row(cells, height))

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
        sheet.append(list(zip(values, body)), _height(values, widths))
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
    add_openpyxl_charts(wb, ledger.charts)
    wb.save(os.fspath(path))
