"""Opening a database another window still holds: say so at once, keep trying for a moment.

A window closed a moment ago may still be writing its backup on exit, so a new one waits a few
seconds for the lock; a window still in use never lets go. Either way the user is told straight
away what is happening and may stop waiting, instead of seeing nothing for seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from db.errors import DatabaseInUse

T = TypeVar("T")
RETRY_MS = 200
WAITING = ("已有一个社区台账窗口在使用这个数据库，正在等待它关闭……\n\n"
           "如果那个窗口还要用，请点“不等了”，切换到那个窗口继续工作。")


class LockWait(QDialog):
    """Tries `attempt` every RETRY_MS until it stops raising DatabaseInUse or `seconds` pass.

    `outcome` is then what it returned; `error` what else it raised, or the last DatabaseInUse
    when the time ran out; both stay None when the user stopped waiting.
    """

    def __init__(self, attempt: Callable[[], Any], seconds: float, parent: QWidget | None = None,
                 *, clock: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self.setWindowTitle("社区台账")
        self.attempt, self.clock = attempt, clock
        self.deadline = clock() + seconds
        self.outcome: Any = None
        self.error: BaseException | None = None
        self.text = QLabel(WAITING)
        self.text.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.stop_button = self.buttons.addButton("不等了 (Esc)", QDialogButtonBox.ButtonRole.RejectRole)
        self.stop_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self.timer = QTimer(self, interval=RETRY_MS)
        self.timer.timeout.connect(self._try)
        self.timer.start()
        self.finished.connect(lambda _: self.timer.stop())

    def _try(self) -> None:
        # Stopped while trying: the attempt may ask a question (restore a backup?) in a nested
        # event loop, where a second try must not start.
        self.timer.stop()
        try:
            self.outcome = self.attempt()
        except DatabaseInUse as exc:
            if self.clock() >= self.deadline:
                self.error = exc
                self.done(QDialog.DialogCode.Rejected)
            elif self.isVisible():
                self.timer.start()
            return
        except Exception as exc:  # noqa: BLE001 - handed back to the caller, who shows it
            self.error = exc
            self.done(QDialog.DialogCode.Rejected)
            return
        self.accept()


def open_when_free(attempt: Callable[[], T], seconds: float) -> T | None:
    """`attempt()` at once; while the database is in use, a LockWait says so and keeps trying.

    Returns what `attempt` returned, or None when the user stopped waiting; raises what it
    raised otherwise (DatabaseInUse when the time ran out).
    """
    try:
        return attempt()
    except DatabaseInUse:
        if seconds <= 0:
            raise
    wait = LockWait(attempt, seconds)
    wait.setWindowModality(Qt.WindowModality.ApplicationModal)
    wait.exec()
    if wait.error is not None:
        raise wait.error
    return wait.outcome
