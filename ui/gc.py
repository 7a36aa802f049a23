"""Python's cyclic garbage collection, run on the GUI thread only.

A collection may start in whichever thread happens to allocate, and collecting a Qt
object's wrapper on the worker thread destroys the widget there, which crashes Qt.
So automatic collection is off while the window lives and a timer collects on the
GUI thread instead (Anki does the same).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 1000


class GarbageCollector(QObject):
    def __init__(self, parent: QObject):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self, interval=INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        self.timer.start()

    def check(self) -> None:
        first, second, third = gc.get_count()
        if first > self.threshold[0]:
            gc.collect(2 if third > self.threshold[2] else 1 if second > self.threshold[1] else 0)

    def stop(self) -> None:
        """Hand collection back to Python (the window is closing)."""
        self.timer.stop()
        gc.collect()
        gc.enable()
