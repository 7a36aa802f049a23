"""设置 page: the community's settings and the stamp checklist."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import access, settings, stamps
from app.errors import ValidationError
from ui.context import Context
from ui.pages.accounts import AccountsPanel
from ui.pages.backups import BackupsPanel
from ui.pages.care_groups import GroupsPanel
from ui.forms import Field
from ui.pages.base import RecordPage

TEXT_FIELDS = (
    ("community_name", "社区（村）名称"),
    ("community_code", "社区代码"),
    ("street", "所属街道/乡镇"),
    ("preparer", "制表人"),
    ("reviewer", "审核人"),
)


class ChecklistPanel(RecordPage):
    title = "盖章事项清单"
    table = "stamp_items"
    noun = "清单事项"
    searchable = False
    filters = {"类别": ("", *stamps.KINDS)}

    def formats(self):
        return {"kind": lambda r: "负面清单" if r["kind"] == "负面" else "保留事项"}

    def query(self, search, filters):
        kind = filters.get("类别") or None
        return (lambda store, **options: stamps.checklist(store, kind)), False

    def form_fields(self):
        return [
            Field("kind", "类别", "choice", stamps.KINDS),
            Field("name", "事项名称", required=True),
            Field("department", "承办部门", placeholder="负面清单事项必填：告知申请人到哪里办"),
            Field("basis", "依据"),
            Field("keywords", "关键词", placeholder="用逗号分隔，帮助识别申请事项"),
            Field("note", "备注"),
        ]

    def validate(self, values):
        return stamps.clean_item(values)

    def load(self, store, record_id):
        return stamps.get_item(store, record_id)

    def add(self, store, values):
        return stamps.add_item(store, values)

    def update(self, store, record_id, values):
        return stamps.update_item(store, record_id, values)

    def delete(self, store, record_id):
        return stamps.delete_item(store, record_id)


class SettingsPage(QWidget):
    title = "设置"

    def __init__(self, ctx: Context):
        super().__init__()
        self.ctx, self.ops = ctx, ctx.ops
        heading = QLabel("设置")
        heading.setStyleSheet("font-size: 16px; font-weight: bold;")
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for key, label in TEXT_FIELDS:
            edit = QLineEdit()
            form.addRow(label, edit)
            self.edits[key] = edit
        self.stars = QLineEdit()
        self.stars.setPlaceholderText("100, 300, 600, 1000, 1500")
        form.addRow("星级时长（小时）", self.stars)
        self.general_interval = QComboBox()
        self.general_interval.addItems(list(settings.INTERVALS.values()))
        form.addRow("“一般”老人探访周期", self.general_interval)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.save_button = QPushButton("保存设置")
        self.save_button.clicked.connect(self.save)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addWidget(self.message, 1)
        box = QGroupBox("社区信息与规则")
        inner = QVBoxLayout(box)
        inner.addLayout(form)
        inner.addLayout(row)
        community = QWidget()
        column = QVBoxLayout(community)
        column.addWidget(box)
        column.addStretch(1)
        self.checklist = ChecklistPanel(ctx)
        self.accounts = AccountsPanel(ctx)
        self.backups = BackupsPanel(ctx)
        for panel in (self.accounts, self.backups):
            panel.setTitle("")  # the tab says it
        # One tab each, so the checklist gets the page's height for its long list.
        self.tabs = QTabWidget()
        self.tabs.addTab(community, "社区信息与规则")
        self.tabs.addTab(self.checklist, "盖章事项清单")
        self.care_groups = GroupsPanel(ctx)
        self.tabs.addTab(self.care_groups, "关爱对象类别")
        self.tabs.addTab(self.accounts, "账号与权限")
        self.tabs.addTab(self.backups, "备份与恢复")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.tabs, 1)
        if not access.is_admin(ctx.ops.store):
            self._read_only()

    def _read_only(self) -> None:
        """A 工作人员 sees the settings and the checklist but cannot change them."""
        for edit in (*self.edits.values(), self.stars):
            edit.setReadOnly(True)
        self.general_interval.setEnabled(False)
        self.save_button.hide()
        self.message.setText("只有管理员可以修改设置和盖章事项清单。")
        for button in (self.checklist.new_button, self.checklist.edit_button, self.checklist.delete_button):
            button.setEnabled(False)
        self.backups.restore_button.hide()
        self.backups.restore_file_button.hide()
        self.backups.sheet_button.hide()

    def show_tab(self, panel: QWidget) -> None:
        self.tabs.setCurrentWidget(panel)

    def reload(self) -> None:
        self.ops.run(settings.load, on_done=self._show)
        self.checklist.reload()
        self.care_groups.reload()
        self.accounts.reload()
        self.backups.reload()

    def _show(self, config: settings.Settings) -> None:
        for key, edit in self.edits.items():
            edit.setText(getattr(config, key))
        self.stars.setText(", ".join(str(h) for h in config.star_hours))
        self.general_interval.setCurrentText(settings.INTERVALS[config.visit_intervals.get("一般", "month")])
        self.intervals = dict(config.visit_intervals)

    def values(self) -> dict:
        data = {key: edit.text() for key, edit in self.edits.items()}
        data["star_hours"] = [s for s in self.stars.text().replace("，", ",").replace("、", ",").split(",") if s.strip()]
        chosen = {v: k for k, v in settings.INTERVALS.items()}[self.general_interval.currentText()]
        data["visit_intervals"] = {**getattr(self, "intervals", settings.DEFAULT_VISIT_INTERVALS), "一般": chosen}
        return data

    def save(self) -> None:
        def done(_):
            self.message.setStyleSheet("color: #1e7e34;")
            self.message.setText("设置已保存。")

        def refused(exc):
            if isinstance(exc, ValidationError):
                self.message.setStyleSheet("color: #c0392b;")
                self.message.setText(str(exc))
                return True
            return False

        self.ops.run(settings.save, self.values(), on_done=done, on_error=refused)
