"""Lists: header clicks sort in the database, scrolling fetches the next page, filters narrow."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.ui.conftest import settle


def test_clicking_a_header_sorts_the_whole_table(qtbot, window):
    page = window.go("居民")
    settle(qtbot, window)
    column = [c.title for c in page.model.columns].index("出生日期")
    header = page.view.horizontalHeader()
    spot = QPoint(header.sectionViewportPosition(column) + 10, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    settle(qtbot, window)
    first = page.model.row(0)["birth_date"]
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    settle(qtbot, window)
    second = page.model.row(0)["birth_date"]
    oldest = window.store.scalar("SELECT min(birth_date) FROM people WHERE deleted_at IS NULL")
    youngest = window.store.scalar("SELECT max(birth_date) FROM people WHERE deleted_at IS NULL")
    assert {first, second} == {oldest, youngest}


def test_a_column_without_a_sort_leaves_the_order(qtbot, window):
    page = window.go("居民")
    settle(qtbot, window)
    before = [r["id"] for r in page.model.rows()]
    column = [c.title for c in page.model.columns].index("身份证号")
    page.model.sort(column, Qt.SortOrder.AscendingOrder)
    settle(qtbot, window)
    assert [r["id"] for r in page.model.rows()] == before


def test_scrolling_fetches_the_next_page_without_repeats(qtbot, window):
    page = window.go("居民")
    settle(qtbot, window)
    page.model.page_size = 50
    page.reload()
    settle(qtbot, window)
    assert page.model.rowCount() == 50
    while page.model.canFetchMore():
        page.model.fetchMore()
        settle(qtbot, window)
    ids = [r["id"] for r in page.model.rows()]
    assert len(ids) == len(set(ids)) == 312  # every demo resident, the 关爱对象 groups too


def test_month_and_result_filters_on_the_register(qtbot, window):
    page = window.go("盖章登记")
    settle(qtbot, window)
    page.filter_boxes["办理结果"].setCurrentText("不予盖章")
    settle(qtbot, window)
    rows = page.model.rows()
    assert rows and {r["result"] for r in rows} == {"不予盖章"}
    page.filter_boxes["月份"].setCurrentText("2026-11")
    settle(qtbot, window)
    assert all(r["date"].startswith("2026-11") for r in page.model.rows())


def test_elder_category_filter(qtbot, window):
    page = window.go("老年人探访")
    settle(qtbot, window)
    page.filter_boxes["类别"].setCurrentText("高龄")
    settle(qtbot, window)
    rows = page.model.rows()
    assert rows and all('"高龄"' in r["categories"] for r in rows)
