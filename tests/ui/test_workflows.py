"""The issue's 'done when' flows, by keyboard: a visit for an overdue elder, an activity for
five volunteers, a refused stamp request, a topic moved one step; plus the first start."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import elders, stamps
from tests.ui.conftest import TODAY, press, settle, type_text


def test_record_a_visit_for_an_overdue_elder_from_the_dashboard(qtbot, window):
    dash = window.go("工作台")
    settle(qtbot, window)
    before = elders.month_duty(window.store, 2026, 11, today=TODAY)
    assert dash.overdue.rowCount() == len(before.overdue) > 0
    first = dash.info["overdue"][0]
    assert dash.overdue.item(0, 0).foreground().color().name() == "#c0392b"
    dash.overdue.setFocus()
    dash.overdue.selectRow(0)
    press(qtbot, dash.overdue, Qt.Key.Key_Return)
    settle(qtbot, window)
    dialog = dash.dialog
    assert dialog.widgets["elder_id"].person_id == first["elder_id"]
    assert dialog.widgets["date"].text() == TODAY.isoformat()
    type_text(qtbot, dialog.widgets["visitor"], "王晓燕")
    type_text(qtbot, dialog.widgets["health"], "精神好，血压正常")
    press(qtbot, dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert not dialog.isVisible()
    after = elders.month_duty(window.store, 2026, 11, today=TODAY)
    assert after.visited == before.visited + 1
    assert first["elder_id"] not in {line.elder_id for line in after.overdue}
    assert dash.overdue.rowCount() == len(after.overdue)


def test_save_and_new_keeps_date_and_visitor(qtbot, window):
    page = window.go("老年人探访")
    settle(qtbot, window)
    count = "SELECT count(*) FROM visits WHERE date = '2026-11-20' AND visitor = '陈立新'"
    before = window.store.scalar(count)
    page.view.selectRow(0)
    press(qtbot, page.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = page.dialog
    dialog.widgets["visitor"].clear()  # it came filled with the elder's 责任探访人
    type_text(qtbot, dialog.widgets["visitor"], "陈立新")
    dialog.widgets["date"].setText("2026.11.20")
    dialog.save_new_button.click()
    settle(qtbot, window)
    assert dialog.isVisible()
    assert dialog.widgets["visitor"].text() == "陈立新"
    assert dialog.widgets["date"].text() == "2026.11.20"
    assert dialog.widgets["elder_id"].person_id is None
    assert not dialog.save_button.isEnabled()  # no elder picked yet
    assert window.store.scalar(count) == before + 1


def test_log_an_activity_for_five_volunteers(qtbot, window):
    page = window.go("志愿服务")
    settle(qtbot, window)
    press(qtbot, page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    dialog = page.dialog
    checks = dialog.widgets["volunteer_ids"]
    assert len(checks.items()) == 60
    type_text(qtbot, dialog.widgets["name"], "敬老院慰问演出")
    dialog.widgets["date"].setText("2026-11-22")
    dialog.widgets["start_time"].setText("09:00")
    dialog.widgets["end_time"].setText("11:30")
    assert "请勾选" in dialog.errors["volunteer_ids"].text() or not dialog.save_button.isEnabled()
    checks.list.setFocus()
    for row in range(5):
        checks.list.setCurrentRow(row)
        press(qtbot, checks.list, Qt.Key.Key_Space)
    assert checks.count.text() == "已选 5 人"
    assert dialog.save_button.isEnabled()
    press(qtbot, dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert not dialog.isVisible()
    rows = window.store.query(
        """SELECT r.minutes FROM service_records r JOIN activities a ON a.id = r.activity_id
           WHERE a.name = '敬老院慰问演出'"""
    )
    assert [r["minutes"] for r in rows] == [120] * 5
    assert page.model.row(0)["name"] == "敬老院慰问演出"


def test_minutes_longer_than_the_activity_are_refused_inline(qtbot, window):
    page = window.go("志愿服务")
    settle(qtbot, window)
    page.new_record()
    settle(qtbot, window)
    dialog = page.dialog
    type_text(qtbot, dialog.widgets["name"], "短活动")
    dialog.widgets["start_time"].setText("09:00")
    dialog.widgets["end_time"].setText("10:00")
    dialog.widgets["volunteer_ids"].set_checked({dialog.widgets["volunteer_ids"].items()[0].data(Qt.ItemDataRole.UserRole)})
    dialog.widgets["minutes"].setText("3小时")
    assert "超过活动起止时间" in dialog.field_error("minutes")
    assert not dialog.save_button.isEnabled()


def test_negative_list_matter_is_announced_and_registered_as_refused(qtbot, window):
    page = window.go("盖章登记")
    settle(qtbot, window)
    press(qtbot, page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    dialog = page.dialog
    type_text(qtbot, dialog.widgets["matter"], "开个亲属关系证明")
    assert dialog.notice.isVisible()
    assert "不能盖章" in dialog.notice.text() and "公安派出所" in dialog.notice.text()
    # The matter fills 不予盖章, the reason and where to go (the 一次告知) at once.
    assert dialog.widgets["result"].currentText() == "不予盖章"
    assert "公安派出所" in dialog.widgets["referral"].text()
    type_text(qtbot, dialog.widgets["applicant"], "赵大勇")
    dialog.widgets["handler"].clear()
    type_text(qtbot, dialog.widgets["handler"], "王晓燕")
    dialog.widgets["result"].setCurrentText("已盖章")  # the worker insists: shown wrong in the field, no save
    assert "负面清单" in dialog.field_error("result") and not dialog.save_button.isEnabled()
    press(qtbot, dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert dialog.isVisible() and not dialog.message.isVisible()
    dialog.widgets["result"].setCurrentText("不予盖章")
    press(qtbot, dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert not dialog.isVisible()
    saved = window.store.query("SELECT * FROM stamp_requests WHERE applicant = '赵大勇'")[0]
    assert saved["result"] == "不予盖章" and "公安派出所" in saved["referral"]
    assert saved["serial"] == "2026-0041" == page.last_serial
    assert page.model.row(0)["serial"] == "2026-0041"


def test_a_topic_moves_one_step_through_the_offered_buttons(qtbot, window):
    page = window.go("协商议事")
    settle(qtbot, window)
    rows = page.model.rows()
    index = next(i for i, r in enumerate(rows) if r["state"] == "提出")
    page.view.selectRow(index)
    settle(qtbot, window)
    assert set(page.action_buttons) >= {"→ 受理", "→ 不予受理"}
    assert "→ 形成决议" not in page.action_buttons
    page.action_buttons["→ 受理"].click()
    dialog = page.dialog
    press(qtbot, dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    topic = window.store.get("topics", rows[index]["id"])
    assert topic["state"] == "受理", (dialog.message.text(), dialog.isVisible(), dialog.values())
    assert "→ 协商" in page.action_buttons and "→ 受理" not in page.action_buttons


def test_refusing_a_topic_needs_a_reason(qtbot, window):
    page = window.go("协商议事")
    settle(qtbot, window)
    index = next(i for i, r in enumerate(page.model.rows()) if r["state"] == "提出")
    page.view.selectRow(index)
    settle(qtbot, window)
    page.action_buttons["→ 不予受理"].click()
    dialog = page.dialog
    dialog.submit()
    assert "不予受理的理由" in dialog.field_error("text")
    assert dialog.isVisible()


def test_first_start_asks_for_the_community(qtbot, empty_window):
    window = empty_window
    window.first_start()
    settle(qtbot, window)
    dialog = window.setup
    assert dialog.isVisible() and not dialog.save_button.isEnabled()
    type_text(qtbot, dialog.edits["community_name"], "幸福村村民委员会")
    type_text(qtbot, dialog.edits["preparer"], "张会计")
    dialog.save_button.click()
    settle(qtbot, window)
    assert "幸福村村民委员会" in window.windowTitle()


def test_first_start_offers_the_demo(qtbot, empty_window):
    window = empty_window
    window.first_start()
    settle(qtbot, window)
    window.setup.demo_button.click()
    settle(qtbot, window)
    assert window.store.scalar("SELECT count(*) FROM people") == 312  # with the 关爱对象 groups
    assert "阳光社区" in window.windowTitle()
    assert stamps.checklist(window.store, "负面")


def test_the_meeting_form_records_attendance_no_more_than_the_people_invited(qtbot, window):
    page = window.go("协商议事")
    settle(qtbot, window)
    index = next(i for i, r in enumerate(page.model.rows()) if r["state"] == "协商")
    topic_id = page.model.rows()[index]["id"]
    page.view.selectRow(index)
    settle(qtbot, window)
    page.action_buttons["登记会议"].click()
    dialog = page.dialog
    for key, value in (("host", "李书记"), ("recorder", "王干事"), ("participants", "张三 居民代表\n李四 党员"),
                       ("present", "3")):
        dialog.set_value(key, value)
    dialog.submit()
    assert "不能多于参会人员名单的 2 人" in dialog.field_error("present")
    assert dialog.isVisible() and not dialog.save_button.isEnabled()
    dialog.set_value("present", "2")
    dialog.submit()
    settle(qtbot, window)
    assert not dialog.isVisible()
    held = window.store.query("SELECT present FROM meetings WHERE topic_id = ? AND host = '李书记'", [topic_id])
    assert [m["present"] for m in held] == [2]


def test_attendance_is_recorded_on_a_registered_meeting_once_the_sheet_is_signed(qtbot, window):
    page = window.go("协商议事")
    settle(qtbot, window)
    index = next(i for i, r in enumerate(page.model.rows()) if r["state"] == "协商")
    topic_id = page.model.rows()[index]["id"]
    page.view.selectRow(index)
    settle(qtbot, window)
    page.action_buttons["登记会议"].click()
    dialog = page.dialog
    for key, value in (("host", "李书记"), ("recorder", "王干事"), ("participants", "张三 居民代表\n李四 党员"),
                       ("votes_for", "1")):
        dialog.set_value(key, value)
    dialog.submit()
    settle(qtbot, window)
    assert not dialog.isVisible()
    page.view.selectRow(next(i for i, r in enumerate(page.model.rows()) if r["id"] == topic_id))
    settle(qtbot, window)
    page.action_buttons["登记实到人数"].click()
    form = page.dialog
    form.set_value("present", "0")
    form.submit()
    assert "表决票数之和不能多于实到人数" in form.field_error("present") and form.isVisible()
    form.set_value("present", "3")
    form.submit()
    settle(qtbot, window)
    assert "不能多于参会人员名单的 2 人" in form.field_error("present") and form.isVisible()
    form.set_value("present", "2")
    form.submit()
    settle(qtbot, window)
    assert not form.isVisible()
    held = window.store.query("SELECT present FROM meetings WHERE topic_id = ? AND host = '李书记'", [topic_id])
    assert [m["present"] for m in held] == [2]
