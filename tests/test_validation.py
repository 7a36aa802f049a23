"""Field validators of app/validation.py against DESIGN §5."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.errors import ValidationError
from app.validation import (
    id_check_char,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_name,
    normalize_phone,
    optional_text,
    parse_date,
    parse_minutes,
    parse_month,
    required_text,
)
from tests.conftest import TODAY

CJK = re.compile(r"[\u4e00-\u9fff]")
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def make_id(area: str = "320102", born: str = "19900101", seq: str = "123") -> str:
    first17 = area + born + seq
    return first17 + id_check_char(first17)


def refusal(func, *args, **kwargs) -> str:
    """The message of the ValidationError func raises."""
    with pytest.raises(ValidationError) as info:
        func(*args, **kwargs)
    return str(info.value)


# -- 身份证号 -------------------------------------------------------------------------


def test_check_char_of_the_gb11643_example():
    # The standard's own example number ends in X.
    assert id_check_char("11010519491231002") == "X"


@pytest.mark.parametrize("number", ["11010519491231002X", make_id(), make_id(born="20000229")])
def test_valid_id_numbers_are_accepted_unchanged(number, today):
    assert normalize_id_number(number, today) == number


def test_lower_case_x_is_stored_upper_case(today):
    assert normalize_id_number("11010519491231002x", today) == "11010519491231002X"


def test_full_width_digits_are_stored_half_width(today):
    number = "11010519491231002X"
    assert normalize_id_number(number.translate(FULLWIDTH), today) == number


@pytest.mark.parametrize("typed", ["110105 19491231 002X", " 110105-19491231-002x ", "1101\u300005194912\t31002X"])
def test_spaces_and_dashes_inside_are_dropped(typed, today):
    assert normalize_id_number(typed, today) == "11010519491231002X"


def test_id_number_in_another_digit_script_is_never_stored_as_is(today):
    # Arabic-Indic digits match \d but are not the half-width digits DESIGN §5 asks to store.
    arabic = "11010519491231002X".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    try:
        stored = normalize_id_number(arabic, today)
    except ValidationError:
        return
    assert stored == "11010519491231002X"


@pytest.mark.parametrize(
    "typed",
    [
        make_id()[:17],  # 17 characters
        make_id() + "1",  # 19 characters
        make_id()[:-1] + "Y",  # a letter other than X
        "32010219A001011234",
        make_id(born="20260230"),  # 2026-02-30 does not exist
        make_id(born="19901301"),  # month 13
        make_id(born="20261124"),  # the day after today
        "110105491231002",  # 15-digit first-generation number
        "3.20102E+17",  # Excel lost the last digits
        "3.20102e+17",
        "3.20102199001011E+17",
    ],
)
def test_bad_id_numbers_are_refused_in_chinese_without_echoing_them(typed, today):
    message = refusal(normalize_id_number, typed, today)
    assert CJK.search(message)
    assert typed not in message
    assert typed.upper() not in message


def test_wrong_check_character_is_refused(today):
    number = make_id()
    wrong = "0" if number[-1] != "0" else "1"
    message = refusal(normalize_id_number, number[:-1] + wrong, today)
    assert number[:17] not in message


def test_birth_date_in_the_future_depends_on_the_today_given(today):
    number = make_id(born="20261124")
    refusal(normalize_id_number, number, today)
    assert normalize_id_number(number, date(2026, 11, 24)) == number
    assert normalize_id_number(make_id(born="20261123"), today)


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_missing_id_number_is_refused(empty, today):
    assert CJK.search(refusal(normalize_id_number, empty, today))


ids = st.builds(
    lambda area, born, seq: f"{area:06d}{born:%Y%m%d}{seq:03d}",
    st.integers(0, 999_999),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.integers(0, 999),
)


@given(ids)
def test_any_valid_number_is_accepted_and_round_trips(first17):
    number = first17 + id_check_char(first17)
    assert normalize_id_number(number, TODAY) == number
    assert normalize_id_number(number.lower().translate(FULLWIDTH), TODAY) == number
    assert normalize_id_number(normalize_id_number(number, TODAY), TODAY) == number


@given(ids)
def test_any_other_check_character_is_refused(first17):
    right = id_check_char(first17)
    for wrong in "0123456789X".replace(right, ""):
        with pytest.raises(ValidationError):
            normalize_id_number(first17 + wrong, TODAY)


# -- 电话 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 19912345678", "19912345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0512-67521234", "0512-67521234"),
        ("051267521234", "0512-67521234"),
        ("(0512)67521234", "0512-67521234"),
        ("010-62345678", "010-62345678"),
        ("0512-67521234转808", "0512-67521234转808"),
    ],
)
def test_phone_numbers_are_normalised(typed, stored):
    assert normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["", None, "1381234567", "138123456789", "12812345678", "62345678", "abc", "0512-6234", "13812345678转1"],
)
def test_bad_phone_numbers_are_refused(typed):
    message = refusal(normalize_phone, typed)
    assert CJK.search(message)
    if typed:
        assert typed not in message


# -- dates and months ------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["2026-05-01", "2026-5-1", "2026.5.1", "2026/5/1", "2026/05/01", "2026年5月1日", "2026年05月01日",
     "20260501", " 2026.5.1 ", "２０２６年５月１日", date(2026, 5, 1)],
)
def test_every_spelling_of_a_date_is_the_same_date(typed):
    assert parse_date(typed) == date(2026, 5, 1)


@pytest.mark.parametrize(
    "typed", ["2026-02-30", "2026.2.29", "20261301", "5/1/2026", "1.5.2026", "26-5-1", "2026-5", "明天", "", None]
)
def test_invalid_or_ambiguous_dates_are_refused(typed):
    message = refusal(parse_date, typed, field="出生日期")
    assert "出生日期" in message
    if typed:
        assert typed not in message


def test_leap_day_is_a_date():
    assert parse_date("2028年2月29日") == date(2028, 2, 29)


@pytest.mark.parametrize(
    "typed, month", [("2026-11", (2026, 11)), ("2026.1", (2026, 1)), ("2026/01", (2026, 1)), ("2026年11月", (2026, 11))]
)
def test_months(typed, month):
    assert parse_month(typed) == month


@pytest.mark.parametrize("typed", ["2026-13", "2026-0", "11-2026", "2026", "202611", "", "2026-11-01"])
def test_bad_months_are_refused(typed):
    assert CJK.search(refusal(parse_month, typed))


def test_month_message_does_not_repeat_what_was_typed():
    # The module promises that no message repeats the value typed.
    assert "2026-13" not in refusal(parse_month, "2026-13")


# -- names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("张三丰", "张三丰"),
        (" 张 三丰 ", "张三丰"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),
        ("阿依古丽 · 买买提", "阿依古丽·买买提"),
        ("John Smith", "John Smith"),
    ],
)
def test_names_are_normalised(typed, stored):
    assert normalize_name(typed) == stored


@pytest.mark.parametrize("typed", ["", "   ", None, "张3", "张三@", "·张三", "张" * 31])
def test_bad_names_are_refused(typed):
    assert "申请人" in refusal(normalize_name, typed, field="申请人")


# -- minutes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, minutes",
    [(90, 90), ("90", 90), ("1.5小时", 90), ("1小时30分", 90), ("1小时30分钟", 90), ("2h", 120),
     ("45分钟", 45), ("45min", 45), ("１小时", 60), (24 * 60, 24 * 60)],
)
def test_minutes(typed, minutes):
    assert parse_minutes(typed) == minutes


@pytest.mark.parametrize("typed", [0, -5, "0", "0小时", "", "abc", "25小时", 24 * 60 + 1, "小时", True])
def test_bad_minutes_are_refused(typed):
    assert CJK.search(refusal(parse_minutes, typed))


# -- masking ---------------------------------------------------------------------------


def test_id_number_mask_keeps_area_code_and_last_four():
    assert mask_id_number("320102199001011234") == "320102********1234"
    assert mask_id_number(None) == mask_id_number("") == ""


def test_mobile_mask():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone(None) == ""


@pytest.mark.parametrize("phone, area", [("010-62345678", "010"), ("0512-67521234", "0512")])
def test_landline_mask_keeps_area_code_and_last_four(phone, area):
    masked = mask_phone(phone)
    local = phone.split("-")[1]
    assert masked.replace("-", "").startswith(area)
    assert masked.endswith(local[-4:])
    assert local[:4] not in masked


# -- any text --------------------------------------------------------------------------

VALIDATORS = {
    "id_number": lambda text: normalize_id_number(text, TODAY),
    "phone": normalize_phone,
    "date": parse_date,
    "month": parse_month,
    "name": normalize_name,
    "minutes": parse_minutes,
    "required": lambda text: required_text(text, field="内容"),
    "optional": lambda text: optional_text(text, field="内容"),
}
texts = st.one_of(st.text(), st.from_regex(r"[0-9０-９xX.\-/年月日小时分h +E ]{0,24}", fullmatch=True))


@pytest.mark.parametrize("name", VALIDATORS)
@given(text=texts)
@example(text="9" * 400 + "小时")
@example(text="9" * 5000)
def test_any_text_gives_a_value_or_a_validation_error(name, text):
    try:
        VALIDATORS[name](text)
    except ValidationError as exc:
        assert isinstance(exc, ValueError)
        assert str(exc)
