"""What every page shares: the ops runner, today, and a signal that records changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QObject, Signal

from ui.ops import Ops


class Context(QObject):
    changed = Signal(str)  # a table name whose records changed; pages refresh what shows it

    def __init__(self, ops: Ops, today: Callable[[], date] = date.today):
        super().__init__()
        self.ops = ops
        self.today = today
