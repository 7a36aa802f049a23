"""Accounts in the window: the login dialog, the idle lock, masked lists with the reveal, and the
账号与权限 panel of 设置."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from app import access, accounts
from db.clock import FixedClock
from ui.login import LoginDialog
from ui.ops import Ops
from tests.ui.conftest import make_window, press, settle

ADMIN_PW = "admin-secret-1"
STAFF_PW = "staff-secret-2"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def audit(store, action: str) -> list[dict]:
    return store.query("SELECT * FROM audit WHERE action = ? ORDER BY rowid", [action])


@pytest.fixture
def staff_store(demo_store):
    """The demo community with accounts on, signed in as the 工作人员 xiaowang."""
    accounts.create_admin(demo_store, "admin", ADMIN_PW)
    accounts.add_account(demo_store, "xiaowang", STAFF_PW)
    accounts.login(demo_store, "xiaowang", STAFF_PW, NOW)
    return demo_store


@pytest.fixture
def staff_window(qtbot, staff_store):
    w = make_window(qtbot, staff_store)
    yield w
    settle(qtbot, w)
    w.ops.wait()


def wait_ops(qtbot, ops: Ops) -> None:
    if not ops.idle:
        with qtbot.waitSignal(ops.settled, timeout=10000):
            pass


# -- the login dialog ------------------------------------------------------------------------


@pytest.fixture
def login_ops(qtbot, demo_store):
    accounts.create_admin(demo_store, "admin", ADMIN_PW)
    accounts.add_account(demo_store, "xiaowang", STAFF_PW)
    access.sign_in(demo_store, "", access.ADMIN)  # a fresh start: nobody signed in yet
    errors: list[BaseException] = []
    ops = Ops(demo_store, on_error=errors.append)
    yield ops, errors
    ops.wait()


def test_login_dialog_refuses_a_wrong_password_and_accepts_the_right_one(qtbot, login_ops, demo_store):
    ops, errors = login_ops
    dialog = LoginDialog(ops, clock=FixedClock(NOW))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("xiaowang")
    dialog.password.setText("wrong-guess")
    press(qtbot, dialog.password, Qt.Key.Key_Return)
    wait_ops(qtbot, ops)
    assert dialog.isVisible() and dialog.result() != LoginDialog.DialogCode.Accepted
    assert dialog.password_error.text() == "用户名或密码不对，请重新输入。"
    assert dialog.password.text() == ""  # typed again, not left in the box
    assert access.current(demo_store).user == ""

    dialog.password.setText(STAFF_PW)
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.login_button.click()
    assert access.current(demo_store) == access.SignedIn("xiaowang", "staff")
    assert errors == []


def test_login_dialog_shows_the_wait_after_repeated_wrong_passwords(qtbot, login_ops, demo_store):
    ops, errors = login_ops
    dialog = LoginDialog(ops, username="xiaowang", clock=FixedClock(NOW))
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(3):
        dialog.password.setText("wrong-guess")
        dialog.submit()
        wait_ops(qtbot, ops)
    assert "30 秒后再试" in dialog.password_error.text()
    assert not dialog.login_button.isEnabled()  # comes back by itself when the wait is over
    dialog.password.setText(STAFF_PW)
    dialog.submit()  # ignored while waiting
    wait_ops(qtbot, ops)
    assert dialog.result() != LoginDialog.DialogCode.Accepted and access.current(demo_store).user == ""


def test_login_dialog_asks_for_a_user_name_first(qtbot, login_ops):
    ops, _ = login_ops
    dialog = LoginDialog(ops)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.password.setText(STAFF_PW)
    dialog.submit()
    assert dialog.username_error.text() == "请填写用户名。"
    assert ops.idle  # nothing was sent to check


# -- the idle lock -------------------------------------------------------------------------------


def test_idle_lock_hides_the_window_and_unlocks_with_the_right_password_only(qtbot, staff_window):
    window, store = staff_window, staff_window.store
    lock = window.idle_lock
    assert lock.active and lock.minutes == 10
    clock = Clock()
    lock.clock, lock.last_input = clock, clock()
    clock.now += 9 * 60
    assert not lock.check()
    # Input counts as the user being there: the idle time starts again.
    QApplication.sendEvent(window.nav, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Down, Qt.KeyboardModifier.NoModifier))
    assert lock.last_input == clock.now
    clock.now += 9 * 60
    assert not lock.check()
    clock.now += 60
    assert lock.check()
    settle(qtbot, window)
    assert lock.locked and not window.centralWidget().isVisible()
    dialog = lock.dialog
    assert dialog.isVisible() and dialog.username.text() == "xiaowang" and dialog.username.isReadOnly()
    dialog.reject()  # Esc does not uncover the window
    assert dialog.isVisible()

    dialog.password.setText(ADMIN_PW)  # another account's password does not unlock
    dialog.submit()
    settle(qtbot, window)
    assert lock.locked and not window.centralWidget().isVisible()
    assert dialog.password_error.text() == "用户名或密码不对，请重新输入。"

    dialog.password.setText(STAFF_PW)
    with qtbot.waitSignal(lock.locked_changed, timeout=10000):
        dialog.submit()
    settle(qtbot, window)
    assert not lock.locked and window.centralWidget().isVisible()
    assert [r["user"] for r in audit(store, "lock")] == ["xiaowang"]
    assert [r["user"] for r in audit(store, "unlock")] == ["xiaowang"]
    assert not lock.check()  # the idle time starts again after unlocking


def test_without_accounts_the_window_never_locks(qtbot, window):
    lock = window.idle_lock
    clock = Clock()
    lock.clock, lock.last_input = clock, clock()
    clock.now += 121 * 60
    assert not lock.active and not lock.check()
    assert window.centralWidget().isVisible()


def test_the_idle_minutes_follow_the_setting(qtbot, staff_window):
    window = staff_window
    accounts.login(window.store, "admin", ADMIN_PW, NOW)
    page = window.go("设置")
    settle(qtbot, window)
    panel = page.accounts
    assert panel.idle_row.isVisibleTo(panel)
    panel.idle.setValue(3)
    panel.idle_button.click()
    settle(qtbot, window)
    assert window.idle_lock.minutes == 3


# -- masked lists and the reveal -----------------------------------------------------------------


def test_staff_list_is_masked_and_ctrl_r_reveals_the_selected_row_only(qtbot, staff_window):
    window, store = staff_window, staff_window.store
    page = window.go("居民")
    settle(qtbot, window)
    id_column = [c.title for c in page.model.columns].index("身份证号")
    shown = lambda row: page.model.data(page.model.index(row, id_column))  # noqa: E731
    assert page.model.rowCount() > 2
    assert all("********" in page.model.row(i)["id_number"] for i in range(page.model.rowCount())
               if page.model.row(i)["id_number"])  # masked by app/, not only on screen
    page.view.selectRow(1)
    record_id = page.model.row(1)["id"]
    press(qtbot, page.view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    full = store.get("people", record_id)["id_number"]
    assert shown(1) == full and "*" not in full
    assert "********" in shown(0) and "********" in shown(2)
    rows = audit(store, "reveal")
    assert len(rows) == 1
    assert (rows[0]["user"], rows[0]["table_name"], rows[0]["record_id"]) == ("xiaowang", "people", record_id)
    assert full not in rows[0]["after"]
    # Another row's reveal masks the first again: one record at a time.
    page.view.selectRow(2)
    page.reveal_current()
    settle(qtbot, window)
    assert "********" in shown(1) and "********" not in shown(2)
    assert len(audit(store, "reveal")) == 2


def test_staff_cannot_choose_full_numbers_on_the_export_page(qtbot, staff_window):
    page = staff_window.go("台账导出")
    settle(qtbot, staff_window)
    assert not page.unmasked.isEnabled() and not page.unmasked.isChecked()


# -- the 账号与权限 panel -------------------------------------------------------------------------


def test_setting_the_administrator_password_turns_accounts_on(qtbot, window):
    store = window.store
    page = window.go("设置")
    settle(qtbot, window)
    panel = page.accounts
    assert panel.setup_button.isVisibleTo(panel) and not panel.table.isVisibleTo(panel)
    dialog = panel.set_up()
    dialog.username.setText("admin")
    dialog.password.setText("short")
    dialog.repeat.setText("short")
    dialog.submit()
    assert "至少 6 个字符" in dialog.errors["password"].text()
    dialog.password.setText(ADMIN_PW)
    dialog.repeat.setText(ADMIN_PW + "x")
    dialog.submit()
    assert dialog.errors["repeat"].text() == "两次输入的密码不一致，请重新输入"
    assert window.ops.idle
    dialog.repeat.setText(ADMIN_PW)
    dialog.submit()
    settle(qtbot, window)
    assert not dialog.isVisible()
    assert accounts.enabled(store) and access.current(store).user == "admin"
    assert not panel.setup_button.isVisibleTo(panel) and panel.table.isVisibleTo(panel)
    assert panel.table.rowCount() == 1 and panel.table.item(0, 1).text() == "管理员"
    assert window.idle_lock.active  # the lock now has a password to ask for

    add = panel.add()
    add.username.setText("xiaowang")
    add.password.setText(STAFF_PW)
    add.repeat.setText(STAFF_PW)
    add.submit()
    settle(qtbot, window)
    assert [(r["username"], r["role"]) for r in panel.rows] == [("admin", "admin"), ("xiaowang", "staff")]
    panel.table.selectRow(0)
    panel.toggle_role()  # the last 管理员 stays one
    settle(qtbot, window)
    assert "最后一个管理员" in panel.message.text()


def test_staff_sees_only_their_own_password_in_the_panel(qtbot, staff_window):
    page = staff_window.go("设置")
    settle(qtbot, staff_window)
    panel = page.accounts
    assert not panel.table.isVisibleTo(panel) and not panel.add_button.isVisibleTo(panel)
    assert panel.own_button.isVisibleTo(panel)
    assert access.current(staff_window.store).user == "xiaowang"


def test_a_staff_edit_form_with_full_numbers_is_audited_as_a_reveal(qtbot, staff_window):
    window, store = staff_window, staff_window.store
    page = window.go("居民")
    settle(qtbot, window)
    row = next(i for i in range(page.model.rowCount()) if page.model.row(i)["id_number"])
    page.view.selectRow(row)
    page.edit_current()
    settle(qtbot, window)
    record_id = page.model.row(row)["id"]
    assert page.dialog.widgets["id_number"].text() == store.get("people", record_id)["id_number"]
    rows = audit(store, "reveal")
    assert [(r["user"], r["record_id"]) for r in rows] == [("xiaowang", record_id)]
    assert '"form": "编辑"' in rows[0]["after"]
    page.dialog.reject()


def _answer_login(password: str | None) -> None:
    """Fill the start-up login dialog once it is up (it runs its own event loop)."""
    from PySide6.QtCore import QTimer

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, LoginDialog):
            QTimer.singleShot(10, answer)
            return
        if password is None:
            dialog.quit_button.click()
        else:
            dialog.password.setText(password)
            dialog.login_button.click()

    QTimer.singleShot(0, answer)


def test_start_up_asks_to_sign_in_and_cancel_gives_up(qtbot, login_ops, demo_store):
    from ui.main import sign_in

    _answer_login(None)
    assert sign_in(demo_store, "xiaowang") is False
    assert access.current(demo_store).user == ""
    _answer_login(STAFF_PW)
    assert sign_in(demo_store, "xiaowang") is True
    assert access.current(demo_store) == access.SignedIn("xiaowang", "staff")


def test_start_up_without_accounts_asks_nothing(qtbot, demo_store):
    from ui.main import sign_in

    assert sign_in(demo_store) is True


def test_staff_cannot_reach_the_administrators_parts_of_the_window(qtbot, staff_window):
    row = staff_window.page_names.index("操作日志")
    assert staff_window.nav.isRowHidden(row)
    page = staff_window.go("设置")
    settle(qtbot, staff_window)
    assert page.edits["community_name"].isReadOnly() and page.save_button.isHidden()
    assert "只有管理员" in page.message.text()
    assert not page.checklist.new_button.isEnabled() and not page.checklist.delete_button.isEnabled()
    assert page.backups.restore_button.isHidden() and page.backups.restore_file_button.isHidden()
    assert page.backups.backup_button.isEnabled()  # anyone may take a backup


def test_an_administrator_has_every_part(qtbot, window):
    assert not window.nav.isRowHidden(window.page_names.index("操作日志"))
    page = window.go("设置")
    settle(qtbot, window)
    assert not page.save_button.isHidden() and page.checklist.new_button.isEnabled()
    assert not page.backups.restore_button.isHidden()
