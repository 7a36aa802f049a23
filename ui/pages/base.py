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
from ui.table import Col, PagedModel, catalog_columns

SEARCH_DELAY_MS = 150


class RecordPage(QWidget):
    """Subclasses declare the query, the form and the services; the columns are the catalog's."""

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
    reveal_key = "Ctrl+R"  # a page whose Ctrl+R does something else names another key

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
        """The list's columns as the catalog declares them for this page's kind (db/kinds.py)."""
        return catalog_columns(self.table, self.formats(), self.number)

    def formats(self) -> dict[str, Callable[[Row], Any]]:
        """How the list shows a field that it does not show as it is (hours, stars, joined parts), by field."""
        return {}

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
            self.reveal_button = QPushButton(f"显示完整号码 ({self.reveal_key})")
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
        # Filters and search sit on the title's line: with the buttons on one line the page was
        # wider than a 1280-point screen (1920×1080 at 150 %).
        tools = QHBoxLayout()
        self.filter_boxes: dict[str, QComboBox] = {}
        self.filters = self.filter_options()
        for label, options in self.filters.items():
            box = QComboBox()
            box.addItems([o or f"全部{label}" for o in options])
            box.currentIndexChanged.connect(self.reload)
            box.setAccessibleName(label)
            self.filter_boxes[label] = box
            tools.addWidget(box)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.search_hint)
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.search.textChanged.connect(lambda _: self._timer.start())
        self.search.setVisible(self.searchable)
        self.search.returnPressed.connect(self.open_first)
        self.search.installEventFilter(self)
        tools.addWidget(self.search)
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
        self.view.installEventFilter(self)
        self.count = QLabel("")
        self.count.setStyleSheet("color: #555;")
        self._open_when_loaded = False
        self.hint = QLabel(self.empty_hint)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555; padding: 8px; background: #f4f6f8;")
        self.hint.hide()
        heading = QLabel(self.title)
        heading.setStyleSheet("font-size: 16px; font-weight: bold;")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch()
        top.addLayout(tools)
        layout.addLayout(top)
        layout.addLayout(bar)
        layout.addWidget(self.hint)
        self.extend_layout(layout)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count)
        self.below_table(layout)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.new_record)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search.setFocus)
        if self.revealable:
            QShortcut(QKeySequence(self.reveal_key), self, activated=self.reveal_current)
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
        rows = self.model.rowCount()
        empty = rows == 0 and not self.search.text() and bool(self.empty_hint)
        self.hint.setVisible(empty)
        if rows and not self.view.currentIndex().isValid():
            self.view.selectRow(0)
        searching = bool(self.search.text().strip()) or any(box.currentIndex() for box in self.filter_boxes.values())
        if rows == 0:
            self.count.setText("没找到符合条件的记录。" if searching else "")
        elif self.model.canFetchMore():
            self.count.setText(f"已显示前 {rows} 条，向下滚动显示更多")
        else:
            self.count.setText(f"{'找到' if searching else '共'} {rows} 条")
        if self._open_when_loaded:
            self._open_when_loaded = False
            if rows:
                self.view.setFocus()
                self.edit_current()

    # -- keys -------------------------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() != event.Type.KeyPress:
            return super().eventFilter(watched, event)
        if watched is self.search and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            # Down leaves the search box for the results, on the first (or the selected) row.
            if self._timer.isActive():
                self._timer.stop()
                self.reload()
            self.view.setFocus()
            if self.model.rowCount() and not self.view.currentIndex().isValid():
                self.view.selectRow(0)
            return True
        if watched is self.view and self.searchable and self._typed(event):
            # Typing in the list searches: the letters go on in the search box.
            self.search.setFocus()
            self.search.setText(event.text())
            return True
        return super().eventFilter(watched, event)

    @staticmethod
    def _typed(event) -> bool:
        text = event.text()
        plain = not (event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier))
        return plain and len(text) == 1 and text.isprintable() and not text.isspace()

    def open_first(self) -> None:
        """Enter in the search box opens the selected result (the first one), once the search is done."""
        if self._timer.isActive() or not self.model.active or self.model.loading:
            self._open_when_loaded = True
            if self._timer.isActive() or not self.model.active:
                self._timer.stop()
                self.reload()
            return
        if self.model.rowCount():
            self.view.setFocus()
            self.edit_current()

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

        self.ops.run(privacy.reveal, self.reveal_table(row), record_id, on_done=shown)

    def reveal_table(self, row: Row) -> str:
        """The table a list row's record is in (a page listing two tables says which)."""
        return self.table

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
        dialog = self.dialog
        self.dialog.saved.connect(lambda result: self.ctx.say(self.saved_text(title, dialog, result)))
        self.dialog.open()
        return self.dialog

    def saved_text(self, title: str, dialog: FormDialog, result: Any) -> str:
        """The status bar's line after a save: what was saved, in a few words."""
        what = dialog.summary()
        verb = "已修改" if title.startswith("编辑") else "已保存"
        return f"{verb}{self.noun}{f'“{what}”' if what else ''}"

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
