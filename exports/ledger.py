"""The declaration of a ledger (台账): written once, rendered to .xlsx and .pdf alike."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

Kind = Literal["text", "date", "int", "hours", "number", "id", "phone"]
Align = Literal["left", "center", "right"]
Row = Mapping[str, Any]
Rows = Iterable[Row] | Callable[[], Iterable[Row]]

KINDS: frozenset[str] = frozenset(("text", "date", "int", "hours", "number", "id", "phone"))
TOTAL_LABEL = "合计"
EMPTY_TEXT = "（本期无记录）"  # printed instead of an empty table, so a blank ledger is plainly on purpose
_DEFAULT_ALIGN: dict[str, Align] = {
    "text": "left", "date": "center", "int": "center", "hours": "right",
    "number": "right", "id": "center", "phone": "center",
}
# Control characters Excel refuses and PDFs draw as boxes; tabs and newlines stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Column:
    """One column: width in half-width characters (Excel's column-width unit; a Chinese character counts 2).

    kind: text, date (date, datetime or ISO text), int, hours and number (rounded to 2 decimals),
    id and phone (always text: Excel would turn 18 digits into 3.20102E+17). align defaults by kind.
    """

    key: str
    title: str
    width: float = 10
    kind: Kind = "text"
    align: Align | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r} for {self.key!r}")
        if self.align not in (None, "left", "center", "right"):
            raise ValueError(f"unknown alignment {self.align!r} for {self.key!r}")
        if not self.width > 0:
            raise ValueError(f"column {self.key!r} needs a positive width")

    @property
    def alignment(self) -> Align:
        return self.align or _DEFAULT_ALIGN[self.kind]


@dataclass
class Ledger:
    """A ledger: rows may be a list, a one-shot generator, or a function returning fresh rows."""

    title: str
    community: str
    period: str
    columns: Sequence[Column]
    rows: Rows = ()
    totals: Mapping[str, Any] | None = None
    preparer: str = ""
    reviewer: str = ""
    prepared_on: date | None = None
    landscape: bool = True
    note: str | None = None
    charts: Sequence[Any] = ()  # exports.charts.Chart: drawn under the table (PDF), sheet 图表 (.xlsx)
    _consumed: bool = field(default=False, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.columns = tuple(self.columns)
        if not self.columns:
            raise ValueError("a ledger needs at least one column")
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"duplicate column keys in {keys}")

    def iter_rows(self) -> Iterator[Row]:
        """The data rows; a generator can be rendered only once, so a second render fails loudly."""
        if callable(self.rows):
            return iter(self.rows())  # fresh rows for every renderer
        source = self.rows
        if iter(source) is source:  # an iterator: the second renderer would silently get no rows
            if self._consumed:
                raise RuntimeError(f"台账“{self.title}”的数据行是生成器，已经输出过一次；"
                                   "请传入列表或返回新生成器的函数")
            self._consumed = True
        return iter(source)

    def total_row(self) -> dict[str, Any] | None:
        """The totals row with 合计 in the first column (unless the caller put something there)."""
        if self.totals is None:
            return None
        row = dict(self.totals)
        first = self.columns[0].key
        if row.get(first) in (None, ""):
            row[first] = TOTAL_LABEL
        return row

    def heading(self) -> tuple[str, str]:
        """The line under the title: the community on the left, the period on the right."""
        return (f"单位：{self.community}" if self.community else "", f"时间：{self.period}" if self.period else "")

    def signatures(self) -> tuple[str, str, str]:
        """制表人 / 审核人 / 制表日期, with blank room to sign by hand where no name is given."""
        blank = "\u3000" * 6
        on = self.prepared_on.isoformat() if self.prepared_on else blank
        return (f"制表人：{self.preparer or blank}", f"审核人：{self.reviewer or blank}", f"制表日期：{on}")


def clean_text(value: Any) -> str:
    """str() without control characters, with Windows line ends made plain."""
    return _CONTROL.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))


def cell_value(column: Column, value: Any) -> Any:
    """The typed value a cell holds: date, int, float, str or None. Both renderers start from it."""
    if value is None or value == "":
        return None
    kind = column.kind
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = clean_text(value).strip()
        # ISO text straight from the database (`2026-11-23`, or a timestamp): a real date.
        if _ISO_DATE.match(text) and (len(text) == 10 or text[10] in "T "):
            try:
                return date.fromisoformat(text[:10])
            except ValueError:
                pass
        return text  # anything else (`2026年上半年`) is printed as given
    if kind == "int" and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return int(value) if value == int(value) else float(value)
    if kind in ("hours", "number", "int") and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        # Two decimals, as the app shows hours (`12.5 小时`); both renderers see the same number.
        number = round(float(value), 2)
        return int(number) if number == int(number) else number
    return clean_text(value)


def cell_text(column: Column, value: Any) -> str:
    """What a printed cell shows: dates as 2026-11-23, numbers without trailing zeros."""
    typed = cell_value(column, value)
    if typed is None:
        return ""
    if isinstance(typed, date):
        return typed.isoformat()
    if isinstance(typed, float):
        return f"{typed:.2f}".rstrip("0").rstrip(".")
    return str(typed)
