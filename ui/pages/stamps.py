"""盖章登记 page: the register; typing the matter shows the checklist's answer at once."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCompleter

from app import stamps
from app.dates import month_span, recent_months
from ui.forms import Field
from ui.pages.base import RecordPage
from ui.table import Col


class StampsPage(RecordPage):
    title = "盖章登记"
    table = "stamp_requests"
    shows = frozenset({"stamp_requests", "stamp_items"})
    noun = "盖章登记"
    revealable = True
    editable = False  # a register entry is not edited: delete it (its serial stays taken) and register anew
    empty_hint = "还没有盖章登记。按 Ctrl+N 登记；输入申请事项时会提示它是否在负面清单中、应到哪里办理。"
    checklist: list[dict] = []

    def columns(self):
        return [
            Col("编号", lambda r: r["serial"], 90, "serial"),
            Col("日期", lambda r: r["date"], 95, "date"),
            Col("申请人", lambda r: r["applicant"], 80, "applicant"),
            Col("身份证号", lambda r: self.number(r, "id_number"), 170),
            Col("申请事项", lambda r: r["matter"], 200, "matter"),
            Col("办理结果", lambda r: r["result"], 80, "result"),
            Col("告知去向", lambda r: r.get("referral"), 200),
            Col("经办人", lambda r: r.get("handler"), 80, "handler"),
        ]

    def row_color(self, row):
        return "#c0392b" if row["result"] == "不予盖章" else None

    search_hint = "搜索：申请人、事项或编号 (Ctrl+F)"

    def filter_options(self):
        return {"办理结果": ("", *stamps.RESULTS), "月份": ("", *recent_months(self.ctx.today()))}

    def query(self, search, filters):
        result, month = filters.get("办理结果") or None, month_span(filters.get("月份"))

        def fetch(store, **options):
            return stamps.requests_page(store, result=result, month=month, search=search, **options)

        return fetch, True

    def form_fields(self):
        return [
            Field("matter", "申请事项", required=True, placeholder="如：亲属关系证明、低保申请"),
            Field("result", "办理结果", "choice", stamps.RESULTS),
            Field("reason", "理由", "area", placeholder="不予盖章时必填"),
            Field("referral", "告知去向", placeholder="负面清单事项自动填写承办部门"),
            Field("applicant", "申请人", required=True),
            Field("id_number", "身份证号"),
            Field("phone", "联系电话"),
            Field("purpose", "用途"),
            Field("date", "登记日期", "date", required=True),
            Field("handler", "经办人", required=True),
        ]

    def validate(self, values):
        return stamps.clean_request(values, today=self.ctx.today())

    def notice(self, values):
        if not (values.get("matter") or "").strip():
            return None
        advice = stamps.advise(self.checklist, values["matter"])
        color = "#c0392b" if advice.refused else "#1e7e34"
        return f'<span style="color:{color}; font-weight:bold">{advice.message}</span>'

    def new_record(self) -> None:
        def ready(items):
            self.checklist = items
            super(StampsPage, self).new_record()
            self.dialog.saved.connect(self._announce)
            # Typing the matter offers the checklist's own wording.
            names = QCompleter([item["name"] for item in items], self.dialog)
            names.setFilterMode(Qt.MatchFlag.MatchContains)
            self.dialog.widgets["matter"].setCompleter(names)

        self.ops.run(stamps.checklist, on_done=ready)

    def _announce(self, record) -> None:
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(f"已登记，编号 {record['serial']}", 10000)
        self.last_serial = record["serial"]

    def add(self, store, values):
        return stamps.register_request(store, values, today=self.ctx.today())

    def delete(self, store, record_id):
        return stamps.delete_request(store, record_id)

