"""设置 › 关爱对象类别: an administrator adds a group and changes a group's rules; a 工作人员 only reads them.

Every rule goes through app/care.py (`clean_group` as the user types, `add_group` / `update_group` on save),
so the window refuses exactly what the service refuses, each problem in Chinese under its field.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app import access, care
from app.errors import UserError, ValidationError
from app.settings import INTERVALS
from ui.context import Context
from ui.forms import error_line, with_error_line

NEW_GROUP = "（新类别）"
# The form's error lines, by the key clean_group reports a problem under.
KEYS = ("name", "min_age", "max_age", "fields", "intervals", "counting", "responsible", "checklist", "note")


def stacked(*widgets: QWidget) -> QWidget:
    """Widgets one above the other (a row of the form with its two error lines under it)."""
    cell = QWidget()
    column = QVBoxLayout(cell)
    column.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        column.addWidget(widget)
    return cell


class GroupsPanel(QWidget):
    """The list of groups on the left, the chosen group's rules on the right."""

    def __init__(self, ctx: Context):
        super().__init__()
        self.ctx, self.ops = ctx, ctx.ops
        self.admin = access.is_admin(ctx.ops.store)
        self.groups: list[care.Group] = []
        self.current: care.Group | None = None  # None while a new group is being written
        self._filling = False
        self.list = QListWidget()
        self.list.setMaximumWidth(180)
        self.list.currentRowChanged.connect(self._chosen)
        self.add_button = QPushButton("新增类别")
        self.add_button.clicked.connect(self.new_group)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(self.add_button)

        self.errors = {key: error_line() for key in KEYS}
        self.name = QLineEdit()
        self.min_age, self.max_age = QLineEdit(), QLineEdit()
        for edit in (self.min_age, self.max_age):
            edit.setPlaceholderText("不限")
            edit.setMaximumWidth(80)
        ages = QHBoxLayout()
        ages.addWidget(QLabel("最低"))
        ages.addWidget(self.min_age)
        ages.addWidget(QLabel("周岁，最高"))
        ages.addWidget(self.max_age)
        ages.addWidget(QLabel("周岁（儿童填 17：按身份证号判断年龄）"))
        ages.addStretch(1)
        age_box = QWidget()
        age_box.setLayout(ages)
        age_column = stacked(age_box, self.errors["min_age"], self.errors["max_age"])
        self.field_boxes = {key: QCheckBox(label) for key, label in care.MEMBER_FIELDS.items()}
        fields = QWidget()
        grid = QGridLayout(fields)
        grid.setContentsMargins(0, 0, 0, 0)
        for number, box in enumerate(self.field_boxes.values()):
            grid.addWidget(box, number // 4, number % 4)
        self.intervals: dict[str, QComboBox] = {}
        self.methods: dict[str, dict[str, QCheckBox]] = {}
        tiers = QWidget()
        tier_grid = QGridLayout(tiers)
        tier_grid.setContentsMargins(0, 0, 0, 0)
        tier_grid.addWidget(QLabel("探访周期"), 0, 1)
        tier_grid.addWidget(QLabel("计入探访率的方式"), 0, 2, 1, len(care.METHODS))
        for row, tier in enumerate(care.RISK_LEVELS, 1):
            tier_grid.addWidget(QLabel(tier), row, 0)
            combo = QComboBox()
            combo.addItems(list(INTERVALS.values()))
            self.intervals[tier] = combo
            tier_grid.addWidget(combo, row, 1)
            self.methods[tier] = {}
            for col, method in enumerate(care.METHODS, 2):
                box = QCheckBox(method)
                self.methods[tier][method] = box
                tier_grid.addWidget(box, row, col)
        tier_grid.setColumnStretch(2 + len(care.METHODS), 1)
        tier_column = stacked(tiers, self.errors["intervals"], self.errors["counting"])
        self.responsible = QLineEdit()
        self.responsible.setPlaceholderText("如 儿童主任、残疾人专职委员")
        self.checklist = QPlainTextEdit()
        self.checklist.setPlaceholderText("每行一项，如：\n身体与心理状况\n监护照料\n就学情况")
        self.checklist.setTabChangesFocus(True)
        self.checklist.setFixedHeight(130)
        self.note = QLineEdit()
        form = QFormLayout()
        form.addRow("类别名称*", with_error_line(self.name, self.errors["name"]))
        form.addRow("年龄条件", age_column)
        form.addRow("登记栏目", with_error_line(fields, self.errors["fields"]))
        form.addRow("各风险等级", tier_column)
        form.addRow("责任人", with_error_line(self.responsible, self.errors["responsible"]))
        form.addRow("探访清单*", with_error_line(self.checklist, self.errors["checklist"]))
        form.addRow("备注", with_error_line(self.note, self.errors["note"]))
        self.explain = QLabel("")
        self.explain.setWordWrap(True)
        self.explain.setStyleSheet("color: #555;")
        self.save_button = QPushButton("保存类别")
        self.save_button.clicked.connect(self.save)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.message, 1)
        inner = QWidget()
        right = QVBoxLayout(inner)
        right.addWidget(self.explain)
        right.addLayout(form)
        right.addLayout(buttons)
        right.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QHBoxLayout(self)
        layout.addLayout(left)
        layout.addWidget(scroll, 1)
        for edit in (self.name, self.min_age, self.max_age, self.responsible, self.note):
            edit.textChanged.connect(self._check)
        self.checklist.textChanged.connect(self._check)
        for box in self.field_boxes.values():
            box.toggled.connect(self._check)
        for tier in care.RISK_LEVELS:
            self.intervals[tier].currentTextChanged.connect(self._check)
            for box in self.methods[tier].values():
                box.toggled.connect(self._check)
        if not self.admin:
            for button in (self.add_button, self.save_button):
                button.hide()
            self.message.setText("只有管理员可以添加关爱对象类别或修改它们的规则。")
        self._editable()

    # -- data ------------------------------------------------------------------------

    def reload(self, keep: str | None = None) -> None:
        keep = keep or (self.current.id if self.current else None)
        self.ops.run(care.groups, on_done=lambda groups: self._show(groups, keep))

    def _show(self, groups: list[care.Group], keep: str | None) -> None:
        self.groups = groups
        self.list.blockSignals(True)
        self.list.clear()
        self.list.addItems([g.name for g in groups])
        self.list.blockSignals(False)
        at = next((i for i, g in enumerate(groups) if g.id == keep), 0)
        if groups:
            self.list.blockSignals(True)
            self.list.setCurrentRow(at)
            self.list.blockSignals(False)
            self.current = groups[at]
            self._fill(self.current)  # what was said about the save stays

    def _chosen(self, row: int) -> None:
        if 0 <= row < len(self.groups):
            self.current = self.groups[row]
            self._fill(self.current)
            if self.admin:
                self.message.setText("")

    def _fill(self, group: care.Group | None) -> None:
        """Put a group's rules (or a new group's defaults) in the form."""
        self._filling = True
        try:
            self.name.setText(group.name if group else "")
            self.min_age.setText("" if not group or group.min_age is None else str(group.min_age))
            self.max_age.setText("" if not group or group.max_age is None else str(group.max_age))
            for key, box in self.field_boxes.items():
                box.setChecked(bool(group) and key in group.fields)
            for tier in care.RISK_LEVELS:
                interval = group.interval(tier) if group else ("week" if tier == "高风险" else "month")
                self.intervals[tier].setCurrentText(INTERVALS[interval])
                counting = group.counting.get(tier, care.METHODS) if group else (
                    ["上门"] if tier == "高风险" else care.METHODS)
                for method, box in self.methods[tier].items():
                    box.setChecked(method in counting)
            self.responsible.setText(group.responsible if group else "")
            self.checklist.setPlainText("\n".join(group.checklist) if group else "")
            self.note.setText((group.note or "") if group else "")
        finally:
            self._filling = False
        self._editable()
        self._check()

    def _editable(self) -> None:
        """What the signed-in user may change here, for the group shown."""
        group = self.current
        elders = bool(group and group.is_elders)
        self.name.setReadOnly(not self.admin or bool(group and group.builtin))
        for edit in (self.min_age, self.max_age):
            edit.setReadOnly(not self.admin or elders)
        for edit in (self.responsible, self.note):
            edit.setReadOnly(not self.admin)
        self.checklist.setReadOnly(not self.admin)
        for box in self.field_boxes.values():
            box.setEnabled(self.admin and not elders)
        for tier in care.RISK_LEVELS:
            self.intervals[tier].setEnabled(self.admin)
            for box in self.methods[tier].values():
                box.setEnabled(self.admin)
        if elders:
            self.explain.setText("特殊困难老年人的登记栏目（类别、紧急联系人、赡养人）在“老年人探访”页，年龄条件固定为 "
                                 "60 周岁以上；探访周期与“社区信息与规则”中的老人探访周期是同一设置。")
        elif group and group.builtin:
            self.explain.setText("内置类别：名称不能改，规则可以按本社区的要求调整。")
        elif group:
            self.explain.setText("本社区添加的类别。")
        else:
            self.explain.setText("新类别：填写名称、年龄条件和登记栏目，再为每个风险等级选探访周期和计入探访率的方式。")

    def values(self) -> dict[str, Any]:
        by_label = {label: key for key, label in INTERVALS.items()}
        return {
            "name": self.name.text(),
            "min_age": self.min_age.text(),
            "max_age": self.max_age.text(),
            "fields": [key for key, box in self.field_boxes.items() if box.isChecked()],
            "intervals": {tier: by_label[self.intervals[tier].currentText()] for tier in care.RISK_LEVELS},
            "counting": {tier: [m for m, box in self.methods[tier].items() if box.isChecked()]
                         for tier in care.RISK_LEVELS},
            "responsible": self.responsible.text(),
            "checklist": self.checklist.toPlainText(),
            "note": self.note.text(),
        }

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(bool(errors.get(key)))

    def _check(self) -> bool:
        """Check the rules as they are typed, with the service's own checks."""
        if self._filling:
            return True
        try:
            care.clean_group(self.values())
            errors: dict[str, str] = {}
        except ValidationError as exc:
            errors = exc.errors
        self._show_errors(errors)
        self.save_button.setEnabled(self.admin and not errors)
        return not errors

    # -- actions ---------------------------------------------------------------------

    def new_group(self) -> None:
        self.current = None
        self.list.blockSignals(True)
        self.list.addItem(NEW_GROUP)
        self.list.setCurrentRow(self.list.count() - 1)
        self.list.blockSignals(False)
        self._fill(None)
        self.message.setText("")
        self.name.setFocus()

    def _refused(self, exc: BaseException) -> bool:
        if isinstance(exc, ValidationError):
            self._show_errors(exc.errors)
            self._say(str(exc), error=True)
            return True
        if isinstance(exc, UserError):
            self._say(str(exc), error=True)
            return True
        return False

    def _say(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet("color: #c0392b;" if error else "color: #1e7e34;")
        self.message.setText(text)

    def save(self) -> None:
        if not self.admin or not self._check():
            return
        values = self.values()

        def saved(group: care.Group) -> None:
            self._say(f"已保存“{group.name}”的规则。")
            self.reload(group.id)

        if self.current is None:
            self.ops.run(care.add_group, values, on_done=saved, on_error=self._refused)
        else:
            self.ops.run(care.update_group, self.current.id, values, on_done=saved, on_error=self._refused)
