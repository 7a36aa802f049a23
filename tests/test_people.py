"""居民: add, edit, soft delete, restore, duplicates, search, and the audit trail."""

from __future__ import annotations

import json

import pytest
from pypinyin import lazy_pinyin

from app import trash
from app.errors import NotFound, UserError, ValidationError
from app.people import (
    add_person,
    deleted_people,
    delete_person,
    get_person,
    search_people,
    update_person,
)
from app.validation import id_check_char
from app.volunteers import add_volunteer


def make_id(born: str = "19900101", seq: str = "123", area: str = "320102") -> str:
    """A valid 身份证号; an odd seq (17th digit) is a man, an even one a woman."""
    first17 = area + born + seq
    return first17 + id_check_char(first17)


def add(store, today, name: str = "张三丰", **fields):
    return add_person(store, {"name": name, **fields}, today=today)


def audit_rows(store, record_id: str) -> list[dict]:
    return store.query(
        "SELECT action, user, before, after FROM audit WHERE table_name = 'people' AND record_id = ? ORDER BY rowid",
        [record_id],
    )


def names(rows) -> list[str]:
    return sorted(r["name"] for r in rows)


# -- add / edit / delete / restore ---------------------------------------------------------


def test_add_stores_normalised_fields_and_derives_gender_and_birth(store, today):
    person = add(store, today, " 张 三丰 ", id_number=make_id("19491231", "011").lower(),
                 phone="138 1234 5678", estate="阳光小区", room=" 301 ")
    saved = get_person(store, person["id"])
    assert saved["name"] == "张三丰"
    assert saved["id_number"] == make_id("19491231", "011")
    assert saved["gender"] == "男"
    assert saved["birth_date"] == "1949-12-31"
    assert saved["phone"] == "13812345678"
    assert saved["room"] == "301"
    assert saved["initials"] == "zsf"


def test_even_17th_digit_is_a_woman(store, today):
    assert add(store, today, "李梅", id_number=make_id(seq="122"))["gender"] == "女"


def test_person_without_id_keeps_the_gender_and_birth_typed(store, today):
    person = add(store, today, "王芳", gender="女", birth_date="1950年3月8日")
    assert (person["gender"], person["birth_date"], person["id_number"]) == ("女", "1950-03-08", None)


def test_gender_or_birth_date_contradicting_the_id_are_refused(store, today):
    with pytest.raises(ValidationError) as info:
        add(store, today, id_number=make_id("19900101", "123"), gender="女", birth_date="1990-01-02")
    assert set(info.value.errors) == {"gender", "birth_date"}
    assert store.scalar("SELECT count(*) FROM people") == 0


def test_matching_gender_and_birth_date_are_accepted(store, today):
    person = add(store, today, id_number=make_id("19900101", "123"), gender="男", birth_date="1990.1.1")
    assert person["birth_date"] == "1990-01-01"


def test_every_wrong_field_is_reported_at_once(store, today):
    with pytest.raises(ValidationError) as info:
        add_person(store, {"name": "", "id_number": "123", "phone": "999", "birth_date": "2027-01-01"}, today=today)
    assert set(info.value.errors) == {"name", "id_number", "phone", "birth_date"}


def test_edit_changes_fields_and_keeps_the_rest(store, today):
    person = add(store, today, id_number=make_id(), phone="13812345678", estate="阳光小区")
    update_person(store, person["id"], {"phone": "0512-67521234", "name": "张三峰"}, today=today)
    saved = get_person(store, person["id"])
    assert (saved["phone"], saved["name"], saved["estate"]) == ("0512-67521234", "张三峰", "阳光小区")
    assert saved["id_number"] == make_id()
    assert saved["initials"] == "zsf" and "zhangsanfeng" in saved["pinyin"]


def test_soft_delete_and_restore(store, today):
    person = add(store, today, id_number=make_id())
    delete_person(store, person["id"])
    assert store.scalar("SELECT count(*) FROM people") == 1  # nothing is erased
    assert names(deleted_people(store)) == ["张三丰"]
    with pytest.raises(NotFound):
        get_person(store, person["id"])
    with pytest.raises(NotFound):
        update_person(store, person["id"], {"phone": "13812345678"}, today=today)
    trash.restore(store, "people", person["id"])
    assert get_person(store, person["id"])["id_number"] == make_id()
    assert deleted_people(store) == []


def test_restoring_an_unknown_person_is_refused(store):
    with pytest.raises(NotFound):
        trash.restore(store, "people", "no-such-id")


def test_delete_refused_while_the_person_is_a_volunteer(store, today):
    person = add(store, today)
    add_volunteer(store, {"person_id": person["id"]}, today=today)
    with pytest.raises(UserError, match="志愿者"):
        delete_person(store, person["id"])
    assert get_person(store, person["id"])["deleted_at"] is None


# -- duplicate 身份证号 ---------------------------------------------------------------------


def test_duplicate_id_is_refused_with_the_existing_name(store, today):
    add(store, today, "张三丰", id_number=make_id())
    with pytest.raises(ValidationError, match="张三丰") as info:
        add(store, today, "李四", id_number=make_id().translate(str.maketrans("0123456789", "０１２３４５６７８９")))
    assert "id_number" in info.value.errors
    assert names(search_people(store, "")) == ["张三丰"]


def test_duplicate_of_a_person_in_the_recycle_bin_names_them(store, today):
    person = add(store, today, "张三丰", id_number=make_id())
    delete_person(store, person["id"])
    with pytest.raises(ValidationError, match="张三丰") as info:
        add(store, today, "李四", id_number=make_id())
    assert "回收站" in str(info.value)


def test_edit_to_another_persons_id_is_refused_but_keeping_ones_own_is_fine(store, today):
    add(store, today, "张三丰", id_number=make_id(seq="123"))
    other = add(store, today, "李四", id_number=make_id(seq="135"))
    with pytest.raises(ValidationError, match="张三丰"):
        update_person(store, other["id"], {"id_number": make_id(seq="123")}, today=today)
    assert update_person(store, other["id"], {"id_number": make_id(seq="135"), "grid": "一网格"}, today=today)["grid"] == "一网格"


# -- audit ---------------------------------------------------------------------------------


def test_every_write_leaves_an_audit_row_with_before_and_after(store, today):
    person = add(store, today, id_number=make_id(), phone="13812345678")
    update_person(store, person["id"], {"phone": "13912345678"}, today=today)
    delete_person(store, person["id"])
    trash.restore(store, "people", person["id"])
    rows = audit_rows(store, person["id"])
    assert [r["action"] for r in rows] == ["insert", "update", "delete", "restore"]
    assert {r["user"] for r in rows} == {"测试员"}
    insert, update, delete, restore = rows
    assert insert["before"] is None and json.loads(insert["after"])["id_number"] == make_id()
    assert json.loads(update["before"])["phone"] == "13812345678"
    assert json.loads(update["after"])["phone"] == "13912345678"
    assert json.loads(delete["before"])["deleted_at"] is None
    assert json.loads(delete["after"])["deleted_at"]
    assert json.loads(restore["before"])["deleted_at"] and json.loads(restore["after"])["deleted_at"] is None


def test_refused_writes_leave_no_audit_row(store, today):
    person = add(store, today, id_number=make_id())
    add_volunteer(store, {"person_id": person["id"]}, today=today)
    with pytest.raises(UserError):
        delete_person(store, person["id"])
    with pytest.raises(ValidationError):
        add(store, today, "李四", id_number=make_id())
    assert [r["action"] for r in audit_rows(store, person["id"])] == ["insert"]
    assert store.scalar("SELECT count(*) FROM audit WHERE table_name = 'people'") == 1


# -- search --------------------------------------------------------------------------------


@pytest.fixture
def residents(store, today):
    people = [
        ("张三丰", make_id("19491231", "011"), "13812345678"),
        ("张三", make_id("19800101", "022"), "0512-67521234"),
        ("李四", make_id("19700505", "033"), None),
        ("王五", "11010519491231002X", "13998765432"),
    ]
    for name, id_number, phone in people:
        add(store, today, name, id_number=id_number, phone=phone)
    return store


@pytest.mark.parametrize(
    "query, found",
    [
        ("三丰", ["张三丰"]),
        ("张三", ["张三", "张三丰"]),
        ("zhangsanfeng", ["张三丰"]),
        ("ZhangSan", ["张三", "张三丰"]),
        ("zsf", ["张三丰"]),
        ("ZSF", ["张三丰"]),
        ("ls", ["李四"]),
        ("wangwu", ["王五"]),
        ("19491231", ["张三丰", "王五"]),  # ID fragment
        ("002x", ["王五"]),  # lower-case x finds the stored X
        ("5678", ["张三丰"]),  # phone fragment
        ("67521234", ["张三"]),
        ("051267521234", ["张三"]),  # landline typed without the dash
        ("赵", []),
        ("zzz", []),
    ],
)
def test_search(residents, query, found):
    assert names(search_people(residents, query)) == found


def test_exact_name_ranks_first(residents):
    assert [r["name"] for r in search_people(residents, "张三")][0] == "张三"


@pytest.mark.parametrize("query", ["%", "_", "%%", "张%", "_三", "\\"])
def test_like_wildcards_are_taken_literally(residents, query):
    assert search_people(residents, query) == []


def test_empty_search_lists_everyone(residents):
    assert names(search_people(residents, "  ")) == ["张三", "张三丰", "李四", "王五"]


def test_deleted_people_are_not_found(residents, today):
    person = search_people(residents, "zsf")[0]
    delete_person(residents, person["id"])
    for query in ("张三丰", "zsf", "13812345678", "19491231011"):
        assert "张三丰" not in names(search_people(residents, query))


@pytest.mark.parametrize(
    "name, surname_reading, common_reading",
    [
        ("曾国藩", "zeng", "ceng"),
        ("单田芳", "shan", "dan"),
        ("解小东", "xie", "jie"),
        ("仇英", "qiu", "chou"),
        ("区志强", "ou", "qu"),
        ("查良镛", "zha", "cha"),
        ("朴小燕", "piao", "pu"),
    ],
)
def test_surnames_with_two_readings_are_found_by_either(store, today, name, surname_reading, common_reading):
    add(store, today, name)
    add(store, today, "张三丰")  # a decoy that no query below should find
    given = "".join(lazy_pinyin(name[1:]))
    for reading in (surname_reading, common_reading):
        assert names(search_people(store, reading + given)) == [name], reading
        initials = reading[0] + "".join(s[0] for s in lazy_pinyin(name[1:]))
        assert name in names(search_people(store, initials)), initials
