"""Failures in the window: a Chinese message for what the user can fix, an apology for a bug."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app.errors import UserError
from db.errors import DatabaseLocked
from tests.conftest import sqlite_error
from tests.ui.conftest import settle


def open_boxes(window) -> list[QMessageBox]:
    return [w for w in window.findChildren(QMessageBox) if w.isVisible()]


def test_a_bug_is_logged_and_shown_as_a_plain_apology(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    from app import logs

    for handler in list(logs.log.handlers):
        logs.log.removeHandler(handler)

    def broken(store):
        raise RuntimeError("张三 110105194912310021 boom")

    window.ops.run(broken)
    settle(qtbot, window)
    box = open_boxes(window)[-1]
    assert "抱歉" in box.text() and "Traceback" not in box.text() and "boom" not in box.text()
    log = (tmp_path / "data" / "CommunityLedger" / "logs" / "community-ledger.log").read_text("utf-8")
    assert "RuntimeError" in log
    assert "110105194912310021" not in log and "张三" not in log
    for handler in list(logs.log.handlers):
        logs.log.removeHandler(handler)


def test_a_storage_problem_is_explained_in_chinese(qtbot, window):
    def locked(store):
        raise DatabaseLocked("数据库正被另一个程序写入，请稍后再试。")

    window.ops.run(locked)
    settle(qtbot, window)
    assert open_boxes(window)[-1].text() == "数据库正被另一个程序写入，请稍后再试。"


def test_a_user_error_outside_a_form_is_shown_as_is(qtbot, window):
    def refused(store):
        raise UserError("时间银行余额不足")

    window.ops.run(refused)
    settle(qtbot, window)
    assert open_boxes(window)[-1].text() == "时间银行余额不足"


def test_sqlites_damaged_file_and_full_disk_are_explained_not_apologised_for(qtbot, window):
    import sqlite3

    for raised, expected in ((sqlite_error(sqlite3.DatabaseError, "database disk image is malformed",
                                           sqlite3.SQLITE_CORRUPT), "数据库文件已损坏"),
                             (sqlite_error(sqlite3.OperationalError, "database or disk is full", sqlite3.SQLITE_FULL),
                              "磁盘空间已满")):
        def fail(store, exc=raised):
            raise exc

        window.ops.run(fail)
        settle(qtbot, window)
        box = open_boxes(window)[-1]
        assert expected in box.text() and "抱歉" not in box.text()
        box.close()
