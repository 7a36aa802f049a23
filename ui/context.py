"""What every page shares: the ops runner, today, and a signal that records changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from PySide6.QtCore import QObject, Signal

from ui.ops import EVERYTHING, Ops


def touches(changes: frozenset[str], tables: Iterable[str]) -> bool:
    """Whether a change (the tables an operation wrote) affects what shows `tables`."""
    return EVERYTHING in changes or not changes.isdisjoint(tables)


class Context(QObject):
    # frozenset of the tables an operation wrote; each page refreshes when it shows one of them
    changed = Signal(object)

    def __init__(self, ops: Ops):
        super().__init__()
        self.ops = ops
        ops.changed.connect(self.changed)

    def today(self) -> date:
        """The community's date, from the store's clock (tests pin it)."""
        return self.ops.store.clock.today()
