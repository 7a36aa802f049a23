"""The one way the window calls app/ services: off the GUI thread, results back by signal.

All operations run in order on a single worker thread that owns the database
connection, so SQLite sees one writer and the window never blocks on it
(the idea of Anki's CollectionOp/QueryOp). After each operation, `changed` says which
tables it wrote (as Anki's OpChanges), so every page that shows them refreshes; no page
announces changes by hand.

Long file work (a month's export, its preview and print, the 操作日志, PDFs) goes to
`run_files`: a second worker thread, each job on a connection of its own opened beside the
first (app/database.open_beside) and closed after it, so lists and search answer meanwhile.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from app.database import open_beside
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


class _Beside:
    """The second connection of one file job, opened on the database worker for it."""

    def __init__(self, main: Store) -> None:
        self.main = main
        self.opened = threading.Event()
        self.store: Store | None = None
        self.error: BaseException | None = None


class _OpenBeside(QRunnable):
    """Queued on the database worker, which owns the first connection: when it runs, every
    operation queued before it is done, and it opens the second connection from the first."""

    def __init__(self, beside: _Beside) -> None:
        super().__init__()
        self.beside = beside  # not on the runnable itself, which Qt deletes once it has run

    def run(self) -> None:
        try:
            self.beside.store = open_beside(self.beside.main)
        except BaseException as exc:  # the file cannot be opened again: said like any failure
            self.beside.error = exc
        finally:
            self.beside.opened.set()


class _FileJob(_Job):
    """A job on a connection opened beside the first for it alone, closed when it ends."""

    def __init__(self, number: int, emitter: _Emitter, beside: _Beside, fn: Callable, args, kwargs):
        super().__init__(number, emitter, beside.main, fn, args, kwargs)
        self.beside = beside

    def run(self) -> None:
        # What was saved before the export was asked for is in it: the writes queued before it
        # commit first. Later operations on the database worker need not wait for the export.
        self.beside.opened.wait()
        if self.beside.store is None:
            self.emitter.failed.emit(self.number, self.beside.error, frozenset())
            return
        self.store = self.beside.store
        try:
            super().run()
        finally:
            self.store.close()


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
        self.files_pool = QThreadPool(self)
        self.files_pool.setMaxThreadCount(1)
        self._emitter = _Emitter(self)
        self._emitter.done.connect(self._done)
        self._emitter.failed.connect(self._failed)
        self._pending: dict[int, tuple[Callback | None, Callable | None]] = {}
        self._numbers = itertools.count(1)
        self.stopping = threading.Event()  # set when the window closes: nothing more is queued
        self._busy_timer = QTimer(self, singleShot=True, interval=BUSY_AFTER_MS)
        self._busy_timer.timeout.connect(lambda: self.busy.emit(True))

    def run(self, fn: Callable, *args: Any, on_done: Callback | None = None,
            on_error: Callable[[BaseException], bool | None] | None = None, **kwargs: Any) -> None:
        """Queue fn; on_error may return True when it has shown the error itself."""
        if self.stopping.is_set():
            return  # the window has closed (a form's draft timer may still fire): nothing is queued
        self.pool.start(_Job(self._queue(on_done, on_error), self._emitter, self.store, fn, args, kwargs))

    def run_files(self, fn: Callable, *args: Any, on_done: Callback | None = None,
                  on_error: Callable[[BaseException], bool | None] | None = None, **kwargs: Any) -> None:
        """As run, for writing files: fn gets a store of its own on the second worker.

        It starts once the operations queued with `run` before it are done; later ones run
        beside it. fn runs off the GUI thread like any operation: it reads no widget.
        """
        if self.stopping.is_set():
            return
        beside = _Beside(self.store)
        self.pool.start(_OpenBeside(beside))
        self.files_pool.start(_FileJob(self._queue(on_done, on_error), self._emitter, beside, fn, args, kwargs))

    def _queue(self, on_done: Callback | None, on_error: Callable[[BaseException], bool | None] | None) -> int:
        number = next(self._numbers)
        self._pending[number] = (on_done, on_error)
        if not self._busy_timer.isActive():
            self._busy_timer.start()
        return number

    @property
    def idle(self) -> bool:
        return not self._pending

    def wait(self) -> None:
        """Block until both workers are done (only at shutdown): no thread runs Python after the
        window, and nothing asked for later is queued."""
        self.stopping.set()
        self.files_pool.waitForDone()
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
