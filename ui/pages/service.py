"""志愿服务 page: activities, batch entry of one activity for N volunteers, review."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QPushButton

from PySide6.QtGui import QKeySequence, QShortcut

from app import service, volunteers
from app.timebank import hours_text
from app.dates import month_span, recent_months
from ui.forms import Field, FormDialog
from ui.pages.base import RecordPage

ACTIVITY_FIELDS = [
    Field("name", "活动名称", required=True),
    Field("date", "活动日期", "date", required=True),
    Field("category", "类别", "choice", ("", *service.CATEGORIES)),
    Field("location", "地点"),
    Field("organizer", "组织者"),
    Field("start_time", "开始时间", placeholder="如 09:00（可不填）"),
    Field("end_time", "结束时间", placeholder="如 11:30（可不填）"),
    Field("beneficiaries", "服务对象"),
]
ENTRY_FIELDS = [
    Field("minutes", "每人时长", required=True, placeholder="如 2小时、90（分钟）、1小时30分"),
    Field("content", "服务内容"),
    Field("recorder", "记录人"),
    Field("attested_by", "证明人", placeholder="组织者或服务对象"),
    Field("review_state", "审核状态", "choice", service.REVIEW_STATES),
    Field("backfill_reason", "补录原因", placeholder="活动已过 30 天以上时必填"),
]
VOLUNTEERS_FIELD = Field("volunteer_ids", "参加的志愿者", "checks", required=True,
                         search=volunteers.search_volunteers, each="时长")
# The batch form in the order of the keys: the name, the people (Tab from the name), then the rest.
BATCH_FIELDS = [ACTIVITY_FIELDS[0], VOLUNTEERS_FIELD, ENTRY_FIELDS[0], *ACTIVITY_FIELDS[1:], *ENTRY_FIELDS[1:]]


class ServicePage(RecordPage):
    title = "志愿服务"
    table = "activities"
    shows = frozenset({"activities", "service_records", "volunteers"})
    noun = "志愿活动"
    empty_hint = "还没有志愿活动。按 Ctrl+N 登记一次活动，勾选参加的志愿者，一次保存全部服务时长。"

    def formats(self):
        return {
            "time": lambda r: f"{r.get('start_time') or ''}–{r.get('end_time') or ''}",
            "minutes": lambda r: hours_text(r.get("minutes") or 0),
            "pending": lambda r: r.get("pending") or "",
        }

    def row_color(self, row):
        return "#b9770e" if row.get("pending") else None

    def extra_buttons(self):
        confirm = QPushButton("确认本次全部时长")
        confirm.clicked.connect(self.confirm_current)
        records = QPushButton("逐人记录… (Ctrl+L)")
        records.clicked.connect(self.open_records)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=self.open_records)
        return [records, confirm]

    def extend_layout(self, layout):
        legend = QLabel("橙色的活动还有待审核的服务时长；选中后按 Ctrl+L 逐人确认、标为有疑问、修改或补登一人。")
        legend.setStyleSheet("color: #b9770e;")
        layout.addWidget(legend)

    def open_records(self):
        """One activity's service records, person by person (ui/pages/service_records.py)."""
        row = self.current_row()
        if row is None:
            return None
        from ui.pages.service_records import RecordsDialog

        self.records_dialog = RecordsDialog(self, self.ctx, row)
        self.records_dialog.open()
        return self.records_dialog

    def confirm_current(self) -> None:
        row = self.current_row()
        if row is None:
            return

        def confirm(store, activity_id):
            ids = [r["id"] for r in service.records_of_activity(store, activity_id) if r["review_state"] != "已确认"]
            return service.review(store, ids, "已确认")

        self.ops.run(confirm, row["id"])

    search_hint = "搜索：活动名称、地点或组织者 (Ctrl+F)"

    def filter_options(self):
        return {"月份": ("", *recent_months(self.ctx.today()))}

    def query(self, search, filters):
        month = month_span(filters.get("月份"))
        return (lambda store, **options: service.activities_page(store, month=month, search=search, **options)), True

    def form_fields(self):
        return BATCH_FIELDS

    def validate(self, values):
        return service.clean_batch(values, today=self.ctx.today())

    def add(self, store, values):
        activity, entries = service.clean_batch(values, today=self.ctx.today())
        return service.record_activity(store, activity, entries, today=self.ctx.today())

    def new_record(self) -> None:
        super().new_record()
        self.dialog.set_value("minutes", "2小时")

    def edit_current(self) -> None:
        row = self.current_row()
        if row is None:
            return
        record_id = row["id"]

        def opened(record):
            self.dialog = FormDialog(
                self, self.ops, "编辑志愿活动", ACTIVITY_FIELDS,
                validate=lambda v: service.clean_activity(v, today=self.ctx.today()),
                save=lambda store, v: service.update_activity(store, record_id, v, today=self.ctx.today()),
                values=record, draft_key=f"activities.edit:{record_id}",
            )
            self.dialog.open()

        self.ops.run(service.get_activity, record_id, on_done=opened)

    def delete(self, store, record_id):
        return service.delete_activity(store, record_id)
