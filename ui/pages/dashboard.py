"""工作台: this month's visit duty, the overdue elders (one key records a visit), topics, counts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import stats
from ui.context import Context

TILES = (
    ("elders_due", "应探访"), ("elders_visited", "已探访"), ("visit_rate", "探访率"),
    ("elders_overdue", "逾期未探访"), ("service_hours", "志愿服务（小时）"), ("activities", "志愿活动"),
    ("topics_open", "在办议题"), ("meetings", "协商会议"), ("stamp_requests", "盖章登记"),
    ("stamp_refused", "不予盖章"),
)


GROUP_COLUMNS = (("name", "类别"), ("total", "在册"), ("due", "应探访"), ("visited", "已探访"),
                 ("visit_rate", "探访率"), ("home_visits", "上门"), ("overdue", "逾期"))

# Writes that change no figure on the 工作台: a form's draft, the audit alone.
NOT_SHOWN = frozenset({"drafts", "audit"})


class DashboardPage(QWidget):
    title = "工作台"

    def __init__(self, ctx: Context):
        super().__init__()
        self.ctx, self.ops = ctx, ctx.ops
        self.info: dict = {}
        self.dialog = None
        # One style sheet for the page: parsing one per label cost the first paint ~20 ms.
        self.setStyleSheet("QLabel#heading { font-size: 16px; font-weight: bold; }"
                           " QLabel#tile { font-size: 22px; font-weight: bold; }"
                           " QLabel#hint { color: #555; padding: 8px; background: #f4f6f8; }")
        heading = QLabel("工作台")
        heading.setObjectName("heading")
        self.month = QLabel("")
        self.hint = QLabel("还没有任何记录。先到“居民”登记居民，或用“从 Excel 导入…”导入现有花名册；"
                           "再把居民登记为志愿者、特殊困难老年人。按 F1 查看使用说明。")
        self.hint.setWordWrap(True)
        self.hint.setObjectName("hint")
        self.hint.hide()
        self.export_button = QPushButton("月底导出台账…")
        self.export_button.clicked.connect(self.open_export)
        grid = QGridLayout()
        self.tiles: dict[str, QLabel] = {}
        for i, (key, label) in enumerate(TILES):
            box = QGroupBox(label)
            value = QLabel("…")
            value.setObjectName("tile")
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            QVBoxLayout(box).addWidget(value)
            grid.addWidget(box, i // 5, i % 5)
            self.tiles[key] = value
        self.overdue = QTableWidget(0, 5)
        self.overdue.setHorizontalHeaderLabels(["姓名", "风险等级", "应探访日期", "逾期天数", "责任探访人"])
        self.overdue.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.overdue.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.overdue.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.overdue.verticalHeader().hide()
        self.view = self.overdue  # the window puts the keyboard here when the page opens
        self.overdue.horizontalHeader().setStretchLastSection(True)
        self.overdue.activated.connect(lambda _: self.visit_selected())
        self.overdue.doubleClicked.connect(lambda _: self.visit_selected())
        self.visit_button = QPushButton("为选中的老人登记探访 (Enter)")
        self.visit_button.clicked.connect(self.visit_selected)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>本月逾期未探访</b>（红色；选中后按 Enter 登记探访）"))
        left.addWidget(self.overdue, 1)
        left.addWidget(self.visit_button)
        self.topics = QListWidget()
        self.groups = QTableWidget(0, len(GROUP_COLUMNS))  # each 关爱对象 group's month
        self.groups.setHorizontalHeaderLabels([label for _, label in GROUP_COLUMNS])
        self.groups.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.groups.verticalHeader().hide()
        self.referrals = QListWidget()  # 转介 not closed by their due date
        right = QVBoxLayout()
        right.addWidget(QLabel("<b>各类关爱对象本月探访</b>"))
        right.addWidget(self.groups, 1)
        right.addWidget(QLabel("<b>逾期未办结的转介</b>"))
        right.addWidget(self.referrals, 1)
        right.addWidget(QLabel("<b>待落实的议题</b>"))
        right.addWidget(self.topics, 1)
        lists = QHBoxLayout()
        lists.addLayout(left, 3)
        lists.addLayout(right, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        line = QHBoxLayout()
        line.addWidget(self.month)
        line.addStretch()
        line.addWidget(self.export_button)
        layout.addLayout(line)
        layout.addWidget(self.hint)
        layout.addLayout(grid)
        layout.addLayout(lists, 1)
        ctx.changed.connect(self._maybe_reload)

    def _maybe_reload(self, changes: frozenset[str]) -> None:
        if self.info and changes - NOT_SHOWN:
            self.reload()

    def reload(self) -> None:
        self.ops.run(stats.dashboard, today=self.ctx.today(), on_done=self._arrived)

    def _arrived(self, info: dict) -> None:
        self.info = info
        figures = info["figures"]
        self.hint.setVisible(figures["people_total"] == 0)
        self.month.setText(f"{figures['month']} 月度情况")
        for key, label in self.tiles.items():
            value = figures[key]
            label.setText(f"{value:.0%}" if key == "visit_rate" else str(value))
        self.tiles["elders_overdue"].setStyleSheet(
            "font-size: 22px; font-weight: bold; color: %s;" % ("#c0392b" if figures["elders_overdue"] else "#1e7e34"))
        self.overdue.setRowCount(len(info["overdue"]))
        red = QColor("#c0392b")
        for r, line in enumerate(info["overdue"]):
            cells = [line["name"], line["risk_level"], line["due_on"], f"{line['days_overdue']} 天", line["visitor"] or ""]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setForeground(red)
                self.overdue.setItem(r, c, item)
        if info["overdue"]:
            self.overdue.selectRow(0)  # Enter records a visit for the most overdue elder
        groups = figures.get("groups", {})
        self.groups.setRowCount(len(groups))
        for r, (name, numbers) in enumerate(groups.items()):
            cells = [name, *(f"{numbers[k]:.0%}" if k == "visit_rate" else str(numbers[k]) for k, _ in GROUP_COLUMNS[1:])]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if numbers["overdue"]:
                    item.setForeground(red)
                self.groups.setItem(r, c, item)
        self.groups.resizeColumnsToContents()
        self.referrals.clear()
        for referral in info.get("overdue_referrals", []):
            self.referrals.addItem(f"{referral['name']}　{referral['problem']} → {referral['target']}"
                                   f"（逾期 {referral['days_overdue']} 天）")
        self.topics.clear()
        for topic in info["waiting_topics"]:
            self.topics.addItem(f"{topic['state']}　{topic['title']}")

    def open_export(self) -> None:
        window = self.window()
        if hasattr(window, "go"):
            window.go("台账导出")

    def visit_selected(self):
        row = self.overdue.currentRow()
        if row < 0 or row >= len(self.info.get("overdue", [])):
            return None
        line = self.info["overdue"][row]
        from ui.pages.elders import open_visit_form  # the record pages' modules load when first needed

        self.dialog = open_visit_form(self, self.ops, self.ctx, {"id": line["elder_id"], "name": line["name"],
                                                                 "responsible_visitor": line["visitor"]})
        return self.dialog
