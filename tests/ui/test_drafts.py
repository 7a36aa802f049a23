"""A half-filled form comes back after a crash: drafts through the widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from shiboken6 import isValid

from app.drafts import load_draft
from app.database import open_ledger
from app.people import search_people
from tests.factories import volunteers as make_volunteers
from tests.ui.conftest import TODAY, make_window, press, settle, type_text


def new_form(qtbot, window, page_name: str):
    page = window.go(page_name)
    settle(qtbot, window)
    press(qtbot, page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert page.dialog is not None and page.dialog.isVisible()
    return page, page.dialog


def crash(qtbot, dialog) -> None:
    """The form disappears without 保存 or 取消, as when the program is killed."""
    dialog.deleteLater()
    qtbot.waitUntil(lambda: not isValid(dialog))


def test_a_half_filled_person_comes_back_after_a_crash_and_goes_when_saved(qtbot, tmp_path):
    path = tmp_path / "ledger.db"
    store = open_ledger(path)
    window = make_window(qtbot, store)
    _, dialog = new_form(qtbot, window, "居民")
    assert not dialog.restored_note.isVisible()
    with qtbot.waitSignal(dialog.draft_saved, timeout=5000):
        type_text(qtbot, dialog.widgets["name"], "欧阳晓东")
        type_text(qtbot, dialog.widgets["phone"], "13912345678")
        dialog.widgets["gender"].setCurrentText("男")
        type_text(qtbot, dialog.widgets["note"], "腿脚不便")
    settle(qtbot, window)
    assert load_draft(store, "people.new")["name"] == "欧阳晓东"
    crash(qtbot, dialog)
    window.close()
    store.close()

    again = open_ledger(path)
    window = make_window(qtbot, again)
    try:
        _, dialog = new_form(qtbot, window, "居民")
        assert dialog.widgets["name"].text() == "欧阳晓东"
        assert dialog.widgets["phone"].text() == "13912345678"
        assert dialog.widgets["gender"].currentText() == "男"
        assert dialog.widgets["note"].toPlainText() == "腿脚不便"
        assert dialog.restored_note.isVisible() and dialog.restored_note.text() == "已恢复上次未保存的内容"
        assert dialog.save_button.isEnabled()
        press(qtbot, dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        settle(qtbot, window)
        assert not dialog.isVisible()
        assert [p["name"] for p in search_people(again, "oyxd")] == ["欧阳晓东"]
        assert load_draft(again, "people.new") is None
        _, fresh = new_form(qtbot, window, "居民")  # nothing left to restore
        assert fresh.widgets["name"].text() == "" and not fresh.restored_note.isVisible()
        fresh.reject()
        settle(qtbot, window)
    finally:
        window.close()
        again.close()


def test_cancelling_the_form_throws_the_draft_away(qtbot, empty_window):
    window = empty_window
    page, dialog = new_form(qtbot, window, "居民")
    with qtbot.waitSignal(dialog.draft_saved, timeout=5000):
        type_text(qtbot, dialog.widgets["name"], "李红")
    settle(qtbot, window)
    assert load_draft(window.store, "people.new") == {**dialog.draft_values(), "name": "李红"}
    press(qtbot, dialog, Qt.Key.Key_Escape)  # a form with typing in it asks first
    assert dialog.isVisible() and dialog.confirm.isVisible()
    press(qtbot, dialog.confirm, Qt.Key.Key_Escape)  # 继续填写
    settle(qtbot, window)
    assert dialog.isVisible() and not dialog.confirm.isVisible()
    assert dialog.widgets["name"].text() == "李红"
    assert load_draft(window.store, "people.new") is not None
    press(qtbot, dialog, Qt.Key.Key_Escape)
    press(qtbot, dialog.confirm, Qt.Key.Key_D)  # 放弃 (the box clicks it with a short animation)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    settle(qtbot, window)
    assert load_draft(window.store, "people.new") is None


def test_escape_closes_an_untouched_form_at_once(qtbot, empty_window):
    page, dialog = new_form(qtbot, empty_window, "居民")
    press(qtbot, dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.confirm is None


def test_a_picked_person_comes_back_as_that_person(qtbot, empty_window):
    window = empty_window
    from tests.factories import person

    who = person(window.store, TODAY, "欧阳晓东")
    page, dialog = new_form(qtbot, window, "志愿者")
    picker = dialog.widgets["person_id"]
    type_text(qtbot, picker, "oyxd")
    settle(qtbot, window)
    with qtbot.waitSignal(dialog.draft_saved, timeout=5000):
        press(qtbot, picker, Qt.Key.Key_Return)
        assert picker.person_id == who["id"]
        type_text(qtbot, dialog.widgets["team"], "银龄服务队")
    settle(qtbot, window)
    assert load_draft(window.store, "volunteers.new")["person_id"] == {"id": who["id"], "name": "欧阳晓东"}
    crash(qtbot, dialog)

    press(qtbot, page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    restored = page.dialog
    assert restored.widgets["person_id"].person_id == who["id"]
    assert restored.widgets["person_id"].text() == "欧阳晓东"
    assert restored.widgets["team"].text() == "银龄服务队"
    assert restored.save_button.isEnabled()
    restored.reject()


def test_the_batch_form_brings_back_the_ticked_volunteers(qtbot, empty_window):
    window = empty_window
    team = make_volunteers(window.store, TODAY, 3)
    page, dialog = new_form(qtbot, window, "志愿服务")
    checks = dialog.widgets["volunteer_ids"]
    with qtbot.waitSignal(dialog.draft_saved, timeout=5000):
        type_text(qtbot, dialog.widgets["name"], "清扫楼道")
        dialog.widgets["minutes"].clear()
        type_text(qtbot, dialog.widgets["minutes"], "90")
        for item in checks.items()[:2]:
            item.setCheckState(Qt.CheckState.Checked)
    settle(qtbot, window)
    ticked = sorted(checks.checked())
    assert len(ticked) == 2 and set(ticked) <= {v["id"] for v in team}
    crash(qtbot, dialog)

    press(qtbot, page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    restored = page.dialog
    assert sorted(restored.widgets["volunteer_ids"].checked()) == ticked
    assert restored.widgets["volunteer_ids"].count.text() == "已选 2 人"
    assert restored.widgets["minutes"].text() == "90"  # the draft, not the form's default 2小时
    assert restored.widgets["name"].text() == "清扫楼道"
    assert restored.save_button.isEnabled()
    restored.reject()


def test_a_half_written_follow_up_of_a_topic_comes_back_for_that_topic_only(qtbot, window):
    page = window.go("协商议事")
    settle(qtbot, window)
    first, second = window.store.query(
        "SELECT * FROM topics WHERE state IN ('形成决议', '落实中') AND deleted_at IS NULL ORDER BY id LIMIT 2")
    dialog = page.add_followup(first)
    with qtbot.waitSignal(dialog.draft_saved, timeout=5000):
        type_text(qtbot, dialog.widgets["content"], "路灯已报修，等待供电所上门")
    settle(qtbot, window)
    crash(qtbot, dialog)

    other = page.add_followup(second)
    settle(qtbot, window)
    assert other.widgets["content"].toPlainText() == ""  # another topic's form starts empty
    other.reject()
    settle(qtbot, window)
    again = page.add_followup(first)
    settle(qtbot, window)
    assert again.widgets["content"].toPlainText() == "路灯已报修，等待供电所上门"
    assert again.restored_note.isVisible()
    again.reject()
    settle(qtbot, window)
