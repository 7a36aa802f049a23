"""The window fits a small screen: 1920×1080 at 150 % is 1280×720 points, less a taskbar and the
title bar; 1366×768 at 100 % is wider. No page may ask for more, and forms scroll inside a
dialog no taller than the screen it opens on."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.conftest import press, settle
from ui.forms import FRAME_ROOM

# 1280×720 points less a 40-point taskbar and a 30-point title bar.
ROOM_WIDTH, ROOM_HEIGHT = 1280, 720 - 40 - 30


def test_no_page_makes_the_window_wider_or_taller_than_a_150_percent_screen(qtbot, window):
    for name in window.page_names:
        window.go(name)
        settle(qtbot, window)
        needed = window.minimumSizeHint()
        assert needed.width() <= ROOM_WIDTH and needed.height() <= ROOM_HEIGHT, (name, needed)


def test_new_record_forms_are_no_taller_than_the_screen_and_keep_their_buttons_in_sight(qtbot, window):
    room = window.screen().availableGeometry().height() - FRAME_ROOM
    for name in ("居民", "志愿者", "志愿服务", "老年人探访", "关爱对象", "协商议事"):
        page = window.go(name)
        settle(qtbot, window)
        press(qtbot, page.view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        settle(qtbot, window)
        dialog = page.dialog
        assert dialog.isVisible() and dialog.height() <= room, (name, dialog.height(), room)
        buttons = dialog.save_button.mapTo(dialog, dialog.save_button.rect().bottomLeft())
        assert buttons.y() <= dialog.height(), name
        dialog.discard()
        settle(qtbot, window)


def test_the_care_visit_dialog_fits_a_1366_screen_at_150_percent(qtbot, window):
    """1366×768 at 150 % is 910×512 points; less the taskbar and the title bar the dialog may ask
    for no more than this, and it opens no larger than the screen it is on."""
    page = window.go("关爱对象")
    settle(qtbot, window)
    dialog = page.record_visit()
    settle(qtbot, window)
    needed = dialog.minimumSizeHint()
    assert needed.width() <= 910 and needed.height() <= 512 - 40 - 30, needed
    screen = window.screen().availableGeometry()
    assert dialog.height() <= screen.height() - FRAME_ROOM and dialog.width() <= screen.width(), dialog.size()
    dialog.reject()
    settle(qtbot, window)


def test_the_list_dialogs_and_the_guide_open_no_larger_than_their_screen(qtbot, window):
    """The offscreen screen is 800 points wide: narrower than the size these dialogs ask for."""
    screen = window.screen().availableGeometry()
    page = window.go("志愿者")
    settle(qtbot, window)
    for dialog in (page.certificate_register(), window.show_help()):
        settle(qtbot, window)
        assert dialog.width() <= screen.width() and dialog.height() <= screen.height() - FRAME_ROOM, dialog.size()
        dialog.reject()
        settle(qtbot, window)
