"""居民 page."""

from __future__ import annotations

from app import people
from ui.forms import Field
from ui.pages.base import RecordPage


def address(row: dict) -> str:
    parts = [row.get(k) or "" for k in ("estate", "building", "unit", "room", "village_group")]
    return "".join(parts)


class PeoplePage(RecordPage):
    title = "居民"
    table = "people"
    noun = "居民"
    roster = "people"
    revealable = True
    empty_hint = "还没有居民。按 Ctrl+N 登记第一位居民；志愿者、老年人都从居民中选。"

    def formats(self):
        return {"address": address}

    def query(self, search, filters):
        return (lambda store, **options: people.people_page(store, search=search, **options)), not search

    def form_fields(self) -> list[Field]:
        return [
            Field("name", "姓名", required=True),
            Field("id_number", "身份证号", placeholder="18 位，出生日期和性别自动识别",
                  aside=lambda text: people.id_facts(text, self.ctx.today())),
            Field("gender", "性别", "choice", ("", "男", "女")),
            Field("birth_date", "出生日期", placeholder="有身份证号时可不填"),
            Field("phone", "联系电话", placeholder="手机 11 位，或带区号的固定电话"),
            Field("estate", "小区"),
            Field("building", "楼栋"),
            Field("unit", "单元"),
            Field("room", "室"),
            Field("village_group", "村民小组"),
            Field("grid", "网格"),
            Field("note", "备注", "area"),
        ]

    def validate(self, values):
        return people.clean_person(values, today=self.ctx.today())

    def add(self, store, values):
        return people.add_person(store, values, today=self.ctx.today())

    def update(self, store, record_id, values):
        return people.update_person(store, record_id, values, today=self.ctx.today())

    def load(self, store, record_id):
        return people.get_person(store, record_id)

    def delete(self, store, record_id):
        return people.delete_person(store, record_id)
