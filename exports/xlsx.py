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

from xlsxwriter.utility import xl_col_to_name

from exports.charts import add_xlsxwriter_charts
from exports.ledger import EMPTY_TEXT, Column, Figure, Ledger, Tally, Total, cell_value, clean_text

FONT_NAME = "宋体"
BODY_SIZE = 11
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
LINE_HEIGHT = 14.25  # points per line of 宋体 11 (19 pixels, Excel's own single-line height)
ROW_AIR = 4.5  # a little air in every row, as on a hand-ruled ledger
HOURS_FORMAT = "0.00"
# The printable area of A4 (points) inside the margins set below: what the page breaks are computed for.
_MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.7}
_A4 = (595.28, 841.89)
SEAL_HEIGHT = 80  # points of blank room for the seal
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
    if column.kind == "hours":
        return HOURS_FORMAT  # one look for every hour figure: 2.50, 12.00
    return TEXT_FORMAT if column.kind in ("id", "phone") else "General"


_FIGURE_FORMATS = {"int": "0", "number": "0.00", "hours": HOURS_FORMAT, "percent": "0.0%"}


def _display_width(text: str) -> int:
    """Width in half-width characters: Chinese characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


@lru_cache(maxsize=8192)  # ledgers repeat their texts (activities, places, names)
def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` characters wide.

    宋体 draws a Chinese character two digits wide and anything else one; the cell keeps about
    half a character of padding. Measured this way the rows match what Excel and LibreOffice show.
    """
    room = max(width - 0.5, 1.0)
    if "\n" not in text and len(text) * 2 <= room:
        return 1  # the common case, without measuring
    return sum(max(1, math.ceil(_display_width(part) / room)) for part in text.split("\n"))


def _height(values: list[Any], widths: list[float]) -> float:
    """Row height for wrapped text: neither Excel nor LibreOffice grows rows of a generated file by itself."""
    lines = max((_lines(v, w) for v, w in zip(values, widths) if isinstance(v, str)), default=1)
    return lines * LINE_HEIGHT + ROW_AIR


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
        self.heights: list[float] = []  # every row's height, for the page breaks

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
        self.heights.append(height)
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
        self.heights.append(height)
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
        self.heights.append(height)
        if parts:
            bounds = [round(i * self.n / len(parts)) for i in range(len(parts) + 1)]
            aligns = ["left"] + ["center"] * (len(parts) - 2) + ["right"] if len(parts) > 1 else ["left"]
            for part, align, lo, hi in zip(parts, aligns, bounds, bounds[1:]):
                style = self.style(align=align, **look)
                if hi - 1 > lo:
                    self.ws.merge_range(self.row, lo, self.row, hi - 1, "", style)
                self.write(lo, clean_text(part), style)
        self.row += 1


def _printable(ledger: Ledger) -> tuple[float, float]:
    """Width and height (points) inside the margins of the ledger's A4 page."""
    short, long = _A4
    width, height = (long, short) if ledger.landscape else (short, long)
    return (width - (_MARGINS["left"] + _MARGINS["right"]) * 72,
            height - (_MARGINS["top"] + _MARGINS["bottom"]) * 72)


def _column_pixels(chars: float) -> float:
    """The width on screen of a column typed `chars` wide (7-pixel digits, 5 pixels of padding)."""
    return _excel_width(chars) * 7 + 5


def _layout(ledger: Ledger) -> tuple[list[float], int]:
    """Column widths in characters and the print scale (%): the page's width filled, never cut.

    A ledger narrower than the page gets wider columns (less wrapping, as in the PDF); a wider one
    is printed smaller. The scale is ours, not Excel's fit-to-width, because Excel ignores manual
    page breaks under fit-to-width, and the breaks are what keeps the signatures with the table.
    """
    # Points to pixels, less 8%: LibreOffice draws a column about 4% wider than Excel does.
    room_px = _printable(ledger)[0] / 0.75 * 0.92
    natural = [c.width for c in ledger.columns]
    total_px = sum(_column_pixels(w) for w in natural)
    if total_px <= room_px:
        grow = room_px / total_px
        return [(_column_pixels(w) * grow - 12) / 7 for w in natural], 100
    return natural, max(10, math.floor(room_px / total_px * 100))


def _page_breaks(heights: list[float], header_row: int, room: float, keep_from: int) -> list[int]:
    """Rows (0-based) that start a new printed page.

    The column header repeats on every page; the block from keep_from on (the last data row,
    totals, note, signatures) is never split, so no page holds the signatures alone.
    """
    breaks: list[int] = []
    repeat = heights[header_row] if header_row < len(heights) else 0.0
    used = 0.0
    closing = sum(heights[keep_from:])
    for r, h in enumerate(heights):
        if r == keep_from and used + closing > room and used > repeat + 0.1 and r > header_row + 1:
            breaks.append(r)
            break
        if r >= keep_from:
            continue  # inside the closing block: it goes on one page
        if used + h > room and r > header_row + 1:
            breaks.append(r)
            used = repeat
        used += h
    return breaks


def _page_setup(ws: Any, ledger: Ledger, header_row: int, scale: int) -> None:
    ws.freeze_panes(header_row + 1, 0)
    ws.set_paper(PAPER_A4)
    if ledger.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_print_scale(scale)
    ws.center_horizontally()
    ws.set_margins(**_MARGINS)
    ws.set_header("", {"margin": 0.3})
    ws.set_footer(f"&C&{FOOTER_SIZE}{FOOTER}", {"margin": 0.3})
    ws.repeat_rows(header_row)


def _excel_width(chars: float) -> float:
    """The width to type in Excel so that the file stores chars + 1 (Excel's cell padding)."""
    return max(chars + 1 - _PADDING, 0.5)


def write_xlsx(ledger: Ledger, path: str | os.PathLike) -> None:
    """Write the ledger to path: A4, as wide as the page, header repeated on every printed page."""
    book = xlsxwriter.Workbook(os.fspath(path), {"constant_memory": True})
    try:
        _write(book, ledger)
    finally:
        try:
            book.close()
        except FileCreateError as exc:  # the OSError itself, which callers turn into a Chinese message
            cause = exc.args[0] if exc.args else None
            raise (cause if isinstance(cause, OSError) else OSError(str(exc))) from None


def _summary(sheet: _Sheet, figures: list[Figure], widths: list[float]) -> None:
    """The ledger's figures as a small table: labels over their values, the values real numbers."""
    n = sheet.n
    if len(figures) > n:  # more figures than columns: one figure a row
        for f in figures:
            sheet.merged(f.label, sheet.style(bold=True, fill=True, align="left"), 20, 0, max(0, n - 2))
            sheet.row -= 1
            sheet.write(n - 1, f.value, sheet.style(_FIGURE_FORMATS[f.kind]))
            sheet.row += 1
        return
    bounds = [round(i * n / len(figures)) for i in range(len(figures) + 1)]
    label_style = sheet.style(bold=True, fill=True)
    spans = [sum(widths[lo:hi]) + (hi - lo - 1) for lo, hi in zip(bounds, bounds[1:])]
    label_height = max(_lines(f.label, w) for f, w in zip(figures, spans)) * LINE_HEIGHT + ROW_AIR
    for row in ("label", "value"):
        height = label_height if row == "label" else LINE_HEIGHT + ROW_AIR
        sheet.ws.set_row(sheet.row, height)
        for f, lo, hi in zip(figures, bounds, bounds[1:]):
            style = label_style if row == "label" else sheet.style(_FIGURE_FORMATS[f.kind])
            if hi - 1 > lo:
                sheet.ws.merge_range(sheet.row, lo, sheet.row, hi - 1, "", style)
            sheet.write(lo, f.label if row == "label" else f.value, style)
        sheet.heights.append(height)
        sheet.row += 1
    sheet.ws.set_row(sheet.row, 6)  # a narrow gap before the ledger's own header
    sheet.heights.append(6)
    sheet.row += 1


def _formula(spec: Total, column: int, letters: list[str], keys: list[str], first: int, last: int) -> str:
    """The Excel formula of one totals cell over data rows first..last (1-based)."""
    col = letters[column]
    span = f"{col}{first}:{col}{last}"
    counted = keys[column] in spec.counts
    if spec.where is None:
        return f"=COUNTA({span})" if counted else f"=SUM({span})"
    wcol = letters[keys.index(spec.where[0])]
    test = '"' + str(spec.where[1]).replace('"', '""') + '"'
    if counted:
        return f"=COUNTIFS({wcol}{first}:{wcol}{last},{test})"
    return f"=SUMIFS({span},{wcol}{first}:{wcol}{last},{test})"


def _write(book: Any, ledger: Ledger) -> None:
    columns = ledger.columns
    sheet = _Sheet(book, ledger.title, len(columns))
    ws = sheet.ws
    widths, scale = _layout(ledger)
    for i, width in enumerate(widths):
        ws.set_column(i, i, _excel_width(width))

    sheet.merged(clean_text(ledger.title), sheet.style(bold=True, size=16, border=False, wrap=False), 32)
    sheet.spread(list(ledger.heading()), 22, border=False, wrap=False)
    if ledger.summary:
        _summary(sheet, list(ledger.summary), widths)

    header_row = sheet.row
    _page_setup(ws, ledger, header_row, scale)
    titles = [clean_text(c.title) for c in columns]
    header = sheet.style(bold=True, fill=True)
    sheet.append(titles, [header] * len(columns), max(_height(titles, widths), 2 * LINE_HEIGHT + ROW_AIR))

    tally = Tally(ledger)
    counting = bool(tally.specs)
    body = [sheet.style(_fmt(c), c.alignment) for c in columns]
    # Only text wraps: dates, numbers, IDs and phones are sized to fit their columns.
    wrapping = [(i, widths[i]) for i, c in enumerate(columns) if c.kind == "text"]
    for data in ledger.iter_rows():
        get = data.get
        values = [cell_value(c, get(c.key)) for c in columns]
        lines = max((_lines(values[i], w) for i, w in wrapping if type(values[i]) is str), default=1)
        sheet.append(values, body, lines * LINE_HEIGHT + ROW_AIR)
        if counting:
            tally.add(data)
    first, last = header_row + 2, sheet.row  # the data rows, 1-based as in a formula
    keep_from = max(sheet.row - 1, header_row + 1)
    if sheet.row == header_row + 1:
        sheet.merged(EMPTY_TEXT, sheet.style(), _height([], []))

    bold = [sheet.style(_fmt(c), c.alignment, bold=True) for c in columns]
    keys = [c.key for c in columns]
    letters = [xl_col_to_name(i) for i in range(len(columns))]
    for spec, row in tally.results():
        values = [cell_value(c, row.get(c.key)) for c in columns]
        sheet.ws.set_row(sheet.row, _height(values, widths))
        sheet.heights.append(_height(values, widths))
        for i, (c, value) in enumerate(zip(columns, values)):
            if c.key in spec.sums or c.key in spec.counts:
                if last >= first:  # the cached value is the number itself, also in a text column (a count)
                    ws.write_formula(sheet.row, i, _formula(spec, i, letters, keys, first, last), bold[i],
                                     row.get(c.key, 0))
                else:
                    ws.write_number(sheet.row, i, 0, bold[i])
            else:
                sheet.write(i, value, bold[i])
        sheet.row += 1
    totals = ledger.total_row()
    if totals is not None:
        values = [cell_value(c, totals.get(c.key)) for c in columns]
        sheet.append(values, bold, _height(values, widths))

    if ledger.note:
        note = clean_text(ledger.note)
        # A merged cell never grows by itself: it gets the height its lines need.
        lines = _lines(note, sum(w + 1 for w in widths))
        sheet.merged(note, sheet.style(align="left", border=False), lines * 16 + 6)
    sheet.spread(list(ledger.signatures()), 30, border=False, wrap=False)
    if ledger.seal:
        sheet.merged("（盖章）", sheet.style(align="right", border=False, wrap=False), SEAL_HEIGHT)
    ws.print_area(0, 0, sheet.row - 1, len(columns) - 1)
    room = _printable(ledger)[1] * 100 / scale * 0.97  # 3% for rounding in the printing program
    breaks = _page_breaks(sheet.heights, header_row, room, keep_from)
    if breaks and len(breaks) <= 1000:  # Excel keeps at most 1,026 manual breaks
        ws.set_h_pagebreaks(breaks)
    elif breaks:
        ws.set_h_pagebreaks(breaks[-1:])  # a huge ledger: only the one that keeps the signatures
    add_xlsxwriter_charts(book, ledger.charts)
