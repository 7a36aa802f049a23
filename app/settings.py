"""The community's settings: name, code, who signs ledgers, star thresholds, visit intervals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.access import require_admin
from app.errors import ValidationError
from app.validation import Collector, optional_text, required_text
from db.store import Store
from db.sync import PREFIX_SETTING

DEFAULT_STAR_HOURS = (100, 300, 600, 1000, 1500)
INTERVALS = {"week": "每周", "month": "每月", "quarter": "每季度"}
# National guidance: every covered elder at least monthly; 高风险 weekly is the common local scheme.
DEFAULT_VISIT_INTERVALS = {"高风险": "week", "重点": "month", "一般": "month"}
# The window locks after this many idle minutes (when accounts are on).
DEFAULT_IDLE_LOCK_MINUTES = 10
IDLE_LOCK_RANGE = (1, 120)


@dataclass
class Settings:
    community_name: str = ""
    community_code: str = ""
    street: str = ""
    preparer: str = ""
    reviewer: str = ""
    star_hours: tuple[int, ...] = DEFAULT_STAR_HOURS
    visit_intervals: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_VISIT_INTERVALS))
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES

    @property
    def configured(self) -> bool:
        return bool(self.community_name)


_TEXT_FIELDS = {
    "community_name": ("社区（村）名称", True),
    "community_code": ("社区代码", False),
    "street": ("所属街道/乡镇", False),
    "preparer": ("制表人", False),
    "reviewer": ("审核人", False),
}

_OTHER_LABELS = {"star_hours": "星级时长", "visit_intervals": "探访周期", "idle_lock_minutes": "自动锁定时间"}


def label(key: str) -> str:
    """What the settings form calls a stored setting (the 操作日志 names a changed setting by it)."""
    if key in _TEXT_FIELDS:
        return _TEXT_FIELDS[key][0]
    if key in _OTHER_LABELS:
        return _OTHER_LABELS[key]
    if key.startswith(PREFIX_SETTING):
        return f"编号字母 {key[len(PREFIX_SETTING):]}"
    return "其他设置"


_OTHER_LABELS = {"star_hours": "星级时长", "visit_intervals": "探访周期", "idle_lock_minutes": "自动锁定时间"}


def label(key: str) -> str:
    """What a person calls a setting (the key itself for one the form does not show)."""
    return _TEXT_FIELDS[key][0] if key in _TEXT_FIELDS else _OTHER_LABELS.get(key, key)


def load(store: Store) -> Settings:
    values: dict[str, Any] = {}
    for key in (*_TEXT_FIELDS, "star_hours", "visit_intervals", "idle_lock_minutes"):
        value = store.setting(key)
        if value is not None:
            values[key] = tuple(value) if key == "star_hours" else value
    return Settings(**values)


def _star_hours(value: Any) -> tuple[int, ...]:
    try:
        hours = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ValidationError("星级时长应为 5 个整数（小时）") from None
    if len(hours) != 5 or any(h <= 0 for h in hours):
        raise ValidationError("星级时长应为 5 个大于 0 的整数（小时），对应一至五星")
    if any(b <= a for a, b in zip(hours, hours[1:])):
        raise ValidationError("星级时长应逐级增加，例如 100、300、600、1000、1500")
    return hours


def _visit_intervals(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or set(value) != set(DEFAULT_VISIT_INTERVALS):
        raise ValidationError("探访周期应为高风险、重点、一般三个等级各设一个")
    if any(v not in INTERVALS for v in value.values()):
        raise ValidationError("探访周期只能是每周、每月或每季度")
    return dict(value)


def _idle_lock_minutes(value: Any) -> int:
    low, high = IDLE_LOCK_RANGE
    try:
        minutes = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(f"自动锁定时间应为 {low}–{high} 之间的整数（分钟）") from None
    if not low <= minutes <= high:
        raise ValidationError(f"自动锁定时间应为 {low}–{high} 分钟")
    return minutes


def check_value(key: str, value: Any) -> None:
    """Refuse a stored value (as it arrives in a sync package) that the settings form would refuse."""
    if key in _TEXT_FIELDS:
        label, required = _TEXT_FIELDS[key]
        if not isinstance(value, str):
            raise ValidationError(f"{label}应为文字")
        (required_text if required and value else optional_text)(value, field=label, max_length=100)
    elif key == "star_hours":
        _star_hours(value)
    elif key == "visit_intervals":
        _visit_intervals(value)
    elif key == "idle_lock_minutes":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError("自动锁定时间应为整数（分钟）")
        _idle_lock_minutes(value)
    else:
        raise ValidationError(f"本程序不认识设置项“{key}”")


def save(store: Store, data: dict[str, Any]) -> Settings:
    """Validate and store the settings given (others keep their value); 管理员 only."""
    require_admin(store, "修改设置")
    c = Collector()
    for key, (label, required) in _TEXT_FIELDS.items():
        if key in data:
            check = required_text if required else optional_text
            c.field(key, check, data[key], field=label, max_length=100)
    if "star_hours" in data:
        c.field("star_hours", _star_hours, data["star_hours"])
    if "visit_intervals" in data:
        c.field("visit_intervals", _visit_intervals, data["visit_intervals"])
    if "idle_lock_minutes" in data:
        c.field("idle_lock_minutes", _idle_lock_minutes, data["idle_lock_minutes"])
    if "community_code" in data and not str(data["community_code"] or "").strip() and load(store).community_code:
        # The code tells this community's backups, packages and reports from another's: once
        # given, emptying it would switch those checks off (a restore would fall back to names).
        c.error("community_code", "社区代码不能清空：已填写的社区代码只能改成正确的代码（统计用区划代码）。")
    values = c.done()
    with store.transaction():
        for key, value in values.items():
            if key == "idle_lock_minutes":
                store.set_setting(key, value)
            else:
                store.set_setting(key, list(value) if key == "star_hours" else (value or ""))
    return load(store)

