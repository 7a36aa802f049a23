"""性别、出生日期 and age appear beside an ID number as soon as it is complete and valid, in the
居民 form and in the person picker of the 志愿者, 老年人 and 关爱对象 forms; never a popup."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.validation import id_check_char
from tests.ui.conftest import press, settle, type_text

NEW_ID = "32050519800101123"  # a man born 1980-01-01: 46 on the pinned 2026-11-23
NEW_ID += id_check_char(NEW_ID)


def new_form(qtbot, window, page_name: str):
    page = window.go(page_name)
    settle(qtbot, window)
    press(qtbot, page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def no_popup() -> bool:
    return not any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets())


def test_the_person_form_shows_gender_birth_and_age_while_the_id_is_typed(qtbot, window):
    dialog = new_form(qtbot, window, "居民")
    field = dialog.widgets["id_number"]
    type_text(qtbot, field, NEW_ID[:10])
    assert dialog.aside_text("id_number") == "" and no_popup()  # partial: nothing yet
    type_text(qtbot, field, NEW_ID[10:])
    assert dialog.aside_text("id_number") == "男，1980-01-01 出生，46 岁"
    field.backspace()
    field.insert("0" if NEW_ID[-1] != "0" else "1")  # a wrong check digit: the facts go, no popup
    assert dialog.aside_text("id_number") == "" and no_popup()
    assert "校验位" in dialog.field_error("id_number")
    field.setText("３２０５０５" + NEW_ID[6:])  # full-width digits, as some input methods type them
    assert dialog.aside_text("id_number") == "男，1980-01-01 出生，46 岁"
    dialog.discard()


@pytest.mark.parametrize("page_name", ["志愿者", "老年人探访", "关爱对象"])
def test_a_person_picker_shows_what_a_typed_id_says_and_then_the_picked_person(qtbot, window, page_name):
    registered = window.store.query(
        "SELECT name, id_number, gender, birth_date FROM people WHERE id_number IS NOT NULL "
        "AND gender = '女' ORDER BY name LIMIT 1")[0]
    dialog = new_form(qtbot, window, page_name)
    picker = dialog.widgets["person_id"]
    type_text(qtbot, picker, registered["id_number"][:12])
    assert dialog.aside_text("person_id") == "" and no_popup()
    type_text(qtbot, picker, registered["id_number"][12:])
    assert dialog.aside_text("person_id").startswith(f"女，{registered['birth_date']} 出生，")
    settle(qtbot, window)  # the search by that number has answered
    press(qtbot, picker, Qt.Key.Key_Return)  # picks the person the number belongs to
    assert picker.text() == registered["name"] and picker.person_id
    assert dialog.aside_text("person_id").startswith(f"女，{registered['birth_date']} 出生，")
    assert dialog.aside_text("person_id").endswith(" 岁") and no_popup()
    dialog.discard()
