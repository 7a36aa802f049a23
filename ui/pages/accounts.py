"""账号与权限, a panel of 设置: accounts, roles, passwords and the idle-lock minutes.

Password forms are small dialogs of their own (not FormDialog), so a password never
passes through the form machinery (drafts and the like).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import access, accounts, settings
from app.errors import UserError, ValidationError
from ui.context import Context
from ui.forms import error_line, with_error_line

OFF_TEXT = ("尚未启用账号：打开本程序的人都可以做所有事。设置管理员密码后，每次打开都要登录，"
            "并可添加“工作人员”账号（只能录入和导出遮盖号码的台账）。")


class PasswordDialog(QDialog):
    """User name (when new), role (when new), password twice; the errors show under the fields."""

    def __init__(self, parent: QWidget, title: str, *, username: str = "", new_account: bool = False,
                 ask_role: bool = False, ask_current: bool = False):
        super().__init__(parent)
        self.setWindowTitle(title)
        form = QFormLayout()
        self.errors: dict[str, QLabel] = {}
        self.username = QLineEdit(username)
        self.username.setReadOnly(not new_account)
        self.username.setPlaceholderText("2–20 个汉字、字母或数字")
        self._row(form, "username", "用户名", self.username)
        self.role = QComboBox()
        for key, label in accounts.ROLES.items():
            self.role.addItem(label, key)
        self.role.setCurrentIndex(1)  # 工作人员: the usual new account
        if ask_role:
            self._row(form, "role", "角色", self.role)
        self.current = QLineEdit()
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        if ask_current:
            self._row(form, "current", "当前密码", self.current)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"至少 {accounts.MIN_PASSWORD} 个字符")
        self._row(form, "password", "新密码", self.password)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self._row(form, "repeat", "再输入一次", self.repeat)
        self.message = QLabel("")
        self.message.setStyleSheet("color: #c0392b;")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("确定", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setDefault(True)
        buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(self.reject)
        self.ok_button.clicked.connect(self.submit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.save: Callable[[], None] | None = None
        (self.username if new_account else (self.current if ask_current else self.password)).setFocus()

    def _row(self, form: QFormLayout, key: str, label: str, widget: QWidget) -> None:
        error = error_line()
        self.errors[key] = error
        form.addRow(label, with_error_line(widget, error))

    def show_error(self, key: str, text: str) -> None:
        label = self.errors.get(key)
        if label is None:
            self.message.setText(text)
            self.message.show()
        else:
            label.setText(text)
            label.show()

    def clear_errors(self) -> None:
        for label in (*self.errors.values(), self.message):
            label.setText("")
            label.hide()

    def check(self) -> bool:
        """Checks that need no database: the rules of app.accounts and that both entries agree."""
        self.clear_errors()
        ok = True
        if not self.username.isReadOnly():
            try:
                accounts.clean_username(self.username.text())
            except ValidationError as exc:
                self.show_error("username", str(exc))
                ok = False
        try:
            accounts.clean_password(self.password.text())
        except ValidationError as exc:
            self.show_error("password", str(exc))
            ok = False
        if ok and self.password.text() != self.repeat.text():
            self.show_error("repeat", "两次输入的密码不一致，请重新输入")
            ok = False
        return ok

    def submit(self) -> None:
        if self.check() and self.save is not None:
            self.ok_button.setEnabled(False)
            self.save()

    def refused(self, exc: BaseException) -> bool:
        self.ok_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            for key, text in exc.errors.items():
                self.show_error(key, text)
            return True
        if isinstance(exc, UserError):
            key = "current" if "当前密码" in str(exc) else ""
            self.show_error(key, str(exc))
            return True
        return False


class AccountsPanel(QGroupBox):
    """Accounts off: one button to set the administrator's password. On: the 管理员 manages
    accounts and the idle lock; a 工作人员 sees only “修改我的密码”."""

    def __init__(self, ctx: Context):
        super().__init__("账号与权限")
        self.ctx, self.ops = ctx, ctx.ops
        self.enabled = False
        self.state = QLabel(OFF_TEXT)
        self.state.setWordWrap(True)
        self.setup_button = QPushButton("设置管理员密码…")
        self.setup_button.clicked.connect(self.set_up)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["用户名", "角色"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(150)
        self.add_button = QPushButton("添加账号…")
        self.password_button = QPushButton("修改密码…")
        self.role_button = QPushButton("改变角色")
        self.remove_button = QPushButton("删除账号")
        self.own_button = QPushButton("修改我的密码…")
        self.add_button.clicked.connect(self.add)
        self.password_button.clicked.connect(self.change_password)
        self.role_button.clicked.connect(self.toggle_role)
        self.remove_button.clicked.connect(self.remove)
        self.own_button.clicked.connect(self.change_own_password)
        self.idle = QSpinBox()
        self.idle.setRange(*settings.IDLE_LOCK_RANGE)
        self.idle.setSuffix(" 分钟")
        self.idle_button = QPushButton("保存")
        self.idle_button.clicked.connect(self.save_idle)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.setup_button, self.add_button, self.password_button, self.role_button,
                       self.remove_button, self.own_button):
            buttons.addWidget(button)
        buttons.addStretch()
        self.idle_row = QWidget()
        idle = QHBoxLayout(self.idle_row)
        idle.setContentsMargins(0, 0, 0, 0)
        idle.addWidget(QLabel("无操作自动锁定："))
        idle.addWidget(self.idle)
        idle.addWidget(self.idle_button)
        idle.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.idle_row)
        layout.addWidget(self.message)
        layout.addStretch(0)  # takes the height only while the table is hidden (accounts off)
        self.dialog: PasswordDialog | None = None
        self._show_state(False, [])

    # -- showing ------------------------------------------------------------------------

    def reload(self) -> None:
        def read(store):
            on = accounts.enabled(store)
            listed = accounts.list_accounts(store) if on and access.is_admin(store) else []
            return on, listed, settings.load(store).idle_lock_minutes

        def shown(result) -> None:
            on, listed, minutes = result
            self.idle.setValue(minutes)
            self._show_state(on, listed)

        self.ops.run(read, on_done=shown)

    def _show_state(self, on: bool, listed: list[dict]) -> None:
        self.enabled = on
        admin = access.is_admin(self.ops.store)
        me = access.current(self.ops.store)
        self.rows = listed
        self.state.setText(OFF_TEXT if not on else
                           f"已启用账号，当前登录：{me.user}（{accounts.role_label(me.role)}）。")
        self.setup_button.setVisible(not on)
        manage = on and admin
        for widget in (self.table, self.add_button, self.password_button, self.role_button, self.remove_button,
                       self.idle_row):
            widget.setVisible(manage)
        self.own_button.setVisible(on and not admin)
        self.table.setRowCount(len(listed))
        for i, row in enumerate(listed):
            self.table.setItem(i, 0, QTableWidgetItem(row["username"]))
            self.table.setItem(i, 1, QTableWidgetItem(accounts.role_label(row["role"])))
        if listed and self.table.currentRow() < 0:
            self.table.selectRow(0)

    def selected(self) -> dict | None:
        index = self.table.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def say(self, text: str, ok: bool = True) -> None:
        self.message.setStyleSheet("color: #1e7e34;" if ok else "color: #c0392b;")
        self.message.setText(text)

    def _after(self, text: str, dialog: PasswordDialog | None = None) -> Callable:
        def done(_result) -> None:
            if dialog is not None:
                dialog.accept()
            self.say(text)
            self.reload()

        return done

    def _refused(self, exc: BaseException) -> bool:
        if isinstance(exc, UserError):
            self.say(str(exc), ok=False)
            return True
        return False

    # -- actions ------------------------------------------------------------------------

    def _open(self, dialog: PasswordDialog, save: Callable[[PasswordDialog], None]) -> PasswordDialog:
        self.dialog = dialog
        dialog.save = lambda: save(dialog)
        dialog.open()
        return dialog

    def set_up(self) -> PasswordDialog:
        dialog = PasswordDialog(self, "设置管理员密码", username="管理员", new_account=True)

        def save(d: PasswordDialog) -> None:
            self.ops.run(accounts.create_admin, d.username.text().strip(), d.password.text(),
                         on_done=self._after("已启用账号。以后每次打开程序都要登录；请牢记密码。", d),
                         on_error=d.refused)

        return self._open(dialog, save)

    def add(self) -> PasswordDialog:
        dialog = PasswordDialog(self, "添加账号", new_account=True, ask_role=True)

        def save(d: PasswordDialog) -> None:
            self.ops.run(accounts.add_account, d.username.text().strip(), d.password.text(), d.role.currentData(),
                         on_done=self._after("已添加账号。", d), on_error=d.refused)

        return self._open(dialog, save)

    def change_password(self) -> PasswordDialog | None:
        row = self.selected()
        if row is None:
            return None
        own = row["username"] == access.current(self.ops.store).user
        return self._password_dialog(row["username"], own)

    def change_own_password(self) -> PasswordDialog:
        return self._password_dialog(access.current(self.ops.store).user, True)

    def _password_dialog(self, username: str, own: bool) -> PasswordDialog:
        dialog = PasswordDialog(self, f"修改密码：{username}", username=username, ask_current=own)

        def save(d: PasswordDialog) -> None:
            self.ops.run(accounts.change_password, username, d.password.text(),
                         current_password=d.current.text() if own else None,
                         on_done=self._after("密码已修改。", d), on_error=d.refused)

        return self._open(dialog, save)

    def toggle_role(self) -> None:
        row = self.selected()
        if row is None:
            return
        role = "staff" if row["role"] == "admin" else "admin"
        self.ops.run(accounts.set_role, row["username"], role,
                     on_done=self._after(f"“{row['username']}”已改为{accounts.role_label(role)}。"),
                     on_error=self._refused)

    def remove(self) -> QMessageBox | None:
        row = self.selected()
        if row is None:
            return None
        box = QMessageBox(QMessageBox.Icon.Question, "删除账号", f"删除账号“{row['username']}”？删除后该账号不能再登录。",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.button(QMessageBox.StandardButton.Yes).setText("删除")
        box.button(QMessageBox.StandardButton.No).setText("取消")
        box.setDefaultButton(QMessageBox.StandardButton.No)

        def answered(_code: int) -> None:
            if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
                self.ops.run(accounts.remove_account, row["username"], on_done=self._after("已删除账号。"),
                             on_error=self._refused)

        box.finished.connect(answered)
        self.confirm = box
        box.open()
        return box

    def save_idle(self) -> None:
        minutes = self.idle.value()
        self.ops.run(settings.save, {"idle_lock_minutes": minutes},
                     on_done=lambda _: self.say(f"无操作 {minutes} 分钟后自动锁定。"),
                     on_error=self._refused)
