"""A list page: paged table, search as you type, filters, and add/edit/delete through a form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import privacy
from db.store import Row
from ui.context import Context, touches
from ui.forms import Field, FormDialog
from ui.importer import choose_and_import, save_template
from ui.table import Col, PagedModel

SEARCH_DELAY_MS = 150


class RecordPage(QWidget):
    """Subclasses declare the columns, the query, the form and the services."""

    title = ""
    table = ""  # the table this page lists and writes
    shows: frozenset[str] = frozenset()  # every table whose changes alter the list (default: table)
    noun = "记录"
    empty_hint = ""
    searchable = True
    editable = True
    roster: str | None = None  # people | volunteers | elders: the page offers Excel import
    filters: dict[str, tuple[str, ...]] = {}  # label → options ('' first means 全部)
    search_hint = "搜索：姓名、拼音首字母、身份证或电话片段 (Ctrl+F)"
    revealable = False  # the list shows masked ID numbers/phones: 显示完整号码 (Ctrl+R) reveals one row

    def __init__(self, ctx: Context):
        super().__init__()
        self.ctx = ctx
        self.ops = ctx.ops
        self.model = PagedModel(self.ops, self.columns(), color=self.row_color)
        self.model.loaded.connect(self._loaded)
        self.dialog: FormDialog | None = None
        self.revealed: dict[str, dict[str, str]] = {}  # record id → its full numbers (one record at most)
        self._build()
        ctx.changed.connect(self._maybe_refresh)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.reload)

    # -- for subclasses ---------------------------------------------------------------

    def columns(self) -> list[Col]:
        raise NotImplementedError

    def query(self, search: str, filters: dict[str, str]) -> tuple[Callable, bool]:
        """(fetch(store, after=, limit=, sort=, descending=), pageable) for the search and filters."""
        raise NotImplementedError

    def filter_options(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)

    def form_fields(self) -> list[Field]:
        return []

    def validate(self, values: dict[str, Any]) -> Any:
        return values

    def add(self, store, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update(self, store, record_id: str, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def delete(self, store, record_id: str) -> Any:
        raise NotImplementedError

    def form_values(self, row: Row) -> dict[str, Any]:
        return dict(row)

    def row_color(self, row: Row) -> str | None:
        return None

    def extra_buttons(self) -> list[QPushButton]:
        return []

    def keep_on_new(self) -> tuple[str, ...] | None:
        return None

    # -- building ---------------------------------------------------------------------

    def _build(self) -> None:
        bar = QHBoxLayout()
        self.new_button = QPushButton("新建 (Ctrl+N)")
        self.edit_button = QPushButton("编辑 (Enter)")
        self.delete_button = QPushButton("删除 (Del)")
        self.new_button.clicked.connect(self.new_record)
        self.edit_button.clicked.connect(self.edit_current)
        self.delete_button.clicked.connect(self.delete_current)
        for button in (self.new_button, self.edit_button, self.delete_button, *self.extra_buttons()):
            bar.addWidget(button)
        if self.revealable:
            self.reveal_button = QPushButton("显示完整号码 (Ctrl+R)")
            self.reveal_button.clicked.connect(self.reveal_current)
            bar.addWidget(self.reveal_button)
        if self.roster:
            importing = QPushButton("从 Excel 导入…")
            importing.clicked.connect(lambda: choose_and_import(self, self.ctx, self.roster))
            template = QPushButton("空白模板…")
            template.clicked.connect(lambda: save_template(self, self.ctx, self.roster))
            bar.addWidget(importing)
            bar.addWidget(template)
        bar.addStretch()
        self.filter_boxes: dict[str, QComboBox] = {}
        self.filters = self.filter_options()
        for label, options in self.filters.items():
            box = QComboBox()
            box.addItems([o or f"全部{label}" for o in options])
            box.currentIndexChanged.connect(self.reload)
            box.setAccessibleName(label)
            self.filter_boxes[label] = box
            bar.addWidget(box)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.search_hint)
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.search.textChanged.connect(lambda _: self._timer.start())
        self.search.setVisible(self.searchable)
        bar.addWidget(self.search)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        for i, col in enumerate(self.model.columns):
            self.view.setColumnWidth(i, col.width)
        header = self.view.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the listing's own order until a click
        header.sectionClicked.connect(self._header_clicked)
        self.view.doubleClicked.connect(lambda _: self.edit_current())
        self.view.activated.connect(lambda _: self.edit_current())
        self.hint = QLabel(self.empty_hint)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555; padding: 8px; background: #f4f6f8;")
        self.hint.hide()
        heading = QLabel(self.title)
        heading.setStyleSheet("font-size: 16px; font-weight: bold;")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(bar)
        layout.addWidget(self.hint)
        self.extend_layout(layout)
        layout.addWidget(self.view, 1)
        self.below_table(layout)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_record)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search.setFocus)
        if self.revealable:
            QShortcut(QKeySequence("Ctrl+R"), self, activated=self.reveal_current)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.view, activated=self.delete_current)
        if not self.form_fields():
            self.new_button.hide()
        if not self.form_fields() or not self.editable:
            self.edit_button.hide()

    def _header_clicked(self, column: int) -> None:
        header = self.view.horizontalHeader()
        if self.model.columns[column].sort is None:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            return
        self.model.sort(column, header.sortIndicatorOrder())

    def extend_layout(self, layout: QVBoxLayout) -> None:
        """Room above the table for a subclass."""

    def below_table(self, layout: QVBoxLayout) -> None:
        """Room below the table for a subclass."""

    # -- data -------------------------------------------------------------------------

    def filter_values(self) -> dict[str, str]:
        return {label: self.filters[label][box.currentIndex()] for label, box in self.filter_boxes.items()}

    def reload(self) -> None:
        self.revealed = {}  # a new listing shows every number masked again
        fetch, pageable = self.query(self.search.text().strip(), self.filter_values())
        self.model.set_query(fetch, pageable)

    def _maybe_refresh(self, changes: frozenset[str]) -> None:
        if touches(changes, self.shows or {self.table}) and self.model.active:
            self.reload()

    def _loaded(self) -> None:
        empty = self.model.rowCount() == 0 and not self.search.text() and bool(self.empty_hint)
        self.hint.setVisible(empty)
        if self.model.rowCount() and not self.view.currentIndex().isValid():
            self.view.selectRow(0)

    def current_row(self) -> Row | None:
        index = self.view.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    # -- personal numbers ---------------------------------------------------------------

    def number(self, row: Row, key: str) -> str:
        """An ID number or phone as the list shows it: masked, unless this row was revealed."""
        full = self.revealed.get(row["id"], {}).get(key)
        return full if full is not None else privacy.mask_value(key, row.get(key))

    def reveal_current(self) -> None:
        """Show the selected row's full numbers (the only row shown so); the reveal is audited."""
        index = self.view.currentIndex()
        row = self.current_row()
        if row is None or not self.revealable:
            return
        record_id, number = row["id"], index.row()

        def shown(full: dict[str, str]) -> None:
            self.revealed = {record_id: full}
            last = self.model.columnCount() - 1
            self.model.dataChanged.emit(self.model.index(0, 0), self.model.index(self.model.rowCount() - 1, last))
            if 0 <= number < self.model.rowCount():
                self.view.selectRow(number)

        self.ops.run(privacy.reveal, self.table, record_id, on_done=shown)

    # -- actions ----------------------------------------------------------------------

    def announce(self, text: str) -> QMessageBox:
        """A short non-blocking notice, e.g. where a document was saved."""
        box = QMessageBox(QMessageBox.Icon.Information, self.title, text, QMessageBox.StandardButton.Ok, self)
        box.button(QMessageBox.StandardButton.Ok).setText("知道了")
        box.open()
        self.notice_box = box
        return box

    def open_form(self, title: str, values: dict[str, Any] | None, save: Callable,
                  draft_key: str | None = None) -> FormDialog:
        """The add or edit form; with a draft key what is typed survives a crash (ui/forms.py)."""
        self.dialog = FormDialog(
            self, self.ops, title, self.form_fields(), validate=self.validate, save=save, values=values,
            keep_on_new=self.keep_on_new(), notice=self.notice, draft_key=draft_key,
        )
        self.dialog.open()
        return self.dialog

    def notice(self, values: dict[str, Any]) -> str | None:
        return None

    def new_record(self) -> None:
        if self.form_fields():
            self.open_form(f"新建{self.noun}", None, self.add, draft_key=f"{self.table}.new")

    def load(self, store, record_id: str) -> Row:
        """The whole record for the edit form (list rows hold only what the table shows)."""
        raise NotImplementedError

    def edit_current(self) -> None:
        row = self.current_row()
        if row is None or not self.form_fields() or not self.editable:
            return
        record_id = row["id"]

        def opened(record: Row) -> None:
            self.open_form(f"编辑{self.noun}", self.form_values(record),
                           lambda store, values: self.update(store, record_id, values),
                           draft_key=f"{self.table}.edit:{record_id}")

        def load(store, rid: str) -> Row:
            record = self.load(store, rid)
            # An edit form shows full numbers: a 工作人员's opening one is audited like a reveal.
            privacy.opened_for_edit(store, self.table, rid, record)
            return record

        self.ops.run(load, record_id, on_done=opened)

    def delete_current(self) -> None:
        row = self.current_row()
        if row is None:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "删除", f"把这条{self.noun}移到回收站？以后可在回收站恢复。",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.button(QMessageBox.StandardButton.Yes).setText("删除")
        box.button(QMessageBox.StandardButton.No).setText("取消")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        record_id = row["id"]

        def answered(button: int) -> None:
            if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
                self.ops.run(self.delete, record_id)

        box.finished.connect(answered)
        self.confirm = box
        box.open()
