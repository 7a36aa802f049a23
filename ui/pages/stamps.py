"""盖章登记 page: the register; typing the matter shows the checklist's answer at once."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCompleter

from app import stamps
from app.dates import month_span, recent_months
from ui.forms import Field
from ui.pages.base import RecordPage


class StampsPage(RecordPage):
    title = "盖章登记"
    table = "stamp_requests"
    shows = frozenset({"stamp_requests", "stamp_items"})
    noun = "盖章登记"
    revealable = True
    editable = False  # a register entry is not edited: delete it (its serial stays taken) and register anew
    empty_hint = "还没有盖章登记。按 Ctrl+N 登记；输入申请事项时会提示它是否在负面清单中、应到哪里办理。"
    checklist: list[dict] = []

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
            Field("applicant", "申请人", required=True),
            Field("result", "办理结果", "choice", stamps.RESULTS),
            Field("reason", "理由", "area", placeholder="不予盖章时必填"),
            Field("referral", "告知去向", placeholder="负面清单事项自动填写承办部门"),
            Field("id_number", "身份证号"),
            Field("phone", "联系电话"),
            Field("purpose", "用途"),
            Field("date", "登记日期", "date", required=True),
            Field("handler", "经办人", required=True),
        ]

    def validate(self, values):
        return stamps.check_request(values, self.checklist, today=self.ctx.today())

    def notice(self, values):
        if not (values.get("matter") or "").strip():
            return None
        advice = stamps.advise(self.checklist, values["matter"])
        color = "#c0392b" if advice.refused else "#1e7e34"
        return f'<span style="color:{color}; font-weight:bold">{advice.message}</span>'

    def new_record(self) -> None:
        def ready(found):
            self.checklist, handler = found
            super(StampsPage, self).new_record()
            dialog = self.dialog
            dialog.saved.connect(self._announce)
            if handler and not dialog.values()["handler"]:
                dialog.set_value("handler", handler)
            # Typing the matter offers the checklist's own wording, in a short list that leaves
            # the fields below it in sight.
            names = QCompleter([item["name"] for item in self.checklist], dialog)
            names.setFilterMode(Qt.MatchFlag.MatchContains)
            names.setMaxVisibleItems(4)
            dialog.widgets["matter"].setCompleter(names)
            self._auto: dict[str, str] = {}
            dialog.widgets["matter"].textChanged.connect(lambda text: self._matter_changed(dialog, names, text))

        self.ops.run(lambda store: (stamps.checklist(store), stamps.last_handler(store)), on_done=ready)

    def _matter_changed(self, dialog, names, text: str) -> None:
        """A 负面清单 matter fills 不予盖章, the reason and where to go; another matter takes them back."""
        check = stamps.advise(self.checklist, text) if text.strip() else None
        wanted = stamps.refusal(check) if check else {}
        current = dialog.values()
        for key in ("result", "reason", "referral"):
            mine = self._auto.get(key)
            if mine is not None and current[key] != mine:
                continue  # the user changed what the program filled: theirs wins
            if key in wanted and (mine is not None or not str(current[key]).strip() or key == "result"):
                dialog.set_value(key, wanted[key])
                self._auto[key] = wanted[key]
            elif key not in wanted and mine is not None:
                dialog.set_value(key, stamps.RESULTS[0] if key == "result" else "")
                self._auto.pop(key)
        dialog.revalidate()
        if check and check.item and text.strip() == check.item["name"]:
            # The matter is the checklist's own: the popup (shown after this) would only hide the answer.
            QTimer.singleShot(0, names.popup().hide)

    def _announce(self, record) -> None:
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(f"已登记，编号 {record['serial']}", 10000)
        self.last_serial = record["serial"]

    def add(self, store, values):
        return stamps.register_request(store, values, today=self.ctx.today())

    def delete(self, store, record_id):
        return stamps.delete_request(store, record_id)

