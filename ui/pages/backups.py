"""设置 → 备份与恢复: the backups beside the database, a backup now or to a chosen file,
and restoring one (the current database is backed up first)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app import backups, community_key, sealed_backups
from ui.context import Context
from ui.recovery import print_sheet


def _size(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{max(1, size // 1024)} KB"


class BackupsPanel(QGroupBox):
    def __init__(self, ctx: Context):
        super().__init__("备份与恢复")
        self.ctx, self.ops = ctx, ctx.ops
        self.found: list[backups.Backup] = []
        self.note = QLabel("每天第一次有改动时和每次退出时自动备份到数据库旁边的 backups 文件夹；"
                           "保留最近 7 天、4 周、12 个月各一份。")
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["时间", "类型", "大小"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(140)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.backup_button = QPushButton("立即备份")
        self.copy_button = QPushButton("备份到文件…")
        self.restore_button = QPushButton("恢复所选备份")
        self.restore_file_button = QPushButton("从文件恢复…")
        self.sheet_button = QPushButton("打印恢复码单…")  # 管理员 only (hidden for a 工作人员)
        self.sheet_button.clicked.connect(lambda: print_sheet(self, self.ops))
        self.backup_button.clicked.connect(self.backup_now)
        self.copy_button.clicked.connect(self.choose_copy)
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button.clicked.connect(self.choose_restore)
        buttons = QHBoxLayout()
        for button in (self.backup_button, self.copy_button, self.restore_button, self.restore_file_button,
                       self.sheet_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

    def reload(self) -> None:
        self.ops.run(backups.backups_of, on_done=self._show)

    def _show(self, found: list[backups.Backup]) -> None:
        self.found = found
        self.table.setRowCount(len(found))
        for row, backup in enumerate(found):
            for column, text in enumerate((f"{backup.taken_at:%Y-%m-%d %H:%M:%S}",
                                           backups.KIND_NAMES[backup.kind], _size(backup.size))):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnToContents(0)
        if found:
            self.table.selectRow(0)
        self.restore_button.setEnabled(bool(found))

    def _say(self, text: str, ok: bool = True) -> None:
        self.message.setStyleSheet("color: #1e7e34;" if ok else "color: #c0392b;")
        self.message.setText(text)

    def backup_now(self) -> None:
        def done(made: backups.Backup) -> None:
            self._say(f"已备份：{made.path.name}")
            self.reload()

        self.ops.run(backups.backup_now, on_done=done)

    def choose_copy(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "备份到文件", "社区台账备份.db", "数据库备份 (*.db)")
        if path:
            self.copy_to(path)

    def copy_to(self, path: str) -> None:
        self.ops.run(backups.save_copy, path, on_done=lambda out: self._say(f"已备份到：{out}"))

    def restore_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.found):
            self.confirm_restore(str(self.found[row].path), self.found[row].label)

    def choose_restore(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "从文件恢复", "", f"备份文件 (*{sealed_backups.SUFFIX} *.db);;所有文件 (*)")
        if path:
            self.confirm_restore(path, path)

    def confirm_restore(self, path: str, label: str) -> QMessageBox:
        """Ask first: a restore replaces every record with the backup's."""
        box = QMessageBox(QMessageBox.Icon.Warning, "从备份恢复",
                          f"用“{label}”替换现在的全部记录吗？\n\n"
                          "恢复前会先把现在的数据库备份一份（类型“恢复前的数据库”），需要时可以再恢复回来。",
                          parent=self)
        yes = box.addButton("恢复", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.finished.connect(lambda _: box.clickedButton() is yes and self.restore(path))
        box.open()
        self.confirm = box
        return box

    def restore(self, path: str, *, other_community: bool = False, recovery_code: str | None = None) -> None:
        def done(before: backups.Backup) -> None:
            self._say(f"已恢复。恢复前的数据库保存为 {before.path.name}。")
            self.reload()

        def failed(exc: BaseException) -> bool:
            if isinstance(exc, (sealed_backups.RecoveryCodeNeeded, community_key.WrongRecoveryCode)):
                self.ask_recovery_code(path, other_community, "" if recovery_code is None else str(exc))
                return True
            if not isinstance(exc, backups.OtherCommunity):
                return False
            self.confirm_other_community(path, exc, recovery_code)
            return True

        self.ops.run(backups.restore_into, path, other_community=other_community, recovery_code=recovery_code,
                     on_done=done, on_error=failed)

    def ask_recovery_code(self, path: str, other_community: bool, problem: str = "") -> QInputDialog:
        """A sealed backup of a community whose key this PC does not hold: the 恢复码 from the sheet opens it
        (asked again, with the reason, after a wrong one)."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle("输入恢复码")
        dialog.setLabelText((problem + "\n\n" if problem else "") + "这是加密的备份，本机没有这个社区的密钥。\n"
                            "请输入恢复码（建立社区时打印的恢复码单上，字母不分大小写）：")
        dialog.setOkButtonText("恢复")
        dialog.setCancelButtonText("取消")
        dialog.textValueSelected.connect(
            lambda code: self.restore(path, other_community=other_community, recovery_code=code))
        dialog.open()
        self.code_dialog = dialog
        return dialog

    def confirm_other_community(self, path: str, refused: backups.OtherCommunity,
                                recovery_code: str | None = None) -> QMessageBox:
        """Another community's backup: restored only after a second, explicit yes."""
        box = QMessageBox(QMessageBox.Icon.Warning, "另一个社区的备份",
                          f"这个备份属于另一个社区：{refused.backup}。\n本机现在是：{refused.here}。\n\n"
                          "恢复后，本机的全部记录将换成那个社区的（恢复前的数据库会先备份）。"
                          "确定要用另一个社区的备份替换本机记录吗？",
                          parent=self)
        yes = box.addButton("仍然恢复", QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.finished.connect(lambda _: box.clickedButton() is yes and self.restore(
            path, other_community=True, recovery_code=recovery_code))
        box.open()
        self.confirm = box
        return box
