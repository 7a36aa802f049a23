"""The one way the window calls app/ services: off the GUI thread, results back by signal.

All operations run in order on a single worker thread that owns the database
connection, so SQLite sees one writer and the window never blocks on it
(the idea of Anki's CollectionOp/QueryOp). After each operation, `changed` says which
tables it wrote (as Anki's OpChanges), so every page that shows them refreshes; no page
announces changes by hand.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from db.store import EVERYTHING, Store

Callback = Callable[[Any], None]
BUSY_AFTER_MS = 300


class _Emitter(QObject):
    done = Signal(int, object, object)
    failed = Signal(int, object, object)


class _Job(QRunnable):
    def __init__(self, number: int, emitter: _Emitter, store: Store, fn: Callable, args, kwargs):
        super().__init__()
        self.number, self.emitter, self.store = number, emitter, store
        self.fn, self.args, self.kwargs = fn, args, kwargs

    def run(self) -> None:
        conn = self.store.db.conn
        written_before = conn.total_changes
        self.store.take_changes()
        try:
            result = self.fn(self.store, *self.args, **self.kwargs)
        except BaseException as exc:  # handed to the GUI thread, which decides what to show
            self.emitter.failed.emit(self.number, exc, self._changes(written_before))
        else:
            self.emitter.done.emit(self.number, result, self._changes(written_before))

    def _changes(self, written_before: int) -> frozenset[str]:
        changed = self.store.take_changes()
        if not changed and self.store.db.conn.total_changes != written_before:
            return frozenset({EVERYTHING})  # a write nobody named: refresh everything rather than show stale rows
        return changed


class Ops(QObject):
    """Runs `fn(store, *args)` on the worker thread; callbacks run on the GUI thread."""

    settled = Signal()  # every queued operation has finished (tests wait on this)
    changed = Signal(object)  # frozenset of the tables an operation wrote (EVERYTHING: "*")
    busy = Signal(bool)  # an operation has taken longer than BUSY_AFTER_MS, or all are done

    def __init__(self, store: Store, on_error: Callable[[BaseException], None], parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.on_error = on_error
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._emitter = _Emitter(self)
        self._emitter.done.connect(self._done)
        self._emitter.failed.connect(self._failed)
        self._pending: dict[int, tuple[Callback | None, Callable | None]] = {}
        self._numbers = itertools.count(1)
        self._busy_timer = QTimer(self, singleShot=True, interval=BUSY_AFTER_MS)
        self._busy_timer.timeout.connect(lambda: self.busy.emit(True))

    def run(self, fn: Callable, *args: Any, on_done: Callback | None = None,
            on_error: Callable[[BaseException], bool | None] | None = None, **kwargs: Any) -> None:
        """Queue fn; on_error may return True when it has shown the error itself."""
        number = next(self._numbers)
        self._pending[number] = (on_done, on_error)
        if not self._busy_timer.isActive():
            self._busy_timer.start()
        self.pool.start(_Job(number, self._emitter, self.store, fn, args, kwargs))

    @property
    def idle(self) -> bool:
        return not self._pending

    def wait(self) -> None:
        """Block until the worker is done (only at shutdown)."""
        self.pool.waitForDone()

    @Slot(int, object, object)
    def _done(self, number: int, result: Any, changes: frozenset[str]) -> None:
        on_done, _ = self._pending.pop(number, (None, None))
        if changes:
            self.changed.emit(changes)
        try:
            if on_done:
                on_done(result)
        except BaseException as exc:  # a bug in a callback: reported like any other
            self.on_error(exc)
        self._maybe_settled()

    @Slot(int, object, object)
    def _failed(self, number: int, exc: BaseException, changes: frozenset[str]) -> None:
        _, on_error = self._pending.pop(number, (None, None))
        if changes:
            self.changed.emit(changes)
        handled = False
        try:
            handled = bool(on_error and on_error(exc))
        finally:
            if not handled:
                self.on_error(exc)
            self._maybe_settled()

    def _maybe_settled(self) -> None:
        if not self._pending:
            self._busy_timer.stop()
            self.busy.emit(False)
            self.settled.emit()
