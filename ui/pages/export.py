"""台账导出 page: pick the month and the ledgers, see the first page, export to a folder, print."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app import access
from app.dates import month_to_export, recent_months
from app.month_export import existing_files, export_month, ledger_filename
from app.ledgers import MONTHLY
from app.paths import documents_dir
from ui.context import Context
from ui.pdfview import first_page_pixmap, print_pdf

FORMAT_LABELS = {"both": "Excel 和 PDF", "xlsx": "只要 Excel", "pdf": "只要 PDF"}


class ExportPage(QWidget):
    title = "台账导出"

    def __init__(self, ctx: Context):
        super().__init__()
        self.ctx, self.ops = ctx, ctx.ops
        self._scratch = tempfile.TemporaryDirectory(prefix="ledger-preview-")
        heading = QLabel("台账导出")
        heading.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.month = QComboBox()
        self.month.addItems(recent_months(ctx.today()))
        self.month.setCurrentText(month_to_export(ctx.today()))
        self.month.currentTextChanged.connect(self._suggest_folder)
        self.month.currentTextChanged.connect(lambda _: self.preview())
        self.view = self.month  # the window puts the keyboard here: ↑↓ pick the month
        self.format = QComboBox()
        for key, label in FORMAT_LABELS.items():
            self.format.addItem(label, key)
        self.unmasked = QCheckBox("显示完整身份证号和电话（默认遮盖）")
        top = QHBoxLayout()
        for widget in (QLabel("月份"), self.month, QLabel("格式"), self.format, self.unmasked):
            top.addWidget(widget)
        top.addStretch()
        self.ledgers = QListWidget()
        self.ledgers.setMaximumWidth(260)
        for number, stem, _ in MONTHLY:
            item = QListWidgetItem(f"{number:02d}　{stem}")
            item.setData(Qt.ItemDataRole.UserRole, number)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.ledgers.addItem(item)
        self.ledgers.setCurrentRow(0)
        self.ledgers.currentRowChanged.connect(lambda _: self.preview())
        self.preview_label = QLabel("选中左侧的台账，这里显示它的第一页。")
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._page: QPixmap | None = None
        scroll = self.scroll = QScrollArea()
        scroll.setWidget(self.preview_label)
        scroll.setWidgetResizable(True)
        middle = QHBoxLayout()
        middle.addWidget(self.ledgers)
        middle.addWidget(scroll, 1)
        self.folder = QLineEdit()
        choose = QPushButton("选择文件夹… (Ctrl+O)")
        choose.clicked.connect(self._choose_folder)
        QShortcut(QKeySequence("Ctrl+O"), self, activated=self._choose_folder)
        self.export_button = QPushButton("导出到文件夹 (Ctrl+E)")
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self.export)
        self.folder_dialog: QFileDialog | None = None
        self.confirm: QMessageBox | None = None
        self.export_button.clicked.connect(lambda: self.export())
        self.print_button = QPushButton("打印选中的台账…")
        self.print_button.clicked.connect(self.print_selected)
        bottom = QHBoxLayout()
        for widget in (QLabel("保存到"), self.folder, choose, self.export_button, self.print_button):
            bottom.addWidget(widget)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addLayout(bottom)
        layout.addWidget(self.status)
        self._suggest_folder(self.month.currentText())
        self.last_result = None

    # -- choices ------------------------------------------------------------------------

    def period(self) -> tuple[int, int]:
        year, month = self.month.currentText().split("-")
        return int(year), int(month)

    def chosen(self) -> list[int]:
        return [self.ledgers.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.ledgers.count())
                if self.ledgers.item(i).checkState() == Qt.CheckState.Checked]

    def _suggest_folder(self, month: str) -> None:
        self.folder.setText(str(documents_dir() / f"{month}台账"))

    def _choose_folder(self) -> QFileDialog:
        """Qt's own folder dialog, opened (not exec'd): Enter takes the folder typed or shown."""
        start = Path(self.folder.text())
        dialog = QFileDialog(self, "选择保存台账的文件夹", str(start if start.is_dir() else start.parent))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setLabelText(QFileDialog.DialogLabel.Accept, "选择")
        dialog.setLabelText(QFileDialog.DialogLabel.Reject, "取消")
        dialog.fileSelected.connect(self._chosen)
        self.folder_dialog = dialog
        dialog.open()
        return dialog

    def _chosen(self, folder: str) -> None:
        if folder:
            self.folder.setText(folder)
            self.export_button.setFocus()  # Enter (or Ctrl+E) exports there

    def _options(self) -> dict:
        return {"masked": not self.unmasked.isChecked(), "today": self.ctx.today()}

    # -- actions ------------------------------------------------------------------------

    def reload(self) -> None:
        # Full numbers are the 管理员's (app/ refuses them to a 工作人员 anyway).
        admin = access.is_admin(self.ops.store)
        self.unmasked.setEnabled(admin)
        if not admin:
            self.unmasked.setChecked(False)
            self.unmasked.setToolTip("只有管理员可以导出完整的身份证号和电话")
        self.preview()

    def preview(self) -> None:
        item = self.ledgers.currentItem()
        if item is None:
            return
        number = item.data(Qt.ItemDataRole.UserRole)
        year, month = self.period()
        folder = Path(self._scratch.name)
        options = self._options()  # read here: the export runs off the GUI thread
        self.status.setText("正在生成预览…")

        def make(store):
            export_month(store, year, month, folder, fmt="pdf", numbers=[number], **options)
            stem = dict((n, s) for n, s, _ in MONTHLY)[number]
            return folder / ledger_filename(number, stem, year, month, "pdf")

        def show(path: Path) -> None:
            self._page = first_page_pixmap(path)
            self._fit()
            self.status.setText(f"预览：{path.stem}（第一页）")

        self.ops.run_files(make, on_done=show)

    def _fit(self) -> None:
        """The page scaled to the width shown, so its right side is never cut off."""
        if self._page is None:
            return
        width = max(self.scroll.viewport().width() - 8, 100)
        self.preview_label.setPixmap(self._page.scaledToWidth(min(width, self._page.width()),
                                                              Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def export(self, overwrite: bool = False) -> None:
        numbers = self.chosen()
        if not numbers:
            self.status.setText("请至少勾选一种台账。")
            return
        year, month = self.period()
        folder, fmt = self.folder.text().strip(), self.format.currentData()
        if not overwrite:
            there = existing_files(year, month, folder, fmt=fmt, numbers=numbers)
            if there:
                self._ask_overwrite(there)
                return
        self.export_button.setEnabled(False)
        self.status.setText("正在导出…")

        def done(result) -> None:
            self.last_result = result
            self.export_button.setEnabled(True)
            combined = f"；打印用合订本：{result.combined.name}" if result.combined else ""
            self.status.setText(f"已导出 {len(result.files)} 个文件到 {result.folder}{combined}")

        def failed(exc) -> bool:
            self.export_button.setEnabled(True)
            self.status.setText("导出没有完成。")
            return False

        options = self._options()
        self.ops.run_files(lambda store: export_month(store, year, month, folder, fmt=fmt, numbers=numbers, **options),
                           on_done=done, on_error=failed)

    def _ask_overwrite(self, there: list[Path]) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, "台账导出",
                          f"文件夹中已有 {len(there)} 个同名文件（如 {there[0].name}）。覆盖它们吗？",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.button(QMessageBox.StandardButton.Yes).setText("覆盖")
        box.button(QMessageBox.StandardButton.No).setText("不导出")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.finished.connect(lambda _: box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes
                             and self.export(overwrite=True))
        self.confirm = box
        box.open()

    def print_selected(self) -> None:
        numbers = self.chosen()
        if not numbers:
            self.status.setText("请至少勾选一种台账。")
            return
        year, month = self.period()
        folder = Path(self._scratch.name) / "print"
        options = self._options()

        def make(store):
            return export_month(store, year, month, folder, fmt="pdf", numbers=numbers, **options)

        def ready(result) -> None:
            if print_pdf(self, result.combined):
                self.status.setText("已发送到打印机。")

        self.ops.run_files(make, on_done=ready)
