"""Window fixtures: each test gets its own copy of a demo database and a real MainWindow."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from app.database import open_ledger
from tests.conftest import pinned_clock
from ui.window import MainWindow

TODAY = date(2026, 11, 23)


@pytest.fixture
def demo_store(demo_path):
    store = open_ledger(demo_path, clock=pinned_clock())
    yield store
    store.close()


def make_window(qtbot, store):
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    window.show()
    qtbot.waitExposed(window)
    settle(qtbot, window)
    return window


@pytest.fixture
def window(qtbot, demo_store):
    w = make_window(qtbot, demo_store)
    yield w
    settle(qtbot, w)
    w.ops.wait()


@pytest.fixture
def empty_window(qtbot, tmp_path):
    store = open_ledger(tmp_path / "empty.db", clock=pinned_clock())
    w = make_window(qtbot, store)
    yield w
    settle(qtbot, w)
    w.ops.wait()
    store.close()


def settle(qtbot, window) -> None:
    """Wait until every queued operation has finished and its callback ran."""
    if not window.ops.idle:
        with qtbot.waitSignal(window.ops.settled, timeout=10000):
            pass
        settle(qtbot, window)


def type_text(qtbot, widget, text: str) -> None:
    """Type like a user: ASCII by keys, Chinese through the input method (keyClicks aborts on it)."""
    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def press(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the user's eyes are; the offscreen platform does not give the
    main window back its activation when a dialog closes, as a desktop does."""
    top = widget.window()
    if not top.isActiveWindow():
        top.activateWindow()
        qtbot.waitUntil(top.isActiveWindow)
    qtbot.keyClick(widget, key, modifier)
