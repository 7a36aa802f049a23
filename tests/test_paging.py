"""Keyset paging: pages joined in any order a user can pick equal the whole list, with no repeats."""

from __future__ import annotations

import pytest

from app import people, stamps
from db import people as people_queries
from db.paging import next_key


@pytest.fixture
def crowd(store, today):
    names = ["张三", "李四", "王五", "赵六", "曾七", "单八", "吕九", "欧阳十"] * 8
    with store.transaction():
        for index, name in enumerate(names):
            people.add_person(store, {"name": name, "grid": f"第{index % 3 + 1}网格",
                                      "birth_date": f"19{50 + index % 40}-0{index % 9 + 1}-1{index % 9}"},
                              today=today)
    return len(names)


def all_pages(store, size, **options):
    rows, after = [], None
    while True:
        page = people.people_page(store, after=after, limit=size, **options)
        rows += page
        if len(page) < size:
            return rows
        after = next_key(page[-1])


@pytest.mark.parametrize("sort", sorted(people_queries.PEOPLE_SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_pages_cover_the_list_once_in_order(store, crowd, sort, descending):
    rows = all_pages(store, 7, sort=sort, descending=descending)
    assert len(rows) == crowd
    assert len({r["id"] for r in rows}) == crowd
    keys = [(r["_sort"], r["id"]) for r in rows]
    assert keys == sorted(keys, reverse=descending)


def test_default_order_is_pinyin_not_code_points(store, crowd):
    first_of_each = list(dict.fromkeys(r["name"] for r in all_pages(store, 10)))
    assert first_of_each == ["李四", "吕九", "欧阳十", "单八", "王五", "曾七", "张三", "赵六"]


def test_register_pages_newest_serial_first(store, today):
    for _ in range(12):
        stamps.register_request(store, {"applicant": "张三", "matter": "低保申请", "result": "已盖章",
                                        "handler": "李四"}, today=today)
    first = stamps.requests_page(store, limit=5)
    second = stamps.requests_page(store, limit=5, after=next_key(first[-1]))
    assert [r["serial"] for r in first + second] == [f"2026-{n:04d}" for n in range(12, 2, -1)]
