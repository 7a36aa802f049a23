"""What every page shares: the ops runner, today, and a signal that records changed."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QObject, Signal

from ui.ops import Ops


class Context(QObject):
    changed = Signal(str)  # a table name whose records changed; pages refresh what shows it
    message = Signal(str)  # a short line for the status bar: what was just saved

    def say(self, text: str) -> None:
        self.message.emit(text)

    def __init__(self, ops: Ops):
        super().__init__()
        self.ops = ops

    def today(self) -> date:
        """The community's date, from the store's clock (tests pin it)."""
        return self.ops.store.clock.today()
