"""Every record page deletes into the 回收站 with confirmation, and the bin restores."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import press, settle

PAGES = [
    ("居民", "people"),
    ("志愿者", "volunteers"),
    ("志愿服务", "activities"),
    ("老年人探访", "elders"),
    ("协商议事", "topics"),
    ("盖章登记", "stamp_requests"),
]


@pytest.mark.parametrize("page_name, table", PAGES)
def test_delete_with_confirmation_then_restore(qtbot, window, page_name, table):
    if table == "people":  # a resident who is neither volunteer nor elder can be deleted
        target = window.store.scalar(
            "SELECT id FROM people WHERE id NOT IN (SELECT person_id FROM volunteers)"
            " AND id NOT IN (SELECT person_id FROM elders) ORDER BY sort_key LIMIT 1")
    else:
        target = None
    page = window.go(page_name)
    settle(qtbot, window)
    rows = page.model.rows()
    index = [r["id"] for r in rows].index(target) if target else 0
    record_id = rows[index]["id"]
    page.view.selectRow(index)
    press(qtbot, page.view, Qt.Key.Key_Delete)
    page.confirm.button(page.confirm.StandardButton.No).click()
    settle(qtbot, window)
    assert window.store.get(table, record_id) is not None
    press(qtbot, page.view, Qt.Key.Key_Delete)
    page.confirm.button(page.confirm.StandardButton.Yes).click()
    settle(qtbot, window)
    assert window.store.get(table, record_id) is None
    assert record_id not in [r["id"] for r in page.model.rows()]

    trash = window.go("回收站")
    settle(qtbot, window)
    ids = [r["id"] for r in trash.model.rows()]
    deleted = trash.model.index(ids.index(record_id), 2)
    assert trash.model.headerData(2, Qt.Orientation.Horizontal) == "删除时间"
    assert trash.model.data(deleted) == "2026-11-23 10:00:00"  # China time (the pinned clock's 10:00)
    trash.view.selectRow(ids.index(record_id))
    press(qtbot, trash.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert window.store.get(table, record_id) is not None
    assert record_id not in [r["id"] for r in trash.model.rows()]
