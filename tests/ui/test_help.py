"""帮助: F1 opens the guide, 关于 names the version and where the data is kept; portable mode."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt

from app import paths
from tests.ui.conftest import press, settle


def test_f1_opens_the_chinese_guide(qtbot, window):
    press(qtbot, window.nav, Qt.Key.Key_F1)
    assert window.help.isVisible()
    text = window.help.text.toPlainText()
    assert "月底" in text and "同步" in text and "Ctrl+N" in text


def test_about_names_the_database_file(qtbot, window):
    window.show_about()
    settle(qtbot, window)
    assert str(window.store.db.conn.execute("PRAGMA database_list").fetchone()[2]) in window.about.text()
    assert "社区台账" in window.about.text()


def test_a_data_folder_beside_the_built_program_holds_the_data(tmp_path, monkeypatch):
    program = tmp_path / "社区台账"
    program.mkdir()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(program / "community-ledger.exe"))
    assert paths.data_dir() != program / "data"  # no folder: the user data directory
    (program / "data").mkdir()
    assert paths.data_dir() == program / "data"
    assert paths.default_db_path() == program / "data" / "ledger.db"


def test_an_empty_database_says_what_to_do_first(qtbot, empty_window):
    page = empty_window.go("工作台")
    settle(qtbot, empty_window)
    assert page.hint.isVisible() and "居民" in page.hint.text()
    people = empty_window.go("居民")
    settle(qtbot, empty_window)
    assert people.hint.isVisible() and "Ctrl+N" in people.hint.text()


def test_the_hint_goes_once_there_are_records(qtbot, window):
    page = window.go("工作台")
    settle(qtbot, window)
    assert not page.hint.isVisible()
