"""操作日志 page through the widgets: filters, the paged table, export."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QDate
from openpyxl import load_workbook

from app import access
from app.people import add_person, update_person
from tests.factories import make_id
from tests.ui.conftest import TODAY, settle

PHONE = "13912345678"


def test_the_log_lists_filters_and_exports_without_values(qtbot, empty_window, tmp_path, monkeypatch):
    window = empty_window
    access.sign_in(window.store, "王芳", access.ADMIN)
    person = add_person(window.store, {"name": "欧阳晓东"}, today=TODAY)
    window.store.clock.advance(timedelta(minutes=1))  # the log lists the newest first
    update_person(window.store, person["id"], {"phone": PHONE, "id_number": make_id()}, today=TODAY)
    page = window.go("操作日志")
    settle(qtbot, window)
    assert window.page_names.index("操作日志") == window.page_names.index("回收站") + 1
    page.date_to.setDate(QDate(TODAY.year, TODAY.month, TODAY.day))
    page.date_from.setDate(QDate(TODAY.year, TODAY.month, TODAY.day))
    settle(qtbot, window)
    assert [page.user_box.itemText(i) for i in range(page.user_box.count())][:1] == ["全部用户"]
    assert page.user_box.findData("王芳") > 0

    page.kind_box.setCurrentIndex(page.kind_box.findData("people"))
    settle(qtbot, window)
    rows = page.model.rows()
    assert [r["action_name"] for r in rows] == ["修改", "新增"]
    shown = [page.model.data(page.model.index(0, c)) for c in range(page.model.columnCount())]
    assert shown[1] == "王芳" and shown[3] == "居民" and shown[4] == "欧阳晓东"
    assert "联系电话" in shown[5] and PHONE not in "".join(shown)

    page.user_box.setCurrentIndex(page.user_box.findData("王芳"))
    page.action_box.setCurrentIndex(page.action_box.findData("insert"))
    settle(qtbot, window)
    assert [r["summary"] for r in page.model.rows()] == ["新增居民"]

    out = tmp_path / "操作日志.xlsx"
    monkeypatch.setattr("ui.pages.audit.QFileDialog.getSaveFileName", lambda *a, **k: (str(out), ""))
    page.export_button.click()
    settle(qtbot, window)
    assert page.status.text() == f"已导出：{out}"
    cells = [c.value for row in load_workbook(out).active.iter_rows() for c in row if c.value]
    assert "新增居民" in cells and "修改" not in cells  # the export is the filtered log
    assert not any(PHONE in str(c) for c in cells)


def test_the_log_names_the_visited_elder_and_hides_serial_counters(qtbot, empty_window):
    from app import stamps
    from app.elders import record_visit
    from tests.factories import elder

    window = empty_window
    grandma = elder(window.store, TODAY, "王秀英")
    record_visit(window.store, {"elder_id": grandma["id"], "date": TODAY, "visitor": "李干事"}, today=TODAY)
    stamps.register_request(window.store, {"matter": "低保申请", "result": "已盖章", "applicant": "孙申请",
                                           "handler": "李干事"}, today=TODAY)
    page = window.go("操作日志")
    settle(qtbot, window)
    assert page.kind_box.findData("counters") == -1
    columns = range(page.model.columnCount())
    shown = [[page.model.data(page.model.index(r, c)) for c in columns] for r in range(page.model.rowCount())]
    kinds = [row[3] for row in shown]
    assert "登记编号" not in kinds and "盖章登记" in kinds
    visit = shown[kinds.index("探访记录")]
    assert visit[4] == f"{TODAY.isoformat()} 王秀英" and visit[5] == "新增探访记录"
