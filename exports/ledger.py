"""The declaration of a ledger (台账): written once, rendered to .xlsx and .pdf alike."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

Kind = Literal["text", "date", "int", "hours", "number", "id", "phone"]
FigureKind = Literal["int", "number", "hours", "percent"]
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


@dataclass(frozen=True)
class Total:
    """A totals row the renderers compute from the rows (Excel: a SUM/COUNT formula with its value).

    sums: columns added up; counts: columns whose filled cells are counted (a 人数 or 次数);
    where: (column, value) — only rows whose cell shows that value (其中已确认, 其中上门);
    label: written in the first column (or in label_key's column).
    """

    label: str = TOTAL_LABEL
    sums: tuple[str, ...] = ()
    counts: tuple[str, ...] = ()
    where: tuple[str, str] | None = None
    label_key: str | None = None


@dataclass(frozen=True)
class Figure:
    """One figure of a ledger's summary at the top (应探访 64): a number in Excel, not a sentence."""

    label: str
    value: float | int
    kind: FigureKind = "int"

    def text(self) -> str:
        if self.kind == "percent":
            return f"{self.value:.1%}"
        if self.kind in ("hours", "number"):
            return f"{self.value:.2f}"
        return str(self.value)


class Tally:
    """The totals of a ledger, counted as its rows go by (both renderers stream the rows once)."""

    def __init__(self, ledger: Ledger) -> None:
        self.columns = {c.key: c for c in ledger.columns}
        self.specs = ledger.total_specs()
        self.sums = [dict.fromkeys(t.sums, 0.0) for t in self.specs]
        self.counts = [dict.fromkeys(t.counts, 0) for t in self.specs]
        self.where = [(t.where[0], str(t.where[1])) if t.where else None for t in self.specs]
        self.rows = 0

    def add(self, row: Row) -> None:
        self.rows += 1
        get = row.get
        for where, sums, counts in zip(self.where, self.sums, self.counts):
            if where is not None and str(get(where[0]) or "") != where[1]:
                continue
            for key in sums:
                value = cell_value(self.columns[key], get(key))
                if isinstance(value, (int, float)):
                    sums[key] += value
            for key in counts:
                if get(key) not in (None, ""):
                    counts[key] += 1

    def results(self) -> list[tuple[Total, dict[str, Any]]]:
        """Each totals row as the values it shows, the label included."""
        out = []
        for spec, sums, counts in zip(self.specs, self.sums, self.counts):
            row: dict[str, Any] = {k: round(v, 2) for k, v in sums.items()}
            row.update(counts)
            row[spec.label_key or next(iter(self.columns))] = spec.label
            out.append((spec, row))
        return out


@dataclass
class Ledger:
    """A ledger: rows may be a list, a one-shot generator, or a function returning fresh rows."""

    title: str
    community: str
    period: str
    columns: Sequence[Column]
    rows: Rows = ()
    totals: Mapping[str, Any] | Sequence[Total] | None = None
    preparer: str = ""
    reviewer: str = ""
    prepared_on: date | None = None
    landscape: bool = True
    note: str | None = None
    charts: Sequence[Any] = ()  # exports.charts.Chart: drawn under the table (PDF), sheet 图表 (.xlsx)
    street: str = ""
    summary: Sequence[Figure] = ()  # figures in a small table above the rows
    seal: bool = False  # room for the unit's seal under the signatures
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

    def total_specs(self) -> list[Total]:
        """The totals rows computed from the rows (a fixed Mapping of totals is not one of them)."""
        if self.totals is None or isinstance(self.totals, Mapping):
            return []
        return list(self.totals)

    def total_row(self) -> dict[str, Any] | None:
        """Fixed totals given as values, with 合计 in the first column (unless the caller put something there)."""
        if self.totals is None or not isinstance(self.totals, Mapping):
            return None
        row = dict(self.totals)
        first = self.columns[0].key
        if row.get(first) in (None, ""):
            row[first] = TOTAL_LABEL
        return row

    def heading(self) -> tuple[str, str]:
        """The line under the title: the community on the left, the period on the right."""
        unit = " ".join(x for x in (self.street, self.community) if x)
        return (f"单位：{unit}" if unit else "", f"时间：{self.period}" if self.period else "")

    def signatures(self) -> tuple[str, str, str]:
        """制表人 / 审核人 / 制表日期, with blank room to sign by hand where no name is given."""
        blank = "\u3000" * 6
        on = self.prepared_on.isoformat() if self.prepared_on else blank
        return (f"制表人：{self.preparer or blank}", f"审核人：{self.reviewer or blank}", f"制表日期：{on}")


def clean_text(value: Any) -> str:
    """str() without control characters, with Windows line ends made plain."""
    if type(value) is str and value.isprintable():
        return value  # the common case: nothing to clean (checked in C, for every cell of every ledger)
    return _CONTROL.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n"))


def cell_value(column: Column, value: Any) -> Any:
    """The typed value a cell holds: date, int, float, str or None. Both renderers start from it."""
    if value is None or value == "":
        return None
    kind = column.kind
    if kind == "text" and type(value) is str:
        return clean_text(value)
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
    """What a printed cell shows: dates as 2026-11-23, hours as 2.50 (as Excel's 0.00), other numbers without trailing zeros."""
    typed = cell_value(column, value)
    if typed is None:
        return ""
    if isinstance(typed, date):
        return typed.isoformat()
    if column.kind == "hours" and isinstance(typed, (int, float)):
        return f"{typed:.2f}"
    if isinstance(typed, float):
        return f"{typed:.2f}".rstrip("0").rstrip(".")
    return str(typed)
