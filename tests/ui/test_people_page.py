"""居民 page through the widgets: create, search, edit, refuse, delete, restore."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.people import search_people
from app.validation import id_check_char
from tests.ui.conftest import press, settle, type_text

NEW_ID = "32050519800101123"
NEW_ID += id_check_char(NEW_ID)


def open_people(qtbot, window):
    page = window.go("居民")
    settle(qtbot, window)
    return page


def new_person(qtbot, window, page, name: str, id_number: str = ""):
    press(qtbot, page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    type_text(qtbot, dialog.widgets["name"], name)
    if id_number:
        type_text(qtbot, dialog.widgets["id_number"], id_number)
    return dialog


def test_create_search_edit_delete_restore(qtbot, window):
    page = open_people(qtbot, window)
    dialog = new_person(qtbot, window, page, "欧阳晓东", NEW_ID)
    assert dialog.save_button.isEnabled()
    press(qtbot, dialog.widgets["id_number"], Qt.Key.Key_Return)
    settle(qtbot, window)
    assert not dialog.isVisible()
    found = search_people(window.store, "oyxd")
    assert [p["name"] for p in found] == ["欧阳晓东"]
    assert found[0]["gender"] == "男" and found[0]["birth_date"] == "1980-01-01"

    type_text(qtbot, page.search, "oyxd")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.row(0)["name"] == "欧阳晓东")
    settle(qtbot, window)
    page.view.setFocus()
    page.view.selectRow(0)
    press(qtbot, page.view, Qt.Key.Key_Return)
    settle(qtbot, window)
    edit = page.dialog
    assert edit.widgets["id_number"].text() == NEW_ID
    type_text(qtbot, edit.widgets["phone"], "13912345678")
    press(qtbot, edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert search_people(window.store, "5678")[0]["name"] == "欧阳晓东"

    page.view.selectRow(0)
    page.delete_current()
    page.confirm.button(page.confirm.StandardButton.Yes).click()
    settle(qtbot, window)
    assert search_people(window.store, "oyxd") == []

    trash = window.go("回收站")
    settle(qtbot, window)
    labels = [r["label"] for r in trash.model.rows()]
    assert "欧阳晓东" in labels
    trash.view.selectRow(labels.index("欧阳晓东"))
    press(qtbot, trash.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert [p["name"] for p in search_people(window.store, "oyxd")] == ["欧阳晓东"]


def test_invalid_id_is_refused_inline_and_save_stays_disabled(qtbot, window):
    page = open_people(qtbot, window)
    dialog = new_person(qtbot, window, page, "王小明", NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1"))
    assert "校验位" in dialog.field_error("id_number")
    assert not dialog.save_button.isEnabled()
    press(qtbot, dialog.widgets["id_number"], Qt.Key.Key_Return)
    settle(qtbot, window)
    assert dialog.isVisible()
    assert search_people(window.store, "王小明") == []
    press(qtbot, dialog, Qt.Key.Key_Escape)  # typed values: it asks before throwing them away
    assert dialog.isVisible() and dialog.confirm.isVisible()
    dialog.confirm.button(dialog.confirm.StandardButton.Discard).click()
    assert not dialog.isVisible()


def test_duplicate_id_is_refused_with_the_existing_name(qtbot, window):
    page = open_people(qtbot, window)
    existing = window.store.query("SELECT name, id_number FROM people WHERE id_number IS NOT NULL LIMIT 1")[0]
    dialog = new_person(qtbot, window, page, "李重复", existing["id_number"])
    dialog.submit()
    settle(qtbot, window)
    assert dialog.isVisible()
    assert existing["name"] in dialog.field_error("id_number")


def test_search_by_initials_and_phone_fragment(qtbot, window):
    page = open_people(qtbot, window)
    person = window.store.query("SELECT name, initials, phone FROM people WHERE phone IS NOT NULL LIMIT 1")[0]
    type_text(qtbot, page.search, person["initials"].split("|")[0])
    qtbot.waitUntil(lambda: any(r["name"] == person["name"] for r in page.model.rows()))
    page.search.clear()
    type_text(qtbot, page.search, person["phone"][-6:])
    qtbot.waitUntil(lambda: page.model.rowCount() >= 1 and page.model.row(0)["name"] == person["name"])
    settle(qtbot, window)
