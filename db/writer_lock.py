"""One writer per database file: a lock file beside it, held while a window or a writing
command has the database open.

The operating system drops the lock when the process ends, however it ends, so a killed
program never leaves a stale lock. The lock file also remembers whether the last session
closed cleanly and what the database file looked like then, so a start after a clean close
can skip the integrity check (which reads the whole file).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import IO, Any

from db.errors import DatabaseInUse

OPEN = "open"


def lock_path(db_file: str | Path) -> Path:
    db_file = Path(db_file)
    return db_file.with_name(db_file.name + ".lock")


def file_stamp(db_file: str | Path) -> dict[str, int] | None:
    """Size and modification time of the database file (None when there is none)."""
    try:
        info = os.stat(db_file)
    except OSError:
        return None
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}


class WriterLock:
    """The right to write one database file, held from acquire() to release()."""

    def __init__(self, db_file: str | Path):
        self.db_file = Path(db_file)
        self.path = lock_path(self.db_file)
        self._handle: IO[str] | None = None
        self.previous: dict[str, Any] = {}

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self, *, wait: float = 0) -> WriterLock:
        """Take the lock or raise DatabaseInUse; remembers how the last session ended.

        `wait`: seconds to keep trying, for a start just after a close (the closing program
        may still be writing its backup).
        """
        if self._handle is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        deadline = time.monotonic() + wait
        while True:
            try:
                _lock(handle)
                break
            except OSError:
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                handle.close()
                raise DatabaseInUse(
                    f"数据库“{self.db_file.name}”已在另一个社区台账窗口或程序中打开。"
                    "请切换到那个窗口继续；如果确实没有打开，请重新启动电脑后再试。"
                ) from None
        self._handle = handle
        self.previous = self._read()
        self._write({"state": OPEN, "pid": os.getpid()})
        return self

    def closed_cleanly(self) -> bool:
        """The last session ended by release(clean=True) and the file is as it left it."""
        return (self.previous.get("state") == "closed"
                and self.previous.get("file") == file_stamp(self.db_file))

    def release(self, *, clean: bool = True) -> None:
        """Give the lock up; `clean` after the database was closed normally."""
        if self._handle is None:
            return
        if clean:
            self._write({"state": "closed", "file": file_stamp(self.db_file)})
        try:
            _unlock(self._handle)
        finally:
            self._handle.close()
            self._handle = None

    def _read(self) -> dict[str, Any]:
        assert self._handle is not None
        self._handle.seek(0)
        try:
            value = json.loads(self._handle.read() or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _write(self, value: dict[str, Any]) -> None:
        assert self._handle is not None
        # The byte Windows locks is far past the text, so rewriting the text is allowed.
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(json.dumps(value))
        self._handle.flush()
        os.fsync(self._handle.fileno())


if sys.platform == "win32":
    import msvcrt

    _WINDOWS_BYTE = 1 << 30

    def _lock(handle: IO[str]) -> None:
        os.lseek(handle.fileno(), _WINDOWS_BYTE, os.SEEK_SET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[str]) -> None:
        os.lseek(handle.fileno(), _WINDOWS_BYTE, os.SEEK_SET)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    # flock, not lockf: two opens in the same process conflict too, as two windows would.
    def _lock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
