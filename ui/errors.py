"""Showing failures: a Chinese message for what the user can fix, an apology for a bug."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from app import logs
from app.errors import UserError
from db.errors import StorageError, as_storage_error

APOLOGY = "抱歉，程序出了问题，刚才的操作没有完成。已保存的记录不受影响。\n详情已记录在：{path}"


def show_error(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    """Tell the user; never a traceback on screen. Returns the (non-blocking) message box."""
    exc = as_storage_error(exc) or exc
    if isinstance(exc, (UserError, StorageError)):
        box = QMessageBox(QMessageBox.Icon.Warning, "提示", str(exc), QMessageBox.StandardButton.Ok, parent)
    else:
        path = logs.log_bug(exc, "window")
        box = QMessageBox(QMessageBox.Icon.Critical, "出错了", APOLOGY.format(path=path or "（无法写日志）"),
                          QMessageBox.StandardButton.Ok, parent)
    box.button(QMessageBox.StandardButton.Ok).setText("知道了")
    box.open()
    return box
