"""Volunteers, elders, settings and the checklist through their pages."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import settings, stamps
from tests.ui.conftest import press, settle, type_text


def pick_person(qtbot, window, picker, text: str) -> None:
    type_text(qtbot, picker, text)
    settle(qtbot, window)
    assert picker.suggestions()
    press(qtbot, picker, Qt.Key.Key_Return)
    assert picker.person_id


def test_make_a_resident_a_volunteer_with_the_pinyin_picker_then_delete_and_restore(qtbot, window):
    person = window.store.query(
        """SELECT p.id, p.name, p.initials FROM people p WHERE p.id NOT IN (SELECT person_id FROM volunteers)
           AND p.birth_date < '2000-01-01' ORDER BY p.sort_key LIMIT 1"""
    )[0]
    page = window.go("志愿者")
    settle(qtbot, window)
    press(qtbot, page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = page.dialog
    pick_person(qtbot, window, dialog.widgets["person_id"], person["name"])
    assert dialog.widgets["person_id"].person_id == person["id"]
    type_text(qtbot, dialog.widgets["team"], "青年突击队")
    press(qtbot, dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert not dialog.isVisible()
    row = window.store.query("SELECT * FROM volunteers WHERE person_id = ?", [person["id"]])[0]
    assert row["team"] == "青年突击队" and row["status"] == "在册"
    assert row["volunteer_no"] == "ZY260061"  # 编号 left blank: the next after the demo's 60

    type_text(qtbot, page.search, person["name"])
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    settle(qtbot, window)
    number_column = [page.model.headerData(c, Qt.Orientation.Horizontal) for c in range(page.model.columnCount())].index("编号")
    assert page.model.data(page.model.index(0, number_column)) == "ZY260061"
    page.view.selectRow(0)
    page.delete_current()
    page.confirm.button(page.confirm.StandardButton.Yes).click()
    settle(qtbot, window)
    assert window.store.get("volunteers", row["id"]) is None
    trash = window.go("回收站")
    settle(qtbot, window)
    index = [r["id"] for r in trash.model.rows()].index(row["id"])
    trash.view.selectRow(index)
    press(qtbot, trash.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert window.store.get("volunteers", row["id"]) is not None


def test_a_person_already_a_volunteer_is_refused(qtbot, window):
    taken = window.store.query(
        "SELECT p.name FROM volunteers v JOIN people p ON p.id = v.person_id LIMIT 1")[0]["name"]
    page = window.go("志愿者")
    settle(qtbot, window)
    page.new_record()
    dialog = page.dialog
    pick_person(qtbot, window, dialog.widgets["person_id"], taken)
    dialog.submit()
    settle(qtbot, window)
    assert dialog.isVisible()
    assert "已经是志愿者" in dialog.field_error("person_id")


def test_add_an_elder_and_refuse_gaoling_under_80(qtbot, window):
    young = window.store.query(
        """SELECT id, name FROM people WHERE birth_date BETWEEN '1950-01-01' AND '1965-01-01'
           AND id NOT IN (SELECT person_id FROM elders) LIMIT 1""")[0]
    page = window.go("老年人探访")
    settle(qtbot, window)
    page.new_record()
    dialog = page.dialog
    pick_person(qtbot, window, dialog.widgets["person_id"], young["name"])
    dialog.widgets["categories"].boxes["高龄"].setChecked(True)
    dialog.submit()
    settle(qtbot, window)
    assert "未满 80 周岁" in dialog.field_error("categories")
    dialog.widgets["categories"].boxes["高龄"].setChecked(False)
    dialog.widgets["categories"].boxes["独居"].setChecked(True)
    dialog.widgets["risk_level"].setCurrentText("重点")
    press(qtbot, dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert not dialog.isVisible()
    elder = window.store.query("SELECT * FROM elders WHERE person_id = ?", [young["id"]])[0]
    assert elder["risk_level"] == "重点" and "独居" in elder["categories"]


def test_status_other_than_in_register_needs_a_date(qtbot, window):
    page = window.go("老年人探访")
    settle(qtbot, window)
    page.view.selectRow(0)
    press(qtbot, page.view, Qt.Key.Key_Return)
    settle(qtbot, window)
    dialog = page.dialog
    dialog.widgets["status"].setCurrentText("去世")
    assert "变更日期" in dialog.field_error("left_on")
    assert not dialog.save_button.isEnabled()


def test_settings_save_and_bad_star_hours(qtbot, window):
    page = window.go("设置")
    settle(qtbot, window)
    assert page.edits["community_name"].text() == "阳光社区居民委员会"
    page.stars.setText("100, 50, 600, 1000, 1500")
    page.save_button.click()
    settle(qtbot, window)
    assert "逐级增加" in page.message.text()
    page.stars.setText("50, 200, 500, 900, 1400")
    page.edits["reviewer"].setText("赵书记")
    page.general_interval.setCurrentText("每季度")
    page.save_button.click()
    settle(qtbot, window)
    config = settings.load(window.store)
    assert config.star_hours == (50, 200, 500, 900, 1400) and config.reviewer == "赵书记"
    assert config.visit_intervals["一般"] == "quarter" and config.visit_intervals["高风险"] == "week"


def test_checklist_item_added_in_settings_is_matched(qtbot, window):
    page = window.go("设置")
    settle(qtbot, window)
    panel = page.checklist
    panel.new_record()
    dialog = panel.dialog
    dialog.widgets["kind"].setCurrentText("负面")
    type_text(qtbot, dialog.widgets["name"], "养犬证明")
    assert "承办部门" in (dialog.errors["department"].text() or "承办部门") or not dialog.save_button.isEnabled()
    type_text(qtbot, dialog.widgets["department"], "公安机关犬类管理部门")
    press(qtbot, dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert not dialog.isVisible()
    advice = stamps.check_matter(window.store, "养犬证明")
    assert advice.refused and "犬类管理" in advice.message


def test_settings_refuse_emptying_the_community_code(qtbot, window):
    page = window.go("设置")
    settle(qtbot, window)
    code = page.edits["community_code"].text()
    assert code
    page.edits["community_code"].setText("")
    page.edits["reviewer"].setText("钱书记")
    page.save_button.click()
    settle(qtbot, window)
    assert "社区代码不能清空" in page.message.text()
    config = settings.load(window.store)
    assert config.community_code == code and config.reviewer != "钱书记"
