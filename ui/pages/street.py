"""The street PC's window (街道汇总): the communities and their keys, the month's table, the charts, export.

Everything here only reads: a summary's figures cannot be edited on the street PC, only
replaced by a newer summary signed by the same community.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import street
from app.stats import LABELS
from ui.errors import show_error
from ui.ops import Ops

MONTH_COLUMNS = ("elders_due", "elders_visited", "visit_rate", "elders_overdue", "visits", "service_hours",
                 "activities", "topics_open", "meetings", "stamp_requests", "stamp_refused", "people_total",
                 "elders_total", "volunteers_total", "service_records", "service_hours_confirmed")
COMMUNITY_COLUMNS = (("code", "社区代码"), ("name", "社区名称"), ("street", "所属街道"), ("last_month", "最近报送月份"),
                     ("months", "已报送月数"), ("fingerprint", "密钥指纹"), ("trusted_at", "首次信任时间"))


def _item(text: str, sort_value=None) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)  # nothing from a summary is edited here
    # Numbers sort as numbers, 未报送 rows (None) last.
    item.setData(float("-inf") if sort_value is None else sort_value, Qt.ItemDataRole.UserRole)
    return item


def _shown(key: str, value) -> str:
    if value is None:
        return "—"
    if key == "visit_rate":
        return f"{value * 100:.1f}%"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _table(model: QStandardItemModel) -> QTableView:
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(Qt.ItemDataRole.UserRole)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    view.verticalHeader().setVisible(False)
    return view


class StreetWindow(QMainWindow):
    """The window of a street database."""

    def __init__(self, session: street.StreetSession):
        super().__init__()
        self.session = session
        self.ops = Ops(session, on_error=lambda exc: show_error(self, exc), parent=self)  # type: ignore[arg-type]
        self.month_box = QComboBox()
        self.month_box.setMinimumWidth(110)
        self.month_box.currentTextChanged.connect(self.load_month)
        import_button = QPushButton("导入社区月报…")
        import_button.clicked.connect(self.choose_files)
        self.export_button = QPushButton("导出汇总表…")
        self.export_button.clicked.connect(self.choose_folder)
        self.status = QLabel("")
        top = QHBoxLayout()
        top.addWidget(QLabel("月份："))
        top.addWidget(self.month_box)
        top.addWidget(import_button)
        top.addWidget(self.export_button)
        top.addWidget(self.status, 1)

        self.month_model = QStandardItemModel()
        self.month_view = _table(self.month_model)
        self.community_model = QStandardItemModel()
        self.community_view = _table(self.community_model)
        self.chart_label = QLabel("导入月报后，这里显示各社区探访率和街道近 12 个月的探访率。")
        self.chart_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        charts = QScrollArea()
        charts.setWidget(self.chart_label)
        charts.setWidgetResizable(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.month_view, "月度汇总")
        self.tabs.addTab(charts, "图表")
        self.tabs.addTab(self.community_view, "社区与密钥")

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(body)
        self.setWindowTitle("社区台账 — 街道汇总")
        self.resize(1280, 720)
        self._charts_dir = tempfile.TemporaryDirectory(prefix="street-charts-")
        self.reload()

    # -- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        self.ops.run(street.overview, on_done=self._overview)

    def _overview(self, data: dict) -> None:
        if data["street"]:
            self.setWindowTitle(f"社区台账 — 街道汇总（{data['street']}）")
        self.community_model.clear()
        self.community_model.setHorizontalHeaderLabels([title for _, title in COMMUNITY_COLUMNS])
        for row in data["communities"]:
            self.community_model.appendRow(
                [_item(str(row[key] or ""), row[key] if key == "months" else str(row[key] or ""))
                 for key, _ in COMMUNITY_COLUMNS])
        self.community_view.resizeColumnsToContents()
        current = self.month_box.currentText()
        months = data["months"]
        self.month_box.blockSignals(True)
        self.month_box.clear()
        self.month_box.addItems(months)
        self.month_box.blockSignals(False)
        self.export_button.setEnabled(bool(months))
        if months:
            self.month_box.setCurrentText(current if current in months else months[0])
            self.load_month(self.month_box.currentText())
        else:
            self.status.setText("还没有任何社区的月报：请点“导入社区月报…”，选择社区交来的月报文件。")

    def _month(self) -> tuple[int, int] | None:
        text = self.month_box.currentText()
        return (int(text[:4]), int(text[5:7])) if len(text) == 7 else None

    def load_month(self, _text: str = "") -> None:
        month = self._month()
        if month is None:
            return
        self.ops.run(street.month_view, *month, on_done=self._month_loaded)
        path = Path(self._charts_dir.name) / f"{month[0]}-{month[1]:02d}.pdf"
        self.ops.run(street.chart_preview, *month, path, on_done=self._charts_loaded)

    def _month_loaded(self, data: street.StreetMonth) -> None:
        self.month_model.clear()
        self.month_model.setHorizontalHeaderLabels(["社区代码", "社区名称", "报送"] + [LABELS[k] for k in MONTH_COLUMNS])
        for row in data.rows:
            self.month_model.appendRow([_item(row["code"], row["code"]), _item(row["name"], row["name"]),
                                        _item(row["status"], row["status"])]
                                       + [_item(_shown(k, row[k]), row[k]) for k in MONTH_COLUMNS])
        self.month_view.resizeColumnsToContents()
        reported = len(data.rows) - len(data.missing)
        text = f"{data.month}：已报送 {reported} 个社区，街道探访率 {data.totals['visit_rate'] * 100:.1f}%"
        if data.missing:
            text += f"；未报送 {len(data.missing)} 个：" + "、".join(m["name"] for m in data.missing[:10])
            text += "…" if len(data.missing) > 10 else ""
        self.status.setText(text)

    def _charts_loaded(self, path: Path) -> None:
        from ui.pdfview import first_page_pixmap

        self.chart_label.setPixmap(first_page_pixmap(path, dpi=96))

    # -- import and export ------------------------------------------------------------------------

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "选择社区月报文件", "", "社区月报 (*.json);;所有文件 (*)")
        if files:
            self.import_files(files)

    def import_files(self, files: list[str]) -> None:
        self.ops.run(street.import_files, files, on_done=self._imported)

    def _imported(self, lines: list[street.ImportLine]) -> None:
        self.imported_box = QMessageBox(QMessageBox.Icon.Information, "导入完成",
                                        "\n".join(line.text() for line in lines), QMessageBox.StandardButton.Ok, self)
        self.imported_box.open()
        self.reload()

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "汇总表保存到哪个文件夹")
        if folder:
            self.export_to(folder)

    def export_to(self, folder: str) -> None:
        month = self._month()
        if month is None:
            return
        self.ops.run(street.export_report, *month, folder, on_done=self._exported)

    def _exported(self, result: street.ReportResult) -> None:
        self.status.setText("已导出：" + "、".join(str(p) for p in result.files))

    def closeEvent(self, event) -> None:  # noqa: N802
        self.ops.wait()
        self._charts_dir.cleanup()
        super().closeEvent(event)
