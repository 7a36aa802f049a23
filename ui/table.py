"""A table model that holds pages of rows and fetches the next page with a keyset query."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from app import privacy
from db import kinds
from db.store import Row, Store
from ui.ops import Ops

Fetch = Callable[..., list[Row]]  # fetch(store, after=, limit=, sort=, descending=)
PAGE_SIZE = 200


@dataclass(frozen=True)
class Col:
    title: str
    value: Callable[[Row], Any]
    width: int = 110
    sort: str | None = None  # the listing's sort name; None: this column does not sort


def catalog_columns(table: str, formats: dict[str, Callable[[Row], Any]] | None = None,
                    number: Callable[[Row, str], Any] | None = None) -> list[Col]:
    """A kind's list columns as the catalog declares them (db/kinds.py). `formats` shows a field
    its own way (hours, stars); `number` shows a masked one (default: always masked)."""
    formats = formats or {}
    number = number or (lambda row, key: privacy.mask_value(key, row.get(key)))

    def value(column: kinds.Column) -> Callable[[Row], Any]:
        if column.field in formats:
            return formats[column.field]
        if column.masked:
            return lambda row: number(row, column.field)
        return lambda row: row.get(column.field)

    return [Col(c.header, value(c), c.width, c.sort) for c in kinds.KINDS[table].columns]


def cell_text(column: Col, row: Row) -> str:
    value = column.value(row)
    return "" if value is None else str(value)


class PagedModel(QAbstractTableModel):
    """Rows arrive a page at a time; the view asks for more as it scrolls (fetchMore)."""

    loaded = Signal()

    def __init__(self, ops: Ops, columns: list[Col], *, color: Callable[[Row], str | None] | None = None,
                 page_size: int = PAGE_SIZE):
        super().__init__()
        self.ops = ops
        self.columns = columns
        self.color = color
        self.page_size = page_size
        self._rows: list[Row] = []
        self._fetch: Fetch | None = None
        self._pageable = False
        self.sort_name: str | None = None
        self.descending: bool | None = None
        self._exhausted = True
        self._loading = False
        self._generation = 0

    # -- queries ----------------------------------------------------------------------

    def set_query(self, fetch: Fetch, pageable: bool = True) -> None:
        """Show a new query from its first page; not pageable: one fetch holds everything (a search)."""
        self._generation += 1
        self.beginResetModel()
        self._rows = []
        self._fetch, self._pageable = fetch, pageable
        self._exhausted = False
        self._loading = False
        self.endResetModel()
        self._load(None)

    @property
    def active(self) -> bool:
        """A query has been set (the page has been shown at least once)."""
        return self._fetch is not None

    @property
    def loading(self) -> bool:
        """A page of rows has been asked for and has not arrived yet."""
        return self._loading

    def refresh(self) -> None:
        if self._fetch is not None:
            self.set_query(self._fetch, self._pageable)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A header click: the database sorts, so paging still works on the whole table."""
        name = self.columns[column].sort
        if name is None:
            return
        self.sort_name = name
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.refresh()

    def _load(self, after: tuple | None) -> None:
        generation = self._generation
        self._loading = True
        fetch = self._fetch

        options: dict[str, Any] = {"after": after, "limit": self.page_size}
        if self.sort_name:
            options.update(sort=self.sort_name, descending=self.descending)

        def call(store: Store) -> list[Row]:
            return fetch(store, **options)

        self.ops.run(call, on_done=lambda rows: self._arrived(generation, rows))

    def _arrived(self, generation: int, rows: list[Row]) -> None:
        if generation != self._generation:
            return  # a newer query replaced this one while it ran
        self._loading = False
        self._exhausted = not self._pageable or len(rows) < self.page_size
        if rows:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self.loaded.emit()

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading and bool(self._rows)

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            last = self._rows[-1]
            self._load((last["_sort"], last["id"]))

    # -- reading ----------------------------------------------------------------------

    def row(self, index: int) -> Row:
        return self._rows[index]

    def rows(self) -> list[Row]:
        return list(self._rows)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return cell_text(self.columns[index.column()], row)
        if role == Qt.ItemDataRole.ForegroundRole and self.color:
            color = self.color(row)
            return QColor(color) if color else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title
        return None


def list_table(headers: tuple[str, ...] | list[str] | list[Col], *, single: bool = True):
    """A read-only QTableWidget of whole rows (a dialog's short list): headers, no row numbers.
    Given Cols (catalog_columns), it takes their titles and widths."""
    from PySide6.QtWidgets import QAbstractItemView, QTableWidget

    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels([h.title if isinstance(h, Col) else h for h in headers])
    for i, header in enumerate(headers):
        if isinstance(header, Col):
            table.setColumnWidth(i, header.width)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    return table
