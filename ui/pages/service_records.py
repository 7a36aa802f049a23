"""One activity's service records person by person: confirm, mark 有疑问 with a note, correct, add one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
)

from app import service, volunteers
from app.timebank import hours_text
from ui.context import Context
from ui.forms import Field, FormDialog, resize_within_screen
from ui.table import catalog_columns, cell_text, list_table

COLUMNS = catalog_columns("service_records", {
    "minutes": lambda r: hours_text(r["minutes"]),
    "is_backfill": lambda r: "补录" if r.get("is_backfill") else "",
})
RECORD_FIELDS = [
    Field("minutes", "服务时长", required=True, placeholder="如 2小时、90（分钟）、1小时30分"),
    Field("content", "服务内容"),
    Field("recorder", "记录人"),
    Field("attested_by", "证明人", placeholder="组织者或服务对象"),
    Field("review_state", "审核状态", "choice", service.REVIEW_STATES),
    Field("review_note", "审核意见", placeholder="标为“有疑问”时必填"),
    Field("backfill_reason", "补录原因", placeholder="活动已过 30 天以上时必填"),
]
ADD_FIELDS = [Field("volunteer_id", "志愿者", "person", required=True, search=volunteers.search_volunteers),
              *RECORD_FIELDS]
DOUBT_FIELDS = [Field("review_note", "疑问", "area", required=True, placeholder="如：签到表上没有此人；时长与签到不符")]


class RecordsDialog(QDialog):
    def __init__(self, parent, ctx: Context, activity: dict):
        super().__init__(parent)
        self.ctx, self.ops, self.activity = ctx, ctx.ops, activity
        self.records: list[dict] = []
        self.form: FormDialog | None = None
        self.setWindowTitle(f"逐人记录：{activity['date']} {activity['name']}")
        self.table = list_table(COLUMNS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _: self.correct())
        buttons = QHBoxLayout()
        for text, slot, keys in (("确认此人 (Ctrl+K)", self.confirm, "Ctrl+K"),
                                 ("标为有疑问… (Ctrl+Q)", self.doubt, "Ctrl+Q"),
                                 ("修改… (Enter)", self.correct, None),
                                 ("补登一人… (Ctrl+N)", self.add, "Ctrl+N")):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            if keys:
                QShortcut(QKeySequence(keys), self, activated=slot)
        buttons.addStretch()
        close = QPushButton("关闭 (Esc)")
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("选中一人：Ctrl+K 确认，Ctrl+Q 标为有疑问并写明疑问，Enter 修改时长或内容，"
                                "Ctrl+N 补登漏记的志愿者。"))
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        resize_within_screen(self, 760, 420)
        self.reload()

    def reload(self) -> None:
        self.ops.run(service.records_of_activity, self.activity["id"], on_done=self._arrived)

    def _arrived(self, rows: list[dict]) -> None:
        keep = max(self.table.currentRow(), 0)
        self.records = rows
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, column in enumerate(COLUMNS):
                self.table.setItem(r, c, QTableWidgetItem(cell_text(column, row)))
        if rows:
            self.table.selectRow(min(keep, len(rows) - 1))
        self.table.setFocus()

    def current(self) -> dict | None:
        row = self.table.currentRow()
        return self.records[row] if 0 <= row < len(self.records) else None

    def _changed(self, text: str) -> None:
        self.ctx.say(text)
        self.reload()

    # -- actions ------------------------------------------------------------------------

    def confirm(self) -> None:
        record = self.current()
        if record is None:
            return
        self.ops.run(service.review, [record["id"]], "已确认",
                     on_done=lambda _: self._changed(f"已确认 {record['name']} 的服务时长"))

    def doubt(self) -> FormDialog | None:
        record = self.current()
        if record is None:
            return None

        def validate(values):
            return service.clean_review("有疑问", values.get("review_note"))

        def save(store, values):
            return service.review(store, [record["id"]], "有疑问", values.get("review_note"))

        return self._form(f"标为有疑问：{record['name']}", DOUBT_FIELDS, validate, save,
                          {"review_note": record.get("review_note") or ""},
                          f"已把 {record['name']} 的服务记录标为有疑问")

    def correct(self) -> FormDialog | None:
        record = self.current()
        if record is None:
            return None
        today = self.ctx.today()

        def validate(values):
            return service.clean_entry({**record, **values}, self.activity, today=today)

        def save(store, values):
            return service.update_record(store, record["id"], values, today=today)

        values = {key: record.get(key) for key in (f.key for f in RECORD_FIELDS)}
        values["minutes"] = f"{record['minutes']}分"
        return self._form(f"修改服务记录：{record['name']}", RECORD_FIELDS, validate, save, values,
                          f"已修改 {record['name']} 的服务记录", draft_key=f"service_records.edit:{record['id']}")

    def add(self) -> FormDialog | None:
        today = self.ctx.today()

        def validate(values):
            return service.clean_entry(values, self.activity, today=today)

        def save(store, values):
            return service.add_to_activity(store, self.activity["id"], values, today=today)

        return self._form("补登一名志愿者", ADD_FIELDS, validate, save,
                          {"minutes": "", "review_state": "待审核"}, "已补登一名志愿者的服务记录",
                          draft_key=f"service_records.new:{self.activity['id']}")

    def _form(self, title, fields, validate, save, values, said, draft_key=None) -> FormDialog:
        self.form = FormDialog(self, self.ops, title, fields, validate=validate, save=save, values=values,
                               draft_key=draft_key)
        self.form.saved.connect(lambda _: self._changed(said))
        self.form.open()
        return self.form

    def keyPressEvent(self, event) -> None:  # noqa: N802
        # Enter on the list corrects the record; it must not close the dialog.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.correct()
            return
        super().keyPressEvent(event)
