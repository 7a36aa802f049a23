"""Every list of one kind of record shows the columns the catalog declares for it (db/kinds.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from db import kinds
from tests.ui.conftest import settle
from ui.pages.base import RecordPage
from ui.window import PAGES


def headers(view) -> list[str]:
    model = view.model()
    return [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]


def record_pages(qtbot, window) -> list[RecordPage]:
    """Every RecordPage of the window (the 设置 page holds one: the stamp checklist), each shown once."""
    found = []
    for name, _, _ in PAGES:
        page = window.go(name)
        settle(qtbot, window)
        found += [p for p in (page, *page.findChildren(RecordPage)) if isinstance(p, RecordPage)]
    return found


def test_every_page_of_one_kind_shows_the_catalogs_columns(qtbot, window):
    listed = set()
    for page in record_pages(qtbot, window):
        kind = kinds.KINDS.get(page.table)
        if kind is None:
            continue  # the 回收站 and the 操作日志 list every kind
        listed.add(page.table)
        assert headers(page.view) == [c.header for c in kind.columns], page.table
        widths = [page.view.columnWidth(i) for i in range(len(kind.columns) - 1)]  # the last one stretches
        assert widths == [c.width for c in kind.columns[:-1]], page.table
    declared = {k.table for k in kinds.KINDS.values() if k.columns}
    # The two dialogs' lists, tested below, are the only declared columns no page lists.
    assert declared - listed == {"service_records", "certificates"}


def test_masked_columns_show_numbers_masked_until_revealed(qtbot, window):
    for page in record_pages(qtbot, window):
        kind = kinds.KINDS.get(page.table)
        masked = [i for i, c in enumerate(kind.columns) if c.masked] if kind else []
        for i in masked:
            field = kind.columns[i].field
            shown = [page.model.data(page.model.index(r, i)) for r in range(page.model.rowCount())]
            full = [page.model.row(r).get(field) for r in range(page.model.rowCount())]
            assert any(shown), (page.table, field)  # the demo has numbers on every such list
            assert all("*" in s for s in shown if s), (page.table, field)
            assert shown != full


def test_the_records_and_certificate_dialogs_show_the_catalogs_columns(qtbot, window):
    page = window.go("志愿服务")
    settle(qtbot, window)
    page.view.selectRow(0)
    dialog = page.open_records()
    settle(qtbot, window)
    assert [dialog.table.horizontalHeaderItem(i).text() for i in range(dialog.table.columnCount())] == \
        [c.header for c in kinds.KINDS["service_records"].columns]
    dialog.accept()
    page = window.go("志愿者")
    settle(qtbot, window)
    register = page.certificate_register()
    settle(qtbot, window)
    assert [register.table.horizontalHeaderItem(i).text() for i in range(register.table.columnCount())] == \
        [c.header for c in kinds.KINDS["certificates"].columns]
    register.accept()
