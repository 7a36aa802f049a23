"""Reading rosters (花名册) back from .xlsx files that people made by hand; writing empty ones to fill in."""

from __future__ import annotations

import os
import posixpath
import re
import warnings
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter

from exports.errors import RosterError  # noqa: F401  (callers catch it from here too)

HEADER_SEARCH_ROWS = 10
# Headers of columns whose values must stay text (IDs, phones, numbers with leading zeros).
TEXT_HEADER_WORDS = ("身份证", "证件", "号码", "电话", "手机", "编号", "账号", "卡号")
_DROP = re.compile(r"[\s\u3000*＊:：]+")
_NOTE = re.compile(r"[（(][^）)]*[）)]$")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"




@dataclass
class RosterSheet:
    """A roster read from a sheet: iterate for (Excel row number, {key: raw cell value})."""

    sheet: str
    header_row: int
    columns: dict[str, int]  # key -> 1-based column number
    unknown_headers: list[str] = field(default_factory=list)  # headers matching no alias, as written
    missing: list[str] = field(default_factory=list)  # keys whose column was not found
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)  # key -> its header as the file writes it

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def normalize_header(text: Any) -> str:
    """`身份证号码（必填）*` and ` 身份证号码` compare equal: no spaces, stars, colons or trailing notes."""
    if text is None:
        return ""
    cleaned = _DROP.sub("", str(text))
    return (_NOTE.sub("", cleaned) or cleaned).lower()


def _match_header(values: Sequence[Any], lookup: Mapping[str, str]) -> dict[str, int]:
    """Columns of this row whose text is a known header: key -> 1-based column (first one wins)."""
    found: dict[str, int] = {}
    for col, value in enumerate(values, 1):
        key = lookup.get(normalize_header(value)) if isinstance(value, str) else None
        if key is not None and key not in found:
            found[key] = col
    return found


# Limits that keep reading bounded whatever the file holds. A roster of a large community has a
# few tens of thousands of rows and a few dozen columns; Excel itself allows no more than these.
MAX_ROWS = 50_000  # data rows in one roster file
MAX_COLUMNS = 256  # columns searched for the header
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
EXCEL_MAX_ROW = 1_048_576
MAX_MERGED = 10_000
MAX_PARTS = 10_000
MAX_SHEET_BYTES = 128 * 2**20  # one worksheet, unpacked (50,000 rows of 30 columns fit in a quarter)
MAX_PART_BYTES = 32 * 2**20  # any other part (shared strings, styles …), unpacked
MAX_TOTAL_BYTES = 512 * 2**20
# A run of markup without "<" longer than the longest cell Excel can hold, escaped: a hostile cell.
_MAX_RUN = MAX_CELL_CHARS * 6 + 4096
_CHUNK = 2**20
_LONG_RUN = re.compile(rb"(?<![^<])[^<]{%d,}" % _MAX_RUN)  # checked from each "<" only: linear time
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_MERGE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']([A-Za-z]{1,3})([0-9]{1,7})"
                    rb"(?::([A-Za-z]{1,3})([0-9]{1,7}))?[\"']")
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

TOO_BIG = (f"花名册太大：一个文件最多读取 {MAX_ROWS} 行、每格最多 {MAX_CELL_CHARS} 个字，"
           "请检查文件，或把名单拆成几个文件分批导入")


class UnreadableCell:
    """A cell whose value cannot be imported as it is; `problem` says why, to follow the column's name
    (the importer refuses the row, naming the column)."""

    problem = ""


class FormulaWithoutValue(UnreadableCell):
    """A cell holding a formula whose result the file does not keep (made by a program, never opened
    in Excel): its value is unknown, so the row cannot be imported as it is."""

    problem = "是公式，文件中没有保存计算结果：请用 Excel 或 WPS 打开文件、保存后再导入（或把这一列“粘贴为数值”）"

    def __repr__(self) -> str:
        return "FORMULA_WITHOUT_VALUE"


FORMULA_WITHOUT_VALUE = FormulaWithoutValue()
# Excel's error values: a cell showing one holds no value (a broken reference, a failed lookup …).
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"})
# Excel shows no date before 1900-01-01 (a negative serial number is "####"): such a date is damage.
FIRST_DATE = datetime(1900, 1, 1)


@dataclass(frozen=True)
class ErrorValue(UnreadableCell):
    """A cell showing one of Excel's error values (#REF!, #N/A …) instead of a value."""

    code: str

    @property
    def problem(self) -> str:  # type: ignore[override]
        return f"是错误值 {self.code}（公式出错或引用的内容已删除）：请在 Excel 或 WPS 中改正这一格后再导入"


@dataclass(frozen=True)
class DateBeforeExcel(UnreadableCell):
    """A date cell before 1900 — a negative serial number, which Excel itself cannot show."""

    shown: str

    @property
    def problem(self) -> str:  # type: ignore[override]
        return f"的日期 {self.shown} 早于 1900 年，Excel 中显示为 ####：请改正这一格后再导入"


def _cell(value: Any) -> Any:
    """A raw value as read, or an UnreadableCell standing for it."""
    if isinstance(value, str) and value in EXCEL_ERRORS:
        return ErrorValue(value)
    if isinstance(value, datetime) and value < FIRST_DATE:
        return DateBeforeExcel(value.date().isoformat())
    return value


@dataclass
class _Sheet:
    """What the raw scan of one worksheet found: formulas at all, merged ranges (1-based, inclusive)."""

    has_formulas: bool = False
    merged: set[tuple[int, int, int, int]] = field(default_factory=set)


def _check_file(name: str) -> dict[str, str]:
    """Refuse a file whose parts would unpack past the limits; the sheets' titles -> their parts."""
    with open(name, "rb") as f:
        if f.read(4) == _OLE_MAGIC:  # an old .xls, or an .xlsx locked with a password: both are OLE files
            raise RosterError("这是旧版 Excel（.xls）文件或设置了打开密码的文件：请在 Excel 或 WPS 中取消密码，"
                              "“另存为” .xlsx 格式后再导入")
    with zipfile.ZipFile(name) as z:
        infos = z.infolist()
        sheets = _sheet_parts(z) if len(infos) <= MAX_PARTS else {}
        sheet_parts = set(sheets.values())
        if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
            raise RosterError(TOO_BIG)
        for info in infos:
            limit = MAX_SHEET_BYTES if info.filename in sheet_parts else MAX_PART_BYTES
            if info.file_size > limit:
                raise RosterError(TOO_BIG)
            if info.filename.lower().endswith("sharedstrings.xml"):
                _scan(z, info.filename)  # every text of the workbook, read whole by openpyxl
        return sheets


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet title -> its part in the archive, as the package's relationships say (no chart sheets)."""
    from xml.etree.ElementTree import fromstring

    def rels(part: str) -> dict[str, tuple[str, str]]:
        folder, base = posixpath.split(part)
        try:
            root = fromstring(z.read(posixpath.join(folder, "_rels", base + ".rels")))
        except KeyError:
            return {}
        out = {}
        for rel in root.iter(_REL_NS + "Relationship"):
            target = rel.get("Target") or ""
            target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id") or ""] = (rel.get("Type") or "", target)
        return out

    book = next((t for kind, t in rels("").values() if kind.endswith("/officeDocument")), "xl/workbook.xml")
    if z.getinfo(book).file_size > MAX_PART_BYTES:
        raise RosterError(TOO_BIG)
    targets = rels(book)
    found = {}
    for sheet in fromstring(z.read(book)).iter():
        if sheet.tag.endswith("}sheet"):
            kind, target = targets.get(sheet.get(f"{{{_DOC_REL}}}id") or "", ("", ""))
            if kind.endswith("/worksheet"):
                found[sheet.get("name") or ""] = target
    return found


def _scan(z: zipfile.ZipFile, part: str) -> _Sheet:
    """Read a part's raw XML once, in chunks: refuse a hostile cell; note formulas and merged ranges."""
    found = _Sheet()
    carry = b""
    with z.open(part) as source:
        while True:
            chunk = source.read(_CHUNK)
            if not chunk:
                break
            data = carry + chunk
            if _LONG_RUN.search(data):
                raise RosterError(TOO_BIG)
            if not found.has_formulas and _FORMULA.search(data):
                found.has_formulas = True
            for a, r1, b, r2 in _MERGE.findall(data):
                found.merged.add((column_index_from_string(a.decode().upper()), int(r1),
                                  column_index_from_string((b or a).decode().upper()), int(r2 or r1)))
                if len(found.merged) > MAX_MERGED:
                    raise RosterError(f"表格中的合并单元格超过 {MAX_MERGED} 处，请取消合并后再导入")
            cut = data.rfind(b"<")  # the last element may be cut in two: it goes on with the next chunk
            carry = data[cut:] if cut >= 0 else b""
    return found


def _open(name: str, data_only: bool = True) -> Any:
    try:
        return load_workbook(name, data_only=data_only, read_only=True)
    except MemoryError:
        raise RosterError(TOO_BIG) from None
    except Exception as exc:  # noqa: BLE001 — whatever the file's damage, the user gets one reason
        raise RosterError(f"无法读取文件“{os.path.basename(name)}”：不是有效的 .xlsx 文件，或文件已损坏") from exc


def read_roster(path: str | os.PathLike, header_aliases: Mapping[str, Sequence[str]],
                sheet: str | None = None) -> RosterSheet:
    """Find the header row among the first 10 rows and read every non-empty row under it.

    header_aliases: {key: [spellings]}, e.g. {'name': ['姓名', '名字']}. Values stay as Excel holds
    them: numbers as numbers (an ID Excel rounded to 3.20102E+17 arrives as a float), dates as
    datetime, a cell merged over several rows in each of them, and a formula whose result the file
    does not hold as FORMULA_WITHOUT_VALUE, an error value (#REF!, #N/A …) as ErrorValue and a date
    before 1900 (a negative serial number) as DateBeforeExcel — each an UnreadableCell. Without
    `sheet`, the first sheet that has a header row is used. Reading is bounded: a file past the
    limits above is refused with TOO_BIG.
    """
    with warnings.catch_warnings():
        # openpyxl warns of what it makes of a damaged file (a date past 9999 read as #VALUE! …); the
        # rows say it to the user instead, and a command prints nothing but its own lines.
        warnings.simplefilter("ignore")
        return _read_roster(path, header_aliases, sheet)


def _read_roster(path: str | os.PathLike, header_aliases: Mapping[str, Sequence[str]],
                 sheet: str | None) -> RosterSheet:
    lookup = {normalize_header(a): key for key, aliases in header_aliases.items() for a in [key, *aliases]}
    need = min(2, len(header_aliases))  # one matching cell could be a title; two make a header
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise RosterError(f"找不到文件：{name}")
    try:
        parts = _check_file(name)
    except RosterError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, SyntaxError) as exc:
        raise RosterError(f"无法读取文件“{os.path.basename(name)}”：不是有效的 .xlsx 文件，或文件已损坏") from exc
    wb = _open(name)
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise RosterError(f"文件中没有名为“{sheet}”的工作表")
        for ws in [wb[sheet]] if sheet is not None else wb.worksheets:  # worksheets: no chart sheets
            if not hasattr(ws, "reset_dimensions"):
                continue  # a chart sheet named by the user
            with zipfile.ZipFile(name) as z:
                raw = _scan(z, parts[ws.title]) if ws.title in parts else _Sheet()
            found = _read_sheet(name, ws, raw, lookup, need)
            if found is not None:
                header_row, columns, headers, rows, written = found
                unknown = [str(h).strip() for h in headers
                           if h not in (None, "") and normalize_header(h) not in lookup]
                missing = [k for k in header_aliases if k not in columns]
                return RosterSheet(ws.title, header_row, columns, unknown, missing, rows, written)
    except RosterError:
        raise
    except MemoryError:
        raise RosterError(TOO_BIG) from None
    except Exception as exc:
        raise RosterError("读取文件时出错：文件内容不完整或不是 Excel 的格式，"
                          "请在 Excel 或 WPS 中打开并另存为 .xlsx 后再导入") from exc
    finally:
        wb.close()
    expected = "、".join(str(aliases[0]) if aliases else key for key, aliases in header_aliases.items())
    raise RosterError(f"在前 {HEADER_SEARCH_ROWS} 行中没有找到表头，表头应包含这些列中的至少 {need} 列：{expected}")


class _Merged:
    """Merged ranges as the rows stream past: which range covers a column of the current row."""

    def __init__(self, ranges: set[tuple[int, int, int, int]], width: int) -> None:
        # Only the columns read matter; ranges wholly to their right are dropped.
        self.pending = sorted((r for r in ranges if r[0] <= width), key=lambda r: r[1], reverse=True)
        self.width = width
        self.cover: dict[int, tuple[int, Any]] = {}  # column -> (last row of its range, top-left value)

    def fill(self, number: int, values: list[Any], earlier: Mapping[int, Sequence[Any]]) -> None:
        """Give this row's cells inside a merged range the range's top-left value (Excel keeps no other)."""
        pending = self.pending
        while pending and pending[-1][1] <= number:
            min_col, min_row, max_col, max_row = pending.pop()
            if max_row < number:
                continue
            top = values if min_row == number else earlier.get(min_row, ())
            value = top[min_col - 1] if min_col <= len(top) else None
            for col in range(min_col, min(max_col, self.width) + 1):
                self.cover[col] = (max_row, value)
        if self.cover:
            for col, (last, value) in list(self.cover.items()):
                if last < number:
                    del self.cover[col]
                elif col <= len(values):
                    values[col - 1] = value


def _rows(ws: Any, first: int, width: int, last: int | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) from row `first`, `width` columns, through openpyxl's streaming reader."""
    for number, values in enumerate(ws.iter_rows(min_row=first, max_row=last, max_col=width, values_only=True),
                                    first):
        if number > EXCEL_MAX_ROW:
            raise RosterError(f"表格的行数超过 Excel 允许的 {EXCEL_MAX_ROW} 行，文件已损坏或不是 Excel 保存的")
        yield number, list(values)


def _read_sheet(name: str, ws: Any, raw: _Sheet, lookup: Mapping[str, str], need: int) -> tuple | None:
    ws.reset_dimensions()  # the size the file claims is not trusted: rows are read as they come
    merged = _Merged(raw.merged, MAX_COLUMNS)
    top: dict[int, list[Any]] = {}
    header_row = 0
    columns: dict[str, int] = {}
    headers: list[Any] = []
    for number, values in _rows(ws, 1, MAX_COLUMNS, HEADER_SEARCH_ROWS + 1):
        merged.fill(number, values, top)
        top[number] = values
        if not header_row and number <= HEADER_SEARCH_ROWS:
            found = _match_header(values, lookup)
            if len(found) >= need:
                header_row, columns, headers = number, found, list(values)
    if not header_row:
        return None
    first = header_row + 1
    written = {key: str(headers[col - 1]).strip() for key, col in columns.items()}
    # A two-row header (地址 over 小区/楼栋/室): the second row names more columns.
    extra = {k: c for k, c in _match_header(top.get(first, ()), lookup).items() if k not in columns}
    if extra:
        columns.update(extra)
        written.update({key: str(top[first][col - 1]).strip() for key, col in extra.items()})
        headers += [v for v in top[first] if normalize_header(v) not in map(normalize_header, headers)]
        first += 1
    while headers and headers[-1] is None:
        headers.pop()
    width = max(columns.values())
    merged = _Merged(raw.merged, width)
    for number in sorted(top):
        if number < first:
            merged.fill(number, top[number][:width], top)
    rows: list[tuple[int, dict[str, Any]]] = []
    index: dict[int, dict[str, Any]] = {}
    keys = list(columns.items())
    last = first - 1
    for number, values in _rows(ws, first, width):
        last = number
        merged.fill(number, values, top)
        record = {key: _cell(values[col - 1]) for key, col in keys}
        filled = {k: v for k, v in record.items() if v is not None and not (isinstance(v, str) and not v.strip())}
        if not filled:
            continue  # an empty row
        if all(isinstance(v, str) and lookup.get(normalize_header(v)) == k for k, v in filled.items()):
            continue  # the header again: a roster pasted from several printed pages, or a merged header cell
        if any(isinstance(v, str) and len(v) > MAX_CELL_CHARS for v in filled.values()):
            raise RosterError(TOO_BIG)
        if len(rows) >= MAX_ROWS:
            raise RosterError(TOO_BIG)
        rows.append((number, record))
        index[number] = record
    if raw.has_formulas and rows:
        _mark_formulas(name, ws.title, first, last, keys, index)
    return header_row, columns, headers, rows, written


def _mark_formulas(name: str, title: str, first: int, last: int, keys: list[tuple[str, int]],
                   index: dict[int, dict[str, Any]]) -> None:
    """Mark the empty cells of read rows that hold a formula: the file keeps no result for them."""
    width = max(col for _, col in keys)
    wb = _open(name, data_only=False)
    try:
        ws = wb[title]
        ws.reset_dimensions()
        for number, cells in enumerate(ws.iter_rows(min_row=first, max_row=last, max_col=width), first):
            record = index.get(number)
            if record is None:
                continue
            for key, col in keys:
                if record[key] is None and cells[col - 1].data_type == "f":
                    record[key] = FORMULA_WITHOUT_VALUE
    finally:
        wb.close()


def write_template(path: str | os.PathLike, title: str, headers: Sequence[str]) -> None:
    """An empty roster to fill in: title row, header row; ID, phone and number columns formatted as text."""
    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "花名册"
    n = len(headers)
    ws.cell(1, 1, title).font = Font(name="宋体", size=16, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    if n > 1:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.row_dimensions[1].height = 30
    side = Side(style="thin")
    border = Border(left=side, right=side, top=side, bottom=side)
    bold = Font(name="宋体", size=11, bold=True)
    fill = PatternFill("solid", fgColor="D9D9D9")
    centered = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for col, header in enumerate(headers, 1):
        cell = ws.cell(2, col, header)
        cell.font, cell.border, cell.fill, cell.alignment = bold, border, fill, centered
        letter = get_column_letter(col)
        is_text = any(word in header for word in TEXT_HEADER_WORDS)
        ws.column_dimensions[letter].width = 22 if is_text else max(10, 2 * len(header) + 2)
        if is_text:
            # The column style makes every typed value text, so Excel never turns an ID into 3.20102E+17.
            ws.column_dimensions[letter].number_format = "@"
            for row in range(3, 503):  # and the cells themselves, for programs that ignore column styles
                ws.cell(row, col).number_format = "@"
    ws.freeze_panes = "A3"
    wb.save(os.fspath(path))
