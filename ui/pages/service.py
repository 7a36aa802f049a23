"""志愿服务 page: activities, batch entry of one activity for N volunteers, review."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton

from app import service, volunteers
from app.errors import ValidationError
from app.timebank import hours_text
from app.dates import month_span, recent_months
from app.validation import parse_minutes
from ui.forms import Field, FormDialog
from ui.pages.base import RecordPage
from ui.table import Col

ACTIVITY_FIELDS = [
    Field("date", "活动日期", "date", required=True),
    Field("name", "活动名称", required=True),
    Field("category", "类别", "choice", ("", *service.CATEGORIES)),
    Field("location", "地点"),
    Field("organizer", "组织者"),
    Field("start_time", "开始时间", placeholder="09:00"),
    Field("end_time", "结束时间", placeholder="11:00"),
    Field("beneficiaries", "服务对象"),
]
ENTRY_FIELDS = [
    Field("volunteer_ids", "参加的志愿者", "checks", required=True, search=volunteers.search_volunteers),
    Field("minutes", "每人时长", required=True, placeholder="如 2小时、90（分钟）、1小时30分"),
    Field("content", "服务内容"),
    Field("recorder", "记录人"),
    Field("attested_by", "证明人", placeholder="组织者或服务对象"),
    Field("review_state", "审核状态", "choice", service.REVIEW_STATES),
    Field("backfill_reason", "补录原因", placeholder="活动已过 30 天以上时必填"),
]
ENTRY_KEYS = ("minutes", "content", "recorder", "attested_by", "review_state", "backfill_reason")


def split_batch(values: dict, today) -> tuple[dict, list[dict]]:
    """The batch form's values as (activity, entries), every wrong field reported."""
    errors: dict[str, str] = {}
    activity: dict = {}
    try:
        activity = service.clean_activity(values, today=today)
    except ValidationError as exc:
        errors.update(exc.errors)
    if not values.get("volunteer_ids"):
        errors["volunteer_ids"] = "请勾选至少一名参加的志愿者"
    shared = {k: values.get(k) for k in ENTRY_KEYS}
    try:
        if activity:
            service.clean_entry({**shared, "volunteer_id": "-"}, activity, today=today)
        else:
            parse_minutes(values.get("minutes"), field="每人时长")
    except ValidationError as exc:
        errors.update(exc.errors if activity else {"minutes": str(exc)})
    if errors:
        raise ValidationError(errors)
    return activity, [{**shared, "volunteer_id": vid} for vid in values["volunteer_ids"]]


class ServicePage(RecordPage):
    title = "志愿服务"
    table = "activities"
    shows = frozenset({"activities", "service_records", "volunteers"})
    noun = "志愿活动"
    empty_hint = "还没有志愿活动。按 Ctrl+N 登记一次活动，勾选参加的志愿者，一次保存全部服务时长。"

    def columns(self):
        return [
            Col("日期", lambda r: r["date"], 95, "date"),
            Col("活动名称", lambda r: r["name"], 180, "name"),
            Col("类别", lambda r: r.get("category"), 80, "category"),
            Col("地点", lambda r: r.get("location"), 150, "location"),
            Col("时间", lambda r: f"{r.get('start_time') or ''}–{r.get('end_time') or ''}", 100),
            Col("人数", lambda r: r.get("volunteers"), 50),
            Col("总时长", lambda r: hours_text(r.get("minutes") or 0), 90),
            Col("待审核", lambda r: r.get("pending") or "", 60),
        ]

    def row_color(self, row):
        return "#b9770e" if row.get("pending") else None

    def extra_buttons(self):
        confirm = QPushButton("确认本次全部时长")
        confirm.clicked.connect(self.confirm_current)
        return [confirm]

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
        return ACTIVITY_FIELDS + ENTRY_FIELDS

    def validate(self, values):
        return split_batch(values, self.ctx.today())

    def add(self, store, values):
        activity, entries = split_batch(values, self.ctx.today())
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
