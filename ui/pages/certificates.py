"""证明登记簿: the 志愿服务记录证明 issued, by year; print it, check a number, 作废 one with a reason."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
)

from app import access, documents
from app.errors import NotFound
from app.paths import documents_dir
from app.validation import Collector, required_text
from ui.context import Context
from ui.forms import Field, FormDialog, resize_within_screen
from ui.table import catalog_columns, cell_text, list_table

ALL_YEARS = "全部年份"


def state_text(entry: dict[str, Any]) -> str:
    return f"已作废（{entry['voided_on']}，{entry['void_reason']}）" if entry["voided"] else "有效"


COLUMNS = catalog_columns("certificates", {"hours": lambda e: f"{e['hours']:.2f}", "state": state_text})


def verdict_text(entry: dict[str, Any]) -> str:
    """What the register says of one number, in one sentence for whoever asked."""
    return (f"{entry['number']}：持证人 {entry['holder']}，服务时长 {entry['hours']:.2f} 小时，"
            f"服务时段 {entry['period']}，出具日期 {entry['issued_on']}，{state_text(entry)}。")


def _register(store, year: int | None) -> dict[str, Any]:
    return {"years": documents.register_years(store), "entries": documents.register_entries(store, year)}


class CertificateRegisterDialog(QDialog):
    def __init__(self, parent, ctx: Context):
        super().__init__(parent)
        self.ctx, self.ops = ctx, ctx.ops
        self.entries: list[dict[str, Any]] = []
        self.form: FormDialog | None = None
        self.setWindowTitle("志愿服务记录证明登记簿")
        self.year = QComboBox()
        self.year.addItem(ALL_YEARS)
        self.year.addItem(str(ctx.today().year))
        self.year.setCurrentIndex(1)
        self.year.currentTextChanged.connect(lambda _: self.reload())
        self.print_button = QPushButton("打印登记簿 (Ctrl+P)")
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self.print_register)
        QShortcut(QKeySequence("Ctrl+P"), self, activated=self.print_register)
        top = QHBoxLayout()
        top.addWidget(QLabel("年份"))
        top.addWidget(self.year)
        top.addStretch()
        top.addWidget(self.print_button)

        self.table = list_table(COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)  # 已作废（日期，原因） takes what is left
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.number = QLineEdit()
        self.number.setPlaceholderText("输入证明编号查验，如 ZM2026-0001")
        self.number.returnPressed.connect(self.verify)
        self.verify_button = QPushButton("查验")
        self.verify_button.setAutoDefault(False)
        self.verify_button.clicked.connect(self.verify)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        check = QHBoxLayout()
        check.addWidget(self.number, 1)
        check.addWidget(self.verify_button)

        self.void_button = QPushButton("作废所选证明…")
        self.void_button.setAutoDefault(False)
        self.void_button.setEnabled(False)
        self.void_button.clicked.connect(self.void)
        self.admin = access.is_admin(self.ops.store)
        if not self.admin:
            self.void_button.setToolTip("只有管理员可以作废证明")
        close = QPushButton("关闭 (Esc)")
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(self.void_button)
        bottom.addStretch()
        bottom.addWidget(close)

        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel("持证人姓名已遮盖；作废的证明保留编号，不再使用。"))
        layout.addWidget(self.table, 1)
        layout.addLayout(check)
        layout.addWidget(self.verdict)
        layout.addWidget(self.status)
        layout.addLayout(bottom)
        resize_within_screen(self, 1040, 520)
        self.reload()

    def chosen_year(self) -> int | None:
        text = self.year.currentText()
        return int(text) if text.isdigit() else None

    def reload(self) -> None:
        self.ops.run(_register, self.chosen_year(), on_done=self._arrived)

    def _arrived(self, register: dict[str, Any]) -> None:
        chosen = self.year.currentText()
        years = [ALL_YEARS, *dict.fromkeys([str(self.ctx.today().year), *map(str, register["years"])])]
        if [self.year.itemText(i) for i in range(self.year.count())] != years:
            self.year.blockSignals(True)
            self.year.clear()
            self.year.addItems(years)
            self.year.setCurrentText(chosen)
            self.year.blockSignals(False)
        self.entries = register["entries"]
        self.table.setRowCount(len(self.entries))
        for r, e in enumerate(self.entries):
            for c, column in enumerate(COLUMNS):
                text = cell_text(column, e)
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(r, c, item)
        voided = sum(e["voided"] for e in self.entries)
        self.status.setText(f"共 {len(self.entries)} 份" + (f"，其中已作废 {voided} 份" if voided else "")
                            if self.entries else "这一年还没有开具证明。")
        self._selection_changed()

    def current_entry(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows and rows[0].row() < len(self.entries) else None

    def _selection_changed(self) -> None:
        entry = self.current_entry()
        self.void_button.setEnabled(self.admin and entry is not None and not entry["voided"])

    def print_register(self) -> None:
        year = self.chosen_year()

        def write(store):
            folder = documents_dir() / "志愿服务证明"
            folder.mkdir(parents=True, exist_ok=True)
            stamp = str(year) if year else f"截至{self.ctx.today().isoformat()}"
            return documents.write_register(store, folder / f"证明登记簿_{stamp}.pdf", year)

        self.ops.run_files(write, on_done=lambda path: self.status.setText(f"登记簿已保存在：{path}"))

    def verify(self) -> None:
        number = self.number.text().strip()
        if not number:
            self.verdict.setText("请输入要查验的证明编号。")
            return

        def not_found(exc: BaseException) -> bool:
            if isinstance(exc, NotFound):
                self.verdict.setText(f"查无此证：{exc}")
                return True
            return False

        self.ops.run(documents.verify_certificate, number,
                     on_done=lambda entry: self.verdict.setText(verdict_text(entry)), on_error=not_found)

    def void(self) -> FormDialog | None:
        entry = self.current_entry()
        if entry is None or entry["voided"]:
            return None
        today = self.ctx.today()
        number = entry["number"]

        def validate(values):
            c = Collector()
            c.field("reason", required_text, values.get("reason"), field="作废原因", max_length=200)
            return c.done()

        def save(store, values):
            return documents.void_certificate(store, number, values["reason"], today=today)

        def saved(_row) -> None:
            self.status.setText(f"证明 {number} 已作废；编号保留在登记簿中，不再使用。")
            self.reload()

        self.form = FormDialog(self, self.ops, f"作废证明 {number}（{entry['holder']}）",
                               [Field("reason", "作废原因", "area", required=True,
                                      placeholder="如：姓名有误，已重新开具")],
                               validate=validate, save=save)
        self.form.saved.connect(saved)
        self.form.open()
        return self.form

