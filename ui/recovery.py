"""The 恢复码 in the window: shown once when the community is set up, and its one-page sheet printed
(then, by an administrator, again from 设置 → 备份与恢复)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app import community_key
from app.community_key import RecoverySheet
from ui.ops import Ops
from ui.pdfview import print_pdf


def print_sheet(parent: QWidget, ops: Ops, on_printed=None) -> None:
    """Write the sheet to a scratch PDF, open the print dialog, then delete the file (it holds the code)."""
    folder = Path(tempfile.mkdtemp(prefix="ledger-recovery-"))
    path = folder / "恢复码单.pdf"

    def done(written: Path) -> None:
        try:
            printed = print_pdf(parent, written)
        finally:
            written.unlink(missing_ok=True)
            folder.rmdir()
        if printed and on_printed:
            on_printed()

    def failed(_exc: BaseException) -> bool:
        path.unlink(missing_ok=True)
        folder.rmdir()
        return False  # the usual message (管理员 only, cannot write …)

    ops.run(community_key.print_recovery_sheet, path, on_done=done, on_error=failed)


class RecoveryCodeDialog(QDialog):
    """The 恢复码, shown once at set-up: print the sheet for the office's safe."""

    def __init__(self, parent: QWidget, ops: Ops, sheet: RecoverySheet):
        super().__init__(parent)
        self.ops = ops
        self.setWindowTitle("恢复码")
        intro = QLabel(f"已为{sheet.community_name or '本社区'}生成恢复码。本机损坏或丢失后，"
                       "在新电脑上恢复加密的备份需要它。请现在打印恢复码单，放在办公室保险柜里；"
                       "以后管理员可在“设置 → 备份与恢复”中重新打印。")
        intro.setWordWrap(True)
        self.code = QLabel(sheet.code)
        self.code.setStyleSheet("font-size: 22px; font-weight: bold; padding: 8px;")
        self.code.setAccessibleName("恢复码")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.print_button = buttons.addButton("打印恢复码单…", QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = buttons.addButton("已妥善保管", QDialogButtonBox.ButtonRole.AcceptRole)
        self.print_button.clicked.connect(self.print_sheet)
        self.close_button.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.code)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def print_sheet(self) -> None:
        print_sheet(self, self.ops, lambda: self.message.setText("恢复码单已送往打印机。"))
