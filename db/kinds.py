"""The catalog of record kinds: each kind of record declared once.

Sync, the audit, the 回收站, privacy and the pages all read this one table instead of
keeping lists of their own, so adding a kind touches this catalog and the kind's own module.
Plain data only (no app/ or Qt): storage facts, the words a person reads (its name, how the
回收站 and the 操作日志 name one record), what a record stands on when it comes back from the
回收站 (app/trash.py applies it) and the columns its list shows (ui/table.catalog_columns).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Link:
    """A reference between two kinds: `column` holds the id of a record in `table`."""

    table: str
    column: str


@dataclass(frozen=True)
class Unique:
    """Columns no two live records share; `message` (with {label} naming the record) says why a restore is refused."""

    columns: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Restore:
    """How a record comes back from the 回收站 (app/trash.py); Restore() puts it back as it was."""

    # Link(parent table, column here): refused while that parent is still in the 回收站.
    stands_on: tuple[Link, ...] = ()
    # Link(child table, column there): the children deleted at the same moment come back with it.
    together: tuple[Link, ...] = ()
    # Refused while a live record of the kind already holds the same values (re-entered meanwhile).
    unique: tuple[Unique, ...] = ()


@dataclass(frozen=True)
class Column:
    """One column of a kind's list page. `field` is the listing row's key; a page may give a
    field its own formatter (RecordPage.formats); `masked` ones are personal numbers."""

    header: str
    field: str
    width: int = 110
    sort: str | None = None  # the listing's sort name; None: the column does not sort
    masked: bool = False


@dataclass(frozen=True)
class Kind:
    table: str
    noun: str  # what a person calls one record: 居民, 探访记录
    label_sql: str | None = None  # names one record (alias t) in the 回收站 and in conflicts
    synced: bool = True  # carried to the community's other PCs
    in_bin: bool = False  # deleted ones are listed in the 回收站
    numbers: tuple[str, ...] = ()  # personal numbers its lists show masked (revealed one row at a time)
    numbers_on_person: bool = False  # its numbers are its person's (people.id_number, people.phone)
    in_log: bool = True  # listed in the 操作日志 (False: the program's own bookkeeping)
    restore: Restore | None = None  # every kind in the 回收站 says how it comes back (tests/test_house.py)
    columns: tuple[Column, ...] = ()  # its list page's columns, in order
    log_fields: tuple[str, ...] = ()  # name a record in the 操作日志 with its resident's name (never personal numbers)


_PERSON_NAME = "(SELECT name FROM people WHERE id = t.person_id)"
_PERSON_NUMBERS = ("id_number", "phone")

_ON_PERSON = Link("people", "person_id")


def _sorted(header: str, field: str, width: int) -> Column:
    """A column that sorts by its own field (most of them)."""
    return Column(header, field, width, sort=field)


# One kind per entry, each ending in a comma: a new kind is appended as an entry of its own.
KINDS: dict[str, Kind] = {k.table: k for k in (
    Kind("settings", "设置"),
    Kind(
        "people", "居民", "name", in_bin=True, numbers=_PERSON_NUMBERS,
        restore=Restore(),
        columns=(
            _sorted("姓名", "name", 90), _sorted("性别", "gender", 50),
            Column("身份证号", "id_number", 170, masked=True), _sorted("出生日期", "birth_date", 100),
            Column("联系电话", "phone", 120, masked=True), _sorted("住址", "address", 220), _sorted("网格", "grid", 90),
        ),
        log_fields=("name",),
    ),
    Kind(
        "volunteers", "志愿者", _PERSON_NAME, in_bin=True, numbers=_PERSON_NUMBERS, numbers_on_person=True,
        restore=Restore(
            stands_on=(_ON_PERSON,),
            unique=(Unique(("person_id",), "“{label}”已经是志愿者，不能再恢复这条记录"),),
        ),
        columns=(
            _sorted("姓名", "name", 90), _sorted("编号", "volunteer_no", 100), _sorted("服务队", "team", 110),
            _sorted("政治面貌", "political_status", 90), Column("联系电话", "phone", 120, masked=True),
            _sorted("注册日期", "registered_on", 100), _sorted("状态", "status", 60),
            Column("确认时长", "confirmed_minutes", 100, sort="minutes"), Column("星级", "star", 90),
        ),
    ),
    Kind(
        "activities", "志愿活动", "date || ' ' || name", in_bin=True,
        # Deleting an activity deletes its service records with it (app/service.py).
        restore=Restore(together=(Link("service_records", "activity_id"),)),
        columns=(
            _sorted("日期", "date", 95), _sorted("活动名称", "name", 180), _sorted("类别", "category", 80),
            _sorted("地点", "location", 150), Column("时间", "time", 100), Column("人数", "volunteers", 50),
            Column("总时长", "minutes", 90), Column("待审核", "pending", 60),
        ),
        log_fields=("date", "name"),
    ),
    Kind(
        "service_records", "服务记录",
        "(SELECT a.date || ' ' || a.name FROM activities a WHERE a.id = t.activity_id)", in_bin=True,
        restore=Restore(
            stands_on=(Link("activities", "activity_id"), Link("volunteers", "volunteer_id")),
            unique=(Unique(("activity_id", "volunteer_id"), "该志愿者在这次活动中已有记录，不能恢复重复的记录"),),
        ),
        columns=(  # an activity's 逐人记录 (ui/pages/service_records.py)
            Column("姓名", "name", 100), Column("时长", "minutes", 100), Column("审核状态", "review_state", 100),
            Column("审核意见", "review_note", 100), Column("补录", "is_backfill", 100), Column("服务内容", "content", 100),
        ),
        log_fields=("date",),
    ),
    Kind("redemptions", "时长兑换", log_fields=("date",)),
    Kind(
        "elders", "老年人", _PERSON_NAME, in_bin=True,
        numbers=(*_PERSON_NUMBERS, "emergency_phone", "supporter_phone"), numbers_on_person=True,
        restore=Restore(
            stands_on=(_ON_PERSON,),
            unique=(Unique(("person_id",), "“{label}”已在老年人名册中，不能再恢复这条记录"),),
        ),
        columns=(
            _sorted("姓名", "name", 80), Column("性别", "gender", 45), _sorted("出生日期", "birth_date", 95),
            Column("类别", "categories", 170), _sorted("风险等级", "risk_level", 70), _sorted("状态", "status", 70),
            _sorted("责任探访人", "responsible_visitor", 90), _sorted("最近探访", "last_visit", 95),
        ),
    ),
    Kind(
        "visits", "探访记录", "t.date || ' ' || (SELECT name FROM people WHERE id = t.person_id)", in_bin=True,
        restore=Restore(stands_on=(_ON_PERSON, Link("elders", "elder_id"))),
        log_fields=("date",),
    ),
    Kind(
        "topics", "议题", "title", in_bin=True,
        restore=Restore(),
        columns=(
            _sorted("提出日期", "proposed_on", 95), _sorted("议题", "title", 240), _sorted("程序", "procedure", 90),
            _sorted("状态", "state", 80), _sorted("提出人", "proposer", 80),
            Column("决议公开", "resolution_published_on", 95), Column("结果公开", "result_published_on", 95),
        ),
        log_fields=("title",),
    ),
    Kind("topic_events", "议题流程", log_fields=("date", "to_state")),
    Kind("topic_steps", "四议两公开步骤", log_fields=("step",)),
    Kind(
        "meetings", "协商会议", "date || ' ' || form", in_bin=True,
        restore=Restore(stands_on=(Link("topics", "topic_id"),)),
        log_fields=("date", "form"),
    ),
    Kind("meeting_participants", "参会人员", log_fields=("name",)),
    Kind("followups", "落实情况", log_fields=("date",)),
    Kind(
        "stamp_items", "清单事项", "name", in_bin=True,
        restore=Restore(),
        columns=(
            Column("类别", "kind", 80), Column("事项", "name", 260), Column("承办部门（一次告知）", "department", 260),
            Column("依据", "basis", 200), Column("关键词", "keywords", 200),
        ),
        log_fields=("name",),
    ),
    Kind(
        # A request keeps its applicant and matter as registered: it comes back whatever
        # became of the person or the checklist item since.
        "stamp_requests", "盖章登记", "serial || ' ' || matter", in_bin=True, numbers=_PERSON_NUMBERS,
        restore=Restore(),
        columns=(
            _sorted("编号", "serial", 90), _sorted("日期", "date", 95), _sorted("申请人", "applicant", 80),
            Column("身份证号", "id_number", 170, masked=True), _sorted("申请事项", "matter", 200),
            _sorted("办理结果", "result", 80), Column("告知去向", "referral", 200), _sorted("经办人", "handler", 80),
        ),
        log_fields=("serial",),
    ),
    Kind(
        "certificates", "服务证明",
        columns=(  # the 证明登记簿 (ui/pages/certificates.py); the last column takes what is left
            Column("证明编号", "number", 110), Column("持证人", "holder", 70), Column("服务时长（小时）", "hours", 110),
            Column("服务时段", "period", 190), Column("出具日期", "issued_on", 95), Column("经办人", "handler", 80),
            Column("状态", "state"),
        ),
        log_fields=("serial",),
    ),
    Kind("care_groups", "关爱对象类别", "name", in_bin=True, restore=Restore(), log_fields=("name",)),
    Kind(
        "care_members", "关爱对象",
        "(SELECT name FROM people WHERE id = t.person_id) || '（' || "
        "(SELECT name FROM care_groups WHERE id = t.group_id) || '）'",
        in_bin=True, numbers=(*_PERSON_NUMBERS, "guardian_phone", "disability_no", "certificate_no"),
        numbers_on_person=True,
        restore=Restore(
            stands_on=(_ON_PERSON, Link("care_groups", "group_id")),
            unique=(Unique(("group_id", "person_id"), "此人已重新纳入该类别，不能再恢复这条记录"),),
        ),
        columns=(
            _sorted("姓名", "name", 80), Column("类别", "group_name", 100, sort="group"), Column("性别", "gender", 45),
            _sorted("出生日期", "birth_date", 95), Column("联系电话", "phone", 105, masked=True),
            Column("监护人电话", "guardian_phone", 105, masked=True),
            Column("证件号码", "card_number", 175, masked=True),  # 残疾证号 or 低保/特困 证号
            _sorted("风险等级", "risk_level", 70), _sorted("状态", "status", 70),
            _sorted("责任探访人", "responsible_visitor", 90), _sorted("最近探访", "last_visit", 95),
        ),
    ),
    Kind("visit_findings", "探访发现"),
    Kind(
        "referrals", "转介跟踪",
        "t.referred_on || ' ' || (SELECT name FROM people WHERE id = t.person_id) || ' → ' || t.target",
        in_bin=True,
        restore=Restore(stands_on=(_ON_PERSON,)),
        log_fields=("referred_on",),
    ),
    Kind("person_merges", "居民合并",
         "(SELECT name FROM people WHERE id = t.merged_id) || ' → ' || (SELECT name FROM people WHERE id = t.kept_id)"),
    # Local to one PC: its serial counters and its accounts are never carried elsewhere.
    Kind("counters", "登记编号", synced=False, in_log=False),
    Kind("accounts", "账号", synced=False),
)}

# What a person calls each column, wherever a field is named (audit, conflicts, reveals).
FIELD_LABELS = {
    "deleted_at": "是否删除", "value": "取值", "name": "姓名/名称", "gender": "性别", "id_number": "身份证号",
    "birth_date": "出生日期", "phone": "联系电话", "estate": "小区", "building": "楼栋", "unit": "单元",
    "room": "室", "village_group": "村民小组", "grid": "网格", "note": "备注", "pinyin": "拼音",
    "initials": "拼音首字母", "sort_key": "排序", "person_id": "居民", "volunteer_no": "志愿者编号",
    "team": "服务队", "political_status": "政治面貌", "skills": "专长", "registered_on": "注册日期",
    "status": "状态", "date": "日期", "category": "类别", "location": "地点", "organizer": "组织者",
    "start_time": "开始时间", "end_time": "结束时间", "beneficiaries": "服务对象", "minutes": "时长（分钟）",
    "content": "内容", "recorder": "记录人", "attested_by": "证明人", "is_backfill": "补录",
    "backfill_reason": "补录原因", "review_state": "审核状态", "review_note": "审核意见", "reason": "理由",
    "handler": "经办人", "voided_on": "作废日期", "void_reason": "作废原因", "categories": "类别", "risk_level": "风险等级", "emergency_contact": "紧急联系人",
    "emergency_phone": "紧急联系电话", "supporter": "赡养人", "supporter_phone": "赡养人电话",
    "responsible_visitor": "责任探访人", "joined_on": "纳入日期", "left_on": "离开日期",
    "health_note": "健康情况", "method": "方式", "visitor": "探访人", "health": "身体与精神状况",
    "living": "基本生活", "family_support": "家庭赡养", "safety": "安全隐患", "needs": "服务需求",
    "problems": "发现问题", "measures": "帮扶措施", "referral": "转介/告知去向", "next_due": "下次应探访",
    "title": "标题", "description": "内容", "proposer": "提出人", "proposed_on": "提出日期",
    "procedure": "程序", "state": "状态", "reject_reason": "不予受理理由", "resolution": "决议",
    "resolution_published_on": "决议公开日期", "result": "结果", "result_published_on": "结果公开日期",
    "evaluation": "评议", "matter": "申请事项", "applicant": "申请人", "purpose": "用途", "serial": "编号",
    "kind": "清单类别", "keywords": "关键词", "basis": "依据", "department": "承办部门", "position": "顺序",
    "form": "形式", "host": "主持人", "minutes_text": "会议记录", "outcome": "协商结果",
    "votes_for": "同意", "votes_against": "反对", "votes_abstain": "弃权", "role": "身份",
    "organization": "单位", "progress": "进展", "step": "步骤", "body": "会议", "expected": "应到",
    "present": "实到", "topic_id": "议题", "activity_id": "活动", "volunteer_id": "志愿者",
    "elder_id": "老年人", "meeting_id": "会议", "item_id": "清单事项",
    "builtin": "内置类别", "min_age": "最低年龄", "max_age": "最高年龄", "fields": "登记栏目",
    "intervals": "探访周期", "counting": "计入探访率的方式", "responsible": "责任人", "checklist": "探访清单",
    "group_id": "关爱对象类别", "guardian": "监护人", "guardian_phone": "监护人电话", "school": "就读学校",
    "disability_no": "残疾证号", "disability_category": "残疾类别", "disability_grade": "残疾等级",
    "living_subsidy": "困难残疾人生活补贴", "nursing_subsidy": "重度残疾人护理补贴",
    "certificate_no": "证件编号", "household": "家庭情况", "visit_id": "探访记录", "item": "清单项",
    "checked": "已查看", "problem": "问题", "target_kind": "转介对象类型", "target": "转介给",
    "referred_on": "转介日期", "due_on": "办结期限", "received_on": "接收日期", "closed_on": "办结日期",
    "from_state": "原状态", "to_state": "新状态", "period_start": "服务起始日期", "period_end": "服务截止日期",
    "issued_on": "开具日期", "contact": "联系电话", "username": "用户名", "password_hash": "密码",
    "failed_attempts": "连续失败次数", "retry_after": "限制登录至",
    "kept_id": "保留的居民", "merged_id": "并入的居民",
}


def noun(table: str) -> str:
    """The Chinese name of a record kind (the table name for a table outside the catalog)."""
    kind = KINDS.get(table)
    return kind.noun if kind else table


def field_label(column: str) -> str:
    return FIELD_LABELS.get(column, column)


def hidden_from_log() -> tuple[str, ...]:
    """Tables whose writes are the program's bookkeeping, not something a person did (serial counters)."""
    return tuple(k.table for k in KINDS.values() if not k.in_log)


def in_bin() -> list[Kind]:
    return [k for k in KINDS.values() if k.in_bin]


def is_synced(table: str) -> bool:
    """Whether a table's records travel in sync packages (unknown tables: yes, as before)."""
    kind = KINDS.get(table)
    return kind.synced if kind else True
