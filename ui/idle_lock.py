"""The idle lock: after the set idle minutes the window hides its contents and asks for the password."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from app import access, accounts
from ui.context import touches
from ui.ops import EVERYTHING

if TYPE_CHECKING:
    from ui.login import LoginDialog

# What counts as the user being there.
INPUT_EVENTS = {
    QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.InputMethod,
}
CHECK_EVERY_MS = 15_000


class IdleLock(QObject):
    """Notes user input with an application event filter; a timer compares the idle time with
    the setting. `clock` is a monotonic clock in seconds, so tests can move time on without sleeping."""

    locked_changed = Signal(bool)

    def __init__(self, window: QMainWindow, *, clock: Callable[[], float] = time.monotonic,
                 check_ms: int = CHECK_EVERY_MS):
        super().__init__(window)
        self.window = window
        self.ops = window.ops  # type: ignore[attr-defined]
        self.ctx = getattr(window, "ctx", None)
        self.clock = clock
        self.active = False  # accounts are on: there is a password to unlock with
        self.minutes = 10
        self.locked = False
        self.dialog: LoginDialog | None = None
        self._hidden: list[QWidget] = []
        self.last_input = clock()
        QApplication.instance().installEventFilter(self)
        self.timer = QTimer(self, interval=check_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        if self.ctx is not None:
            self.ctx.changed.connect(self._changed)
        self.refresh()

    # -- state ----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read again whether accounts are on and the idle minutes (after a settings change)."""
        self.ops.run(accounts.idle_lock_state, on_done=self._state)

    def _state(self, state: tuple[bool, int]) -> None:
        self.active, self.minutes = state

    def _changed(self, changes: frozenset[str]) -> None:
        if touches(changes, {"settings", "accounts"}):
            self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if not self.locked and event.type() in INPUT_EVENTS:
            self.last_input = self.clock()
        return False

    def idle_seconds(self) -> float:
        return self.clock() - self.last_input

    def check(self) -> bool:
        """Lock when idle too long; True when this check locked the window."""
        if self.locked or not self.active or self.idle_seconds() < self.minutes * 60:
            return False
        self.lock()
        return True

    # -- locking ----------------------------------------------------------------------------

    def lock(self) -> LoginDialog:
        self.locked = True
        # Everything that shows records goes out of sight: the window's contents and its dialogs.
        self._hidden = [w for w in QApplication.topLevelWidgets()
                        if w is not self.window and w.isVisible() and self._belongs(w)]
        for widget in self._hidden:
            widget.hide()
        central = self.window.centralWidget()
        if central is not None:
            central.hide()
        self.ops.run(accounts.lock)
        self.locked_changed.emit(True)
        # Imported when first needed: the sign-in form is not part of every start.
        from ui.login import LoginDialog

        self.dialog = LoginDialog(self.ops, username=access.current(self.ops.store).user, locked=True, parent=self.window)
        self.dialog.accepted.connect(self._unlocked)
        self.dialog.rejected.connect(self._gave_up)
        self.dialog.open()
        return self.dialog

    def _belongs(self, widget: QWidget) -> bool:
        parent = widget.parentWidget()
        while parent is not None:
            if parent is self.window:
                return True
            parent = parent.parentWidget()
        return False

    def _unlocked(self) -> None:
        central = self.window.centralWidget()
        if central is not None:
            central.show()
        for widget in self._hidden:
            widget.show()
        self._hidden = []
        self.locked = False
        self.last_input = self.clock()
        self.dialog = None
        self.locked_changed.emit(False)
        if self.ctx is not None:
            # Pages read their lists again: a number revealed before the lock is masked again.
            self.ctx.changed.emit(frozenset({EVERYTHING}))

    def _gave_up(self) -> None:
        # 退出程序 on the lock dialog: the window closes without showing its contents again.
        if self.dialog is not None and self.dialog.quit_requested:
            self.window.close()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
