"""Reading rosters (花名册) back from .xlsx files that people made by hand; writing empty ones to fill in."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import iterparse

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.utils.exceptions import InvalidFileException

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


def _open(path: str | os.PathLike, read_only: bool = True) -> Any:
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise RosterError(f"找不到文件：{name}")
    with open(name, "rb") as f:
        if f.read(4) == _OLE_MAGIC:  # an old .xls, or an .xlsx locked with a password: both are OLE files
            raise RosterError("这是旧版 Excel（.xls）文件或设置了打开密码的文件：请在 Excel 或 WPS 中取消密码，"
                              "“另存为” .xlsx 格式后再导入")
    try:
        # Read-only: the sheets are read by _fast_rows below (merged cells included), not as cell objects.
        return load_workbook(name, data_only=True, read_only=read_only)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RosterError(f"无法读取文件“{os.path.basename(name)}”：不是有效的 .xlsx 文件，或文件已损坏"
                          f"（{type(exc).__name__}）") from exc


def read_roster(path: str | os.PathLike, header_aliases: Mapping[str, Sequence[str]],
                sheet: str | None = None) -> RosterSheet:
    """Find the header row among the first 10 rows and read every non-empty row under it.

    header_aliases: {key: [spellings]}, e.g. {'name': ['姓名', '名字']}. Values stay as Excel holds
    them: numbers as numbers (an ID Excel rounded to 3.20102E+17 arrives as a float), dates as datetime.
    Without `sheet`, the first sheet that has a header row is used.
    """
    lookup = {normalize_header(a): key for key, aliases in header_aliases.items() for a in [key, *aliases]}
    need = min(2, len(header_aliases))  # one matching cell could be a title; two make a header
    wb = _open(path)
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise RosterError(f"文件中没有名为“{sheet}”的工作表")
        for ws in [wb[sheet]] if sheet is not None else wb.worksheets:  # worksheets: no chart sheets
            found = _read_sheet(_sheet_rows(wb, ws, path), lookup, need)
            if found is not None:
                header_row, columns, headers, rows = found
                unknown = [str(h).strip() for h in headers
                           if h not in (None, "") and normalize_header(h) not in lookup]
                missing = [k for k in header_aliases if k not in columns]
                return RosterSheet(ws.title, header_row, columns, unknown, missing, rows)
    except RosterError:
        raise
    except Exception as exc:
        raise RosterError(f"读取文件时出错：{exc}") from exc
    finally:
        wb.close()
    expected = "、".join(str(aliases[0]) if aliases else key for key, aliases in header_aliases.items())
    raise RosterError(f"在前 {HEADER_SEARCH_ROWS} 行中没有找到表头，表头应包含这些列中的至少 {need} 列：{expected}")


def _sheet_rows(wb: Any, ws: Any, path: str | os.PathLike) -> list[tuple[Any, ...]]:
    """Every row of the sheet as values, from row 1, merged ranges filled with their top-left value."""
    try:
        rows, merged = _fast_rows(wb, ws)
    except Exception:  # noqa: BLE001 — anything _fast_rows does not know: openpyxl reads it, slowly
        return _openpyxl_rows(path, ws.title)
    if rows is None:
        return _openpyxl_rows(path, ws.title)
    for min_col, min_row, max_col, max_row in merged:
        top = rows.get(min_row, ())
        value = top[min_col - 1] if min_col <= len(top) else None
        for r in range(min_row, max_row + 1):
            row = rows.setdefault(r, []) if value is not None else rows.get(r, [])
            if value is not None and len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            for c in range(min_col - 1, min(max_col, len(row))):
                row[c] = value  # Excel keeps nothing but the top-left value of a merged range
    last = max(rows, default=0)
    return [tuple(rows.get(r, ())) for r in range(1, last + 1)]


def _openpyxl_rows(path: str | os.PathLike, title: str) -> list[tuple[Any, ...]]:
    """The same rows through openpyxl's normal mode, which knows merged cells."""
    wb = _open(path, read_only=False)
    try:
        ws = wb[title]
        _fill_merged(ws)
        return list(ws.iter_rows(values_only=True))
    finally:
        wb.close()


_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)$")
_RANGE_REF = re.compile(r"([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)$")


def _fast_rows(wb: Any, ws: Any) -> tuple[dict[int, list[Any]] | None, list[tuple[int, int, int, int]]]:
    """The sheet's values read straight from its XML: {row number: values}, merged ranges.

    openpyxl's read-only mode makes a dict per cell and knows nothing of merged cells; its normal
    mode builds every cell object: 10,000 rows took 1.5 s either way. This reads values as
    openpyxl's data_only mode does (numbers, dates by their number format, shared and inline
    strings, booleans, errors, cached formula results) in a quarter of the time. None when the
    workbook is not what it expects (then openpyxl reads the sheet).
    """
    archive = getattr(wb, "_archive", None)
    part = getattr(ws, "_worksheet_path", None)
    date_formats = getattr(wb, "_date_formats", None)
    shared = getattr(ws, "_shared_strings", None)
    if archive is None or part is None or date_formats is None or shared is None:
        return None, []
    timedelta_formats = getattr(wb, "_timedelta_formats", set())
    epoch = wb.epoch
    rows: dict[int, list[Any]] = {}
    merged: list[tuple[int, int, int, int]] = []
    columns: dict[str, int] = {}
    ns = None
    row_number = 0
    with archive.open(part) as source:
        for _, el in iterparse(source):
            tag = el.tag
            if ns is None:
                ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
                v_tag, is_tag, t_tag, r_tag, c_tag = (ns + t for t in ("v", "is", "t", "r", "c"))
                row_tag, merge_tag = ns + "row", ns + "mergeCell"
            if tag == row_tag:
                r = el.get("r")
                row_number = int(float(r)) if r else row_number + 1
                values: list[Any] = []
                col = 0
                for cell in el:
                    if cell.tag != c_tag:
                        continue
                    ref = cell.get("r")
                    if ref:
                        match = _CELL_REF.match(ref)
                        if match is None:
                            return None, []
                        letters = match.group(1)
                        col = columns.get(letters) or columns.setdefault(letters, column_index_from_string(letters))
                    else:
                        col += 1
                    kind = cell.get("t", "n")
                    value: Any = None
                    if kind == "inlineStr":
                        inline = cell.find(is_tag)
                        if inline is not None:  # plain text and rich-text runs; not the phonetic guide
                            plain = inline.find(t_tag)
                            value = "".join([plain.text or ""] if plain is not None else []) + "".join(
                                t.text or "" for run in inline.iter(r_tag) for t in run.iter(t_tag))
                    else:
                        text = cell.findtext(v_tag) or None
                        if text is not None:
                            if kind == "n":
                                value = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
                                style = cell.get("s")
                                if style and int(style) in date_formats:
                                    try:
                                        value = from_excel(value, epoch, timedelta=int(style) in timedelta_formats)
                                    except (OverflowError, ValueError):
                                        value = "#VALUE!"
                            elif kind == "s":
                                value = shared[int(text)]
                            elif kind == "b":
                                value = bool(int(text))
                            elif kind == "d":
                                value = from_ISO8601(text)
                            else:  # str (a formula's text result), e (an error such as #N/A)
                                value = text
                    if value is not None:
                        if len(values) < col:
                            values.extend([None] * (col - len(values)))
                        values[col - 1] = value
                rows[row_number] = values
                el.clear()
            elif tag == merge_tag:
                match = _RANGE_REF.match(el.get("ref") or "")
                if match is not None:
                    a, r1, b, r2 = match.groups()
                    merged.append((column_index_from_string(a), int(r1), column_index_from_string(b), int(r2)))
    return rows, merged


def _fill_merged(ws: Any) -> None:
    """Give every cell of a merged range the top-left value: a 楼栋 merged over ten rows belongs to all ten."""
    for merged in list(ws.merged_cells.ranges):
        value = ws.cell(merged.min_row, merged.min_col).value
        ws.unmerge_cells(str(merged))
        if value is not None:
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    ws.cell(row, col).value = value


def _read_sheet(sheet_rows: list[tuple[Any, ...]], lookup: Mapping[str, str], need: int) -> tuple | None:
    header_row = 0
    columns: dict[str, int] = {}
    headers: list[Any] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(sheet_rows, 1):
        if not header_row:
            if number > HEADER_SEARCH_ROWS:
                return None
            found = _match_header(values, lookup)
            if len(found) >= need:
                header_row, columns, headers = number, found, list(values)
            continue
        if number == header_row + 1:
            # A two-row header (地址 over 小区/楼栋/室): the second row names more columns.
            extra = {k: c for k, c in _match_header(values, lookup).items() if k not in columns}
            if extra:
                columns.update(extra)
                headers += [v for v in values if normalize_header(v) not in map(normalize_header, headers)]
                continue
        record = {key: values[col - 1] if col <= len(values) else None for key, col in columns.items()}
        filled = {k: v for k, v in record.items() if v is not None and not (isinstance(v, str) and not v.strip())}
        if not filled:
            continue  # an empty row
        if all(isinstance(v, str) and lookup.get(normalize_header(v)) == k for k, v in filled.items()):
            continue  # the header again: a roster pasted from several printed pages, or a merged header cell
        rows.append((number, record))
    return (header_row, columns, headers, rows) if header_row else None


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
