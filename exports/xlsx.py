"""A ledger as an .xlsx file, ready to print on A4: one ledger per file.

Written with XlsxWriter in constant-memory mode: each row goes to disk as it is written, so a
50,000-row ledger never sits in memory as cells. Cells share a handful of formats.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from exports.ledger import EMPTY_TEXT, Column, Ledger, cell_value, clean_text

FONT_NAME = "宋体"
BODY_SIZE = 11
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
HEADER_ROW = 3  # title, community/period, then the column headers
LINE_HEIGHT = 14.5  # points per line of 宋体 11
FOOTER = "第 &P 页 共 &N 页"
FOOTER_SIZE = 10
PAPER_A4 = 9
GREY = "#D9D9D9"  # light grey: still readable on a black-and-white printer
# Excel stores a column's width with 5 pixels of padding on top of the typed width (7-pixel digits).
_PADDING = 5 / 7

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
    """A title Excel accepts as a sheet name (no []:*?/\\, no quote at either end, at most 31 characters)."""
    return _BAD_SHEET_CHARS.sub("", title).strip().strip("'")[:31].strip("'") or "台账"


class _Sheet:
    """One worksheet written row by row (constant memory: a row cannot be changed once passed)."""

    def __init__(self, book: Any, title: str, columns: int) -> None:
        self.book = book
        self.ws = book.add_worksheet(sheet_title(title))
        self.n = columns
        self.row = 0  # rows written so far; the next row's 0-based index
        self._formats: dict[tuple, Any] = {}

    def style(self, fmt: str = "General", align: str = "center", *, bold: bool = False,
              size: int = BODY_SIZE, border: bool = True, fill: bool = False, wrap: bool = True) -> Any:
        """A cell format, made once per look and shared by every cell that has it."""
        key = (fmt, align, bold, size, border, fill, wrap)
        found = self._formats.get(key)
        if found is None:
            props: dict[str, Any] = {"font_name": FONT_NAME, "font_size": size, "bold": bold, "align": align,
                                     "valign": "vcenter", "text_wrap": wrap, "num_format": fmt}
            if border:
                props["border"] = 1  # thin on all four sides
            if fill:
                props.update(pattern=1, bg_color=GREY)
            found = self._formats[key] = self.book.add_format(props)
        return found

    def write(self, col: int, value: Any, style: Any) -> None:
        """One cell of the current row; text is always text (never a formula, number or URL)."""
        ws, r = self.ws, self.row
        if value is None or value == "":
            ws.write_blank(r, col, None, style)  # still drawn: borders on an empty cell
        elif isinstance(value, str):
            ws.write_string(r, col, value, style)
        elif isinstance(value, (date, datetime)):
            ws.write_datetime(r, col, value, style)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if math.isfinite(value):
                ws.write_number(r, col, value, style)
            else:
                ws.write_blank(r, col, None, style)
        else:
            ws.write_string(r, col, str(value), style)

    def append(self, values: list[Any], styles: list[Any], height: float) -> None:
        """A row of cells (None: blank with the style) at the given height."""
        ws, r = self.ws, self.row
        ws.set_row(r, height)
        # The common types first, through methods looked up once: this loop runs for every cell.
        write_string, write_number, write_blank = ws.write_string, ws.write_number, ws.write_blank
        for col, (value, style) in enumerate(zip(values, styles)):
            kind = type(value)
            if kind is str and value:
                write_string(r, col, value, style)
            elif (kind is int or kind is float) and math.isfinite(value):
                write_number(r, col, value, style)
            elif value is None or value == "":
                write_blank(r, col, None, style)
            else:
                self.write(col, value, style)
        self.row += 1

    def merged(self, value: str, style: Any, height: float, first: int = 0, last: int | None = None) -> None:
        """A row holding one text merged over columns first..last (0-based; all by default)."""
        last = self.n - 1 if last is None else last
        self.ws.set_row(self.row, height)
        if last > first:
            self.ws.merge_range(self.row, first, self.row, last, "", style)
        self.write(first, value, style)  # merge_range would read "=…" as a formula
        self.row += 1

    def spread(self, parts: list[str], height: float, **look: Any) -> None:
        """Short texts side by side, each merged over its share of the columns, left / centre / right."""
        parts = [p for p in parts if p]
        if len(parts) > self.n:
            parts = ["\u3000\u3000".join(parts)]
        self.ws.set_row(self.row, height)
        if parts:
            bounds = [round(i * self.n / len(parts)) for i in range(len(parts) + 1)]
            aligns = ["left"] + ["center"] * (len(parts) - 2) + ["right"] if len(parts) > 1 else ["left"]
            for part, align, lo, hi in zip(parts, aligns, bounds, bounds[1:]):
                style = self.style(align=align, **look)
                if hi - 1 > lo:
                    self.ws.merge_range(self.row, lo, self.row, hi - 1, "", style)
                self.write(lo, clean_text(part), style)
        self.row += 1


def _page_setup(ws: Any, ledger: Ledger) -> None:
    ws.freeze_panes(HEADER_ROW, 0)
    ws.set_paper(PAPER_A4)
    if ledger.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed (Excel otherwise cuts columns)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)
    ws.set_header("", {"margin": 0.3})
    ws.set_footer(f"&C&{FOOTER_SIZE}{FOOTER}", {"margin": 0.3})
    ws.repeat_rows(HEADER_ROW - 1)


def _excel_width(chars: float) -> float:
    """The width to type in Excel so that the file stores chars + 1 (Excel's cell padding)."""
    return max(chars + 1 - _PADDING, 0.5)


def write_xlsx(ledger: Ledger, path: str | os.PathLike) -> None:
    """Write the ledger to path: A4, fit to one page wide, header repeated on every printed page."""
    book = xlsxwriter.Workbook(os.fspath(path), {"constant_memory": True})
    try:
        _write(book, ledger)
    finally:
        try:
            book.close()
        except FileCreateError as exc:  # the OSError itself, which callers turn into a Chinese message
            cause = exc.args[0] if exc.args else None
            raise (cause if isinstance(cause, OSError) else OSError(str(exc))) from None


def _write(book: Any, ledger: Ledger) -> None:
    columns = ledger.columns
    sheet = _Sheet(book, ledger.title, len(columns))
    ws = sheet.ws
    for i, col in enumerate(columns):
        ws.set_column(i, i, _excel_width(col.width))
    _page_setup(ws, ledger)

    sheet.merged(clean_text(ledger.title), sheet.style(bold=True, size=16, border=False, wrap=False), 32)
    sheet.spread(list(ledger.heading()), 22, border=False, wrap=False)

    widths = [c.width for c in columns]
    titles = [clean_text(c.title) for c in columns]
    header = sheet.style(bold=True, fill=True)
    sheet.append(titles, [header] * len(columns), max(_height(titles, widths), 2 * LINE_HEIGHT + 5))

    body = [sheet.style(_fmt(c), c.alignment) for c in columns]
    for data in ledger.iter_rows():
        get = data.get
        values = [cell_value(c, get(c.key)) for c in columns]
        sheet.append(values, body, _height(values, widths))
    if sheet.row == HEADER_ROW:
        sheet.merged(EMPTY_TEXT, sheet.style(), _height([], []))

    totals = ledger.total_row()
    if totals is not None:
        bold = [sheet.style(_fmt(c), c.alignment, bold=True) for c in columns]
        values = [cell_value(c, totals.get(c.key)) for c in columns]
        sheet.append(values, bold, _height(values, widths))

    if ledger.note:
        note = clean_text(ledger.note)
        # A merged cell never grows by itself: it gets the height its lines need.
        lines = _lines(note, sum(c.width + 1 for c in columns))
        sheet.merged(note, sheet.style(align="left", border=False), lines * 16 + 6)
    sheet.spread(list(ledger.signatures()), 30, border=False, wrap=False)
    ws.print_area(0, 0, sheet.row - 1, len(columns) - 1)
