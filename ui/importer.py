"""Importing a roster from Excel in the window: a dry run first, nothing written until confirmed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.paths import documents_dir
from app.rosters import KINDS, ImportReport, import_roster, write_template
from exports.errors import RosterError
from ui.context import Context
from ui.forms import resize_within_screen


class ImportDialog(QDialog):
    def __init__(self, parent: QWidget | None, ctx: Context, kind: str, path: str | Path):
        super().__init__(parent)
        self.ctx, self.ops, self.kind, self.path = ctx, ctx.ops, kind, Path(path)
        self.setWindowTitle(f"从 Excel 导入{KINDS[kind]}：{self.path.name}")
        self.summary = QLabel("正在检查表格…")
        self.summary.setWordWrap(True)
        self.skip = QCheckBox("身份证号已登记的行跳过（不勾选则用表格内容更新该居民）")
        self.skip.toggled.connect(lambda _: self.check())
        self.rejected = QTableWidget(0, 2)
        self.rejected.setHorizontalHeaderLabels(["Excel 行号", "未导入的原因"])
        self.rejected.horizontalHeader().setStretchLastSection(True)
        self.rejected.verticalHeader().hide()
        self.rejected.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.confirm = QPushButton("确认导入")
        self.confirm.setEnabled(False)
        self.confirm.clicked.connect(self.run)
        cancel = QPushButton("取消")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.confirm)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.skip)
        layout.addWidget(self.rejected, 1)
        layout.addLayout(buttons)
        resize_within_screen(self, 640, 420)
        self.report: ImportReport | None = None
        self.check()

    def _import(self, store, dry_run: bool) -> ImportReport:
        return import_roster(store, self.kind, self.path, update_existing=not self.skip.isChecked(),
                             dry_run=dry_run, today=self.ctx.today())

    def check(self) -> None:
        self.confirm.setEnabled(False)
        self.ops.run(self._import, True, on_done=self._checked, on_error=self._unreadable)

    def _checked(self, report: ImportReport) -> None:
        self.report = report
        self.summary.setText(
            f"检查结果（尚未写入）：可新增 {report.accepted} 行，更新 {report.updated} 行，跳过 {report.skipped} 行，"
            f"有 {len(report.rejected)} 行不能导入（见下表，改正后可再次导入）。")
        self.rejected.setRowCount(len(report.rejected))
        for row, item in enumerate(report.rejected):
            self.rejected.setItem(row, 0, QTableWidgetItem(str(item["row"])))
            self.rejected.setItem(row, 1, QTableWidgetItem(item["reason"]))
        self.confirm.setEnabled(bool(report.accepted or report.updated))

    def _unreadable(self, exc: BaseException) -> bool:
        if isinstance(exc, RosterError):
            self.summary.setText(str(exc))
            return True
        return False

    def run(self) -> None:
        self.confirm.setEnabled(False)

        def done(report: ImportReport) -> None:
            self.report = report
            self.accept()

        self.ops.run(self._import, False, on_done=done, on_error=self._unreadable)


def choose_and_import(parent: QWidget, ctx: Context, kind: str) -> ImportDialog | None:
    path, _ = QFileDialog.getOpenFileName(parent, f"选择{KINDS[kind]}花名册", str(documents_dir()), "Excel 文件 (*.xlsx)")
    if not path:
        return None
    dialog = ImportDialog(parent, ctx, kind, path)
    dialog.open()
    return dialog


def save_template(parent: QWidget, ctx: Context, kind: str) -> None:
    suggested = str(documents_dir() / f"{KINDS[kind]}花名册模板.xlsx")
    path, _ = QFileDialog.getSaveFileName(parent, "保存空白花名册", suggested, "Excel 文件 (*.xlsx)")
    if path:
        ctx.ops.run(lambda store: write_template(kind, path))
