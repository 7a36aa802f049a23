"""老年人探访 page: the elders' register and recording visits."""

from __future__ import annotations

import json

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton

from app import elders, people
from ui.forms import Field, FormDialog
from ui.pages.base import RecordPage

VISIT_FIELDS = [
    Field("elder_id", "老人", "person", required=True, search=elders.search_elders),
    Field("date", "探访日期", "date", required=True),
    Field("method", "方式", "choice", elders.METHODS),
    Field("visitor", "探访人", required=True),
    *[Field(key, label, "area") for key, label in elders.VISIT_TEXT_FIELDS.items()],
]


def open_visit_form(page, ops, ctx, elder: dict | None) -> FormDialog:
    """The visit form; 保存并新建 keeps the date and the visitor for the next elder.

    Opened for one elder it comes filled with today, 上门 and the elder's 责任探访人, and the cursor
    waits in the first notes field: type what was found, Ctrl+S.
    """
    today = ctx.today()

    def validate(values):
        return elders.clean_visit(values, None, today=today)

    def save(store, values):
        return elders.record_visit(store, values, today=today)

    values = {"date": today.isoformat(), "method": elders.METHODS[0]}
    visitor = ""
    if elder:
        values["elder_id"] = {"id": elder["id"], "name": elder["name"]}
        visitor = elder.get("responsible_visitor") or elder.get("visitor") or ""
        if visitor:
            values["visitor"] = visitor
    # Opened for one elder, the draft is that elder's: another elder's half-typed visit stays aside.
    draft_key = f"visits.new:{elder['id']}" if elder else "visits.new"
    dialog = FormDialog(page, ops, "登记探访", VISIT_FIELDS, validate=validate, save=save, values=values,
                        keep_on_new=("date", "visitor", "method"), draft_key=draft_key)
    dialog.focus_key = "elder_id" if not elder else ("visitor" if not visitor else next(iter(elders.VISIT_TEXT_FIELDS)))
    dialog.saved.connect(lambda _: ctx.say(f"已保存探访记录：{dialog.summary()}，{dialog.values()['date']}"))
    dialog.open()
    return dialog


class EldersPage(RecordPage):
    title = "老年人探访"
    table = "elders"
    shows = frozenset({"elders", "people", "visits"})  # 最近探访 comes from the visits
    noun = "老年人"
    roster = "elders"
    empty_hint = "还没有登记老年人。先在“居民”中登记本人，再按 Ctrl+N 纳入特殊困难老年人名册。"
    filters = {"状态": ("", *elders.STATUSES), "类别": ("", *elders.CATEGORIES)}

    def formats(self):
        return {"categories": lambda r: "、".join(json.loads(r.get("categories") or "[]"))}

    def extra_buttons(self):
        self.visit_button = QPushButton("登记探访 (Ctrl+R)")
        self.visit_button.clicked.connect(self.record_visit)
        QShortcut(QKeySequence("Ctrl+R"), self, activated=self.record_visit)
        return [self.visit_button]

    def record_visit(self) -> FormDialog:
        self.dialog = open_visit_form(self, self.ops, self.ctx, self.current_row())
        return self.dialog

    def query(self, search, filters):
        status, category = filters.get("状态") or None, filters.get("类别") or None

        def fetch(store, **options):
            return elders.elders_page(store, status=status, category=category, search=search, **options)

        return fetch, not search

    def form_fields(self):
        return [
            Field("person_id", "本人", "person", required=True),
            Field("categories", "类别", "multi", elders.CATEGORIES, required=True),
            Field("risk_level", "风险等级", "choice", elders.RISK_LEVELS),
            Field("status", "状态", "choice", elders.STATUSES),
            Field("joined_on", "纳入日期", "date", required=True),
            Field("left_on", "变更日期", placeholder="迁出、入住机构或去世的日期"),
            Field("emergency_contact", "紧急联系人"),
            Field("emergency_phone", "紧急联系电话"),
            Field("supporter", "赡养人"),
            Field("supporter_phone", "赡养人电话"),
            Field("responsible_visitor", "责任探访人"),
            Field("health_note", "健康状况", "area"),
        ]

    def validate(self, values):
        return elders.clean_elder(values, today=self.ctx.today())

    def load(self, store, record_id):
        record = elders.get_elder(store, record_id)
        person = people.get_person(store, record["person_id"])
        return {**record, "categories": json.loads(record["categories"]),
                "person_id": {"id": person["id"], "name": person["name"]}}

    def add(self, store, values):
        return elders.add_elder(store, values, today=self.ctx.today())

    def update(self, store, record_id, values):
        return elders.update_elder(store, record_id, values, today=self.ctx.today())

    def delete(self, store, record_id):
        return elders.delete_elder(store, record_id)

