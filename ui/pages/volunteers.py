"""志愿者 page."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton

from app import documents, people, settings, volunteers
from app.paths import documents_dir
from app.validation import Collector, normalize_phone, parse_date, required_text
from app.timebank import hours_text
from ui.forms import Field, FormDialog
from ui.pages.base import RecordPage


class VolunteersPage(RecordPage):
    title = "志愿者"
    table = "volunteers"
    shows = frozenset({"volunteers", "people", "activities", "service_records", "redemptions", "settings"})
    noun = "志愿者"
    roster = "volunteers"
    revealable = True
    empty_hint = "还没有志愿者。先在“居民”中登记本人，再按 Ctrl+N 把他登记为志愿者。"
    filters = {"状态": ("", *volunteers.STATUSES)}
    star_hours = settings.DEFAULT_STAR_HOURS

    def formats(self):
        return {
            "confirmed_minutes": lambda r: hours_text(r.get("confirmed_minutes") or 0),
            "star": lambda r: "★" * volunteers.star_level(r.get("confirmed_minutes") or 0, self.star_hours)
            or "未达一星",
        }

    def extra_buttons(self):
        button = QPushButton("开具服务证明…")
        button.clicked.connect(self.certificate)
        bank = QPushButton("时间银行… (Ctrl+B)")
        bank.clicked.connect(self.time_bank)
        QShortcut(QKeySequence("Ctrl+B"), self, activated=self.time_bank)
        register = QPushButton("证明登记簿…")
        register.clicked.connect(self.certificate_register)
        return [bank, button, register]

    def certificate_register(self):
        """Every certificate issued: list, print, check a number, 作废 (ui/pages/certificates.py)."""
        from ui.pages.certificates import CertificateRegisterDialog

        self.register_dialog = CertificateRegisterDialog(self, self.ctx)
        self.register_dialog.open()
        return self.register_dialog

    def time_bank(self):
        """The selected volunteer's balance and statement, and 兑换 (ui/pages/timebank.py)."""
        row = self.current_row()
        if row is None:
            return None
        from ui.pages.timebank import TimeBankDialog

        self.bank_dialog = TimeBankDialog(self, self.ctx, row)
        self.bank_dialog.open()
        return self.bank_dialog

    def certificate(self) -> FormDialog | None:
        row = self.current_row()
        if row is None:
            return None
        today = self.ctx.today()
        fields = [
            Field("period_start", "服务起始日期", "date", required=True),
            Field("period_end", "服务截止日期", "date", required=True),
            Field("handler", "经办人", required=True),
            Field("contact", "联系电话", required=True),
            Field("content", "服务内容", "area", placeholder="不填则列出期间参加的活动"),
        ]

        def validate(values):
            c = Collector()
            start = c.field("period_start", parse_date, values.get("period_start"), field="起始日期")
            end = c.field("period_end", parse_date, values.get("period_end"), field="截止日期")
            if start and end and start > end:
                c.error("period_end", "截止日期不能早于起始日期")
            c.field("handler", required_text, values.get("handler"), field="经办人")
            c.field("contact", normalize_phone, values.get("contact"))
            return c.done()

        def save(store, values):
            folder = documents_dir() / "志愿服务证明"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{row['name']}_证明_{today.isoformat()}.pdf"
            certificate = documents.issue_certificate(store, {**values, "volunteer_id": row["id"]}, today=today,
                                                      path=path)
            numbered = path.with_name(f"{certificate['serial']}_{row['name']}.pdf")
            path.replace(numbered)
            return certificate, numbered

        self.dialog = FormDialog(self, self.ops, f"开具志愿服务记录证明：{row['name']}", fields, validate=validate,
                                 save=save, values={"period_start": f"{today.year}-01-01",
                                                    "period_end": today.isoformat()}, writes_file=True)
        self.dialog.saved.connect(lambda result: self.announce(f"已开具证明 {result[0]['serial']}，保存在：\n{result[1]}"))
        self.dialog.open()
        return self.dialog

    def query(self, search, filters):
        status = filters.get("状态") or None

        def fetch(store, **options):
            self.star_hours = settings.load(store).star_hours
            return volunteers.volunteers_page(store, status=status, search=search, **options)

        return fetch, not search

    def form_fields(self):
        return [
            Field("person_id", "本人", "person", required=True),
            Field("volunteer_no", "志愿者编号", placeholder="不填则自动编号，如 ZY260001"),
            Field("team", "服务队"),
            Field("political_status", "政治面貌", "choice", ("", *volunteers.POLITICAL)),
            Field("skills", "专长"),
            Field("registered_on", "注册日期", "date", required=True),
            Field("status", "状态", "choice", volunteers.STATUSES),
        ]

    def validate(self, values):
        return volunteers.clean_volunteer(values, today=self.ctx.today())

    def load(self, store, record_id):
        record = volunteers.get_volunteer(store, record_id)
        person = people.get_person(store, record["person_id"])
        return {**record, "person_id": {"id": person["id"], "name": person["name"]}}

    def add(self, store, values):
        return volunteers.add_volunteer(store, values, today=self.ctx.today())

    def update(self, store, record_id, values):
        return volunteers.update_volunteer(store, record_id, values, today=self.ctx.today())

    def delete(self, store, record_id):
        return volunteers.delete_volunteer(store, record_id)
