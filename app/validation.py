"""Field validation and normalisation: ID numbers, phones, dates, names.

Each function returns the canonical value or raises ValidationError (a ValueError)
whose message says, in Chinese, what to fix. Messages never repeat the value typed:
it may be personal data that ends up in a log.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from app.errors import ValidationError

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


# Compiled once: every typed field, and every field of every record a sync package brings, passes here.
_SPACE = re.compile(r"\s")
_ID_SEPARATORS = re.compile(r"[\s\-]")
_ID_AS_NUMBER = re.compile(r"[0-9](\.[0-9]+)?E\+?[0-9]+")
_ID_OLD = re.compile(r"[0-9]{15}")
_ID_DIGITS = re.compile(r"[0-9]{17}[0-9X]")
_PHONE_SEPARATORS = re.compile(r"[\s\-—()（）]")
_PHONE_EXTENSION = re.compile(r"(\d+)(?:转|#|ext)(\d{1,6})", re.ASCII)
_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_LANDLINE = re.compile(r"(0(?:10|2\d|[3-9]\d{2}))([2-9]\d{6,7})", re.ASCII)


def _halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms."""
    if text.isascii():  # NFKC leaves ASCII as it is: most values, and no table lookups for them
        return text
    return unicodedata.normalize("NFKC", text)


def id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK[total % 11]


def normalize_id_number(text: str, today: date) -> str:
    """The canonical 18-character 身份证号 (upper-case X), or ValidationError.

    15-digit first-generation numbers are refused: those cards stopped being valid
    in 2013, and converting one would invent a check character nobody verified.
    """
    if text is None:
        raise ValidationError("请填写身份证号")
    raw = _halfwidth(str(text))
    value = _ID_SEPARATORS.sub("", raw).upper()
    if not value:
        raise ValidationError("请填写身份证号")
    if _ID_AS_NUMBER.fullmatch(value):
        raise ValidationError(
            "身份证号被 Excel 存成了数字，末几位已丢失，请把该列设为文本后重新填写"
        )
    if _ID_OLD.fullmatch(value):
        raise ValidationError("15 位旧身份证号已停用，请填写 18 位身份证号")
    if len(value) != 18:
        raise ValidationError(f"身份证号应为 18 位，现在是 {len(value)} 位")
    if not _ID_DIGITS.fullmatch(value):
        raise ValidationError("身份证号前 17 位应为数字，最后一位为数字或 X")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError("身份证号中的出生日期（第 7–14 位）不存在") from None
    if born > today:
        raise ValidationError("身份证号中的出生日期晚于今天")
    if born.year < 1890:
        raise ValidationError("身份证号中的出生年份不合理")
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError("身份证号校验位不对，请逐位核对")
    return value


def birth_date_from_id(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_from_id(id_number: str) -> str:
    return "男" if int(id_number[16]) % 2 else "女"


def mask_id_number(id_number: str | None) -> str:
    """`320102********1234`: area code and last four kept."""
    if not id_number:
        return ""
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_phone(phone: str | None) -> str:
    """`138****5678`; landlines keep the area code and the last four (`0512-****1234`)."""
    if not phone:
        return ""
    if "-" in phone:
        area, _, number = phone.partition("-")
        return f"{area}-{'*' * (len(number) - 4)}{number[-4:]}" if len(number) > 4 else f"{area}-{number}"
    digits = phone
    if len(digits) <= 7:
        return "*" * (len(digits) - 2) + digits[-2:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def normalize_phone(text: str) -> str:
    """A mobile (11 digits, 1[3-9]…) or a landline with area code (`0512-67521234`)."""
    value = _PHONE_SEPARATORS.sub("", _halfwidth(str(text or "")))
    if not value:
        raise ValidationError("请填写联系电话")
    if value.startswith("+86"):
        value = value[3:]
    ext = ""
    m = _PHONE_EXTENSION.fullmatch(value)
    if m:
        value, ext = m.group(1), m.group(2)
    if _MOBILE.fullmatch(value) and not ext:
        return value
    if value.startswith("1"):
        raise ValidationError("手机号应为 1 开头的 11 位数字（第二位 3–9）")
    landline = _LANDLINE.fullmatch(value)
    if landline:
        number = f"{landline.group(1)}-{landline.group(2)}"
        return f"{number}转{ext}" if ext else number
    raise ValidationError("电话号码不对：手机号 11 位，固定电话请带区号（如 0512-67521234）")


_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})", re.ASCII),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?", re.ASCII),
    re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII),
)


def parse_date(text: str | date, *, field: str = "日期") -> date:
    """`2026-05-01`, `2026.5.1`, `2026/5/1`, `2026年5月1日` and `20260501` are one date.

    Written by hand rather than with dateutil: dateutil guesses at ambiguous input
    (`5/1/2026`), where a ledger must refuse it.
    """
    if isinstance(text, datetime):
        return text.date()  # a datetime is a date too, but it cannot be compared with one
    if isinstance(text, date):
        return text
    if type(text) is str and len(text) == 10 and text.isascii() and text[4] == text[7] == "-" and (
            text[:4] + text[5:7] + text[8:]).isdigit():
        value = text  # 2026-05-01 as stored: the first pattern's match without the regex and the space removal
        try:
            return date(int(value[:4]), int(value[5:7]), int(value[8:]))
        except ValueError:
            raise ValidationError(f"{field}不存在，请核对年月日") from None
    value = _SPACE.sub("", _halfwidth(str(text or "")))
    if not value:
        raise ValidationError(f"请填写{field}")
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(value)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                raise ValidationError(f"{field}不存在，请核对年月日") from None
    raise ValidationError(f"{field}格式不对，请写成 2026-05-01 或 2026年5月1日")


MONTH_YEARS = (1900, 2999)  # a ledger month; also keeps "the month after" a valid date


def parse_month(text: str) -> tuple[int, int]:
    """`2026-11` (or `2026.11`, `2026年11月`) as (year, month)."""
    value = re.sub(r"\s", "", _halfwidth(str(text or "")))
    m = re.fullmatch(r"(\d{4})(?:[-./]|年)(\d{1,2})月?", value, re.ASCII)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValidationError("月份格式不对，应写成 YYYY-MM，例如 2026-11")
    if not MONTH_YEARS[0] <= int(m.group(1)) <= MONTH_YEARS[1]:
        raise ValidationError(f"月份的年份应在 {MONTH_YEARS[0]}–{MONTH_YEARS[1]} 之间，例如 2026-11")
    return int(m.group(1)), int(m.group(2))


_NAME = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]+(?:[·•][\u3400-\u9fff]+)*")
_LATIN_NAME = re.compile(r"[A-Za-z]+(?:[ .\-'][A-Za-z]+)*")


def normalize_name(text: str, *, field: str = "姓名") -> str:
    """A person's name: Chinese (minority names joined by ·) or Latin letters."""
    value = _halfwidth(str(text or "")).strip()
    joined = _SPACE.sub("", value)
    if _NAME.fullmatch(joined):
        value = joined.replace("•", "·")
    if not value:
        raise ValidationError(f"请填写{field}")
    if not (_NAME.fullmatch(value) or _LATIN_NAME.fullmatch(value)):
        raise ValidationError(f"{field}只能包含汉字（少数民族姓名用 · 分隔）或英文字母")
    if len(value) > 30:
        raise ValidationError(f"{field}太长（最多 30 个字）")
    return value


def required_text(text: str | None, *, field: str, max_length: int = 200) -> str:
    value = str(text or "").strip()
    if not value:
        raise ValidationError(f"请填写{field}")
    if len(value) > max_length:
        raise ValidationError(f"{field}太长（最多 {max_length} 个字）")
    return value


def optional_text(text: str | None, *, field: str, max_length: int = 2000) -> str | None:
    value = str(text or "").strip()
    if len(value) > max_length:
        raise ValidationError(f"{field}太长（最多 {max_length} 个字）")
    return value or None


def choice(value: str | None, options: tuple[str, ...], *, field: str) -> str:
    text = str(value or "").strip()
    if text not in options:
        raise ValidationError(f"{field}应为：{'、'.join(options)}")
    return text


def parse_minutes(text: str | int, *, field: str = "服务时长", max_hours: int = 24) -> int:
    """Service time to whole minutes: `90`, `1.5小时`, `1小时30分`, `2h`."""
    if isinstance(text, int) and not isinstance(text, bool):
        minutes = text
    else:
        value = re.sub(r"\s", "", _halfwidth(str(text or ""))).lower()
        m = re.fullmatch(r"(?:([0-9]{1,5}(?:\.[0-9]{1,2})?)(?:小时|h|时))?(?:([0-9]{1,6})(?:分钟|分|min|m))?", value)
        if value and m and (m.group(1) or m.group(2)):
            minutes = round(float(m.group(1) or 0) * 60) + int(m.group(2) or 0)
        elif re.fullmatch(r"[0-9]{1,7}", value):
            minutes = int(value)
        else:
            raise ValidationError(f"{field}格式不对，请写分钟数或如“1小时30分”")
    if minutes <= 0:
        raise ValidationError(f"{field}应大于 0")
    if minutes > max_hours * 60:
        raise ValidationError(f"{field}不能超过 {max_hours} 小时")
    return minutes


class Collector:
    """Runs field validators and gathers every message, so a form shows them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.values: dict[str, object] = {}

    def field(self, name: str, func, *args, **kwargs):
        try:
            value = func(*args, **kwargs)
        except ValidationError as exc:
            self.errors[name] = str(exc)
            return None
        self.values[name] = value
        return value

    def texts(self, data: dict, labels, *, max_length: int) -> None:
        """optional_text for each (key, label) of `data`: many free-text fields at once (an address),
        without field()'s call for each."""
        for key, label in labels:
            try:
                self.values[key] = optional_text(data.get(key), field=label, max_length=max_length)
            except ValidationError as exc:
                self.errors[key] = str(exc)

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def done(self) -> dict[str, object]:
        if self.errors:
            raise ValidationError(dict(self.errors))
        return dict(self.values)
