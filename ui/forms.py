"""Record forms built from field declarations, validated as the user types."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from shiboken6 import isValid

from app.drafts import discard_draft, load_draft, save_draft
from app.errors import UserError, ValidationError
from app.people import id_facts, person_facts, search_people
from app.validation import mask_id_number
from ui.ops import Ops

DRAFT_DELAY_MS = 1000  # a draft is saved this long after the last change: often enough, not per key
RESTORED_NOTE = "已恢复上次未保存的内容"
MULTI_PER_ROW = 4
FRAME_ROOM = 60  # points a dialog leaves free in the screen's height: its title bar and a margin


def resize_within_screen(dialog: QWidget, width: int, height: int) -> None:
    """The size a dialog would like, but no larger than the screen it opens on (1366×768 at 150 %
    leaves about 910×470 points): what does not fit scrolls inside it."""
    screen = (dialog.parentWidget() or dialog).screen().availableGeometry()
    dialog.resize(min(width, screen.width() - 20), max(min(height, screen.height() - FRAME_ROOM), 200))


def error_line() -> QLabel:
    """The red line under a field that says what to fix (hidden while the field is fine)."""
    label = QLabel("")
    label.setStyleSheet("color: #c0392b;")
    label.setWordWrap(True)
    label.hide()
    return label


def with_error_line(widget: QWidget, error: QLabel) -> QWidget:
    """A field with its error line right under it."""
    cell = QWidget()
    box = QVBoxLayout(cell)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(2)
    box.addWidget(widget)
    box.addWidget(error)
    return cell


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text | area | date | choice | multi | person | checks
    options: tuple[str, ...] = ()
    required: bool = False
    placeholder: str = ""
    search: Callable | None = None  # for person fields: search(store, text, limit=) → rows with id, name
    each: str = ""  # for checks: each ticked person may carry a value of their own (its name, e.g. 时长)
    aside: Callable[[str], str | None] | None = None  # words shown beside a text field as it is typed


class PersonPicker(QLineEdit):
    """A name box with a pinyin completer: type `zsf`, pick 张三丰. Holds the person's id."""

    picked = Signal(str)

    def __init__(self, ops: Ops, search: Callable | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ops = ops
        self.search_fn = search or search_people
        self.person_id: str | None = None
        self.row: dict | None = None  # the person picked from the suggestions (None when set by id)
        self._choices: dict[str, dict] = {}
        self._list = QStringListModel(self)
        self._completer = QCompleter(self._list, self)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.activated.connect(self._choose)
        self.setCompleter(self._completer)
        self.setPlaceholderText("输入姓名、拼音首字母、身份证或电话片段")
        self.textEdited.connect(self._search)
        self.returnPressed.connect(self._take_first)

    def set_person(self, person_id: str | None, name: str = "") -> None:
        self.person_id, self.row = person_id, None
        self.setText(name)

    def suggestions(self) -> list[str]:
        return self._list.stringList()

    def _search(self, text: str) -> None:
        self.person_id, self.row = None, None
        self.picked.emit("")
        if not text.strip():
            return
        self.ops.run(self.search_fn, text, limit=20, on_done=self._show)

    def _show(self, rows: list[dict]) -> None:
        self._choices = {_label(r): r for r in rows}
        self._list.setStringList(list(self._choices))
        if rows and self.hasFocus():
            self._completer.complete()

    def _choose(self, label: str) -> None:
        row = self._choices.get(label)
        if row:
            self.person_id, self.row = row["id"], row
            self.setText(row["name"])
            self.picked.emit(row["id"])

    def _take_first(self) -> None:
        if self.person_id is None and self._choices:
            self._choose(next(iter(self._choices)))
            self._completer.popup().hide()


def _label(row: dict) -> str:
    extra = mask_id_number(row.get("id_number")) or (row.get("phone") or "")
    return f"{row['name']}  {extra}".strip()


class CheckList(QWidget):
    """Tick several people out of many (batch entry); a filter box narrows the list by pinyin.

    From the keyboard: type initials, Space ticks the first match and selects the filter so the
    next initials replace it; Down/Up move through the matches; F2 sets this person's own value
    (a different duration in batch entry) when the form asks for one.
    """

    changed = Signal()

    def __init__(self, ops: Ops, search: Callable, parent: QWidget | None = None, each_label: str = ""):
        super().__init__(parent)
        self.ops, self.search_fn = ops, search
        self.each_label = each_label  # e.g. 时长: each ticked person may carry a value of their own
        self._filled = False
        self._pending: set[str] | None = None  # checks asked for before the list arrived (a draft)
        self._each: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self.filter = QLineEdit()
        hint = "筛选：姓名或拼音首字母；空格键勾选，↓ 选下一位"
        self.filter.setPlaceholderText(hint + ("；F2 单独设置此人" + each_label if each_label else ""))
        self.filter.textChanged.connect(self._narrow)
        self.filter.installEventFilter(self)
        self.list = QListWidget()
        self.list.setMinimumHeight(160)
        self.list.setStyleSheet("QListWidget::item { padding: 4px 2px; }")  # rows a finger's height, not 15 px
        self.list.itemChanged.connect(lambda _: self.changed.emit())
        self.list.installEventFilter(self)
        self.count = QLabel("已选 0 人")
        self.each_dialog = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        layout.addWidget(self.count)
        self.changed.connect(self._count)
        ops.run(search, "", limit=5000, on_done=self._fill)

    def _count(self) -> None:
        text = f"已选 {len(self.checked())} 人"
        if self._each:
            text += f"，其中 {len(self.each())} 人单独设置了{self.each_label}"
        self.count.setText(text)

    def _fill(self, rows: list[dict]) -> None:
        self.list.blockSignals(True)
        for row in rows:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, row["id"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self._names[row["id"]] = f"{row['name']}  {row.get('volunteer_no') or ''}".strip()
            self._label(item)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._filled = True
        if self._pending is not None:
            ids, self._pending = self._pending, None
            self.set_checked(ids)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _label(self, item: QListWidgetItem) -> None:
        key = item.data(Qt.ItemDataRole.UserRole)
        own = self._each.get(key)
        item.setText(self._names.get(key, "") + (f"　（{self.each_label} {own}）" if own else ""))

    def _narrow(self, text: str) -> None:
        if not text.strip():
            self._show_only(None)
            return
        self.ops.run(self.search_fn, text, limit=5000,
                     on_done=lambda rows: self._show_only({r["id"] for r in rows}))

    def _show_only(self, ids: set[str] | None) -> None:
        first = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            hidden = ids is not None and item.data(Qt.ItemDataRole.UserRole) not in ids
            item.setHidden(hidden)
            if not hidden and first is None:
                first = i
        if first is not None:
            self.list.setCurrentRow(first)

    # -- keys ------------------------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if event.type() != event.Type.KeyPress or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return super().eventFilter(watched, event)
        key = event.key()
        if key == Qt.Key.Key_F2 and self.each_label:
            self.ask_each()
            return True
        if watched is self.filter:
            if key == Qt.Key.Key_Space:
                self.toggle_current()
                self.filter.selectAll()  # the next initials replace these
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                self.step(1 if key == Qt.Key.Key_Down else -1)
                return True
        elif watched is self.list and event.text().isalnum() and event.text().isascii():
            # Typing in the list goes on in the filter, as a user expects of a list with a search box.
            self.filter.setFocus()
            self.filter.setText(event.text())
            return True
        return super().eventFilter(watched, event)

    def visible_rows(self) -> list[int]:
        return [i for i in range(self.list.count()) if not self.list.item(i).isHidden()]

    def step(self, delta: int) -> None:
        """Move the current row to the next (or previous) shown person."""
        rows = self.visible_rows()
        if not rows:
            return
        now = self.list.currentRow()
        at = rows.index(now) + delta if now in rows else 0
        self.list.setCurrentRow(rows[max(0, min(at, len(rows) - 1))])

    def toggle_current(self) -> None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def ask_each(self) -> None:
        """F2: this person's own value (e.g. 1小时30分 where the others served 2小时); empty clears it."""
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return
        from PySide6.QtWidgets import QInputDialog

        key = item.data(Qt.ItemDataRole.UserRole)
        box = QInputDialog(self)
        box.setWindowTitle(f"单独设置{self.each_label}")
        box.setLabelText(f"{self._names.get(key, '')} 的{self.each_label}（留空则与其他人相同）：")
        box.setTextValue(self._each.get(key, ""))
        box.setOkButtonText("确定")
        box.setCancelButtonText("取消")
        box.textValueSelected.connect(lambda text: self.set_each(key, text))
        self.each_dialog = box
        box.open()

    def set_each(self, key: str, text: str) -> None:
        text = text.strip()
        if text:
            self._each[key] = text
        else:
            self._each.pop(key, None)
        for item in self.items():
            if item.data(Qt.ItemDataRole.UserRole) == key:
                self._label(item)
                if text:
                    item.setCheckState(Qt.CheckState.Checked)
        self.changed.emit()

    def each(self) -> dict[str, str]:
        """The ticked people's own values."""
        ticked = set(self.checked())
        return {k: v for k, v in self._each.items() if k in ticked}

    def set_each_all(self, values: dict[str, str]) -> None:
        self._each = {str(k): str(v) for k, v in (values or {}).items() if str(v).strip()}
        for item in self.items():
            self._label(item)

    # -- values ----------------------------------------------------------------------

    def items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count())]

    def set_checked(self, ids: set[str]) -> None:
        if not self._filled:
            self._pending = set(ids)
            return
        for item in self.items():
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in ids
                               else Qt.CheckState.Unchecked)

    def checked(self) -> list[str]:
        if not self._filled:
            return sorted(self._pending or ())
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.items()
                if item.checkState() == Qt.CheckState.Checked]


class FormDialog(QDialog):
    """One record's form: errors appear under their field; save waits until the record is valid.

    With a draft key the values typed are kept aside as a draft (app/drafts.py) a moment after
    each change, so a crash or a power cut loses nothing; the next form opened with that key
    starts from the draft. Saving or cancelling discards it.
    """

    saved = Signal(object)
    draft_saved = Signal()  # a draft has been written (tests wait on it)
    draft_restored = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        ops: Ops,
        title: str,
        fields: list[Field],
        *,
        validate: Callable[[dict[str, Any]], Any],
        save: Callable[..., Any],
        values: dict[str, Any] | None = None,
        keep_on_new: tuple[str, ...] | None = None,
        notice: Callable[[dict[str, Any]], str | None] | None = None,
        draft_key: str | None = None,
        writes_file: bool = False,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.draft_key = draft_key
        # save writes a file too (a certificate's PDF): on the file worker, so lists answer meanwhile
        self.writes_file = writes_file
        self._quiet = False  # values set by the program (defaults, a restored draft) are not the user's edits
        self._edited = False
        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self._save_draft)
        self.ops, self.fields, self.validate_fn, self.save_fn = ops, fields, validate, save
        self.keep_on_new = keep_on_new
        self.notice_fn = notice
        self.widgets: dict[str, Any] = {}
        self.errors: dict[str, QLabel] = {}
        self.asides: dict[str, QLabel] = {}  # gender, birth date and age beside an ID number or a person
        self.rows: dict[str, QWidget] = {}  # each field's row (widget, aside, error line), to hide it
        self._touched: set[str] = set()
        self._saving = False
        self._focused = False
        self.focus_key: str | None = None  # the field the cursor starts in (None: the first)
        self.confirm: QMessageBox | None = None
        self._build(values or {})
        for key in self.asides:
            self._update_aside(key)
        if values and any(k in values for k in ("id", "created_at")):
            self._touched.update(self.widgets)  # an existing record: show every problem at once
        self._check()
        if draft_key:
            self.ops.run(load_draft, draft_key, on_done=self._restore_draft)

    # -- building ------------------------------------------------------------------

    def _build(self, values: dict[str, Any]) -> None:
        self.form = form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for spec in self.fields:
            widget = self._make(spec, values.get(spec.key))
            self.widgets[spec.key] = widget
            error = error_line()
            self.errors[spec.key] = error
            shown = widget
            if spec.aside or spec.kind == "person":
                shown = self._with_aside(spec.key, widget)
            self.rows[spec.key] = row = with_error_line(shown, error)
            form.addRow(spec.label + ("*" if spec.required else ""), row)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addLayout(form)
        column.addStretch(1)  # spare height goes below the fields, not into them
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.notice = QLabel("")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.restored_note = QLabel(RESTORED_NOTE)
        self.restored_note.setStyleSheet("color: #1e6fb8;")
        self.restored_note.hide()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.message.hide()
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("保存 (Ctrl+S)", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        self.save_new_button: QPushButton | None = None
        if self.keep_on_new is not None:
            self.save_new_button = self.buttons.addButton("保存并新建 (Ctrl+Shift+S)",
                                                          QDialogButtonBox.ButtonRole.ApplyRole)
            self.save_new_button.clicked.connect(lambda: self.submit(again=True))
            QShortcut(QKeySequence("Ctrl+Shift+S"), self, activated=lambda: self.submit(again=True))
        cancel = self.buttons.addButton("取消 (Esc)", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.clicked.connect(self.reject)
        self.save_button.clicked.connect(lambda: self.submit())
        QShortcut(QKeySequence("Ctrl+S"), self, activated=lambda: self.submit())
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(self.restored_note)
        layout.addWidget(self.notice)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self._fit_to_screen(inner)

    def _fit_to_screen(self, inner: QWidget) -> None:
        """As tall as the fields need, never taller than the screen (at 150 % a 1080-pixel screen
        is 720 points, with a taskbar): the fields scroll inside, the buttons stay in sight."""
        screen = (self.parentWidget() or self).screen()
        room = screen.availableGeometry().height() - FRAME_ROOM
        wanted = inner.sizeHint().height() + self.buttons.sizeHint().height() + 48
        self.resize(560, max(min(wanted, room), 200))

    def _make(self, spec: Field, value: Any) -> Any:
        changed = lambda *_: self._changed(spec.key)  # noqa: E731
        if spec.kind == "area":
            widget = QPlainTextEdit(str(value or ""))
            widget.setTabChangesFocus(True)
            widget.setFixedHeight(64)
            widget.textChanged.connect(changed)
        elif spec.kind == "choice":
            widget = QComboBox()
            widget.addItems(list(spec.options))
            if value:
                widget.setCurrentText(str(value))
            widget.currentTextChanged.connect(changed)
        elif spec.kind == "multi":
            widget = QWidget()
            grid = QGridLayout(widget)  # rows of a few boxes: ten in one row scroll sideways on a laptop
            grid.setContentsMargins(0, 0, 0, 0)
            chosen = set(value or [])
            widget.boxes = {}  # type: ignore[attr-defined]
            for number, option in enumerate(spec.options):
                box = QCheckBox(option)
                box.setChecked(option in chosen)
                box.toggled.connect(changed)
                grid.addWidget(box, number // MULTI_PER_ROW, number % MULTI_PER_ROW)
                widget.boxes[option] = box  # type: ignore[attr-defined]
            grid.setColumnStretch(MULTI_PER_ROW, 1)
        elif spec.kind == "checks":
            widget = CheckList(self.ops, spec.search, each_label=spec.each)
            widget.changed.connect(changed)
        elif spec.kind == "person":
            widget = PersonPicker(self.ops, spec.search)
            if isinstance(value, dict):
                widget.set_person(value.get("id"), value.get("name", ""))
            widget.picked.connect(changed)
        else:
            if spec.kind == "date" and value is None:
                value = self.ops.store.clock.today().isoformat()
            widget = QLineEdit("" if value is None else str(value))
            widget.setPlaceholderText(spec.placeholder or ("2026-05-01 或 2026年5月1日" if spec.kind == "date" else ""))
            widget.textChanged.connect(changed)
        return widget

    def _with_aside(self, key: str, widget: QWidget) -> QWidget:
        aside = QLabel("")
        aside.setStyleSheet("color: #555;")
        aside.hide()
        self.asides[key] = aside
        cell = QWidget()
        row = QHBoxLayout(cell)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(widget, 1)
        row.addWidget(aside)
        return cell

    def _update_aside(self, key: str) -> None:
        """What a complete ID number (or the person picked) says: 男，1980-01-01 出生，46 岁."""
        aside = self.asides.get(key)
        if aside is None:
            return
        widget = self.widgets[key]
        spec = next(s for s in self.fields if s.key == key)
        today = self.ops.store.clock.today()
        if isinstance(widget, PersonPicker):
            text = person_facts(widget.row, today) if widget.row else id_facts(widget.text(), today)
        else:
            text = spec.aside(widget.text()) if spec.aside else None
        aside.setText(text or "")
        aside.setVisible(bool(text))

    def aside_text(self, key: str) -> str:
        """The words beside a field ("" while none are shown)."""
        aside = self.asides.get(key)
        return aside.text() if aside is not None and not aside.isHidden() else ""

    def set_field_visible(self, key: str, visible: bool) -> None:
        """Show or hide one field's row (a form whose fields depend on a choice in it)."""
        self.form.setRowVisible(self.rows[key], visible)

    def field_visible(self, key: str) -> bool:
        return self.form.isRowVisible(self.rows[key])

    def first_input(self, key: str | None = None) -> QWidget:
        """The widget the cursor goes to in a field (a check list's filter, a multi's first box)."""
        widget = self.widgets[key or self.fields[0].key]
        if isinstance(widget, CheckList):
            return widget.filter
        if hasattr(widget, "boxes"):
            return next(iter(widget.boxes.values()))
        return widget

    def focus_field(self, key: str | None = None) -> None:
        """Put the cursor in a field (the first one by default), so the next key types there."""
        widget = self.first_input(key)
        widget.setFocus()
        if isinstance(widget, QLineEdit):
            widget.selectAll()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._focused:
            self._focused = True
            self.focus_field(self.focus_key)

    def summary(self) -> str:
        """What the form is about in a few words, for the status bar: its first field as shown."""
        widget = self.widgets[self.fields[0].key]
        if isinstance(widget, (QLineEdit, QComboBox)):
            return widget.text() if isinstance(widget, QLineEdit) else widget.currentText()
        return ""

    # -- values and validation ---------------------------------------------------------

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in self.fields:
            widget = self.widgets[spec.key]
            if spec.kind == "area":
                out[spec.key] = widget.toPlainText()
            elif spec.kind == "choice":
                out[spec.key] = widget.currentText()
            elif spec.kind == "multi":
                out[spec.key] = [o for o, box in widget.boxes.items() if box.isChecked()]
            elif spec.kind == "person":
                out[spec.key] = widget.person_id
            elif spec.kind == "checks":
                out[spec.key] = widget.checked()
                if spec.each:
                    out[f"{spec.key}_each"] = widget.each()
            else:
                out[spec.key] = widget.text()
        return out

    def draft_values(self) -> dict[str, Any]:
        """The values as a draft keeps them: plain JSON, and a picked person with the name shown."""
        out = self.values()
        for spec in self.fields:
            if spec.kind == "person":
                widget = self.widgets[spec.key]
                # The name typed is kept even when nobody was picked yet, as the user left it.
                out[spec.key] = {"id": widget.person_id, "name": widget.text()}
        return out

    def set_value(self, key: str, value: Any) -> None:
        """Set a field from the program (a default, a kept value, a draft): not counted as the user's edit."""
        widget = self.widgets[key]
        quiet, self._quiet = self._quiet, True
        try:
            if isinstance(widget, QComboBox):
                widget.setCurrentText(str(value))
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(str(value))
            elif isinstance(widget, PersonPicker):
                value = value if isinstance(value, dict) else {}
                widget.set_person(value.get("id"), str(value.get("name") or ""))
            elif isinstance(widget, CheckList):
                widget.set_checked({str(v) for v in value or ()})
                if not value:
                    widget.set_each_all({})
                widget.changed.emit()
            elif hasattr(widget, "boxes"):  # multi: one box per option
                chosen = set(value or ())
                for option, box in widget.boxes.items():
                    box.setChecked(option in chosen)
            else:
                widget.setText("" if value is None else str(value))
        finally:
            self._quiet = quiet

    def _changed(self, key: str) -> None:
        self._update_aside(key)
        self._touched.add(key)
        self.message.hide()
        self._check()
        if not self._quiet:
            self._edited = True
            if self.draft_key:
                self._draft_timer.start()  # restarted by every change: saved once typing pauses

    # -- drafts ----------------------------------------------------------------------

    def _save_draft(self) -> None:
        if not self.draft_key:
            return
        self.ops.run(save_draft, self.draft_key, self.windowTitle(), self.draft_values(),
                     on_done=lambda _: isValid(self) and self.draft_saved.emit())

    def _restore_draft(self, values: dict[str, Any] | None) -> None:
        # The dialog may be gone already, or the user may have typed before the draft arrived:
        # what is on the screen then wins over the draft.
        if not values or not isValid(self) or self._edited or not self.isVisible():
            return
        restored = [spec.key for spec in self.fields if spec.key in values]
        for key in restored:
            self.set_value(key, values[key])
        for spec in self.fields:
            if spec.kind == "checks" and spec.each and isinstance(values.get(f"{spec.key}_each"), dict):
                self.widgets[spec.key].set_each_all(values[f"{spec.key}_each"])
        self._edited = True  # what was restored is the user's typing: Esc asks before throwing it away
        self._touched.update(restored)
        self._check()
        self.restored_note.show()
        self.draft_restored.emit()

    def _discard_draft(self) -> None:
        self._draft_timer.stop()
        if self.draft_key:
            self.ops.run(discard_draft, self.draft_key)

    @property
    def edited(self) -> bool:
        """The user has changed something since the form opened or was last saved."""
        return self._edited

    def reject(self) -> None:
        """Esc, 取消 or the window's close button: a form with the user's changes asks first;
        giving it up discards its draft too."""
        if self._edited and not self._saving:
            self._ask_discard()
            return
        self.discard()

    def discard(self) -> None:
        self._discard_draft()
        super().reject()

    def _ask_discard(self) -> None:
        if self.confirm is not None and self.confirm.isVisible():
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(), "放弃这张表中还没有保存的内容？",
                          QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel, self)
        box.button(QMessageBox.StandardButton.Discard).setText("放弃 (D)")
        box.button(QMessageBox.StandardButton.Discard).setShortcut(QKeySequence("D"))
        box.button(QMessageBox.StandardButton.Cancel).setText("继续填写 (Esc)")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)

        def answered(_: int) -> None:
            if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Discard:
                self.discard()

        box.finished.connect(answered)
        self.confirm = box
        box.open()

    def _check(self) -> bool:
        problems: dict[str, str] = {}
        try:
            self.validate_fn(self.values())
        except ValidationError as exc:
            problems = exc.errors
        for key, label in self.errors.items():
            text = problems.get(key, "") if key in self._touched else ""
            label.setText(text)
            label.setVisible(bool(text))
        self.save_button.setEnabled(not problems and not self._saving)
        if self.save_new_button:
            self.save_new_button.setEnabled(not problems and not self._saving)
        if self.notice_fn:
            text = self.notice_fn(self.values())
            self.notice.setText(text or "")
            self.notice.setVisible(bool(text))
        return not problems

    def revalidate(self) -> bool:
        """Check again after the program changed fields (errors show only where the user has been)."""
        return self._check()

    def field_error(self, key: str) -> str:
        return self.errors[key].text() if self.errors[key].isVisible() else ""

    # -- saving ----------------------------------------------------------------------

    def submit(self, again: bool = False) -> None:
        self._touched.update(self.widgets)
        if self._saving or not self._check():
            return
        self._saving = True
        self.save_button.setEnabled(False)
        run = self.ops.run_files if self.writes_file else self.ops.run
        run(
            lambda store, values: self.save_fn(store, values),
            self.values(),
            on_done=lambda result: self._saved(result, again),
            on_error=self._refused,
        )

    def _saved(self, result: Any, again: bool) -> None:
        self._saving = False
        self._discard_draft()
        self.saved.emit(result)
        if again:
            kept = {k: v for k, v in self.values().items() if k in (self.keep_on_new or ())}
            for spec in self.fields:
                if spec.key not in kept and spec.kind not in ("choice", "multi"):
                    self.set_value(spec.key, "" if spec.kind != "person" else {})
            self._touched.clear()
            self._edited = False
            self.restored_note.hide()
            self._check()
            self.focus_field()
        else:
            self.accept()

    def _refused(self, exc: BaseException) -> bool:
        self._saving = False
        if isinstance(exc, ValidationError):
            shown = False
            for key, text in exc.errors.items():
                if key in self.errors:
                    self.errors[key].setText(text)
                    self.errors[key].show()
                    shown = True
            if not shown:
                self._say(str(exc))
        elif isinstance(exc, UserError):
            self._say(str(exc))
        else:
            self._check()
            return False
        self.save_button.setEnabled(True)
        return True

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def keyPressEvent(self, event) -> None:  # noqa: N802
        # Enter in a one-line field saves; in a picker it first picks the suggestion.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and isinstance(self.focusWidget(), PersonPicker):
            return
        super().keyPressEvent(event)
