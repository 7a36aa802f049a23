"""Reading rosters (花名册) back from .xlsx files that people made by hand; writing empty ones to fill in."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
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


def _open(path: str | os.PathLike) -> Any:
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise RosterError(f"找不到文件：{name}")
    with open(name, "rb") as f:
        if f.read(4) == _OLE_MAGIC:  # an old .xls, or an .xlsx locked with a password: both are OLE files
            raise RosterError("这是旧版 Excel（.xls）文件或设置了打开密码的文件：请在 Excel 或 WPS 中取消密码，"
                              "“另存为” .xlsx 格式后再导入")
    try:
        # Not read-only: that mode knows nothing of merged cells, and rosters are small.
        return load_workbook(name, data_only=True)
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
            found = _read_sheet(ws, lookup, need)
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


def _fill_merged(ws: Any) -> None:
    """Give every cell of a merged range the top-left value: a 楼栋 merged over ten rows belongs to all ten."""
    for merged in list(ws.merged_cells.ranges):
        value = ws.cell(merged.min_row, merged.min_col).value
        ws.unmerge_cells(str(merged))
        if value is not None:
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    ws.cell(row, col).value = value


def _read_sheet(ws: Any, lookup: Mapping[str, str], need: int) -> tuple | None:
    _fill_merged(ws)
    header_row = 0
    columns: dict[str, int] = {}
    headers: list[Any] = []
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(ws.iter_rows(values_only=True), 1):
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
