"""时间银行 of one volunteer: the balance, the statement, and 兑换 (redeeming hours)."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
)

from app import timebank
from app.timebank import hours_text
from ui.context import Context
from ui.forms import Field, FormDialog, resize_within_screen
from ui.table import list_table

COLUMNS = ("日期", "摘要", "获得", "兑换", "余额")
REDEEM_FIELDS = [
    Field("minutes", "兑换时长", required=True, placeholder="如 10小时、90（分钟）"),
    Field("reason", "兑换事由", required=True, placeholder="如：兑换家政服务 2 次"),
    Field("date", "兑换日期", "date", required=True),
    Field("handler", "经办人"),
]


class TimeBankDialog(QDialog):
    def __init__(self, parent, ctx: Context, volunteer: dict):
        super().__init__(parent)
        self.ctx, self.ops, self.volunteer = ctx, ctx.ops, volunteer
        self.form: FormDialog | None = None
        self.lines: list[dict] = []
        self.setWindowTitle(f"时间银行：{volunteer['name']}")
        self.balance = QLabel("余额：…")
        self.balance.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.table = list_table(COLUMNS, single=False)
        self.table.setColumnWidth(1, 260)
        self.redeem_button = QPushButton("兑换… (Ctrl+N)")
        self.redeem_button.setAutoDefault(False)
        self.redeem_button.clicked.connect(self.redeem)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.redeem)
        close = QPushButton("关闭 (Esc)")
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.redeem_button)
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.balance)
        layout.addWidget(QLabel("只有已确认的服务时长计入时间银行；兑换不能超过余额。"))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        resize_within_screen(self, 640, 420)
        self.reload()

    def reload(self) -> None:
        self.ops.run(timebank.statement, self.volunteer["id"], on_done=self._arrived)

    def _arrived(self, lines: list[dict]) -> None:
        self.lines = lines
        left = lines[-1]["balance"] if lines else 0
        self.balance.setText(f"余额：{hours_text(left)}")
        self.table.setRowCount(len(lines))
        for r, line in enumerate(lines):
            cells = (line["date"], line["what"], hours_text(line["earned"]) if line["earned"] else "",
                     hours_text(line["spent"]) if line["spent"] else "", hours_text(line["balance"]))
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        if lines:
            self.table.scrollToBottom()

    def redeem(self) -> FormDialog:
        today = self.ctx.today()
        vid = self.volunteer["id"]

        def validate(values):
            return timebank.clean_redemption({**values, "volunteer_id": vid}, today=today)

        def save(store, values):
            return timebank.redeem(store, {**values, "volunteer_id": vid}, today=today)

        def saved(row) -> None:
            self.ctx.say(f"已为 {self.volunteer['name']} 兑换 {hours_text(row['minutes'])}")
            self.reload()

        self.form = FormDialog(self, self.ops, f"兑换时长：{self.volunteer['name']}", REDEEM_FIELDS,
                               validate=validate, save=save, draft_key=f"redemptions.new:{vid}")
        self.form.saved.connect(saved)
        self.form.open()
        return self.form
