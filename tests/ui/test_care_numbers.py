"""关爱对象's personal numbers on the page: masked in the list, 显示完整号码 one row at a time (audited)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import care
from tests.ui.conftest import press, settle
from tests.ui.test_accounts_ui import audit, staff_store, staff_window  # noqa: F401 (fixtures)




def care_page(qtbot, window, group: str):
    page = window.go("关爱对象")
    settle(qtbot, window)
    page.group_filter.setCurrentText(group)
    settle(qtbot, window)
    return page


def _shown(page, row: int, title: str) -> str:
    column = [c.title for c in page.model.columns].index(title)
    return page.model.data(page.model.index(row, column))


def test_guardian_phone_and_disability_no_are_masked_and_revealed_with_an_audit_row(qtbot, staff_window):
    window, store = staff_window, staff_window.store
    page = care_page(qtbot, window, "残疾人")
    rows = [page.model.row(i) for i in range(page.model.rowCount())]
    full = {r["id"]: store.get("care_members", r["id"])["disability_no"] for r in rows}
    assert all(len(number) == 20 for number in full.values())
    # Masked by app/ for a 工作人员, and on screen: the ID part hidden, category and grade kept.
    assert all(r["disability_no"] != full[r["id"]] and "********" in r["disability_no"] for r in rows)
    assert all(_shown(page, i, "证件号码") == r["disability_no"] for i, r in enumerate(rows))
    page.view.selectRow(1)
    press(qtbot, page.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot, window)
    assert _shown(page, 1, "证件号码") == full[rows[1]["id"]]
    assert "********" in _shown(page, 0, "证件号码")
    logged = audit(store, "reveal")
    assert [(r["user"], r["table_name"], r["record_id"]) for r in logged] == [
        ("xiaowang", "care_members", rows[1]["id"])]
    assert full[rows[1]["id"]] not in logged[0]["after"] and "残疾证号" in logged[0]["after"]

    page.group_filter.setCurrentText("困境儿童")
    settle(qtbot, window)
    child = page.model.row(0)
    phone = store.get("care_members", child["id"])["guardian_phone"]
    assert phone and _shown(page, 0, "监护人电话") == child["guardian_phone"] != phone
    assert "****" in child["guardian_phone"]
    page.view.selectRow(0)
    page.reveal_current()
    settle(qtbot, window)
    assert _shown(page, 0, "监护人电话") == phone
    assert "监护人电话" in audit(store, "reveal")[-1]["after"]


def test_an_elder_row_is_revealed_from_the_elders_table(qtbot, staff_window):
    window, store = staff_window, staff_window.store
    page = care_page(qtbot, window, "特殊困难老年人")
    elder = page.model.row(0)
    assert elder["source"] == "elders"
    page.view.selectRow(0)
    page.reveal_current()
    settle(qtbot, window)
    person = store.get("people", elder["person_id"])
    assert _shown(page, 0, "联系电话") == person["phone"]
    assert [(r["table_name"], r["record_id"]) for r in audit(store, "reveal")] == [("elders", elder["id"])]


def test_ctrl_r_still_records_a_visit_on_the_care_page(qtbot, window):
    page = window.go("关爱对象")
    settle(qtbot, window)
    press(qtbot, page.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert isinstance(page.dialog, care_dialog())
    page.dialog.reject()
    assert audit(window.store, "reveal") == []


def care_dialog():
    from ui.pages.care import CareVisitDialog

    return CareVisitDialog
