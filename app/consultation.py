"""协商议事: topics and their workflow, meetings, follow-ups, and 四议两公开.

A topic moves 提出 → 受理 (or 不予受理, with reason) → 协商 → 形成决议 → 落实中 →
已办结 → 已评议; any other move is refused with the steps allowed now.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.errors import NotFound, UserError, ValidationError
from app.validation import (
    Collector,
    choice,
    normalize_name,
    optional_text,
    parse_date,
    required_text,
)
from db import consultation as queries
from app.records import require
from db.store import Row, Store

WORKFLOW: dict[str, tuple[str, ...]] = {
    "提出": ("受理", "不予受理"),
    "受理": ("协商",),
    "协商": ("形成决议",),
    "形成决议": ("落实中",),
    "落实中": ("已办结",),
    "已办结": ("已评议",),
    "不予受理": (),
    "已评议": (),
}
STATES = tuple(WORKFLOW)
CLOSED_STATES = ("不予受理", "已评议")
# The text a move needs, and the column it is kept in.
MOVE_TEXT = {
    "不予受理": ("reject_reason", "不予受理的理由"),
    "形成决议": ("resolution", "决议内容"),
    "已办结": ("result", "落实结果"),
    "已评议": ("evaluation", "评议意见"),
}
PROCEDURES = ("协商", "四议两公开")
FORMS = ("议事会", "听证会", "协调会", "评议会", "恳谈会")
ROLES = ("居民代表", "党员", "业委会", "物业", "驻区单位", "社会组织", "村（居）委会", "相关部门", "利益相关方", "其他")
FOUR_STEPS = ("提议", "商议", "审议", "决议")
PUBLIC_STEPS = ("决议公开", "实施结果公开")
STEPS = FOUR_STEPS + PUBLIC_STEPS
STEP_BODIES = {
    "提议": "村党组织会议",
    "商议": "村“两委”联席会议",
    "审议": "党员大会",
    "决议": "村民代表会议",
}
DECISION_BODIES = ("村民代表会议", "村民会议")
FOLLOWUP_STATES = ("形成决议", "落实中", "已办结")
MEETING_STATES = ("受理", "协商", "形成决议", "落实中", "已办结")
STEP_STATES = ("受理", "协商")  # 四议两公开's steps are recorded after 受理 and before 形成决议
# what is made public → (the topic's column, the step's name, the states in which it may be)
PUBLISHING = {
    "决议": ("resolution_published_on", "决议公开", ("形成决议", "落实中", "已办结", "已评议")),
    "结果": ("result_published_on", "实施结果公开", ("已办结", "已评议")),
}


def allowed_next(state: str) -> tuple[str, ...]:
    return WORKFLOW.get(state, ())


def _not_after_today(c: Collector, key: str, value: Any, label: str, today: date) -> str | None:
    day = c.field(key, parse_date, value or today, field=label)
    if day and day > today:
        c.error(key, f"{label}不能晚于今天")
        return None
    return day.isoformat() if day else None


def clean_topic(data: dict[str, Any], *, today: date) -> dict[str, Any]:
    c = Collector()
    c.field("title", required_text, data.get("title"), field="议题名称", max_length=100)
    c.field("description", optional_text, data.get("description"), field="议题内容", max_length=4000)
    c.field("proposer", optional_text, data.get("proposer"), field="提出人", max_length=60)
    c.field("category", optional_text, data.get("category"), field="议题类别", max_length=30)
    c.field("procedure", choice, data.get("procedure") or "协商", PROCEDURES, field="议事程序")
    proposed = _not_after_today(c, "proposed_on", data.get("proposed_on"), "提出日期", today)
    values = c.done()
    values["proposed_on"] = proposed
    return values


def add_topic(store: Store, data: dict[str, Any], *, today: date | None = None) -> Row:
    values = clean_topic(data, today=today or store.clock.today())
    return store.insert("topics", {**values, "state": "提出"})


def update_topic(store: Store, topic_id: str, data: dict[str, Any], *, today: date | None = None) -> Row:
    """Edit the topic's own fields; the state only moves through advance_topic."""
    current = get_topic(store, topic_id)
    values = clean_topic({**current, **data}, today=today or store.clock.today())
    if values["procedure"] != current["procedure"] and queries.steps_of(store, topic_id):
        raise ValidationError("已登记四议两公开步骤，不能再改议事程序", "procedure")
    return store.update("topics", topic_id, values)


def get_topic(store: Store, topic_id: str) -> Row:
    return require(store, "topics", topic_id, "议题")


def delete_topic(store: Store, topic_id: str) -> Row:
    get_topic(store, topic_id)
    return store.delete("topics", topic_id)


def _last_event_date(store: Store, topic: Row) -> str:
    events = queries.events_of(store, topic["id"])
    return events[-1]["date"] if events else topic["proposed_on"]


def advance_topic(
    store: Store,
    topic_id: str,
    to_state: str,
    *,
    text: str | None = None,
    on: Any = None,
    note: str | None = None,
    today: date | None = None,
) -> Row:
    """Move a topic one step; `text` is the reason, resolution, result or evaluation the move needs."""
    today = today or store.clock.today()
    with store.transaction():
        topic = get_topic(store, topic_id)
        state = topic["state"]
        allowed = allowed_next(state)
        if to_state not in allowed:
            if allowed:
                raise UserError(f"议题当前为“{state}”，下一步只能是：{'、'.join(allowed)}")
            raise UserError(f"议题已{state}，流程已结束，不能再变更")
        c = Collector()
        day = _not_after_today(c, "date", on, "日期", today)
        if day and day < _last_event_date(store, topic):
            c.error("date", "日期不能早于上一步的日期")
        changes: dict[str, Any] = {"state": to_state}
        if to_state in MOVE_TEXT:
            column, label = MOVE_TEXT[to_state]
            changes[column] = c.field(column, required_text, text, field=label, max_length=4000)
        c.field("note", optional_text, note, field="说明", max_length=500)
        c.done()
        _check_preconditions(store, topic, to_state)
        store.insert(
            "topic_events",
            {"topic_id": topic_id, "date": day, "from_state": state, "to_state": to_state, "note": note},
        )
        return store.update("topics", topic_id, changes)


def _check_preconditions(store: Store, topic: Row, to_state: str) -> None:
    if to_state == "形成决议":
        if topic["procedure"] == "四议两公开":
            missing = [s for s in FOUR_STEPS if s not in queries.steps_of(store, topic["id"])]
            if missing:
                raise UserError(f"四议两公开尚缺：{'、'.join(missing)}，请先登记这些步骤")
        elif not queries.meetings_of(store, topic["id"]):
            raise UserError("形成决议前请先登记至少一次协商会议")
    if to_state == "落实中" and not topic["resolution_published_on"]:
        raise UserError("决议尚未公开，请先登记决议公开的日期")
    if to_state == "已评议" and not topic["result_published_on"]:
        raise UserError("落实结果尚未公开，请先登记结果公开的日期")


def publish(store: Store, topic_id: str, what: str, on: Any = None, *, today: date | None = None) -> Row:
    """Record 决议公开 (what='决议') or 实施结果公开 (what='结果')."""
    today = today or store.clock.today()
    column, step, needs = PUBLISHING[what]
    with store.transaction():
        topic = get_topic(store, topic_id)
        if topic["state"] not in needs:
            raise UserError(f"议题当前为“{topic['state']}”，还不能登记{step}")
        c = Collector()
        day = _not_after_today(c, "date", on, "公开日期", today)
        reached = [e["date"] for e in queries.events_of(store, topic_id) if e["to_state"] == needs[0]]
        if day and reached and day < reached[-1]:
            c.error("date", f"{step}日期不能早于{needs[0]}的日期（{reached[-1]}）")
        c.done()
        if topic["procedure"] == "四议两公开":
            _insert_step(store, topic, step, {"date": day})
        return store.update("topics", topic_id, {column: day})


def _count(value: Any, label: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"{label}应为整数") from None
    if number < 0:
        raise ValidationError(f"{label}不能为负数")
    return number


def clean_step(step: str, data: dict[str, Any], *, today: date) -> dict[str, Any]:
    c = Collector()
    c.values["date"] = _not_after_today(c, "date", data.get("date"), f"{step}日期", today)
    c.field("body", optional_text, data.get("body") or STEP_BODIES.get(step), field="会议", max_length=40)
    for key, label in (("expected", "应到人数"), ("present", "实到人数"), ("votes_for", "同意票"),
                       ("votes_against", "反对票"), ("votes_abstain", "弃权票")):
        c.field(key, _count, data.get(key), label)
    c.field("note", optional_text, data.get("note"), field="说明", max_length=1000)
    values = c.done()
    if step in ("审议", "决议"):
        _check_quorum(step, values)
    else:
        _check_counts(values)
    return values


def _check_counts(v: dict[str, Any]) -> None:
    expected, present = v.get("expected"), v.get("present")
    if expected is not None and present is not None and present > expected:
        raise ValidationError("实到人数不能多于应到人数", "present")
    votes = sum(v.get(k) or 0 for k in ("votes_for", "votes_against", "votes_abstain"))
    if present is not None and votes > present:
        raise ValidationError("表决票数之和不能多于实到人数", "votes_for")


def _check_quorum(step: str, v: dict[str, Any]) -> None:
    """党员大会 and 村民代表会议: two thirds present; 村民会议: more than half; a majority agrees."""
    for key, label in (("expected", "应到人数"), ("present", "实到人数"), ("votes_for", "同意票")):
        if v.get(key) is None:
            raise ValidationError(f"{step}须登记{label}", key)
    if v["expected"] == 0:
        raise ValidationError("应到人数应大于 0", "expected")
    _check_counts(v)
    expected, present = v["expected"], v["present"]
    body = v.get("body") or STEP_BODIES[step]
    if step == "审议" and body != STEP_BODIES["审议"]:
        raise ValidationError(f"审议应由{STEP_BODIES['审议']}进行", "body")
    if step == "决议" and body not in DECISION_BODIES:
        raise ValidationError(f"决议应由{'或'.join(DECISION_BODIES)}作出", "body")
    if body == "村民会议":
        if present * 2 <= expected:
            raise ValidationError(f"村民会议实到 {present} 人，未超过应到 {expected} 人的半数，会议无效", "present")
    elif present * 3 < expected * 2:
        raise ValidationError(f"{body}实到 {present} 人，不足应到 {expected} 人的三分之二，会议无效", "present")
    if v["votes_for"] * 2 <= present:
        raise ValidationError(f"同意 {v['votes_for']} 票，未超过实到 {present} 人的半数，未获通过", "votes_for")


def record_step(store: Store, topic_id: str, step: str, data: dict[str, Any], *, today: date | None = None) -> Row:
    """Record one step of 四议两公开, in order, with its date and counts."""
    today = today or store.clock.today()
    step = choice(step, STEPS, field="步骤")
    if step in PUBLIC_STEPS:
        publish(store, topic_id, "决议" if step == "决议公开" else "结果", data.get("date"), today=today)
        return queries.steps_of(store, topic_id)[step]
    values = clean_step(step, data, today=today)
    with store.transaction():
        topic = get_topic(store, topic_id)
        if topic["procedure"] != "四议两公开":
            raise UserError("该议题按一般协商程序办理，不登记四议两公开步骤")
        if topic["state"] not in STEP_STATES:
            raise UserError(f"议题当前为“{topic['state']}”，只有受理后、形成决议前才能登记{step}")
        return _insert_step(store, topic, step, values)


def _insert_step(store: Store, topic: Row, step: str, values: dict[str, Any]) -> Row:
    done = queries.steps_of(store, topic["id"])
    if step in done:
        raise UserError(f"“{step}”已经登记过了")
    index = STEPS.index(step)
    if index:
        previous = STEPS[index - 1]
        if previous not in done:
            raise UserError(f"请先登记“{previous}”，再登记“{step}”")
        if values["date"] < done[previous]["date"]:
            raise ValidationError(f"{step}日期不能早于{previous}日期（{done[previous]['date']}）", "date")
    return store.insert("topic_steps", {**values, "topic_id": topic["id"], "step": step})


def steps_of(store: Store, topic_id: str) -> dict[str, Row]:
    return queries.steps_of(store, topic_id)


def events_of(store: Store, topic_id: str) -> list[Row]:
    return queries.events_of(store, topic_id)


# -- meetings and follow-ups -------------------------------------------------------------


def clean_meeting(data: dict[str, Any], *, today: date) -> dict[str, Any]:
    c = Collector()
    c.values["topic_id"] = data.get("topic_id") or None
    c.values["date"] = _not_after_today(c, "date", data.get("date"), "会议日期", today)
    c.field("location", optional_text, data.get("location"), field="地点", max_length=100)
    c.field("form", choice, data.get("form") or "议事会", FORMS, field="会议形式")
    c.field("host", required_text, data.get("host"), field="主持人", max_length=30)
    c.field("recorder", required_text, data.get("recorder"), field="记录人", max_length=30)
    c.field("minutes_text", optional_text, data.get("minutes_text"), field="会议记录", max_length=20000)
    c.field("outcome", optional_text, data.get("outcome"), field="协商结果", max_length=4000)
    for key, label in (("present", "实到人数"), ("votes_for", "同意票"), ("votes_against", "反对票"),
                       ("votes_abstain", "弃权票")):
        c.field(key, _count, data.get(key), label)
    values = c.done()
    if values["present"] is not None and _votes(values) > values["present"]:
        raise ValidationError("表决票数之和不能多于实到人数", "votes_for")
    return values


def clean_participant(data: dict[str, Any]) -> dict[str, Any]:
    c = Collector()
    c.field("name", normalize_name, data.get("name"), field="参会人姓名")
    c.values["person_id"] = data.get("person_id") or None
    role = str(data.get("role") or "").strip()
    if role:
        c.field("role", choice, role, ROLES, field="参会身份")
    else:
        c.values["role"] = None
    c.field("organization", optional_text, data.get("organization"), field="单位", max_length=60)
    return c.done()


def clean_meeting_form(values: dict[str, Any], *, today: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The meeting form as typed (participants one per line): (meeting, participants), every
    wrong field reported at once, as add_meeting will judge them."""
    errors: dict[str, str] = {}
    meeting: dict[str, Any] = {}
    try:
        meeting = clean_meeting(values, today=today)
    except ValidationError as exc:
        errors.update(exc.errors)
    people = parse_participants(values.get("participants") or "")
    for number, person in enumerate(people, start=1):
        try:
            clean_participant(person)
        except ValidationError as exc:
            errors["participants"] = f"第 {number} 行：{exc}"
            break
    if meeting and people:
        errors.update(_against_participants(meeting, len(people)))
    if errors:
        raise ValidationError(errors)
    return meeting, people


TOO_MANY_VOTES = "表决票数之和不能多于参会人数"


def _against_participants(meeting: dict[str, Any], invited: int) -> dict[str, str]:
    """实到 and the votes measured against the people on the sign-in sheet (应到)."""
    errors = {}
    if meeting.get("present") is not None and meeting["present"] > invited:
        errors["present"] = f"实到人数不能多于参会人员名单的 {invited} 人（应到）"
    if _votes(meeting) > invited:
        errors["votes_for"] = TOO_MANY_VOTES
    return errors


def _votes(meeting: dict[str, Any]) -> int:
    return sum(meeting.get(k) or 0 for k in ("votes_for", "votes_against", "votes_abstain"))


def add_meeting(
    store: Store, data: dict[str, Any], participants: list[dict[str, Any]] = (), *, today: date | None = None
) -> Row:
    """A meeting with its participants and votes, in one transaction."""
    today = today or store.clock.today()
    values = clean_meeting(data, today=today)
    people: list[dict[str, Any]] = []
    errors = {}
    for index, participant in enumerate(participants):
        try:
            people.append(clean_participant(participant))
        except ValidationError as exc:
            errors[f"participants.{index}"] = f"第 {index + 1} 位参会人：{exc}"
    if errors:
        raise ValidationError(errors)
    if people and (wrong := _against_participants(values, len(people))):
        raise ValidationError(wrong)
    with store.transaction():
        if values["topic_id"]:
            topic = get_topic(store, values["topic_id"])
            if topic["state"] not in MEETING_STATES:
                raise UserError(f"议题当前为“{topic['state']}”，不能再为它登记会议")
        for person in people:
            if person["person_id"] and store.get("people", person["person_id"]) is None:
                raise ValidationError(f"参会人“{person['name']}”在居民中已不存在，请重新选择", "participants")
        meeting = store.insert("meetings", values)
        for person in people:
            store.insert("meeting_participants", {**person, "meeting_id": meeting["id"]})
    return meeting


def record_attendance(store: Store, meeting_id: str, present: Any) -> Row:
    """实到 of a meeting already registered (counted from its signed 签到表), judged as on the meeting form."""
    if str(present if present is not None else "").strip() == "":
        raise ValidationError("请填写实到人数（签到的人数）", "present")
    with store.transaction():
        meeting = store.get("meetings", meeting_id)
        if meeting is None:
            raise NotFound("找不到该会议，可能已被删除")
        checked = clean_meeting({**meeting, "present": present}, today=date.fromisoformat(meeting["date"]))
        invited = len(queries.participants_of(store, meeting_id))
        wrong = _against_participants(checked, invited) if invited else {}
        if wrong:
            raise ValidationError(wrong)
        return store.update("meetings", meeting_id, {"present": checked["present"]})


def participants_of(store: Store, meeting_id: str) -> list[Row]:
    return queries.participants_of(store, meeting_id)


def delete_meeting(store: Store, meeting_id: str) -> Row:
    if store.get("meetings", meeting_id) is None:
        raise NotFound("找不到该会议，可能已被删除")
    return store.delete("meetings", meeting_id)


def add_followup(store: Store, topic_id: str, data: dict[str, Any], *, today: date | None = None) -> Row:
    """A 落实 entry: what was done for a resolved topic."""
    today = today or store.clock.today()
    c = Collector()
    c.values["date"] = _not_after_today(c, "date", data.get("date"), "落实日期", today)
    c.field("content", required_text, data.get("content"), field="落实情况", max_length=4000)
    c.field("handler", optional_text, data.get("handler"), field="责任人", max_length=30)
    c.field("progress", optional_text, data.get("progress"), field="进度", max_length=100)
    values = c.done()
    with store.transaction():
        topic = get_topic(store, topic_id)
        if topic["state"] not in FOLLOWUP_STATES:
            raise UserError(f"议题当前为“{topic['state']}”，形成决议后才能登记落实情况")
        return store.insert("followups", {**values, "topic_id": topic_id})


def followups_of(store: Store, topic_id: str) -> list[Row]:
    return queries.followups_of(store, topic_id)


def topics_page(store: Store, **options: Any) -> list[Row]:
    """A page of topics: states, search, sort, descending, after, limit (see db.consultation)."""
    return queries.topic_page(store, **options)


def topic_detail(store: Store, topic_id: str) -> dict[str, Any]:
    """A topic with what the window shows beside it: steps, events, meetings, follow-ups, next moves."""
    topic = get_topic(store, topic_id)
    steps = queries.steps_of(store, topic_id)
    state = topic["state"]
    four_steps = topic["procedure"] == "四议两公开"
    return {
        "topic": topic,
        "allowed": allowed_next(state),
        "steps": [steps[s] for s in STEPS if s in steps],
        "next_step": next((s for s in FOUR_STEPS if s not in steps), None) if four_steps else None,
        # What may be recorded now: the window offers exactly these.
        "can_meet": state in MEETING_STATES,
        "can_step": four_steps and state in STEP_STATES,
        "can_publish": [what for what, (column, _, states) in PUBLISHING.items()
                        if state in states and not topic[column]],
        "can_follow_up": state in FOLLOWUP_STATES,
        "events": queries.events_of(store, topic_id),
        "meetings": queries.meetings_of(store, topic_id),
        "followups": queries.followups_of(store, topic_id),
    }


def parse_participants(text: str) -> list[dict[str, str]]:
    """`张三 居民代表` per line (name, then role and unit if given) → participant dicts."""
    found = []
    for line in (text or "").splitlines():
        parts = line.replace("，", " ").replace(",", " ").split()
        if parts:
            found.append({"name": parts[0], "role": parts[1] if len(parts) > 1 else "",
                          "organization": " ".join(parts[2:])})
    return found
