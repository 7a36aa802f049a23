"""`community-ledger`: with a subcommand it runs headless (app.cli); without one it opens the window."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app import cli
from ui import preflight


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if preflight.needs_console(argv, has_console=sys.stdout is not None):
        return tell_to_use_console()
    try:
        args = cli.build_parser().parse_args(argv)
    except cli.UsageError as exc:
        print(exc, file=sys.stderr)
        return cli.EXIT_USAGE
    if args.command is not None:
        return cli.main(argv)
    return open_window(Path(args.db) if args.db else None, username=args.user or "")


def open_window(db_path: Path | None, *, username: str = "") -> int:
    problem = preflight.xcb_problem(os.environ)
    if problem:  # instead of Qt's abort, which names a library but no package to install
        print(problem, file=sys.stderr)
        return cli.EXIT_USAGE
    from importlib import resources

    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app import startup
    from app.errors import UserError
    from app.paths import default_db_path
    from db import street as street_db
    from db.errors import StorageError
    from db.writer_lock import lock_path
    from ui.lock_wait import open_when_free
    from ui.window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("社区台账")
    app.setWindowIcon(QIcon(str(resources.files("ui").joinpath("icon.png"))))
    path = db_path or default_db_path()
    try:
        kind = street_db.kind_of(path)
    except StorageError:
        kind = "community"  # a damaged file: the community's start-up check offers its backups
    # Never opened here before (no lock file beside it): a new PC chooses what it is for. A file
    # that went missing after use goes on to the community's start-up, which offers its backups.
    if kind is None and not lock_path(path).exists():
        kind = ask_kind()
        if kind is None:
            return 0  # closed without choosing
    if kind == "street":
        return open_street_window(path)
    try:
        # Another window holding the database is said at once, not after seconds of nothing.
        session = open_when_free(lambda: startup.open_session(path, ask_restore=ask_restore, wait=0),
                                 startup.LOCK_WAIT_S)
    except (StorageError, UserError) as exc:
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return cli.EXIT_USAGE
    if session is None:
        return cli.EXIT_USAGE  # the user stopped waiting for the other window
    if not sign_in(session.store, username):
        session.close()
        return 0  # the user chose not to sign in
    window = MainWindow(session.store)
    window.showMaximized()  # a 1366×768 screen with a taskbar keeps the status bar in sight
    window.first_start()
    code = app.exec()
    from app.accounts import logout

    logout(session.store)
    # The window is gone; the backup on exit (when anything changed) happens here.
    session.close()
    return code


def tell_to_use_console() -> int:
    """The windowed program has no console to print to: say so in a message box."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("社区台账")
    QMessageBox.information(None, "社区台账", preflight.USE_CONSOLE_PROGRAM)
    return cli.EXIT_USAGE


def ask_kind() -> str | None:
    """The first start on a new database: a community's ledger, or the 街道's summary of its communities."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, "欢迎使用社区台账",
                      "这台电脑用来做什么？\n\n社区：居委会、村委会录入日常记录，打印月度台账。\n"
                      "街道汇总：街道导入各社区报送的签名月报，查看和打印街道月度汇总表。")
    community = box.addButton("社区", QMessageBox.ButtonRole.AcceptRole)
    street = box.addButton("街道汇总", QMessageBox.ButtonRole.ActionRole)
    box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(community)
    box.exec()
    clicked = box.clickedButton()
    return "community" if clicked is community else "street" if clicked is street else None


def open_street_window(path: Path) -> int:
    """The street PC: its own database kind and window (ui/pages/street.py)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    from app import street
    from app.errors import UserError
    from db.errors import StorageError
    from ui.pages.street import StreetWindow

    try:
        session = street.open_session(path)
    except (StorageError, UserError) as exc:
        QMessageBox.critical(None, "无法打开数据库", str(exc))
        return cli.EXIT_USAGE
    window = StreetWindow(session)
    window.showMaximized()  # as the community window: 1280×720 is taller than a 150 % screen with a taskbar
    code = QApplication.instance().exec()
    session.close()
    return code


def sign_in(store, username: str = "") -> bool:
    """With accounts on, the LoginDialog before the window; False when the user gave up."""
    from app import accounts
    from ui.errors import show_error
    from ui.login import LoginDialog
    from ui.ops import Ops

    if not accounts.enabled(store):
        return True
    ops = Ops(store, on_error=lambda exc: show_error(None, exc))
    dialog = LoginDialog(ops, username=username)
    accepted = dialog.exec() == LoginDialog.DialogCode.Accepted
    ops.wait()
    return accepted


def ask_restore(problem: str, backup) -> bool:
    """A damaged database at start: offer the newest sound backup, never open it as if fine."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, "数据库已损坏",
                      f"{problem}\n\n最新的完好备份：{backup.label}\n\n"
                      "恢复这个备份吗？当前的文件会移到备份文件夹里保留，不会删除。"
                      "备份之后录入的记录需要重新录入。")
    yes = box.addButton("恢复备份", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("不恢复，退出", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is yes


def run() -> None:
    sys.exit(main())
