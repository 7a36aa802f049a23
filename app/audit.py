"""The audit trail (操作日志): who changed what and when, and the events (sign-in, backup …).

The log list and its export name the fields a change touched, never their values: ID numbers,
phones and health notes must not leave the records through the log. `history` (one record's
changes with the values, for the record's own screen) is the only reader that decodes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from app import settings as settings_module
from app.access import require_admin
from app.errors import UserError
from db import audit as queries
from db import kinds as catalog
from db.clock import LOCAL_TZ
from db.store import Row, Store
from exports.ledger import Column, Ledger

# The community keeps China time (UTC+8, no summer time); `at` is stored in UTC.

ACTION_NAMES: dict[str, str] = {
    "insert": "新增", "update": "修改", "delete": "删除", "restore": "恢复",
    "login": "登录", "login_failed": "登录失败", "logout": "退出登录", "lock": "锁定", "unlock": "解锁",
    "reveal": "查看完整号码", "backup": "备份", "restore_backup": "从备份恢复", "export": "导出完整号码",
    "account": "账号变更",
}
RECORD_ACTIONS = ("insert", "update", "delete", "restore")
# Columns that say when and where a version was written, or are derived from another field
# (a serial's year and sequence number are its `serial`).
NOT_A_CHANGE = ("id", "created_at", "updated_at", "device_id", "pinyin", "initials", "sort_key", "year", "seq")
# Keys an event's detail must never show, should one ever carry them.
SECRET_KEYS = ("id_number", "phone", "emergency_phone", "supporter_phone", "health_note", "health",
               "password", "password_hash")
DETAIL_LABELS = {
    "change": "变更", "username": "用户名", "role": "角色", "failed_attempts": "连续失败次数",
    "reason": "原因", "fields": "栏目", "file": "文件", "before": "恢复前备份", "month": "月份",
    "masked": "遮盖", "ledgers": "台账",
}
EXPORT_LIMIT = 100_000  # rows in one exported log: a bigger one is asked to be narrowed by date


def history(store: Store, table: str, record_id: str) -> list[dict[str, Any]]:
    """Every change to one record, oldest first, with before/after decoded."""
    return [
        {**row, "before": json.loads(row["before"]) if row["before"] else None,
         "after": json.loads(row["after"]) if row["after"] else None}
        for row in queries.of_record(store, table, record_id)
    ]


# -- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    """What the 操作日志 shows: local dates (both ends included), a user, a record kind, an action.

    None means any; user "" is the writes made before accounts were turned on.
    """

    date_from: date | None = None
    date_to: date | None = None
    user: str | None = None
    table: str | None = None
    action: str | None = None

    def query(self) -> dict[str, str | None]:
        """The filters in the database's terms: local days become a UTC range [start, end)."""
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise UserError("开始日期不能晚于结束日期")
        return {"start": _utc(self.date_from) if self.date_from else None,
                "end": _utc(self.date_to + timedelta(days=1)) if self.date_to else None,
                "user": self.user, "table": self.table, "action": self.action,
                "hidden": catalog.hidden_from_log()}

    def period(self) -> str:
        start = self.date_from.isoformat() if self.date_from else "最早"
        end = self.date_to.isoformat() if self.date_to else "现在"
        return f"{start} 至 {end}"


def _utc(day: date) -> str:
    """Local midnight starting `day`, as the UTC text `at` is compared with (same format as Store.now)."""
    return datetime.combine(day, time(), LOCAL_TZ).astimezone(timezone.utc).isoformat(timespec="microseconds")


def local_time(at: str) -> str:
    """`2026-11-23T02:00:00.000000+00:00` → `2026-11-23 10:00:00` (China time)."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S")


# -- rows as people read them -----------------------------------------------------------------


def _decode(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def changed_fields(table: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The Chinese names of the fields a change touched (never their values)."""
    keys = [k for k in {**before, **after} if k not in NOT_A_CHANGE and before.get(k) != after.get(k)]
    if table == "settings":
        return ["设置值"] if keys else []
    return [catalog.field_label(k) for k in keys]


def _detail(detail: dict[str, Any]) -> str:
    parts = []
    for key, value in detail.items():
        if key in SECRET_KEYS:
            continue
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif isinstance(value, (list, tuple)):
            value = "、".join(str(v) for v in value)
        parts.append(f"{DETAIL_LABELS.get(key, key)}：{value}")
    return "；".join(parts)


def summary(row: Row) -> str:
    """One line for the log list: the action and which fields changed, or the event's detail."""
    action, table = row["action"], row["table_name"]
    before, after = _decode(row.get("before")), _decode(row.get("after"))
    kind = catalog.noun(table)
    if action == "insert":
        return f"新增{kind}"
    if action == "update":
        fields = changed_fields(table, before, after)
        return f"修改{kind}：{'、'.join(fields)}" if fields else f"修改{kind}（内容未变）"
    if action == "delete":
        return f"删除{kind}（移入回收站）"
    if action == "restore":
        return f"从回收站恢复{kind}"
    name = ACTION_NAMES.get(action, action)
    detail = _detail(after)
    return f"{name}：{detail}" if detail else name


# Whose record it is: the column holding a resident's id, or the id of a record with a resident behind it.
_OWNER_COLUMNS = {"person_id": None, "volunteer_id": "volunteers", "elder_id": "elders", "visit_id": "visits",
                  "kept_id": None}  # a merge of two people: named by the person kept


def _owner(values: dict[str, Any]) -> tuple[str | None, str] | None:
    """(the table to look the name up through, None for people; the id) of the record's resident."""
    for column, through in _OWNER_COLUMNS.items():
        if isinstance(values.get(column), str):
            return through, values[column]
    return None


def _labels(store: Store, rows: list[Row]) -> list[str]:
    """What each row is about: its own naming fields and the name of the resident it belongs to."""
    decoded = [{**_decode(r.get("before")), **_decode(r.get("after"))} for r in rows]
    owners = [_owner(values) for values in decoded]
    wanted: dict[str | None, set[str]] = {}
    for owner in owners:
        if owner:
            wanted.setdefault(owner[0], set()).add(owner[1])
    names = {through: (queries.people_names(store, sorted(ids)) if through is None
                       else queries.names_through(store, through, sorted(ids)))
             for through, ids in wanted.items()}
    labels = []
    for row, values, owner in zip(rows, decoded, owners):
        table = row["table_name"]
        if table == "settings":
            labels.append(settings_module.label(row["record_id"]))
            continue
        if table == "accounts":
            labels.append(str(values.get("username") or ""))
            continue
        kind = catalog.KINDS.get(table)
        parts = [str(values.get(k) or "") for k in (kind.log_fields if kind else ())]
        who = names.get(owner[0], {}).get(owner[1], "") if owner else ""
        if who and who not in parts:
            parts.append(who)
        labels.append(" ".join(p for p in parts if p))
    return labels


def _shown(store: Store, rows: list[Row]) -> list[Row]:
    """Rows for the list: no before/after (the values stay in the database), readable columns added."""
    labels = _labels(store, rows)
    return [
        {"id": r["id"], "_sort": r["_sort"], "at": r["at"], "time": local_time(r["at"]), "user": r["user"],
         "table_name": r["table_name"], "kind": catalog.noun(r["table_name"]) if r["table_name"] else "",
         "action": r["action"], "action_name": ACTION_NAMES.get(r["action"], r["action"]),
         "record": label, "summary": summary(r)}
        for r, label in zip(rows, labels)
    ]


# -- the page and the export -----------------------------------------------------------------


def audit_page(store: Store, filters: AuditFilter = AuditFilter(), *, after: tuple | None = None,
               limit: int = 100) -> list[Row]:
    """One page of the 操作日志, newest first (keyset: pass the last row's (_sort, id) as after)."""
    require_admin(store, "查看操作日志")
    return _shown(store, queries.page(store, after=after, limit=limit, **filters.query()))


def audit_users(store: Store) -> list[str]:
    """Every user the log has seen, for the filter."""
    require_admin(store, "查看操作日志")
    return queries.users(store)


def kinds() -> dict[str, str]:
    """Record kinds for the filter: table → Chinese name (not the program's own bookkeeping)."""
    return {table: kind.noun for table, kind in catalog.KINDS.items() if kind.in_log}


def _all_rows(store: Store, filters: AuditFilter) -> Iterator[Row]:
    after = None
    query = filters.query()
    while True:
        rows = queries.page(store, after=after, limit=1000, **query)
        yield from _shown(store, rows)
        if len(rows) < 1000:
            return
        after = (rows[-1]["_sort"], rows[-1]["id"])


AUDIT_COLUMNS = [
    Column("time", "时间", 19, "text", "center"), Column("user", "用户", 10), Column("action_name", "操作", 10),
    Column("kind", "记录种类", 10), Column("record", "记录", 18), Column("summary", "内容摘要", 48),
]


def audit_ledger(store: Store, filters: AuditFilter = AuditFilter(), *, today: date | None = None) -> Ledger:
    """The filtered log as a ledger (.xlsx and .pdf alike), newest first; no values of any field."""
    require_admin(store, "导出操作日志")
    rows = []
    for row in _all_rows(store, filters):
        if len(rows) >= EXPORT_LIMIT:
            raise UserError(f"符合条件的日志超过 {EXPORT_LIMIT} 条，请缩小日期范围后分次导出。")
        rows.append({**row, "user": row["user"] or "（未启用账号）"})
    config = settings_module.load(store)
    return Ledger(title="操作日志", community=config.community_name, period=filters.period(),
                  columns=AUDIT_COLUMNS, rows=rows, preparer=config.preparer, reviewer=config.reviewer,
                  prepared_on=today or store.clock.today(), note=f"共 {len(rows)} 条")


def export_audit(store: Store, path: str | Path, filters: AuditFilter = AuditFilter(), *,
                 today: date | None = None) -> Path:
    """Write the filtered log to path; .xlsx or .pdf by its suffix."""
    from exports.pdf import write_pdf
    from exports.xlsx import write_xlsx

    out = Path(path)
    writers = {".xlsx": write_xlsx, ".pdf": write_pdf}
    if out.suffix.lower() not in writers:
        raise UserError("操作日志可导出为 .xlsx 或 .pdf 文件")
    ledger = audit_ledger(store, filters, today=today)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        writers[out.suffix.lower()](ledger, out)
    except PermissionError:
        raise UserError("文件被占用或没有写入权限：请关闭已打开的文件（如 Excel）后重试。") from None
    except OSError:
        raise UserError(f"无法写入“{out}”，请换一个位置或检查磁盘后重试。") from None
    return out
