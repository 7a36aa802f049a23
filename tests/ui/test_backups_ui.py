"""备份与恢复 in 设置, and the start-up refusals, through the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app import startup
from app.people import add_person
from db.writer_lock import WriterLock
from tests.ui.conftest import TODAY, settle
from ui import main


def test_backup_now_then_restore_the_selected_backup(qtbot, window):
    page = window.go("设置")
    settle(qtbot, window)
    panel = page.backups
    page.show_tab(panel)
    assert panel.table.rowCount() == 0
    qtbot.mouseClick(panel.backup_button, Qt.MouseButton.LeftButton)
    settle(qtbot, window)
    assert panel.table.rowCount() == 1 and "已备份" in panel.message.text()
    assert panel.table.item(0, 1).text() == "手动备份"  # the button is a backup the user asked for

    count = window.store.scalar("SELECT count(*) FROM people WHERE deleted_at IS NULL")
    window.ops.run(add_person, {"name": "新来的"}, today=TODAY)
    settle(qtbot, window)
    people = window.go("居民")
    settle(qtbot, window)

    window.go("设置")
    panel.table.selectRow(0)
    qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    box = panel.confirm
    assert "替换现在的全部记录" in box.text()
    box.buttons()[0].click()  # 恢复
    settle(qtbot, window)
    assert "已恢复" in panel.message.text()
    assert window.store.scalar("SELECT count(*) FROM people WHERE deleted_at IS NULL") == count
    kinds = [panel.table.item(r, 1).text() for r in range(panel.table.rowCount())]
    assert "恢复前的数据库" in kinds
    # The people page shows the restored records, without the one added after the backup.
    window.go("居民")
    settle(qtbot, window)
    shown = [people.model.row(r)["name"] for r in range(people.model.rowCount())]
    assert "新来的" not in shown


def test_cancelled_restore_changes_nothing(qtbot, window):
    page = window.go("设置")
    settle(qtbot, window)
    page.backups.backup_now()
    settle(qtbot, window)
    window.ops.run(add_person, {"name": "新来的"}, today=TODAY)
    settle(qtbot, window)
    page.backups.restore_selected()
    page.backups.confirm.buttons()[1].click()  # 取消
    settle(qtbot, window)
    assert window.store.scalar("SELECT count(*) FROM people WHERE name = '新来的'") == 1


def test_a_second_window_on_the_same_database_is_told_and_does_not_open(qtbot, tmp_path, monkeypatch):
    told = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: told.append(text))
    monkeypatch.setattr(startup, "LOCK_WAIT_S", 0)  # no closing program to wait for here
    db = tmp_path / "ledger.db"
    first = WriterLock(db).acquire()  # the first window
    try:
        assert main.open_window(db) == 2
    finally:
        first.release()
    assert "已在另一个社区台账窗口或程序中打开" in told[0]


def test_another_communitys_backup_asks_a_question_naming_both(qtbot, window, tmp_path):
    from app import backups, settings
    from app.database import open_ledger
    from tests.conftest import pinned_clock

    settings.save(window.store, {"community_name": "星湖社区", "community_code": "320505001001"})
    other = open_ledger(tmp_path / "other.db", clock=pinned_clock())
    settings.save(other, {"community_name": "月湾社区", "community_code": "320505001002"})
    add_person(other, {"name": "月湾居民"}, today=TODAY)
    copy = backups.make_backup(other).path  # its own automatic backup, carried over as it is
    other.close()
    page = window.go("设置")
    settle(qtbot, window)
    panel = page.backups
    panel.restore(str(copy))
    settle(qtbot, window)
    box = panel.confirm
    assert "月湾社区" in box.text() and "星湖社区" in box.text()
    assert window.store.scalar("SELECT count(*) FROM people WHERE name = '月湾居民'") == 0
    box.buttons()[0].click()  # 仍然恢复
    settle(qtbot, window)
    assert "已恢复" in panel.message.text()
    assert window.store.scalar("SELECT count(*) FROM people WHERE name = '月湾居民'") == 1


def _modal_wait():
    from PySide6.QtWidgets import QApplication

    from ui.lock_wait import LockWait

    box = QApplication.activeModalWidget()
    assert isinstance(box, LockWait) and box.isVisible()
    return box


def test_a_second_window_says_at_once_that_it_waits_and_opens_when_the_first_lets_go(qtbot, tmp_path):
    from PySide6.QtCore import QTimer

    from app.database import open_ledger
    from ui.lock_wait import open_when_free

    db = tmp_path / "ledger.db"
    open_ledger(db).close()
    first = WriterLock(db).acquire()  # a window closing: it still writes its backup
    seen = []

    def look() -> None:
        seen.append(_modal_wait().text.text())
        first.release(clean=True)  # its backup is written: it lets go

    QTimer.singleShot(0, look)
    session = open_when_free(lambda: startup.open_session(db, ask_restore=lambda *_: False, wait=0), 60)
    try:
        assert "已有一个社区台账窗口在使用这个数据库，正在等待" in seen[0]
        assert session is not None and session.lock.held
    finally:
        session.close()


def test_stopping_the_wait_closes_the_second_window_without_an_error(qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import QTimer

    told = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: told.append(text))
    monkeypatch.setattr(startup, "LOCK_WAIT_S", 60)  # a window in use: it would never let go
    db = tmp_path / "ledger.db"
    first = WriterLock(db).acquire()
    QTimer.singleShot(0, lambda: qtbot.keyClick(_modal_wait(), Qt.Key.Key_Escape))
    try:
        assert main.open_window(db) == 2
        assert first.held and told == []
    finally:
        first.release()


def test_the_wait_ends_with_the_in_use_message_when_the_other_window_stays(qtbot, tmp_path):
    import pytest

    from db.errors import DatabaseInUse
    from ui.lock_wait import open_when_free

    db = tmp_path / "ledger.db"
    first = WriterLock(db).acquire()
    try:
        with pytest.raises(DatabaseInUse, match="已在另一个社区台账窗口或程序中打开"):
            open_when_free(lambda: startup.open_session(db, ask_restore=lambda *_: False, wait=0), 0.3)
    finally:
        first.release()
