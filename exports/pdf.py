"""A ledger as a PDF with an embedded Chinese font; several ledgers in one printable file."""

from __future__ import annotations

import os
import re
from functools import partial
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate, count
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from exports.charts import pdf_flowables
from exports.fonts import cjk_font
from exports.ledger import EMPTY_TEXT, Figure, Ledger, Tally, cell_text

BODY_SIZE = 9
BODY_LEADING = 11.5
PAD_X = 3
PAD_Y = 2.5
MARGIN_X = 12 * mm
MARGIN_TOP = 15 * mm  # room above the table for the title of a continuation page
MARGIN_BOTTOM = 15 * mm  # room for 第 x 页 共 y 页
_ALIGN = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}

# Compressed streams without the extra ASCII85 layer: smaller files, and 10% less time on long ledgers.
# (A process-wide reportlab setting; exports/ is the only part of the program that makes PDFs.)
rl_config.useA85 = 0


class BoldParagraph(Paragraph):
    """A Paragraph drawn fill-and-stroke: Chinese TrueType fonts ship without a bold face."""

    def draw(self) -> None:
        # drawOn wraps draw() in saveState/restoreState, so the render mode ends with the paragraph.
        self.canv.setLineWidth(self.style.fontSize * 0.035)
        self.canv.addLiteral("2 Tr")  # text render mode 2 = fill then stroke (the paragraph's own text objects)
        super().draw()


class Section(Flowable):
    """Invisible marker: the pages from here on belong to ledger `key` (for per-ledger page numbers).

    title: printed at the top of the section's continuation pages (`志愿服务记录台账（续）`).
    """

    def __init__(self, key: int | None, title: str = "") -> None:
        super().__init__()
        self.key = key
        self.title = title

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.ledger_section = self.key
        self.canv.section_title = self.title


def book_number(page: int, total: int) -> str:
    return f"合订本第 {page} 页 / 共 {total} 页"


class Book:
    """The month's combined file, made of ledgers written one by one, each page numbered `合订本第 n 页 / 共 N 页`.

    N is known only when the last ledger is laid out, so each ledger's PDF waits, laid out but
    unsaved, until finish() saves them all with the total.
    """

    def __init__(self, first_page: int = 1) -> None:
        self.next_page = first_page  # where the next ledger starts (pages before it: a cover, say)
        self.total: int | None = None
        self._waiting: list[Canvas] = []

    def hold(self, canvas: Canvas, pages: int) -> None:
        self._waiting.append(canvas)
        self.next_page += pages

    def finish(self) -> int:
        """Save every ledger held; returns the book's page count."""
        self.total = self.next_page - 1
        waiting, self._waiting = self._waiting, []
        for canvas in waiting:
            canvas.save()
        return self.total


class NumberedCanvas(Canvas):
    """Writes 第 x 页 共 y 页, counted per ledger, on pages whose total is known only at the end
    (and, in a Book, 合订本第 n 页 / 共 N 页).

    Each numbered page draws a form that is defined when the document is saved, once the pages of
    every ledger have been counted (a PDF may name a form before it is written).
    """

    FOOTER_BOX = (0, 0, 2000, 100)  # wide enough for any page; the form only holds one line of text

    def __init__(self, *args: Any, book: Book | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.book = book  # the month's combined file this one goes into, if it does
        self.book_start = book.next_page if book else 0  # this file's first page there
        self.book_forms: list[tuple[str, int, float]] = []  # form name, page in the book, page width
        self.ledger_section: int | None = None
        self.section_title = ""
        self.page_width, self.page_height = map(float, kwargs.get("pagesize", A4))
        self.counts: dict[int, int] = {}
        self.footers: list[tuple[str, int, int, float]] = []  # form name, section, page number, page width

    def setPageSize(self, size: tuple[float, float]) -> None:
        super().setPageSize(size)
        self.page_width, self.page_height = float(size[0]), float(size[1])

    def showPage(self) -> None:
        section = self.ledger_section
        if section is not None:
            number = self.counts[section] = self.counts.get(section, 0) + 1
            if number > 1 and self.section_title:
                # A loose page of the ledger still says which ledger it is.
                self.setFont(cjk_font(), 9)
                self.setFillColor(colors.black)
                self.drawString(MARGIN_X, self.page_height - 10 * mm, f"{self.section_title}（续）")
            name = f"LedgerFooter{len(self.footers)}"
            self.footers.append((name, section, number, self.page_width))
            self.doForm(name)
            if self.book is not None:
                # The combined file's own page number, in the corner: its contents page points here.
                # Like the footer, a form written once the book's last page is known.
                name = f"BookNumber{len(self.book_forms)}"
                self.book_forms.append((name, self.book_start + self.getPageNumber() - 1, self.page_width))
                self.doForm(name)
        super().showPage()

    def save(self) -> None:
        if self.book is not None and self.book.total is None:
            self.book.hold(self, self.getPageNumber() - 1)  # saved by Book.finish(), with the book's page count
            return
        for name, page, width in self.book_forms:
            self.beginForm(name, *self.FOOTER_BOX)
            self.setFont(cjk_font(), 8)
            self.setFillColor(colors.black)
            self.drawRightString(width - MARGIN_X, 8 * mm, book_number(page, self.book.total))
            self.endForm()
        for name, section, number, width in self.footers:
            self.beginForm(name, *self.FOOTER_BOX)
            self.setFont(cjk_font(), 9)
            self.setFillColor(colors.black)
            self.drawCentredString(width / 2, 8 * mm, f"第 {number} 页 共 {self.counts[section]} 页")
            self.endForm()
        super().save()


class _Styles:
    """Paragraph styles in the one Chinese font."""

    def __init__(self, font: str) -> None:
        def style(name: str, size: float, leading: float, align: int = TA_LEFT) -> ParagraphStyle:
            return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, alignment=align,
                                  wordWrap="CJK")

        self.font = font
        self.title = style("title", 16, 22, TA_CENTER)
        self.heading = style("heading", 10, 14)
        self.heading_right = style("heading_right", 10, 14, TA_RIGHT)
        self.note = style("note", 9.5, 13)
        self.signs = [style("sign_left", 10.5, 14), style("sign_center", 10.5, 14, TA_CENTER),
                      style("sign_right", 10.5, 14, TA_RIGHT)]
        self.cells = {a: style(f"cell_{a}", BODY_SIZE, BODY_LEADING, v) for a, v in _ALIGN.items()}
        self.cover_title = style("cover_title", 24, 32, TA_CENTER)
        self.cover_line = style("cover_line", 14, 22)


def para(text: str, style: ParagraphStyle, bold: bool = False) -> Paragraph:
    """Plain text as a Paragraph: markup characters escaped, line breaks kept."""
    markup = escape(text).replace("\n", "<br/>")
    return BoldParagraph(markup, style) if bold else Paragraph(markup, style)


def column_widths(ledger: Ledger, font: str, available: float) -> list[float]:
    """The spec's character widths measured in the font used, scaled to fill the page width."""
    digit = stringWidth("0", font, BODY_SIZE)
    natural = [c.width * digit + 2 * PAD_X for c in ledger.columns]
    total = sum(natural)
    if total <= available:
        return [w * available / total for w in natural]
    # Too wide: squeeze the text columns, which wrap gracefully, and keep IDs, phones, dates and
    # numbers whole (an ID broken over two lines is one nobody can read back).
    whole = [c.kind != "text" for c in ledger.columns]
    fixed = sum(w for w, keep in zip(natural, whole) if keep)
    if total - fixed > 0 and available - fixed >= (total - fixed) / 2:
        squeeze = (available - fixed) / (total - fixed)
        return [w if keep else w * squeeze for w, keep in zip(natural, whole)]
    return [w * available / total for w in natural]  # far too many columns: shrink them all


# Closing punctuation never starts a line (禁则): the character before it moves down too.
_NO_LINE_START = frozenset("，。、；：？！）》」』”’】〕…%,.;:?!)]}")
# Numbers, dates, IDs, phones and Latin words never break inside (`138****0042`, `（2026-11-21）`):
# a run of them is one piece, with an opening bracket before it and closing punctuation after it.
_UNBREAKABLE = re.compile(r"[（(\[【《“‘]?[0-9A-Za-z*＊.\-:/%@_+#~·×]+[)）\]】》”’，。、；：,;:]*")
MAX_CELL_LINES = 30  # a row must fit on one page: longer cells end in …… (only absurd texts are cut)


class _Measure:
    """Widths of texts and characters in one font size, remembered: ledgers repeat names and dates."""

    def __init__(self, font: str, size: float) -> None:
        self.font, self.size = font, size
        self.texts: dict[str, float] = {}
        self.chars: dict[str, float] = {}
        # The widest character: a text no longer than room ÷ this fits without being measured.
        face = getattr(pdfmetrics.getFont(font), "face", None)
        widths = getattr(face, "charWidths", None)
        self.widest = (max(max(widths.values(), default=0), face.defaultWidth) * size / 1000 if widths
                       else float("inf"))

    def text(self, text: str) -> float:
        w = self.texts.get(text)
        if w is None:
            w = self.texts[text] = stringWidth(text, self.font, self.size)
        return w

    def char(self, ch: str) -> float:
        w = self.chars.get(ch)
        if w is None:
            w = self.chars[ch] = stringWidth(ch, self.font, self.size)
        return w

    def _carry(self, line: list[str], piece: str, room: float) -> list[str]:
        """Pieces taken off the end of a full line so that piece does not start the next one."""
        carry: list[str] = []
        while piece in _NO_LINE_START and len(line) > 1 and (not carry or carry[0] in _NO_LINE_START):
            if sum(map(self.text, [line[-1], *carry, piece])) > room:
                break
            carry.insert(0, line.pop())
        return carry

    @staticmethod
    def _pieces(part: str) -> list[str]:
        """Characters, except that runs of digits and Latin letters stay whole."""
        if part.isascii() and " " not in part:
            return [part]  # a number, date, ID or phone alone in its cell
        out: list[str] = []
        pos = 0
        for m in _UNBREAKABLE.finditer(part):
            out.extend(part[pos:m.start()])
            out.append(m.group())
            pos = m.end()
        out.extend(part[pos:])
        return out

    def wrap(self, text: str, room: float, *, widths_needed: bool = True) -> tuple[list[str], list[float]]:
        """Break text into lines no wider than room, between characters as Chinese allows, never inside a number.

        Without widths_needed (left-aligned text) a short line is not measured: its width is 0.
        """
        lines: list[str] = []
        widths: list[float] = []
        for part in text.split("\n"):
            if not widths_needed and len(part) * self.widest <= room:
                lines.append(part)
                widths.append(0.0)
                continue
            w = self.text(part)
            if w <= room:
                lines.append(part)
                widths.append(w)
                continue
            line: list[str] = []
            lw = 0.0
            for piece in self._pieces(part):
                pw = self.text(piece)
                if pw > room:  # longer than the whole cell (a URL, a 30-digit number): it has to break
                    for ch in piece:
                        cw = self.char(ch)
                        if lw + cw > room and line:
                            lines.append("".join(line))
                            widths.append(self.text(lines[-1]))
                            line, lw = [], 0.0
                        line.append(ch)
                        lw += cw
                    continue
                if lw + pw > room and line:
                    carry = self._carry(line, piece, room)
                    lines.append("".join(line))
                    widths.append(self.text(lines[-1]))
                    line, lw = carry, sum(map(self.text, carry))
                line.append(piece)
                lw += pw
            lines.append("".join(line))
            widths.append(self.text(lines[-1]))
        if len(lines) > MAX_CELL_LINES:
            lines, widths = lines[:MAX_CELL_LINES], widths[:MAX_CELL_LINES]
            lines[-1] += "……"
            widths[-1] = self.text(lines[-1])
        return lines, widths


_Cell = tuple[list[str], list[float]]
_FORMS = count(1)  # names of the header forms, unique in the process


def _row_height(cells: list[_Cell]) -> float:
    return max(len(lines) for lines, _ in cells) * BODY_LEADING + 2 * PAD_Y


_CHAR_CODE = re.compile(r"(/\S+ [\d.]+ Tf [\d.]+ TL) \((.*)\) Tj", re.DOTALL)


class _TextCodes:
    """The PDF text operators of each distinct line, built from its characters' codes.

    A ledger repeats its texts (names, dates, activities); reportlab's textOut encodes a line for
    the font's subsets and measures and formats it in Python each time, which made the month's
    PDFs slow. Here each distinct character is encoded once through reportlab's public text object
    (its subset's font operator and its byte), a line is its characters' bytes run together, one
    Tj per subset, and every occurrence is placed with one text matrix.
    """

    MARK_AT = (7.77, 3.33)  # an origin no ledger uses: its `Tm` separates the characters' codes
    MARK = " 1 0 0 1 7.77 3.33 Tm "

    def __init__(self, canv: Any, font: str) -> None:
        self.canv, self.font = canv, font
        self.chars: dict[str, tuple[str, str] | None] = {}
        self.codes: dict[str, str | None] = {}

    def _encode(self, chars: list[str]) -> None:
        text = self.canv.beginText()
        for ch in chars:
            # setFont resets the subset, so each character's code starts with its own font operator.
            text.setFont(self.font, BODY_SIZE, BODY_LEADING)
            text.setTextOrigin(*self.MARK_AT)
            text.textOut(ch)
        raw = text.getCode()
        chunks = raw[:-3].split(self.MARK)[1:] if raw.endswith(" ET") else []
        if len(chunks) != len(chars):  # unexpected: one at a time tells which character is odd
            if len(chars) > 1:
                for ch in chars:
                    self._encode([ch])
            else:
                self.chars[chars[0]] = None
            return
        for ch, chunk in zip(chars, chunks):
            m = _CHAR_CODE.fullmatch(chunk)
            self.chars[ch] = (m.group(1), m.group(2)) if m else None

    def prepare(self, lines: set[str]) -> None:
        """Build the codes of the lines not seen before."""
        new = [line for line in lines if line not in self.codes]
        if not new:
            return
        unknown = {ch for line in new for ch in line} - self.chars.keys()
        if unknown:
            self._encode(sorted(unknown))
        chars, codes = self.chars, self.codes
        for line in new:
            parts: list[str] = []
            font = None
            for ch in line:
                found = chars[ch]
                if found is None:
                    parts = None  # type: ignore[assignment]
                    break
                if found[0] != font:
                    if font is not None:
                        parts.append(") Tj ")
                    font = found[0]
                    parts.append(f"{font} (")
                parts.append(found[1])
            codes[line] = "".join(parts) + ") Tj" if parts else None

    def code(self, line: str) -> str | None:
        if line not in self.codes:
            self.prepare({line})
        return self.codes[line]


class LedgerGrid(Flowable):
    """The ledger's table: header repeated on every page, rows drawn in one text block per page.

    A platypus Table draws cell by cell (a text object, a saved state each) and re-measures the rest
    of the table at every page break; 10,000 rows took 17 s that way, this takes a few.
    The closing block (totals, note, signatures, seal) is drawn by the last piece, and a page
    break moves the last row along with it: no page holds the signatures alone.
    """

    def __init__(self, header: list[Paragraph], rows: list[list[_Cell]], heights: list[float],
                 totals: list[list[_Cell]], widths: list[float], aligns: list[str], font: str,
                 tail: Sequence[Flowable] = ()) -> None:
        super().__init__()
        self.header, self.rows, self.totals = header, rows, totals
        self.widths, self.aligns, self.font = widths, aligns, font
        self.start, self.end = 0, len(rows)  # this piece's rows; split() makes pieces sharing the lists
        self.heights = heights
        self.cum = list(accumulate(heights, initial=0.0))  # cum[i]: height of rows before row i
        self.header_h = max(p.wrap(w - 2 * PAD_X, 10_000)[1] for p, w in zip(header, widths)) + 2 * PAD_Y
        self.empty_h = BODY_LEADING + 2 * PAD_Y if not rows else 0.0
        self.totals_hs = [_row_height(t) for t in totals]
        self.tail = list(tail)
        self.tail_hs: list[float] | None = None
        self.last = True  # this piece ends the ledger: it draws the totals and the closing block
        self.header_form = f"LedgerHeader{next(_FORMS)}"  # pieces share it: drawn once per ledger

    def _piece(self, start: int, end: int, last: bool) -> LedgerGrid:
        piece = LedgerGrid.__new__(LedgerGrid)
        # Share the rows, not platypus's bookkeeping (_postponed would make the piece look unplaceable).
        piece.__dict__.update((k, v) for k, v in self.__dict__.items() if k not in ("_postponed", "canv", "_frame"))
        piece.start, piece.end, piece.last = start, end, last
        piece.empty_h = self.empty_h if start == 0 else 0.0
        return piece

    def _closing_h(self, width: float) -> float:
        if not self.last:
            return 0.0
        if self.tail_hs is None:
            self.tail_hs = [f.wrap(width, 10_000)[1] for f in self.tail]
        return sum(self.totals_hs) + sum(self.tail_hs)

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = sum(self.widths)
        self.table_h = self.header_h + self.empty_h + self.cum[self.end] - self.cum[self.start]
        self.height = self.table_h + self._closing_h(self.width)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        if self.start == self.end:
            return []  # header, 本期无记录 and the closing block: small, never split
        room = availHeight - self.header_h - self.empty_h
        fit = bisect_right(self.cum, self.cum[self.start] + room, self.start, self.end + 1) - 1
        if fit == self.end:  # the rows fit but not the closing block: the last row goes along with it
            fit = self.end - 1 if self.end - self.start > 1 else self.start
        if fit <= self.start:
            return []  # not even one row fits here: start on the next page
        return [self._piece(self.start, fit, False), self._piece(fit, self.end, self.last)]

    def _header(self, canv: Any) -> str:
        """The header row as a form drawn once per ledger and placed on every page (its name)."""
        if not canv.hasForm(self.header_form):
            lefts = accumulate(self.widths, initial=0.0)
            canv.beginForm(self.header_form, 0, 0, self.width, self.header_h)
            canv.setFillColor(colors.HexColor("#D9D9D9"))
            canv.rect(0, 0, self.width, self.header_h, stroke=0, fill=1)
            canv.setFillColor(colors.black)
            for p, x, w in zip(self.header, lefts, self.widths):
                p.drawOn(canv, x + PAD_X, (self.header_h - p.wrap(w - 2 * PAD_X, 10_000)[1]) / 2)
            canv.endForm()
        return self.header_form

    def _codes(self, canv: Any) -> _TextCodes:
        # One cache per canvas (a document): the codes name the canvas's font subsets.
        codes = getattr(canv, "ledger_text_codes", None)
        if codes is None or codes.font != self.font:
            codes = canv.ledger_text_codes = _TextCodes(canv, self.font)
        return codes

    def _put(self, out: list[str], fallback: Any, cells: list[_Cell], lefts: Sequence[float],
             widths: Sequence[float], aligns: Sequence[str], top: float, height: float) -> None:
        """One row's lines as text operators, each cell's block centred vertically."""
        code = self._codes(self.canv).code
        baseline = BODY_LEADING / 2 + 0.38 * BODY_SIZE  # below a line box's top: glyphs centred in the box
        for (lines, lws), x, w, align in zip(cells, lefts, widths, aligns):
            y = top - (height - len(lines) * BODY_LEADING) / 2 - baseline
            for line, lw in zip(lines, lws):
                if line:
                    if align == "left":
                        at = x + PAD_X
                    elif align == "right":
                        at = x + w - PAD_X - lw
                    else:
                        at = x + (w - lw) / 2
                    ops = code(line)
                    if ops is None:  # reportlab wrote something unexpected: let it place the line itself
                        fallback.setTextOrigin(at, y)
                        fallback.textOut(line)
                    else:
                        out.append(f"1 0 0 1 {at:.2f} {y:.2f} Tm {ops}")
                y -= BODY_LEADING

    def draw(self) -> None:
        canv, widths, aligns = self.canv, self.widths, self.aligns
        lefts = list(accumulate(widths, initial=0.0))
        top = self.height
        header_bottom = top - self.header_h
        form = self._header(canv)
        canv.saveState()
        canv.translate(0, header_bottom)
        canv.doForm(form)
        canv.restoreState()

        codes = self._codes(canv)
        distinct = {line for i in range(self.start, self.end) for lines, _ in self.rows[i] for line in lines}
        if self.last:
            distinct.update(line for cells in self.totals for lines, _ in cells for line in lines)
        distinct.discard("")
        codes.prepare(distinct)
        out: list[str] = ["BT"]
        fallback = canv.beginText()
        fallback.setFont(self.font, BODY_SIZE, BODY_LEADING)
        y = header_bottom
        bounds = [top, y]
        if self.empty_h:  # one cell across the whole table
            self._put(out, fallback, [([EMPTY_TEXT], [stringWidth(EMPTY_TEXT, self.font, BODY_SIZE)])], [0.0],
                      [self.width], ["center"], y, self.empty_h)
            y -= self.empty_h
            bounds.append(y)
        rows, heights, put = self.rows, self.heights, self._put
        for i in range(self.start, self.end):
            put(out, fallback, rows[i], lefts, widths, aligns, y, heights[i])
            y -= heights[i]
            bounds.append(y)
        if self.last and self.totals:
            # Fill and stroke: a bold look without a bold font file.
            out.append(f"{BODY_SIZE * 0.035:.3f} w 2 Tr")
            for cells, h in zip(self.totals, self.totals_hs):
                put(out, fallback, cells, lefts, widths, aligns, y, h)
                y -= h
                bounds.append(y)
            out.append("0 Tr")
        out.append("ET")
        canv.addLiteral("\n".join(out))
        canv.drawText(fallback)

        # The rules as one path, its numbers written directly (reportlab's moveTo/lineTo format each
        # number in Python: thousands of rows made that a tenth of the time).
        bottom = y
        ops = [f"0.5 w 0 {by:.2f} m {self.width:.2f} {by:.2f} l" if i == 0 else f"0 {by:.2f} m {self.width:.2f} {by:.2f} l"
               for i, by in enumerate(bounds)]
        for x in (lefts[0], lefts[-1]):
            ops.append(f"{x:.2f} {top:.2f} m {x:.2f} {bottom:.2f} l")
        below_span = bounds[2] if self.empty_h else header_bottom
        for x in lefts[1:-1]:
            ops.append(f"{x:.2f} {top:.2f} m {x:.2f} {header_bottom:.2f} l {x:.2f} {below_span:.2f} m {x:.2f} {bottom:.2f} l")
        ops.append("S")
        canv.addLiteral("\n".join(ops))

        if self.last:
            for f, h in zip(self.tail, self.tail_hs or ()):
                y -= h
                f.drawOn(canv, 0, y)


def _grid(ledger: Ledger, st: _Styles, widths: list[float], tail: Sequence[Flowable] = ()) -> LedgerGrid:
    columns = ledger.columns
    measure = _Measure(st.font, BODY_SIZE)
    rooms = [w - 2 * PAD_X - 0.5 for w in widths]
    header = [para(c.title, st.cells["center"], bold=True) for c in columns]
    rows: list[list[_Cell]] = []
    heights: list[float] = []
    spec = [(c, room, c.alignment != "left", {}) for c, room in zip(columns, rooms)]  # left: no widths needed
    tally = Tally(ledger)
    counting = bool(tally.specs)
    for data in ledger.iter_rows():
        get = data.get
        cells = []
        for c, room, w, known in spec:
            # A column repeats its texts (dates, names, activities): rows share one wrapped cell.
            text = cell_text(c, get(c.key))
            cell = known.get(text)
            if cell is None:
                cell = known[text] = measure.wrap(text, room, widths_needed=w)
            cells.append(cell)
        rows.append(cells)
        heights.append(max(len(cell[0]) for cell in cells) * BODY_LEADING + 2 * PAD_Y)
        if counting:
            tally.add(data)
    totals = [row for _, row in tally.results()]
    fixed = ledger.total_row()
    if fixed is not None:
        totals.append(fixed)
    total_cells = [[measure.wrap(cell_text(c, total.get(c.key)), room, widths_needed=True)
                    for c, room, _, _ in spec] for total in totals]
    return LedgerGrid(header, rows, heights, total_cells, widths, [c.alignment for c in columns], st.font, tail)


def _summary(figures: Sequence[Figure], st: _Styles, width: float) -> Table:
    """The ledger's figures as a small bordered table above the rows: labels over values."""
    cell = st.cells["center"]
    table = Table([[para(f.label, cell, bold=True) for f in figures], [para(f.text(), cell) for f in figures]],
                  colWidths=[width / len(figures)] * len(figures))
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9D9D9")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _line(parts: Sequence[str], styles: Sequence[ParagraphStyle], width: float) -> Table:
    """Short texts side by side across the page, without borders."""
    cells = [para(p, s) for p, s in zip(parts, styles)]
    t = Table([cells], colWidths=[width / len(cells)] * len(cells))
    t.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                           ("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
    return t


SEAL_ROOM = 32 * mm  # blank room for the round seal under the signatures


def ledger_story(ledger: Ledger, st: _Styles, width: float) -> list[Flowable]:
    """The flowables of one ledger: title, heading, figures, then the table that carries its closing block."""
    story: list[Flowable] = [para(ledger.title, st.title, bold=True), Spacer(0, 4)]
    left, right = ledger.heading()
    if left or right:
        story += [_line([left, right], [st.heading, st.heading_right], width), Spacer(0, 4)]
    if ledger.summary:
        story += [_summary(ledger.summary, st, width), Spacer(0, 6)]
    tail: list[Flowable] = []
    if ledger.note:
        tail += [Spacer(0, 4), para(ledger.note, st.note)]
    tail += [Spacer(0, 10), _line(ledger.signatures(), st.signs, width)]
    if ledger.seal:
        tail += [Spacer(0, 6), _line(["（盖章）"], [st.signs[2]], width), Spacer(0, SEAL_ROOM)]
    story.append(_grid(ledger, st, column_widths(ledger, st.font, width), tail))
    story += pdf_flowables(ledger.charts, width, st.font)  # the 街道's charts, after the signed table
    return story


COVER_ONE_COLUMN = 16  # contents entries that fit one column on the cover page


def _cover_story(cover: dict, st: _Styles) -> list[Flowable]:
    """Title a quarter down the page, the contents with their page numbers, then the lines in the middle."""
    lines = [str(x) for x in cover.get("lines") or ()]
    contents = [(str(a), str(b)) for a, b in cover.get("contents") or ()]
    # The combined file counts the cover as one page: a long contents goes in two columns, higher up.
    halves = 2 if len(contents) > COVER_ONE_COLUMN else 1
    story: list[Flowable] = [Spacer(0, A4[1] * ((0.18 if halves == 1 else 0.06) if contents else 0.25)),
                             para(str(cover.get("title", "")), st.cover_title, bold=True),
                             Spacer(0, (14 if halves == 1 else 8) * mm)]
    if contents:
        per = -(-len(contents) // halves)
        columns = [contents[i * per:(i + 1) * per] for i in range(halves)]
        rows = [[cell for _ in columns for cell in (para("目\u3000录", st.cover_line, bold=True),
                                                      para("页码", st.cover_line))]]
        for r in range(per):
            rows.append([cell for column in columns for cell in
                         ((para(column[r][0], st.cover_line), para(column[r][1], st.cover_line))
                          if r < len(column) else ("", ""))])
        widths = [110 * mm, 20 * mm] if halves == 1 else [72 * mm, 13 * mm]
        table = Table(rows, colWidths=widths * halves, hAlign="CENTER")
        table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   *[("ALIGN", (c, 0), (c, -1), "RIGHT") for c in range(1, 2 * halves, 2)]]))
        story += [table, Spacer(0, 10 * mm)]
    if lines:
        widest = min(max(stringWidth(x, st.font, st.cover_line.fontSize) for x in lines) + 2, A4[0] - 2 * MARGIN_X)
        block = Table([[para(x, st.cover_line)] for x in lines], colWidths=[widest], hAlign="CENTER")
        block.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
        story.append(block)
    return story


def _templates() -> list[PageTemplate]:
    out = []
    for name, size in (("landscape", landscape(A4)), ("portrait", A4)):
        frame = Frame(MARGIN_X, MARGIN_BOTTOM, size[0] - 2 * MARGIN_X, size[1] - MARGIN_TOP - MARGIN_BOTTOM,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id=name)
        out.append(PageTemplate(id=name, frames=[frame], pagesize=size))
    return out


def write_pdfs(ledgers: Iterable[Ledger], path: str | os.PathLike, cover: dict | None = None,
               *, book: Book | None = None) -> int:
    """Several ledgers in one PDF, each from a new page and numbered on its own; optional cover page.

    cover: {"title": str, "lines": [str, ...], "contents": [(ledger, page), ...]}, printed on an
    unnumbered portrait page.
    """
    st = _Styles(cjk_font())
    ledgers = list(ledgers)
    templates = _templates()
    first = "portrait" if cover or (ledgers and not ledgers[0].landscape) else "landscape"
    templates.sort(key=lambda t: t.id != first)  # the document starts on the first template
    doc = BaseDocTemplate(os.fspath(path), pageTemplates=templates, pagesize=templates[0].pagesize,
                          title=ledgers[0].title if len(ledgers) == 1 else (cover or {}).get("title", ""),
                          author=ledgers[0].community if ledgers else "")
    story: list[Flowable] = []
    if cover:
        story += [Section(None)] + _cover_story(cover, st)
    for i, ledger in enumerate(ledgers):
        orientation = "landscape" if ledger.landscape else "portrait"
        if story:
            story += [NextPageTemplate(orientation), PageBreak()]
        width = (landscape(A4) if ledger.landscape else A4)[0] - 2 * MARGIN_X
        story += [Section(i, ledger.title)] + ledger_story(ledger, st, width)
    if not story:
        raise ValueError("nothing to write: no ledgers and no cover")
    doc.build(story, canvasmaker=partial(NumberedCanvas, book=book))
    return doc.page


def write_pdf(ledger: Ledger, path: str | os.PathLike, *, book: Book | None = None) -> int:
    """One ledger as a PDF: A4 landscape unless the ledger says portrait. Returns its pages.

    book: the month's combined file it goes into; its pages carry their number there, and the file
    is written by book.finish().
    """
    return write_pdfs([ledger], path, book=book)


def write_cover(path: str | os.PathLike, cover: dict) -> None:
    """The unnumbered cover page alone (see write_pdfs for its keys)."""
    write_pdfs([], path, cover=cover)


def merge_pdfs(parts: Iterable[str | os.PathLike], path: str | os.PathLike) -> None:
    """Join finished PDFs page for page: the month's combined file without rendering anything twice."""
    import pypdfium2

    merged = pypdfium2.PdfDocument.new()
    try:
        for part in parts:
            source = pypdfium2.PdfDocument(os.fspath(part))
            try:
                merged.import_pages(source)
            finally:
                source.close()
        merged.save(os.fspath(path))
    finally:
        merged.close()
