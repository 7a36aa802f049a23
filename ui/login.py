"""Signing in: the dialog shown at start when accounts are on, and again to unlock an idle window."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app import accounts
from app.errors import LoginRefused, UserError
from db.clock import Clock
from ui.forms import error_line, with_error_line
from ui.ops import Ops


class LoginDialog(QDialog):
    """User name and password; the check runs on the worker thread (scrypt takes a moment).

    locked=True is the unlock dialog of an idle-locked window: the user is fixed, the
    password unlocks (accounts.unlock) and Esc does not close it.
    """

    def __init__(self, ops: Ops, *, username: str = "", locked: bool = False,
                 clock: Clock | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ops, self.locked = ops, locked
        self.clock = clock or ops.store.clock
        self.setWindowTitle("已锁定 — 社区台账" if locked else "登录 — 社区台账")
        self.setModal(True)
        intro = QLabel("窗口已锁定（长时间没有操作）。请输入密码继续。" if locked
                       else "本电脑的社区台账已启用账号，请登录。")
        intro.setWordWrap(True)
        self.username = QLineEdit(username)
        self.username.setPlaceholderText("用户名")
        self.username.setReadOnly(locked)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("密码")
        self.username_error, self.password_error = error_line(), error_line()
        form = QFormLayout()
        form.addRow("用户名", with_error_line(self.username, self.username_error))
        form.addRow("密码", with_error_line(self.password, self.password_error))
        buttons = QDialogButtonBox()
        self.login_button = buttons.addButton("解锁" if locked else "登录", QDialogButtonBox.ButtonRole.AcceptRole)
        self.login_button.setDefault(True)
        self.quit_button = buttons.addButton("退出程序", QDialogButtonBox.ButtonRole.RejectRole)
        self.login_button.clicked.connect(self.submit)
        self.quit_button.clicked.connect(self._quit)
        self.password.returnPressed.connect(self.submit)
        self.username.returnPressed.connect(self.password.setFocus)
        # After too many wrong passwords the button waits, then comes back by itself.
        self._wait = QTimer(self, singleShot=True)
        self._wait.timeout.connect(self._waited)
        self._busy = False
        self.quit_requested = False
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        (self.password if (locked or username) else self.username).setFocus()

    def submit(self) -> None:
        if self._busy or not self.login_button.isEnabled():
            return
        self._say(self.username_error, "")
        self._say(self.password_error, "")
        name, password = self.username.text().strip(), self.password.text()
        if not name:
            self._say(self.username_error, "请填写用户名。")
            return
        if not password:
            self._say(self.password_error, "请输入密码。")
            return
        self._busy = True
        self.login_button.setEnabled(False)
        now = self.clock.now()
        if self.locked:
            self.ops.run(accounts.unlock, password, now, on_done=self._done, on_error=self._refused)
        else:
            self.ops.run(accounts.login, name, password, now, on_done=self._done, on_error=self._refused)

    def _done(self, _result) -> None:
        self._busy = False
        self.password.clear()
        self.login_button.setEnabled(True)
        self.accept()

    def _refused(self, exc: BaseException) -> bool:
        self._busy = False
        if not isinstance(exc, UserError):
            self.login_button.setEnabled(True)
            return False
        self.password.clear()
        self.password.setFocus()
        self._say(self.password_error, str(exc))
        wait = exc.wait_seconds if isinstance(exc, LoginRefused) else 0
        if wait:
            self.login_button.setText(f"{'解锁' if self.locked else '登录'}（请稍候）")
            self._wait.start(wait * 1000)
        else:
            self.login_button.setEnabled(True)
        return True

    def _waited(self) -> None:
        self.login_button.setText("解锁" if self.locked else "登录")
        self.login_button.setEnabled(True)
        self._say(self.password_error, "")

    @staticmethod
    def _say(label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def error_text(self) -> str:
        """The error now shown under a field ('' when none)."""
        for label in (self.username_error, self.password_error):
            if label.isVisible() or label.text():
                return label.text()
        return ""

    def _quit(self) -> None:
        self.quit_requested = True
        self.done(QDialog.DialogCode.Rejected)

    def reject(self) -> None:
        # Esc on a locked window must not uncover it; signing in may be cancelled.
        if not self.locked:
            self._quit()
