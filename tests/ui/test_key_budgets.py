"""A day's frequent tasks from the 工作台, by keys sent where the focus is, counted against their budgets.

Every key goes to the widget that has the keyboard focus at that moment (never to a widget the test
picks), so a page or form that opens with the cursor in the wrong place fails here. Text typed
(names, initials, notes) is counted apart from the other keys, as the budgets say.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QLineEdit

from app import elders, people, volunteers
from tests.ui.conftest import TODAY, settle

CTRL = Qt.KeyboardModifier.ControlModifier


class Keys:
    """Sends keys to the focused widget and counts them: `keys` (commands) and `typed` (characters)."""

    def __init__(self, qtbot, window):
        self.qtbot, self.window = qtbot, window
        self.keys = 0
        self.typed = 0

    def top(self):
        """The window a desktop would have active: the modal dialog shown last, else the main window.
        (Offscreen Qt drops the activation when any window hides, where a desktop hands it back.)"""
        modal = QApplication.activeModalWidget()
        return modal if modal is not None else self.window

    def focus(self):
        top = self.top()
        if not top.isActiveWindow():
            top.activateWindow()
            self.qtbot.waitUntil(top.isActiveWindow)
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        return widget

    def press(self, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        widget = self.focus()
        self.qtbot.keyClick(widget, key, modifier)
        self.keys += 1
        settle(self.qtbot, self.window)

    def type(self, text: str) -> None:
        """ASCII one key at a time to whatever has the focus then; Chinese as one input-method commit."""
        if text.isascii():
            for char in text:
                self.qtbot.keyClick(self.focus(), char)
                settle(self.qtbot, self.window)
        else:
            event = QInputMethodEvent()
            event.setCommitString(text)
            QApplication.sendEvent(self.focus(), event)
            settle(self.qtbot, self.window)
        self.typed += len(text)


def test_visit_for_the_first_overdue_elder_takes_two_keys_and_the_notes(qtbot, window):
    keys = Keys(qtbot, window)
    dash = window.pages["工作台"]
    assert keys.focus() is dash.overdue and dash.overdue.currentRow() == 0
    first = dash.info["overdue"][0]
    before = elders.month_duty(window.store, 2026, 11, today=TODAY)
    keys.press(Qt.Key.Key_Return)
    dialog = dash.dialog
    assert dialog.isVisible()
    assert dialog.widgets["elder_id"].person_id == first["elder_id"]
    assert dialog.widgets["date"].text() == TODAY.isoformat()
    assert dialog.widgets["method"].currentText() == "上门"
    assert dialog.widgets["visitor"].text() == first["visitor"] != ""
    keys.type("精神好，血压正常，家中燃气已检查")
    keys.press(Qt.Key.Key_S, CTRL)
    assert not dialog.isVisible()
    assert keys.keys == 2 <= 6
    visit, = window.store.query("SELECT * FROM visits WHERE elder_id = ? AND date = ? AND deleted_at IS NULL",
                                [first["elder_id"], TODAY.isoformat()])
    assert (visit["date"], visit["method"], visit["visitor"]) == (TODAY.isoformat(), "上门", first["visitor"])
    assert "血压正常" in visit["health"]
    assert elders.month_duty(window.store, 2026, 11, today=TODAY).visited == before.visited + 1
    assert "已保存探访记录" in window.statusBar().currentMessage()
    # The 工作台 is ready for the next one: the list focused again, its first row selected.
    assert dash.overdue.currentRow() == 0 and dash.info["overdue"][0]["elder_id"] != first["elder_id"]


def test_the_elders_list_shows_a_visit_at_once(qtbot, window):
    page = window.go("老年人探访")
    settle(qtbot, window)
    row = page.model.row(0)
    page.record_visit()
    settle(qtbot, window)
    page.dialog.widgets["date"].setText("2026-11-23")
    page.dialog.submit()
    settle(qtbot, window)
    again = next(r for r in page.model.rows() if r["id"] == row["id"])
    assert again["last_visit"] == "2026-11-23"


def _unique_initials(store, search, rows, count):
    """`count` of the rows whose pinyin initials find them first."""
    found = []
    for row in rows:
        initials = row["initials"]
        if 2 <= len(initials) <= 3 and initials.isalpha():
            hits = search(store, initials, limit=5)
            if hits and hits[0]["id"] == row["id"]:
                found.append((row, initials))
        if len(found) == count:
            return found
    raise AssertionError("the demo has too few people findable by initials")


def test_find_a_resident_by_initials_and_open_them(qtbot, window):
    store = window.store
    candidates = store.query("SELECT id, name, initials FROM people WHERE deleted_at IS NULL ORDER BY sort_key")
    (person, initials), = _unique_initials(store, people.search_people, candidates, 1)
    keys = Keys(qtbot, window)
    keys.press(Qt.Key.Key_2, CTRL)  # 居民
    page = window.pages["居民"]
    assert keys.focus() is page.view
    keys.type(initials)  # typed in the list: it goes on in the search box
    assert page.search.text() == initials
    keys.press(Qt.Key.Key_Return)
    assert page.dialog is not None and page.dialog.isVisible()
    assert page.dialog.widgets["name"].text() == person["name"]
    assert keys.keys == 2 and keys.typed == len(initials)
    assert page.count.text().startswith("找到")
    page.dialog.reject()


def test_search_says_when_nothing_is_found_and_down_reaches_the_results(qtbot, window):
    page = window.go("居民")
    settle(qtbot, window)
    assert page.count.text().startswith(("共", "已显示前"))
    page.search.setFocus()
    qtbot.keyClicks(page.search, "qqqqqq")
    qtbot.waitUntil(lambda: page.count.text() == "没找到符合条件的记录。")
    page.search.clear()
    qtbot.keyClicks(page.search, "w")
    qtbot.keyClick(page.search, Qt.Key.Key_Down)
    settle(qtbot, window)
    assert window.focusWidget() is page.view and page.view.currentIndex().row() == 0


def test_activity_with_five_volunteers_picked_by_initials(qtbot, window):
    store = window.store
    candidates = store.query(
        """SELECT v.id, p.name, p.initials FROM volunteers v JOIN people p ON p.id = v.person_id
           WHERE v.deleted_at IS NULL AND v.status = '在册' ORDER BY p.sort_key""")
    picked = _unique_initials(store, volunteers.search_volunteers, candidates, 5)
    keys = Keys(qtbot, window)
    keys.press(Qt.Key.Key_4, CTRL)  # 志愿服务
    page = window.pages["志愿服务"]
    keys.press(Qt.Key.Key_N, CTRL)
    dialog = page.dialog
    assert keys.focus() is dialog.widgets["name"]
    name = "重阳节敬老院慰问"
    keys.type(name)
    keys.press(Qt.Key.Key_Tab)
    checks = dialog.widgets["volunteer_ids"]
    assert keys.focus() is checks.filter
    for _, initials in picked:
        keys.type(initials)
        keys.press(Qt.Key.Key_Space)
    assert sorted(checks.checked()) == sorted(row["id"] for row, _ in picked)
    assert checks.count.text() == "已选 5 人"
    keys.press(Qt.Key.Key_S, CTRL)
    assert not dialog.isVisible(), dialog.message.text()
    budget = len(name) + sum(len(i) + 2 for _, i in picked) + 6
    assert keys.keys + keys.typed <= budget
    assert keys.keys == 4 + 5
    rows = store.query("""SELECT r.volunteer_id, r.minutes FROM service_records r
                          JOIN activities a ON a.id = r.activity_id WHERE a.name = ?""", [name])
    assert sorted(r["volunteer_id"] for r in rows) == sorted(row["id"] for row, _ in picked)
    assert {r["minutes"] for r in rows} == {120}
    assert name in window.statusBar().currentMessage()


def test_one_volunteer_gets_a_duration_of_their_own(qtbot, window):
    page = window.go("志愿服务")
    settle(qtbot, window)
    page.new_record()
    settle(qtbot, window)
    dialog = page.dialog
    dialog.widgets["name"].setText("社区清扫")
    checks = dialog.widgets["volunteer_ids"]
    ids = [item.data(Qt.ItemDataRole.UserRole) for item in checks.items()[:3]]
    checks.set_checked(set(ids[:2]))
    checks.list.setCurrentRow(1)
    checks.filter.setFocus()
    qtbot.keyClick(checks.filter, Qt.Key.Key_F2)
    checks.each_dialog.setTextValue("半小时")
    checks.each_dialog.accept()
    assert "单独设置的时长格式不对" in dialog.field_error("volunteer_ids")
    checks.list.setCurrentRow(1)
    qtbot.keyClick(checks.filter, Qt.Key.Key_F2)
    checks.each_dialog.setTextValue("1小时30分")
    checks.each_dialog.accept()
    assert "1小时30分" in checks.items()[1].text() and "其中 1 人" in checks.count.text()
    dialog.submit()
    settle(qtbot, window)
    assert not dialog.isVisible()
    rows = window.store.query("""SELECT r.volunteer_id, r.minutes FROM service_records r
                                 JOIN activities a ON a.id = r.activity_id WHERE a.name = '社区清扫'""")
    assert {r["volunteer_id"]: r["minutes"] for r in rows} == {ids[0]: 120, ids[1]: 90}


def test_negative_list_request_takes_four_keys_and_the_typing(qtbot, window):
    keys = Keys(qtbot, window)
    keys.press(Qt.Key.Key_8, CTRL)  # 盖章登记
    page = window.pages["盖章登记"]
    keys.press(Qt.Key.Key_N, CTRL)
    dialog = page.dialog
    assert keys.focus() is dialog.widgets["matter"]
    keys.type("亲属关系证明")
    assert dialog.widgets["result"].currentText() == "不予盖章"
    assert "公安" in dialog.widgets["referral"].text()
    assert "不能盖章" in dialog.notice.text()
    keys.press(Qt.Key.Key_Tab)
    assert keys.focus() is dialog.widgets["applicant"]
    keys.type("赵大勇")
    keys.press(Qt.Key.Key_S, CTRL)
    assert not dialog.isVisible(), dialog.values()
    assert keys.keys == 4
    saved = window.store.query("SELECT * FROM stamp_requests WHERE applicant = '赵大勇'")[0]
    assert saved["result"] == "不予盖章" and "公安" in saved["referral"] and saved["reason"] and saved["handler"]
    assert saved["serial"] in window.statusBar().currentMessage()


def test_export_last_month_to_a_chosen_folder_in_five_keys(qtbot, window, tmp_path):
    target = tmp_path / "十月台账"
    target.mkdir()
    keys = Keys(qtbot, window)
    keys.press(Qt.Key.Key_9, CTRL)  # 台账导出
    page = window.pages["台账导出"]
    assert keys.focus() is page.month and page.month.currentText() == "2026-11"
    keys.press(Qt.Key.Key_Down)
    assert page.month.currentText() == "2026-10"
    assert "2026-10" in page.status.text()  # the preview follows the month
    keys.press(Qt.Key.Key_O, CTRL)
    chooser = page.folder_dialog
    assert chooser.isVisible() and isinstance(keys.focus(), QLineEdit)
    keys.type(str(target))
    keys.press(Qt.Key.Key_Return)
    assert not chooser.isVisible() and page.folder.text() == str(target)
    keys.press(Qt.Key.Key_E, CTRL)
    assert keys.keys == 5
    assert (target / "2026-10_月度台账合订本.pdf").exists()
    assert len(list(target.glob("*.xlsx"))) == len(page.chosen())
    # The same export again asks before it overwrites.
    page.export()
    assert page.confirm is not None and page.confirm.isVisible()
    page.confirm.button(page.confirm.StandardButton.No).click()


def test_the_preview_fits_its_width(qtbot, window):
    page = window.go("台账导出")
    settle(qtbot, window)
    pixmap = page.preview_label.pixmap()
    assert not pixmap.isNull() and pixmap.width() <= page.scroll.viewport().width()


def test_every_new_form_starts_in_its_first_field(qtbot, window):
    for name in ("居民", "志愿者", "老年人探访", "志愿服务", "盖章登记", "协商议事"):
        page = window.go(name)
        settle(qtbot, window)
        page.new_record()
        settle(qtbot, window)
        dialog = page.dialog
        first = dialog.first_input()
        assert dialog.focusWidget() is first, name
        dialog.reject()
        settle(qtbot, window)
