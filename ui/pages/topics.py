"""协商议事 page: topics, the steps allowed next, meetings, follow-ups, 四议两公开."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app import consultation as c
from app import documents
from app.paths import documents_dir
from app.errors import ValidationError
from app.validation import parse_date
from ui.forms import Field, FormDialog
from ui.pages.base import RecordPage

MEETING_FIELDS = [
    Field("date", "会议日期", "date", required=True),
    Field("form", "形式", "choice", c.FORMS),
    Field("location", "地点"),
    Field("host", "主持人", required=True),
    Field("recorder", "记录人", required=True),
    Field("participants", "参会人员", "area", placeholder="每行一人：姓名 身份 单位，如“张三 居民代表”"),
    Field("present", "实到人数", placeholder="会后填写：签到的人数，不多于参会人员名单"),
    Field("minutes_text", "会议记录", "area"),
    Field("votes_for", "同意"),
    Field("votes_against", "反对"),
    Field("votes_abstain", "弃权"),
    Field("outcome", "协商结果", "area"),
]


class TopicsPage(RecordPage):
    title = "协商议事"
    table = "topics"
    shows = frozenset({"topics", "topic_events", "topic_steps", "meetings", "followups"})
    noun = "议题"
    empty_hint = "还没有议题。居民提出的事项按 Ctrl+N 登记，然后按流程受理、协商、形成决议、落实、评议。"
    filters = {"状态": ("", *c.STATES)}

    search_hint = "搜索：议题名称或提出人 (Ctrl+F)"

    def query(self, search, filters):
        states = (filters["状态"],) if filters.get("状态") else ()

        def fetch(store, **options):
            return c.topics_page(store, states=states, search=search, **options)

        return fetch, True

    def form_fields(self):
        return [
            Field("title", "议题名称", required=True),
            Field("description", "议题内容", "area"),
            Field("proposer", "提出人"),
            Field("proposed_on", "提出日期", "date", required=True),
            Field("category", "类别"),
            Field("procedure", "议事程序", "choice", c.PROCEDURES),
        ]

    def validate(self, values):
        return c.clean_topic(values, today=self.ctx.today())

    def load(self, store, record_id):
        return c.get_topic(store, record_id)

    def add(self, store, values):
        return c.add_topic(store, values, today=self.ctx.today())

    def update(self, store, record_id, values):
        return c.update_topic(store, record_id, values, today=self.ctx.today())

    def delete(self, store, record_id):
        return c.delete_topic(store, record_id)

    # -- the workflow panel -------------------------------------------------------------

    def below_table(self, layout: QVBoxLayout) -> None:
        panel = QWidget()
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 4, 0, 0)
        self.detail = QLabel("选中一个议题，这里显示它的进程和可办理的下一步。")
        self.detail.setWordWrap(True)
        self.actions = QHBoxLayout()
        box.addWidget(self.detail)
        box.addLayout(self.actions)
        layout.addWidget(panel)
        self.action_buttons: dict[str, QPushButton] = {}
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self.show_detail())

    def show_detail(self) -> None:
        row = self.current_row()
        if row is None:
            return
        self.ops.run(c.topic_detail, row["id"], on_done=self._detail_arrived)

    def _detail_arrived(self, info: dict) -> None:
        current = self.current_row()
        if current is None or current["id"] != info["topic"]["id"]:
            return
        topic = info["topic"]
        lines = [f"<b>{topic['title']}</b>　当前：<b>{topic['state']}</b>"]
        history = "　→ ".join(f"{e['date']} {e['to_state']}" for e in info["events"])
        if history:
            lines.append(f"进程：{history}")
        if info["steps"]:
            lines.append("四议两公开：" + "　".join(
                f"{s['step']} {s['date']}" + (f"（应到{s['expected']} 实到{s['present']}）" if s.get("expected") else "")
                for s in info["steps"]))
        lines.append(f"会议 {len(info['meetings'])} 次，落实记录 {len(info['followups'])} 条")
        self.detail.setText("<br>".join(lines))
        self._set_actions(info)

    def _set_actions(self, info: dict) -> None:
        while self.actions.count():
            item = self.actions.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.action_buttons = {}
        topic = info["topic"]
        for state in info["allowed"]:
            self._action(f"→ {state}", lambda _checked=False, s=state: self.advance(topic, s))
        if info["can_meet"]:
            self._action("登记会议", lambda: self.add_meeting(topic))
        if info["can_step"] and info["next_step"]:
            self._action(f"登记{info['next_step']}", lambda: self.add_step(topic, info["next_step"]))
        for what in info["can_publish"]:
            self._action(f"{what}公开", lambda _checked=False, w=what: self.publish(topic, w))
        if info["can_follow_up"]:
            self._action("登记落实", lambda: self.add_followup(topic))
        if info["meetings"]:
            self._action("会议记录和签到表", lambda: self.minutes(info["meetings"][-1]))
            self._action("登记实到人数", lambda: self.attendance(topic, info["meetings"][-1]))
        self.actions.addStretch()

    def _action(self, text: str, slot) -> None:
        button = QPushButton(text)
        button.clicked.connect(slot)
        self.actions.addWidget(button)
        self.action_buttons[text] = button

    def _dialog(self, topic: dict, form: str, title, fields, validate, save) -> FormDialog:
        """One of a topic's forms; what is typed is kept as a draft of that topic's form."""
        self.dialog = FormDialog(self, self.ops, title, fields, validate=validate, save=save,
                                 draft_key=f"topics.{form}:{topic['id']}")
        self.dialog.saved.connect(lambda _: self.show_detail())
        self.dialog.open()
        return self.dialog

    def minutes(self, meeting: dict) -> None:
        """The latest meeting's record and sign-in sheet as a PDF in 文档/社区台账/会议记录."""
        def write(store):
            folder = documents_dir() / "会议记录"
            folder.mkdir(parents=True, exist_ok=True)
            return documents.write_minutes(store, meeting["id"], folder / f"{meeting['date']}_{meeting['form']}.pdf")

        self.ops.run_files(write, on_done=lambda path: self.announce(f"会议记录和签到表已保存在：\n{path}"))

    def attendance(self, topic: dict, meeting: dict) -> FormDialog:
        """实到 of the latest meeting, counted from its signed 签到表: printed on the sheet from then on."""
        def validate(values):
            typed = str(values.get("present") or "").strip()
            if not typed:
                raise ValidationError("请填写实到人数（签到的人数）", "present")
            try:  # the count and the votes, as the service judges them (the list of people: on save)
                c.clean_meeting({**meeting, "present": typed}, today=self.ctx.today())
            except ValidationError as exc:
                raise ValidationError("；".join(exc.errors.values()), "present") from None
            return values

        return self._dialog(topic, f"attendance:{meeting['id']}", f"实到人数：{meeting['date']} {meeting['form']}",
                            [Field("present", "实到人数", required=True, placeholder="签到表上签名的人数")],
                            validate, lambda store, v: c.record_attendance(store, meeting["id"], v["present"]))

    def advance(self, topic: dict, state: str) -> FormDialog:
        fields = [Field("date", "日期", "date", required=True)]
        if state in c.MOVE_TEXT:
            fields.append(Field("text", c.MOVE_TEXT[state][1], "area", required=True))
        fields.append(Field("note", "说明"))
        today = self.ctx.today()

        def validate(values):
            errors = {}
            if state in c.MOVE_TEXT and not (values.get("text") or "").strip():
                errors["text"] = f"请填写{c.MOVE_TEXT[state][1]}"
            try:
                parse_date(values.get("date"), field="日期")
            except ValidationError as exc:
                errors["date"] = str(exc)
            if errors:
                raise ValidationError(errors)
            return values

        def save(store, values):
            return c.advance_topic(store, topic["id"], state, text=values.get("text"), on=values["date"],
                                   note=values.get("note"), today=today)

        return self._dialog(topic, f"advance.{state}", f"{topic['title']}：{state}", fields, validate, save)

    def add_meeting(self, topic: dict) -> FormDialog:
        today = self.ctx.today()

        def save(store, values):
            meeting, people = c.clean_meeting_form(values, today=today)
            return c.add_meeting(store, {**meeting, "topic_id": topic["id"]}, people, today=today)

        return self._dialog(topic, "meeting", f"登记会议：{topic['title']}", MEETING_FIELDS,
                            lambda v: c.clean_meeting_form(v, today=today), save)

    def add_step(self, topic: dict, step: str) -> FormDialog:
        today = self.ctx.today()
        fields = [
            Field("date", "日期", "date", required=True),
            Field("body", "会议", placeholder=c.STEP_BODIES.get(step, "")),
            Field("expected", "应到人数"),
            Field("present", "实到人数"),
            Field("votes_for", "同意"),
            Field("votes_against", "反对"),
            Field("votes_abstain", "弃权"),
            Field("note", "说明", "area"),
        ]
        return self._dialog(
            topic, f"step.{step}", f"{step}：{topic['title']}", fields, lambda v: c.clean_step(step, v, today=today),
            lambda store, v: c.record_step(store, topic["id"], step, v, today=today),
        )

    def publish(self, topic: dict, what: str) -> FormDialog:
        today = self.ctx.today()
        return self._dialog(
            topic, f"publish.{what}", f"{what}公开：{topic['title']}", [Field("date", "公开日期", "date", required=True)],
            lambda v: parse_date(v.get("date"), field="公开日期"),
            lambda store, v: c.publish(store, topic["id"], what, v["date"], today=today),
        )

    def add_followup(self, topic: dict) -> FormDialog:
        today = self.ctx.today()
        fields = [
            Field("date", "日期", "date", required=True),
            Field("content", "落实情况", "area", required=True),
            Field("handler", "责任人"),
            Field("progress", "进度"),
        ]

        def validate(values):
            if not (values.get("content") or "").strip():
                raise ValidationError("请填写落实情况", "content")
            return values

        return self._dialog(topic, "followup", f"登记落实：{topic['title']}", fields, validate,
                            lambda store, v: c.add_followup(store, topic["id"], v, today=today))
