"""关爱对象 page: every group's register, structured visits beside the last findings, visit history."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import care, people
from app.errors import UserError, ValidationError
from ui.context import Context
from ui.forms import Field, PersonPicker, resize_within_screen
from ui.pages.base import RecordPage

CARE_TABLES = frozenset({"care_members", "care_groups", "elders", "people", "visits", "visit_findings", "referrals"})


def _visit_context(store, person_id: str) -> dict[str, Any]:
    """What the visit form shows for one person: the checklist of their groups, their groups, the last findings."""
    return {"checklist": care.checklist_of(store, person_id),
            "groups": [m["group_name"] for m in care.memberships(store, person_id)],
            **care.last_findings(store, person_id)}


def findings_html(seen: dict[str, Any]) -> str:
    """The last visit's findings and the open problems, as the panel beside the form shows them."""
    parts = []
    last = seen.get("last")
    if last:
        parts.append(f"<b>上次探访：{escape(last['date'])}（{escape(last['method'])}，{escape(last['visitor'])}）</b>")
        items = "".join(f"<li>{escape(f['item'])}{'：' + escape(f['note']) if f.get('note') else ''}</li>"
                        for f in last["findings"])
        parts.append(f"<ul>{items}</ul>" if items else "<p>（没有勾选清单项）</p>")
        for key, label in (("problems", "发现问题"), ("measures", "帮扶措施"), ("referral", "转介")):
            if last.get(key):
                parts.append(f"<p><b>{label}</b>：{escape(last[key])}</p>")
    else:
        parts.append("<p>还没有探访记录。</p>")
    open_ones = seen.get("open_referrals") or []
    if open_ones:
        parts.append("<b style='color:#c0392b'>未办结的问题</b><ul>")
        parts += [f"<li>{escape(r['problem'])} → {escape(r['target'])}（{escape(r['state'])}，期限 {escape(r['due_on'])}）</li>"
                  for r in open_ones]
        parts.append("</ul>")
    else:
        parts.append("<p>没有未办结的问题。</p>")
    return "".join(parts)


def refusal_in(label: QLabel):
    """An ops error handler that puts a user-fixable refusal in a dialog's red line."""

    def refused(exc: BaseException) -> bool:
        if isinstance(exc, (ValidationError, UserError)):
            label.setText(str(exc))
            return True
        return False

    return refused


class CareVisitDialog(QDialog):
    """登记探访: the checklist of the person's groups as ticks with a note each, plus 问题、措施、转介;
    beside it what the last visit found and which problems are still open."""

    def __init__(self, parent: QWidget, ctx: Context, person: dict | None = None):
        super().__init__(parent)
        self.ctx, self.ops = ctx, ctx.ops
        self.setWindowTitle("登记探访")
        self.items: dict[str, tuple[QCheckBox, QLineEdit]] = {}
        self.person = PersonPicker(self.ops, care.search_in_care)
        self.person.picked.connect(self._picked)
        self.date = QLineEdit(ctx.today().isoformat())
        self.method = QComboBox()
        self.method.addItems(list(care.METHODS))
        self.visitor = QLineEdit()
        self.groups = QLabel("")
        head = QFormLayout()
        head.addRow("关爱对象", self.person)
        head.addRow("所属类别", self.groups)
        head.addRow("探访日期", self.date)
        head.addRow("方式", self.method)
        head.addRow("探访人", self.visitor)
        self.checks_box = QGroupBox("探访清单（勾选已查看的项，写明情况）")
        self.checks = QFormLayout(self.checks_box)
        self.problems, self.measures, self.referral = QPlainTextEdit(), QPlainTextEdit(), QPlainTextEdit()
        for edit in (self.problems, self.measures, self.referral):
            edit.setFixedHeight(48)
            edit.setTabChangesFocus(True)
        self.target = QLineEdit()
        self.target.setPlaceholderText("需要转介时填写：部门或人员")
        self.target_kind = QComboBox()
        self.target_kind.addItems(list(care.TARGET_KINDS))
        self.due = QLineEdit()
        self.due.setPlaceholderText("办结期限，如 2026-12-10")
        tail = QFormLayout()
        tail.addRow("发现问题", self.problems)
        tail.addRow("帮扶措施", self.measures)
        tail.addRow("转介说明", self.referral)
        follow = QHBoxLayout()
        follow.addWidget(self.target_kind)
        follow.addWidget(self.target, 2)
        follow.addWidget(self.due, 1)
        tail.addRow("转介给", follow)
        form = QWidget()
        column = QVBoxLayout(form)
        column.addLayout(head)
        column.addWidget(self.checks_box)
        column.addLayout(tail)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form)
        self.last = QTextBrowser()
        self.last.setHtml("<p>选择关爱对象后，这里显示上次探访的发现和未办结的问题。</p>")
        side = QGroupBox("上次探访与未办结问题")
        QVBoxLayout(side).addWidget(self.last)
        body = QHBoxLayout()
        body.addWidget(scroll, 3)
        body.addWidget(side, 2)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        resize_within_screen(self, 1000, 640)
        if person:
            self.person.set_person(person["id"], person.get("name", ""))
            self._picked(person["id"])

    def _picked(self, person_id: str) -> None:
        if person_id:
            self.ops.run(_visit_context, person_id, on_done=self._show_context)

    def _show_context(self, info: dict[str, Any]) -> None:
        while self.checks.rowCount():
            self.checks.removeRow(0)
        self.items = {}
        for item in info["checklist"]:
            box, note = QCheckBox(item), QLineEdit()
            note.setPlaceholderText("情况说明")
            note.textChanged.connect(lambda text, b=box: text and b.setChecked(True))
            self.checks.addRow(box, note)
            self.items[item] = (box, note)
        self.groups.setText("、".join(info["groups"]))
        self.last.setHtml(findings_html(info))

    def values(self) -> dict[str, Any]:
        return {
            "person_id": self.person.person_id, "date": self.date.text(), "method": self.method.currentText(),
            "visitor": self.visitor.text(),
            "findings": [{"item": item, "checked": box.isChecked(), "note": note.text()}
                         for item, (box, note) in self.items.items()],
            "problems": self.problems.toPlainText(), "measures": self.measures.toPlainText(),
            "referral": self.referral.toPlainText(), "referral_target": self.target.text(),
            "referral_kind": self.target_kind.currentText(), "referral_due": self.due.text(),
        }

    def save(self) -> None:
        self.error.setText("")
        self.ops.run(care.record_care_visit, self.values(), today=self.ctx.today(),
                     on_done=lambda _: self.accept(), on_error=refusal_in(self.error))


def history_html(name: str, visits: list[dict[str, Any]]) -> str:
    rows = [f"<h3>{escape(name)} 探访记录（共 {len(visits)} 次）</h3>"]
    for v in visits:
        rows.append(f"<p><b>{escape(v['date'])}</b> {escape(v['method'])}，探访人 {escape(v['visitor'])}</p><ul>")
        rows += [f"<li>{escape(f['item'])}{'：' + escape(f['note']) if f.get('note') else ''}</li>"
                 for f in v["findings"]]
        for key, label in (("problems", "发现问题"), ("measures", "帮扶措施"), ("referral", "转介")):
            if v.get(key):
                rows.append(f"<li><b>{label}</b>：{escape(v[key])}</li>")
        rows += [f"<li>转介 {escape(r['target'])}：{escape(r['state'])}"
                 f"{'，' + escape(r['outcome']) if r.get('outcome') else ''}</li>" for r in v["referrals"]]
        rows.append("</ul>")
    if not visits:
        rows.append("<p>还没有探访记录。</p>")
    return "".join(rows)


class HistoryDialog(QDialog):
    def __init__(self, parent: QWidget, name: str, visits: list[dict[str, Any]], on_print=None):
        super().__init__(parent)
        self.setWindowTitle(f"{name} 的探访记录")
        self.text = QTextBrowser()
        self.text.setHtml(history_html(name, visits))
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        if on_print:  # the same history as one printable PDF (app/care_history.py)
            self.print_button = QPushButton("打印 (Ctrl+P)")
            self.print_button.setAutoDefault(False)
            self.print_button.clicked.connect(on_print)
            QShortcut(QKeySequence("Ctrl+P"), self, activated=on_print)
            layout.addWidget(self.print_button)
        layout.addWidget(close)
        resize_within_screen(self, 640, 560)


def referral_line(r: dict[str, Any]) -> str:
    line = f"{r['referred_on']}  {r['problem']} → {r['target']}（{r['state']}，期限 {r['due_on']}）"
    if r.get("outcome"):
        line += f"  结果：{r['outcome']}"
    return line


class ReferralDialog(QDialog):
    """转介跟踪: one person's follow-ups, each moved on one step (转介 → 已接收 → 已办结 with the outcome)."""

    def __init__(self, parent: QWidget, ctx: Context, person_id: str, name: str):
        super().__init__(parent)
        self.ctx, self.ops, self.person_id = ctx, ctx.ops, person_id
        self.setWindowTitle(f"{name} 的转介跟踪")
        self.rows: list[dict[str, Any]] = []
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._selected)
        self.date = QLineEdit(ctx.today().isoformat())
        self.outcome = QPlainTextEdit()
        self.outcome.setFixedHeight(56)
        self.outcome.setTabChangesFocus(True)
        self.outcome.setPlaceholderText("办结时填写办理结果")
        self.advance_button = QPushButton("下一步")
        self.advance_button.clicked.connect(self.advance)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #c0392b;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("日期", self.date)
        form.addRow("办理结果", self.outcome)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.advance_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        resize_within_screen(self, 640, 420)
        self.reload()

    def reload(self, keep: str | None = None) -> None:
        self.ops.run(care.referrals, person_id=self.person_id, on_done=lambda rows: self._show(rows, keep))

    def _show(self, rows: list[dict[str, Any]], keep: str | None) -> None:
        self.rows = rows
        self.list.clear()
        self.list.addItems([referral_line(r) for r in rows])
        if not rows:
            self.error.setText("此人没有转介记录。登记探访时填写“转介给”和办结期限即可开始跟踪。")
        at = next((i for i, r in enumerate(rows) if r["id"] == keep), None)
        if at is None:
            at = next((i for i, r in enumerate(rows) if r["state"] != "已办结"), 0)
        self.list.setCurrentRow(at if rows else -1)
        self._selected(self.list.currentRow())

    def current(self) -> dict[str, Any] | None:
        row = self.list.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def next_state(self) -> str | None:
        current = self.current()
        return care.NEXT_STATE.get(current["state"]) if current else None

    def _selected(self, _row: int) -> None:
        following = self.next_state()
        self.advance_button.setEnabled(following is not None)
        self.advance_button.setText(f"标记为“{following}”" if following else "已办结" if self.current() else "下一步")
        self.outcome.setEnabled(following == "已办结")

    def advance(self) -> None:
        current, following = self.current(), self.next_state()
        if current is None or following is None:
            return

        self.error.setText("")
        self.ops.run(care.advance_referral, current["id"], following, on=self.date.text(),
                     outcome=self.outcome.toPlainText() if following == "已办结" else None,
                     today=self.ctx.today(), on_done=lambda _: self._advanced(current["id"]),
                     on_error=refusal_in(self.error))

    def _advanced(self, referral_id: str) -> None:
        self.outcome.clear()
        self.reload(referral_id)


class CarePage(RecordPage):
    title = "关爱对象"
    table = "care_members"
    shows = CARE_TABLES
    noun = "关爱对象"
    revealable = True
    reveal_key = "Ctrl+Shift+R"  # Ctrl+R records a visit here, as on 老年人探访
    empty_hint = "还没有关爱对象。先在“居民”中登记本人，再按 Ctrl+N 纳入困境儿童、残疾人、低保等类别。"

    def __init__(self, ctx: Context):
        self.group_names: dict[str, str] = {}  # name → id, filled when the groups arrive
        self.group_info: dict[str, care.Group] = {}
        super().__init__(ctx)
        self.ops.run(care.groups, on_done=self._groups_arrived)
        # A group added or renamed in 设置 appears in the filter and the form.
        ctx.changed.connect(lambda tables: "care_groups" in tables
                            and self.ops.run(care.groups, on_done=self._groups_arrived))

    def _groups_arrived(self, groups: list[care.Group]) -> None:
        self.group_names = {g.name: g.id for g in groups}
        self.group_info = {g.name: g for g in groups}
        chosen = self.group_filter.currentText()
        self.group_filter.blockSignals(True)
        self.group_filter.clear()
        self.group_filter.addItems(["全部类别", *self.group_names])
        if chosen in self.group_names:
            self.group_filter.setCurrentText(chosen)
        self.group_filter.blockSignals(False)
        if self.group_filter.currentText() != chosen and self.model.active:
            self.reload()

    def extra_buttons(self):
        self.group_filter = QComboBox()
        self.group_filter.addItem("全部类别")
        self.group_filter.currentTextChanged.connect(lambda _: self.reload())
        self.visit_button = QPushButton("登记探访 (Ctrl+R)")
        self.visit_button.clicked.connect(self.record_visit)
        self.history_button = QPushButton("探访记录 (Ctrl+H)")
        self.history_button.clicked.connect(self.show_history)
        QShortcut(QKeySequence("Ctrl+R"), self, activated=self.record_visit)
        QShortcut(QKeySequence("Ctrl+H"), self, activated=self.show_history)
        self.referral_button = QPushButton("转介跟踪 (Ctrl+T)")
        self.referral_button.clicked.connect(self.show_referrals)
        QShortcut(QKeySequence("Ctrl+T"), self, activated=self.show_referrals)
        return [self.group_filter, self.visit_button, self.history_button, self.referral_button]

    def formats(self):
        return {"card_number": self.card_number}

    def card_number(self, row) -> str:
        """残疾证号 or 低保/特困 证号, masked unless the row was revealed."""
        key = "disability_no" if row.get("disability_no") else "certificate_no"
        return self.number(row, key)

    def reveal_table(self, row) -> str:
        return row.get("source") or self.table  # 特殊困难老年人 are rows of the elders table

    def query(self, search, filters):
        group_id = self.group_names.get(self.group_filter.currentText()) if hasattr(self, "group_filter") else None

        def fetch(store, **options):
            return care.register_page(store, group_id=group_id, search=search, **options)

        return fetch, not search

    def form_fields(self):
        editing = getattr(self, "_edit_group", None)
        names = tuple(n for n in self.group_names if self.group_names[n] != care.ELDER_GROUP_ID)
        # A new 关爱对象 may join several groups at once; an edit is of one membership.
        group = (Field("group", "类别", "choice", (editing,)) if editing
                 else Field("groups", "类别", "multi", names or ("困境儿童",), required=True))
        return [
            Field("person_id", "本人", "person", required=True),
            group,
            Field("risk_level", "风险等级", "choice", care.RISK_LEVELS),
            Field("status", "状态", "choice", care.STATUSES),
            Field("joined_on", "纳入日期", "date", required=True),
            Field("left_on", "变更日期", placeholder="迁出、退出或去世的日期"),
            Field("responsible_visitor", "责任探访人"),
            Field("guardian", "监护人"),
            Field("guardian_phone", "监护人电话"),
            Field("school", "就读学校"),
            Field("disability_no", "残疾证号", placeholder="20 位：身份证号加残疾类别和等级"),
            Field("disability_category", "残疾类别", "choice", ("", *care.DISABILITY_CATEGORIES)),
            Field("disability_grade", "残疾等级", "choice", ("", *care.DISABILITY_GRADES)),
            Field("living_subsidy", "困难残疾人生活补贴", "choice", ("否", "是")),
            Field("nursing_subsidy", "重度残疾人护理补贴", "choice", ("否", "是")),
            Field("certificate_no", "低保/特困证号"),
            Field("household", "家庭情况"),
            Field("note", "备注", "area"),
        ]

    def chosen_groups(self, values: dict[str, Any]) -> list[care.Group]:
        """The groups ticked on a new form (or the one group of an edit), as read when the page opened."""
        names = values.get("groups") if "groups" in values else [values.get("group")]
        return [self.group_info[n] for n in names or () if n in self.group_info]

    def open_form(self, title, values, save, draft_key=None):
        self._edit_group = (values or {}).get("group") if (values or {}).get("id") else None
        dialog = super().open_form(title, values, save, draft_key)
        self._edit_group = None
        self._fit_fields(dialog)
        if "groups" in dialog.widgets:
            for box in dialog.widgets["groups"].boxes.values():
                box.toggled.connect(lambda _, d=dialog: self._fit_fields(d))
        return dialog

    def _fit_fields(self, dialog) -> None:
        """Only the fields the chosen groups ask for (a child's guardian, a 残疾证号 …) are shown."""
        wanted = {key for group in self.chosen_groups(dialog.values()) for key in group.fields}
        for key in care.MEMBER_FIELDS:
            dialog.set_field_visible(key, key in wanted)

    def validate(self, values):
        chosen = self.chosen_groups(values)
        if not chosen:
            raise ValidationError("请至少勾选一个类别", "groups" if "groups" in values else "group")
        problems: dict[str, str] = {}
        for group in chosen:  # the age against the ID number is checked on save (the person is read then)
            try:
                care.clean_member(values, group, None, today=self.ctx.today())
            except ValidationError as exc:
                problems.update({k: v for k, v in exc.errors.items() if k not in problems})
        if problems:
            raise ValidationError(problems)
        return values

    def load(self, store, record_id):
        record = store.get("care_members", record_id)
        if record is None:
            raise UserError("特殊困难老年人请在“老年人探访”页编辑。")
        record = care.get_member(store, record_id)
        person = people.get_person(store, record["person_id"])
        group = care.get_group(store, record["group_id"])
        return {**record, "group": group.name, "person_id": {"id": person["id"], "name": person["name"]},
                "living_subsidy": "是" if record["living_subsidy"] else "否",
                "nursing_subsidy": "是" if record["nursing_subsidy"] else "否"}

    def add(self, store, values):
        ids = [self.group_names[n] for n in values.get("groups") or () if n in self.group_names]
        data = {k: v for k, v in values.items() if k != "groups"}
        return care.add_to_groups(store, data, ids, today=self.ctx.today())

    def update(self, store, record_id, values):
        return care.update_member(store, record_id, {k: v for k, v in values.items() if k != "group"},
                                  today=self.ctx.today())

    def delete(self, store, record_id):
        if store.get("care_members", record_id) is None:
            raise UserError("特殊困难老年人请在“老年人探访”页移出。")
        return care.delete_member(store, record_id)

    def record_visit(self) -> CareVisitDialog:
        row = self.current_row()
        self.dialog = CareVisitDialog(self, self.ctx, {"id": row["person_id"], "name": row["name"]} if row else None)
        self.dialog.open()
        return self.dialog

    def show_referrals(self) -> ReferralDialog | None:
        row = self.current_row()
        if row is None:
            return None
        self.referral_dialog = ReferralDialog(self, self.ctx, row["person_id"], row["name"])
        self.referral_dialog.open()
        return self.referral_dialog

    def show_history(self) -> None:
        row = self.current_row()
        if row is None:
            return
        name, person_id = row["name"], row["person_id"]
        self.ops.run(care.visit_history, row["person_id"],
                     on_done=lambda visits: self._history_arrived(name, visits, person_id))

    def _history_arrived(self, name: str, visits: list[dict[str, Any]], person_id: str = "") -> None:
        on_print = (lambda: self.print_history(person_id, name)) if person_id else None
        self.history = HistoryDialog(self, name, visits, on_print)
        self.history.open()

    def print_history(self, person_id: str, name: str) -> None:
        """The visit history as a PDF (ID number and phone masked) in 文档/社区台账/关爱对象探访记录."""
        from app import care_history
        from app.paths import documents_dir

        today = self.ctx.today()

        def write(store):
            folder = documents_dir() / "关爱对象探访记录"
            folder.mkdir(parents=True, exist_ok=True)
            return care_history.write_history(store, person_id, folder / f"{name}_探访记录_{today.isoformat()}.pdf",
                                              today=today)

        self.ops.run_files(write, on_done=lambda path: self.announce(f"探访记录已保存在：\n{path}"))
