"""操作日志 page: the audit trail, filtered by date, user, record kind and action; exported to Excel or PDF."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from app import audit
from app.paths import documents_dir
from ui.pages.base import RecordPage
from ui.table import Col

DEFAULT_DAYS = 30  # the page opens on the last month: a long log is narrowed, not scrolled


class AuditPage(RecordPage):
    title = "操作日志"
    table = "audit"  # every audited write and event adds to the log
    noun = "日志"
    searchable = False
    editable = False
    empty_hint = "这段时间里没有符合条件的操作记录。可以放宽日期或筛选条件。"

    def columns(self) -> list[Col]:
        return [
            Col("时间", lambda r: r["time"], 150),
            Col("用户", lambda r: r["user"] or "（未启用账号）", 110),
            Col("操作", lambda r: r["action_name"], 90),
            Col("记录种类", lambda r: r["kind"], 90),
            Col("记录", lambda r: r["record"], 160),
            Col("内容摘要", lambda r: r["summary"], 360),
        ]

    def __init__(self, ctx):
        super().__init__(ctx)
        self.delete_button.hide()  # the log is never edited or deleted

    def delete_current(self) -> None:
        """Nothing in the log is deleted."""

    def _maybe_refresh(self, table: str) -> None:
        if self.model.active:  # every change anywhere adds a line
            self.reload()

    def extend_layout(self, layout: QVBoxLayout) -> None:
        row = QHBoxLayout()
        today = self.ctx.today()
        self.date_from = self._date_box(today - timedelta(days=DEFAULT_DAYS), "开始日期")
        self.date_to = self._date_box(today, "结束日期")
        self.user_box = QComboBox()
        self.user_box.setAccessibleName("用户")
        self.user_box.addItem("全部用户", None)
        self.kind_box = QComboBox()
        self.kind_box.setAccessibleName("记录种类")
        self.kind_box.addItem("全部记录种类", None)
        for table, name in audit.kinds().items():
            self.kind_box.addItem(name, table)
        self.action_box = QComboBox()
        self.action_box.setAccessibleName("操作")
        self.action_box.addItem("全部操作", None)
        for action, name in audit.ACTION_NAMES.items():
            self.action_box.addItem(name, action)
        self.export_button = QPushButton("导出…")
        self.export_button.clicked.connect(self.export)
        for label, widget in (("从", self.date_from), ("到", self.date_to)):
            row.addWidget(QLabel(label))
            row.addWidget(widget)
        for widget in (self.user_box, self.kind_box, self.action_box):
            widget.currentIndexChanged.connect(self.reload)
            row.addWidget(widget)
        row.addStretch()
        row.addWidget(self.export_button)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addLayout(row)
        layout.addWidget(self.status)

    def _date_box(self, day: date, name: str) -> QDateEdit:
        box = QDateEdit(QDate(day.year, day.month, day.day))
        box.setCalendarPopup(True)
        box.setDisplayFormat("yyyy-MM-dd")
        box.setAccessibleName(name)
        box.dateChanged.connect(lambda _: self.reload())
        return box

    # -- data -------------------------------------------------------------------------

    def current_filter(self) -> audit.AuditFilter:
        return audit.AuditFilter(
            date_from=self.date_from.date().toPython(), date_to=self.date_to.date().toPython(),
            user=self.user_box.currentData(), table=self.kind_box.currentData(),
            action=self.action_box.currentData())

    def query(self, search, filters):
        chosen = self.current_filter()
        return (lambda store, **options: audit.audit_page(store, chosen, after=options.get("after"),
                                                          limit=options.get("limit", 100))), True

    def reload(self) -> None:
        super().reload()
        self.ops.run(audit.audit_users, on_done=self._users)

    def _users(self, users: list[str]) -> None:
        """Refill the user filter with everyone the log has seen, keeping the choice."""
        chosen = self.user_box.currentData()
        self.user_box.blockSignals(True)
        self.user_box.clear()
        self.user_box.addItem("全部用户", None)
        for user in users:
            self.user_box.addItem(user or "（未启用账号）", user)
        index = self.user_box.findData(chosen) if chosen is not None else 0
        self.user_box.setCurrentIndex(max(index, 0))
        self.user_box.blockSignals(False)

    # -- export -----------------------------------------------------------------------

    def export(self) -> None:
        chosen = self.current_filter()
        suggested = str(documents_dir() / f"操作日志_{chosen.period().replace(' 至 ', '_')}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "导出操作日志", suggested, "Excel 文件 (*.xlsx);;PDF 文件 (*.pdf)")
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> None:
        """Write the log as now filtered; .xlsx or .pdf by the file's suffix."""
        chosen = self.current_filter()
        self.export_button.setEnabled(False)
        self.status.setText("正在导出…")

        def done(out: Path) -> None:
            self.export_button.setEnabled(True)
            self.status.setText(f"已导出：{out}")

        def failed(exc: BaseException) -> bool:
            self.export_button.setEnabled(True)
            self.status.setText("导出没有完成。")
            return False  # the window shows why

        self.ops.run_files(audit.export_audit, path, chosen, today=self.ctx.today(), on_done=done, on_error=failed)
