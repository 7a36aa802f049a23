"""The 街道: a community's signed monthly summary, the street PC's import, and the street report.

A summary file is one JSON object written in a canonical form (keys sorted, no spaces, UTF-8,
a final newline): {"summary": {...}, "key": public key, "signature": Ed25519 signature of
the summary's canonical bytes}. The street reads it back only when the file is byte for byte
that canonical form and the signature holds, so a change to any byte is refused.

The summary holds figures and masked lists only (数据最小化): names, masked ID numbers, dates and
counts; no full ID numbers, no phones, no health notes. A past month's summary says the same on
any later day; only `made_at` (when it was made) changes, and a newer one replaces an older one.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from app import settings as settings_module
from app import signing
from app.dates import add_months, month_bounds
from app.elders import month_duty
from app.errors import UserError
from app.paths import refuse_other_file
from app.stats import LABELS, month_stats
from app.validation import mask_id_number
from db import elders as elder_queries
from db import stamps as stamp_queries
from db import street as queries
from db.clock import Clock
from db.store import Store

FORMAT = "社区台账街道月报"
VERSION = 1
SUFFIX = ".json"
MAX_FILE_BYTES = 4 * 1024 * 1024  # a community's month is some kilobytes; a few thousand list lines at most
MAX_LINES = 10_000  # lines in each list
MAX_TEXT = 200  # characters in any text of a summary
# The flat figures of `stats`; its per-group figures of 关爱对象 travel beside them as stats["groups"].
STAT_KEYS = tuple(k for k in LABELS if k not in ("month", "groups"))
GROUP_KEYS = ("total", "due", "visited", "visit_rate", "home_visits", "overdue")
MAX_GROUPS = 50
INT_KEYS = tuple(k for k in STAT_KEYS if k not in ("visit_rate", "service_hours", "service_hours_confirmed"))
NOT_VISITED_KEYS = ("name", "id_number", "risk_level", "next_due", "days_overdue")
REFUSED_KEYS = ("serial", "date", "applicant", "id_number", "matter", "referral")
SUMMARY_KEYS = ("format", "version", "community", "month", "as_of", "made_at", "stats", "not_visited", "refused")
COMMUNITY_KEYS = ("code", "name", "street")
TREND_MONTHS = 12
# A run of 7 or more digits in free text may be a phone or an ID number someone typed in: masked.
_LONG_NUMBER = re.compile(r"\d{7,}[\dXx]?")
_PERSONAL = re.compile(r"\d{11,}")  # what no summary may hold: a whole phone or ID number
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_SUMMARY_AT = b',"summary":'  # where the summary starts in a canonical file (keys sorted: key, signature, summary)


class SummaryRefused(UserError):
    """A summary file the street will not take; the message says which file and why."""


def canonical(value: Any) -> bytes:
    """The one byte form of a JSON value that is signed and written."""
    # Compact: with an indent Python's json falls back to its pure-Python encoder (5× slower).
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
            + "\n").encode("utf-8")


def month_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


# -- the community side ------------------------------------------------------------------------


def _scrub(text: Any) -> str:
    """Free text typed by a worker, with any long number in it masked, and cut to MAX_TEXT."""
    value = str(text or "").strip()
    return _LONG_NUMBER.sub(lambda m: m.group()[:3] + "*" * (len(m.group()) - 5) + m.group()[-2:], value)[:MAX_TEXT]


def build_summary(store: Store, year: int, month: int) -> dict[str, Any]:
    """The month's summary for the 街道: every figure of `stats`, the 未探访名单 and the 不予盖章 list."""
    config = settings_module.load(store)
    code, name = config.community_code.strip(), config.community_name.strip()
    if not name or not code:
        raise UserError("请先在“设置”中填写社区（村）名称和社区代码：街道用代码区分各社区。")
    today = store.clock.today()
    start, end = month_bounds(year, month)
    if start > today:
        raise UserError(f"{month_text(year, month)} 还没有到，不能报送。")
    duty = month_duty(store, year, month, today=today)
    not_visited = duty.not_visited
    figures = month_stats(store, year, month, today=today, duty=duty)
    numbers = elder_queries.id_numbers(store, [line.elder_id for line in not_visited])
    refused = stamp_queries.refused_between(store, start.isoformat(), end.isoformat())
    return {
        "format": FORMAT,
        "version": VERSION,
        "community": {"code": code[:MAX_TEXT], "name": name[:MAX_TEXT], "street": config.street.strip()[:MAX_TEXT]},
        "month": month_text(year, month),
        # A past month is summed up at its end; the running month as of today.
        "as_of": min(end, today).isoformat(),
        "made_at": store.now(),
        "stats": {**{key: figures[key] for key in STAT_KEYS},
                  "groups": {name[:MAX_TEXT]: {k: g[k] for k in GROUP_KEYS}
                             for name, g in list(figures.get("groups", {}).items())[:MAX_GROUPS]}},
        "not_visited": [
            {"name": line.name, "id_number": mask_id_number(numbers.get(line.elder_id)),
             "risk_level": line.risk_level, "next_due": line.next_due.isoformat(),
             "days_overdue": line.days_overdue}
            for line in not_visited[:MAX_LINES]
        ],
        "refused": [
            {"serial": r["serial"], "date": r["date"], "applicant": _scrub(r["applicant"]),
             "id_number": mask_id_number(r["id_number"]), "matter": _scrub(r["matter"]),
             "referral": _scrub(r["referral"])}
            for r in refused[:MAX_LINES]
        ],
    }


def signed_file(store: Store, summary: dict[str, Any]) -> bytes:
    """The summary, signed with the community's key, as the bytes of the file."""
    key = signing.ensure_key(store)
    signature = signing.sign(key, canonical(summary))
    return canonical({
        "summary": summary,
        "key": base64.b64encode(signing.public_bytes(key)).decode("ascii"),
        "signature": base64.b64encode(signature).decode("ascii"),
    })


@dataclass
class ExportResult:
    path: Path
    month: str
    fingerprint: str


def file_name(code: str, month: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", code).strip("_.") or "社区"
    return f"街道月报_{safe}_{month}{SUFFIX}"


def export_summary(store: Store, year: int, month: int, out: str | Path) -> ExportResult:
    """Write the signed summary to `out` (a file, or a folder that gets a named file)."""
    summary = build_summary(store, year, month)
    data = signed_file(store, summary)
    path = Path(out)
    if path.is_dir():
        path = path / file_name(summary["community"]["code"], summary["month"])
    refuse_other_file(path, (SUFFIX,), "街道月报")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(data)
        partial.replace(path)
    except OSError:
        raise UserError(f"无法写入文件：{path}（请检查文件夹是否存在、U 盘是否已满或只读）") from None
    return ExportResult(path, summary["month"], signing.community_fingerprint(store))


# -- reading a summary (hostile input) -------------------------------------------------------------


@dataclass
class Checked:
    """A summary file that passed every check."""

    summary: dict[str, Any]
    text: str  # the summary's canonical JSON, as signed
    key: bytes
    signature: bytes

    @property
    def code(self) -> str:
        return self.summary["community"]["code"]

    @property
    def month(self) -> str:
        return self.summary["month"]


def _refuse(path: Path, why: str) -> SummaryRefused:
    return SummaryRefused(f"“{path.name}”{why}，未导入任何月报。")


def _text(value: Any, *, empty: bool = True) -> bool:
    # Control characters need no check here: the ledgers print every text through clean_text.
    return isinstance(value, str) and len(value) <= MAX_TEXT and (empty or bool(value.strip()))


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10_000_000


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100_000_000


def _month_ok(value: Any) -> bool:
    m = _MONTH.fullmatch(value) if isinstance(value, str) else None
    return bool(m) and 2000 <= int(m.group(1)) <= 2100 and 1 <= int(m.group(2)) <= 12


def _date_ok(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _lines_ok(lines: Any, keys: Sequence[str], check: Callable[[dict], bool]) -> bool:
    return isinstance(lines, list) and len(lines) <= MAX_LINES and all(
        isinstance(line, dict) and tuple(sorted(line)) == tuple(sorted(keys)) and check(line) for line in lines)


def _masked(value: Any) -> bool:
    return _text(value) and (value == "" or "*" in value)


def _summary_problem(s: Any) -> str | None:
    """What is wrong with a summary's shape, or None."""
    if not isinstance(s, dict) or tuple(sorted(s)) != tuple(sorted(SUMMARY_KEYS)):
        return "不是社区月报文件（内容结构不对）"
    if s["format"] != FORMAT or s["version"] != VERSION:
        return "不是本程序能读的社区月报版本"
    c = s["community"]
    if not isinstance(c, dict) or tuple(sorted(c)) != tuple(sorted(COMMUNITY_KEYS)) \
            or not _text(c["code"], empty=False) or not _text(c["name"], empty=False) or not _text(c["street"]):
        return "中的社区代码或名称不对"
    if not _month_ok(s["month"]):
        return "中的月份不对"
    if not _date_ok(s["as_of"]) or s["as_of"][:7] != s["month"]:
        return "中的统计日期不对"
    try:
        made = datetime.fromisoformat(s["made_at"]) if isinstance(s["made_at"], str) and len(s["made_at"]) < 40 else None
    except ValueError:
        made = None
    if made is None or made.tzinfo is None or made.date().isoformat() < s["as_of"][:7] + "-01":
        return "中的制作时间不对"
    stats = s["stats"]
    if not isinstance(stats, dict) or tuple(sorted(stats)) != tuple(sorted((*STAT_KEYS, "groups"))):
        return "中的统计数字不全或多出了项目"
    if not _groups_ok(stats["groups"]):
        return "中的关爱对象分组数字不对"
    if not all(_count(stats[k]) for k in INT_KEYS) or not all(_number(stats[k]) for k in STAT_KEYS) \
            or not 0 <= stats["visit_rate"] <= 1 or stats["elders_visited"] > stats["elders_due"]:
        return "中的统计数字不对"
    if not _lines_ok(s["not_visited"], NOT_VISITED_KEYS, lambda x: _text(x["name"], empty=False)
                     and _masked(x["id_number"]) and _text(x["risk_level"]) and _date_ok(x["next_due"])
                     and _count(x["days_overdue"])):
        return "中的未探访名单不对（或超过 1 万行）"
    if not _lines_ok(s["refused"], REFUSED_KEYS, lambda x: _text(x["serial"]) and _date_ok(x["date"])
                     and _text(x["applicant"]) and _masked(x["id_number"]) and _text(x["matter"])
                     and _text(x["referral"])):
        return "中的不予盖章名单不对（或超过 1 万行）"
    return None


def _groups_ok(groups: Any) -> bool:
    """Each group's figures: whole counts, a rate between 0 and 1, no more visited than due."""
    if not isinstance(groups, dict) or len(groups) > MAX_GROUPS:
        return False
    for name, g in groups.items():
        if not _text(name, empty=False) or not isinstance(g, dict) or tuple(sorted(g)) != tuple(sorted(GROUP_KEYS)):
            return False
        counts = [g[k] for k in GROUP_KEYS if k != "visit_rate"]
        if not all(_count(v) for v in counts) or not _number(g["visit_rate"]) or not 0 <= g["visit_rate"] <= 1 \
                or g["visited"] > g["due"]:
            return False
    return True


def group_totals(stats: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each group's figures summed over the communities; its 探访率 is visited ÷ due (1.0 when nobody was due)."""
    totals: dict[str, dict[str, Any]] = {}
    for one in stats:
        for name, g in one.get("groups", {}).items():
            into = totals.setdefault(name, {k: 0 for k in GROUP_KEYS})
            for k in GROUP_KEYS:
                if k != "visit_rate":
                    into[k] += g[k]
    for g in totals.values():
        g["visit_rate"] = round(g["visited"] / g["due"], 4) if g["due"] else 1.0
    return totals


def read_summary(path: str | Path) -> Checked:
    """Check one summary file: size, form, signature, shape. Refused with one Chinese line."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SummaryRefused(f"找不到文件：{path}") from None
    except OSError:
        raise SummaryRefused(f"无法读取文件：{path}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise _refuse(path, f"太大（超过 {MAX_FILE_BYTES // 1024 // 1024} MB），不是社区月报")
    try:
        envelope = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _refuse(path, "不是社区月报文件") from None
    if not isinstance(envelope, dict) or sorted(envelope) != ["key", "signature", "summary"] \
            or not isinstance(envelope["key"], str) or not isinstance(envelope["signature"], str):
        raise _refuse(path, "不是社区月报文件")
    try:
        same = canonical(envelope) == raw
    except (ValueError, RecursionError):
        same = False
    if not same:
        raise _refuse(path, "已被改动（与社区导出的文件不一致）")
    try:
        key = base64.b64decode(envelope["key"], validate=True)
        signature = base64.b64decode(envelope["signature"], validate=True)
    except (binascii.Error, ValueError):
        raise _refuse(path, "的签名不对") from None
    # The file is canonical, so the summary's canonical bytes are the file's tail.
    text = raw[raw.index(_SUMMARY_AT) + len(_SUMMARY_AT):-2] + b"\n"
    if not signing.verify(key, signature, text):
        raise _refuse(path, "已被改动（签名校验不通过）")
    problem = _summary_problem(envelope["summary"])
    if problem:
        raise _refuse(path, problem)
    # The community's own code is a 12-digit 统计用区划代码 (320505001001): a number, but nobody's.
    code = envelope["summary"]["community"]["code"]
    if any(found.group() != code for found in _PERSONAL.finditer(text.decode("utf-8"))):
        raise _refuse(path, "含有未遮盖的身份证号或电话号码")
    return Checked(envelope["summary"], text.decode("utf-8"), key, signature)


# -- the street side ------------------------------------------------------------------------------------


@dataclass
class ImportLine:
    file: str
    code: str
    name: str
    month: str
    outcome: str  # 新增 / 已替换 / 未改动（已有更新的月报） / 未改动（相同）
    new_community: bool = False
    fingerprint: str = ""

    def text(self) -> str:
        line = f"{self.name}（{self.code}）{self.month}：{self.outcome}"
        if self.new_community:
            line += f"\n  首次收到该社区的月报，已信任其密钥。密钥指纹 {self.fingerprint}：请打电话与社区核对。"
        return line


def import_summaries(db: sqlite_utils.Database, files: Iterable[str | Path], *, clock: Clock) -> list[ImportLine]:
    """Add or replace each community's month; any refused file leaves the street database unchanged."""
    now = clock.now().isoformat(timespec="seconds")
    done: list[ImportLine] = []
    with db.conn:  # one transaction: all files or none
        if not db.conn.in_transaction:
            db.conn.execute("BEGIN IMMEDIATE")
        for name in files:
            checked = read_summary(name)
            done.append(_apply(db, checked, Path(name).name, now))
    return done


def _apply(db: sqlite_utils.Database, checked: Checked, file: str, now: str) -> ImportLine:
    s, code = checked.summary, checked.code
    community = s["community"]
    key_text = base64.b64encode(checked.key).decode("ascii")
    fingerprint = signing.fingerprint(checked.key)
    known = queries.community(db, code)
    new = known is None
    if new:
        queries.trust(db, {"code": code, "name": community["name"], "street": community["street"],
                           "public_key": key_text, "fingerprint": fingerprint, "trusted_at": now})
    elif known["public_key"] != key_text:
        raise SummaryRefused(
            f"“{file}”由另一把密钥签名（指纹 {fingerprint}），与{known['name']}（{code}）首次报送时的密钥"
            f"（{known['fingerprint']}）不同，拒绝导入，未导入任何月报。请与社区电话核实。")
    line = ImportLine(file, code, community["name"], checked.month, "新增", new, fingerprint)
    have = queries.summary(db, code, checked.month)
    if have is not None:
        if have["summary"] == checked.text:
            line.outcome = "未改动（与已导入的相同）"
        elif have["made_at"] >= s["made_at"]:
            line.outcome = "未改动（已有更新的月报）"
        else:
            line.outcome = "已替换为较新的月报"
    if line.outcome in ("新增", "已替换为较新的月报"):
        queries.put_summary(db, {
            "code": code, "month": checked.month, "made_at": s["made_at"], "imported_at": now,
            "name": community["name"], "stats": json.dumps(s["stats"], ensure_ascii=False, sort_keys=True),
            "summary": checked.text, "signature": base64.b64encode(checked.signature).decode("ascii")})
        if queries.newest_month(db, code) == checked.month:
            queries.rename(db, code, community["name"], community["street"])
    queries.log_import(db, {"at": now, "file": file[:200], "code": code, "month": checked.month,
                            "outcome": line.outcome})
    return line


# -- the report -----------------------------------------------------------------------------------------------


@dataclass
class StreetMonth:
    """The street's month: one row per known community (未报送 where missing), totals and the trend."""

    month: str
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    missing: list[dict[str, str]]
    trend: list[tuple[str, float | None]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "communities": [{"code": r["code"], "name": r["name"], **{k: r[k] for k in STAT_KEYS},
                             "groups": r.get("groups", {})}
                            for r in self.rows if r["reported"]],
            "totals": {**{k: self.totals[k] for k in STAT_KEYS}, "groups": self.totals.get("groups", {})},
            "missing": [m["code"] for m in self.missing],
        }


def _trusted_stats(row: dict[str, Any], keys: dict[str, str]) -> dict[str, Any]:
    """A stored summary's figures, after checking its signature again: nothing edited on this PC counts."""
    key = base64.b64decode(keys.get(row["code"], ""))
    if not signing.verify(key, base64.b64decode(row["signature"]), row["summary"].encode("utf-8")):
        raise UserError(f"街道数据库中 {row['code']} 的 {row['month']} 月报校验不通过（可能被改动）："
                        "请重新导入该社区的月报文件。")
    return json.loads(row["summary"])["stats"]


def totals_of(stats: list[dict[str, Any]]) -> dict[str, Any]:
    """Sums of every figure; the street's 探访率 is all visited ÷ all due (1.0 when nobody was due)."""
    totals: dict[str, Any] = {k: sum(s[k] for s in stats) for k in STAT_KEYS}
    for key in ("service_hours", "service_hours_confirmed"):
        totals[key] = round(totals[key], 2)
    due = totals["elders_due"]
    totals["visit_rate"] = round(totals["elders_visited"] / due, 4) if due else 1.0
    totals["groups"] = group_totals(stats)
    return totals


def street_month(db: sqlite_utils.Database, year: int, month: int) -> StreetMonth:
    """The report's figures for the month, from the signed summaries only."""
    wanted = month_text(year, month)
    first = month_text(*_shift(year, month, -(TREND_MONTHS - 1)))
    known = queries.communities(db)
    keys = {c["code"]: c["public_key"] for c in known}
    by_month: dict[str, list[dict[str, Any]]] = {}
    this: dict[str, dict[str, Any]] = {}
    for row in queries.months_stats(db, first, wanted):
        stats = _trusted_stats(row, keys)
        by_month.setdefault(row["month"], []).append(stats)
        if row["month"] == wanted:
            this[row["code"]] = stats
    names = {c["code"]: c["name"] for c in known}
    for row in queries.month_summaries(db, wanted):
        names[row["code"]] = row["name"]  # the name the community had that month
    rows, missing = [], []
    for c in known:
        stats = this.get(c["code"])
        if stats is None:
            missing.append({"code": c["code"], "name": c["name"]})
            rows.append({"code": c["code"], "name": c["name"], "reported": False, "status": "未报送",
                         **{k: None for k in STAT_KEYS}})
        else:
            rows.append({"code": c["code"], "name": names[c["code"]], "reported": True, "status": "已报送", **stats})
    totals = totals_of(list(this.values()))
    trend = []
    for n in range(TREND_MONTHS - 1, -1, -1):
        label = month_text(*_shift(year, month, -n))
        reported = by_month.get(label)
        trend.append((label, totals_of(reported)["visit_rate"] if reported else None))
    return StreetMonth(wanted, rows, totals, missing, trend)


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    moved = add_months(date(year, month, 1), months)
    return moved.year, moved.month


def street_name(db: sqlite_utils.Database) -> str:
    """The 街道 the communities say they belong to (the most common answer)."""
    return queries.most_common_street(db)


def _percent(value: Any) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def report_ledger(db: sqlite_utils.Database, data: StreetMonth, *, prepared_on: date):
    """街道月度汇总表 as a Ledger (one declaration for the .xlsx and the .pdf), with its two charts."""
    from exports.charts import Chart
    from exports.ledger import Column, Ledger

    columns = [
        Column("code", "社区代码", 14, "text"),
        Column("name", "社区名称", 18),
        Column("status", "报送", 6, align="center"),
        Column("people_total", "居民人数", 7, "int"),
        Column("elders_total", "在册老年人", 7, "int"),
        Column("elders_due", "应探访", 6, "int"),
        Column("elders_visited", "已探访", 6, "int"),
        Column("rate", "探访率", 7, align="right"),
        Column("elders_overdue", "逾期未探访", 7, "int"),
        Column("visits", "探访次数", 6, "int"),
        Column("activities", "志愿活动", 6, "int"),
        Column("service_hours", "服务时长（小时）", 9, "hours"),
        Column("topics_open", "在办议题", 6, "int"),
        Column("meetings", "协商会议", 6, "int"),
        Column("stamp_requests", "盖章登记", 6, "int"),
        Column("stamp_refused", "不予盖章", 6, "int"),
    ]
    rows = [{**r, "rate": _percent(r["visit_rate"])} for r in data.rows]
    totals = {**data.totals, "code": "合计", "name": f"已报送 {len(data.rows) - len(data.missing)} 个社区",
              "rate": _percent(data.totals["visit_rate"])}
    note = "探访率 = 已探访 ÷ 应探访；合计行的探访率按已报送社区的合计计算。"
    if data.missing:
        note += "未报送：" + "、".join(f"{m['name']}（{m['code']}）" for m in data.missing) + "。"
    reported = [r for r in data.rows if r["reported"]]
    charts = [
        Chart(f"{data.month} 各社区探访率", "bar", [r["name"] for r in reported],
              [r["visit_rate"] for r in reported], series="探访率"),
        Chart("街道探访率（近 12 个月）", "line", [m for m, _ in data.trend], [v for _, v in data.trend],
              series="街道探访率"),
    ]
    return Ledger(title="街道月度汇总表", community=street_name(db) or "街道", period=data.month,
                  columns=columns, rows=rows, totals=totals, prepared_on=prepared_on, note=note, charts=charts)


@dataclass
class ReportResult:
    data: StreetMonth
    files: list[Path]


def write_report(db: sqlite_utils.Database, year: int, month: int, out: str | Path, *, clock: Clock) -> ReportResult:
    """街道月度汇总表 .xlsx and .pdf in the folder `out`."""
    from exports.pdf import write_pdf
    from exports.xlsx import write_xlsx

    if not queries.communities(db):
        raise UserError("街道汇总数据库里还没有任何社区的月报：请先用 street import 导入。")
    data = street_month(db, year, month)
    ledger = report_ledger(db, data, prepared_on=clock.today())
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        base = folder / f"街道月度汇总表_{data.month}"
        files = [base.with_suffix(".xlsx"), base.with_suffix(".pdf")]
        write_xlsx(ledger, files[0])
        write_pdf(ledger, files[1])
    except OSError:
        raise UserError(f"无法写入文件夹：{folder}（请检查路径、权限或磁盘空间）") from None
    return ReportResult(data, files)


# -- the street PC's window ---------------------------------------------------------------------------


@dataclass
class StreetSession:
    """The street database the window has open, and the clock (what Ops hands each service)."""

    db: sqlite_utils.Database
    clock: Clock
    lock: Any = None  # db.writer_lock.WriterLock held while the window is open

    def take_changes(self) -> frozenset[str]:
        """What the window's Ops runner asks after each job; the street window reloads by itself."""
        return frozenset()

    def close(self) -> None:
        self.db.close()
        if self.lock is not None:
            self.lock.release()


def open_session(path: str | Path, *, clock: Clock | None = None, wait: float = 0) -> StreetSession:
    """Lock and open (or set up) the street database at path for the window."""
    from db.writer_lock import WriterLock

    lock = WriterLock(path).acquire(wait=wait)
    try:
        db = queries.open_street(path)
    except BaseException:
        lock.release(clean=False)
        raise
    return StreetSession(db, clock or Clock(), lock)


def overview(session: StreetSession) -> dict[str, Any]:
    """The communities with their last summary and key fingerprint, the months known, the 街道's name."""
    return {"communities": queries.communities(session.db), "months": queries.months(session.db),
            "street": street_name(session.db)}


def month_view(session: StreetSession, year: int, month: int) -> StreetMonth:
    return street_month(session.db, year, month)


def import_files(session: StreetSession, files: Sequence[str | Path]) -> list[ImportLine]:
    return import_summaries(session.db, files, clock=session.clock)


def export_report(session: StreetSession, year: int, month: int, out: str | Path) -> ReportResult:
    return write_report(session.db, year, month, out, clock=session.clock)


def chart_preview(session: StreetSession, year: int, month: int, path: str | Path) -> Path:
    """The report's two charts on one PDF page (the window shows it as a picture)."""
    from exports.charts import write_chart_pdf

    data = street_month(session.db, year, month)
    write_chart_pdf(report_ledger(session.db, data, prepared_on=session.clock.today()).charts, path)
    return Path(path)
