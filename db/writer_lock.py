"""One writer per database file: a lock file beside it, held while a window or a writing
command has the database open.

The lock belongs to the file, not to the name it was opened by: the lock file is named from the
real path (a symlink, `./x.db` or `sub/../x.db` lead to the same one), and a second lock file
named from the file's identity (device and inode number) stops a hard link from opening a second
writer. The identity lock sits in one folder of the system's temporary folder shared by every
database, so it catches a hard link in any folder (where that folder cannot be written, in the real
file's folder: a hard link in the same folder); it is removed when released (a restore gives the
database a new identity).

The operating system drops the lock when the process ends, however it ends, so a killed
program never leaves a stale lock. The lock file also remembers whether the last session
closed cleanly and what the database file looked like then, so a start after a clean close
can skip the integrity check (which reads the whole file).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

from db.errors import DatabaseInUse

OPEN = "open"

# The lock files held by this program: whoever holds the lock may tidy up after others.
_HELD: set[Path] = set()


def held_here(db_file: str | Path) -> bool:
    """Whether this program holds the writer lock of the file."""
    return lock_path(db_file) in _HELD


def lock_path(db_file: str | Path) -> Path:
    """`ledger.db.lock` beside the real file, whatever name the database was opened by."""
    real = Path(os.path.realpath(db_file))
    return real.with_name(real.name + ".lock")


def identity_lock_path(db_file: str | Path) -> Path | None:
    """The lock file named from the database file's identity (None while there is no file, or
    where the file system gives no identity)."""
    real = Path(os.path.realpath(db_file))
    try:
        info = os.stat(real)
    except OSError:
        return None
    if not info.st_ino:
        return None
    return _identity_folder(real.parent) / f".ledger-{info.st_dev:x}-{info.st_ino:x}.lock"


def _identity_folder(beside: Path) -> Path:
    """The folder every program of this computer looks in for identity locks, `beside` when it
    cannot be used (each user's own temporary folder on Windows, one shared /tmp elsewhere)."""
    shared = Path(tempfile.gettempdir()) / "community-ledger-locks"
    try:
        shared.mkdir(exist_ok=True)
        if sys.platform != "win32" and shared.stat().st_uid == os.getuid():
            shared.chmod(0o1777)  # as /tmp itself: every user may add a lock, none remove another's
    except OSError:
        return beside
    return shared if os.access(shared, os.W_OK | os.X_OK) else beside


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
        self._identity: tuple[Path, IO[str]] | None = None
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
        deadline = time.monotonic() + wait
        while True:
            if self._try_acquire():
                break
            if time.monotonic() < deadline:
                time.sleep(0.1)
                continue
            raise DatabaseInUse(
                f"数据库“{self.db_file.name}”已在另一个社区台账窗口或程序中打开。"
                "请切换到那个窗口继续；如果确实没有打开，请重新启动电脑后再试。"
            ) from None
        self.previous = self._read()
        self._write({"state": OPEN, "pid": os.getpid()})
        _HELD.add(self.path)
        return self

    def _try_acquire(self) -> bool:
        """Both locks, or neither."""
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            _lock(handle)
        except OSError:
            handle.close()
            return False
        identity = identity_lock_path(self.db_file)
        if identity is not None:
            taken = _take_removable(identity)
            if taken is None:
                _unlock(handle)
                handle.close()
                return False
            self._identity = (identity, taken)
        self._handle = handle
        return True

    def closed_cleanly(self) -> bool:
        """The last session ended by release(clean=True) and the file is as it left it."""
        return (self.previous.get("state") == "closed"
                and self.previous.get("file") == file_stamp(self.db_file))

    def release(self, *, clean: bool = True) -> None:
        """Give the lock up; `clean` after the database was closed normally."""
        if self._handle is None:
            return
        _HELD.discard(self.path)
        if clean:
            self._write({"state": "closed", "file": file_stamp(self.db_file)})
        try:
            if self._identity is not None:
                _give_back_removable(*self._identity)
                self._identity = None
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


def _take_removable(path: Path) -> IO[str] | None:
    """Lock a lock file that its holder deletes on release; None when another holds it.

    Whoever opened the file just before it was deleted locks a file no longer at the path,
    so the lock counts only when the path still names the locked file."""
    try:
        handle = _open_shared(path)
    except PermissionError:
        return None  # another user's lock file that this user may not open: held by them
    try:
        _lock(handle)
    except OSError:
        handle.close()
        return None
    try:
        same = os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
    except OSError:
        same = False
    if not same:
        _unlock(handle)
        handle.close()
        return _take_removable(path)
    return handle


def _open_shared(path: Path) -> IO[str]:
    """Open (or create) a lock file that the other users of this computer may lock too."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666)
    try:
        if sys.platform != "win32" and os.fstat(fd).st_uid == os.getuid():
            os.fchmod(fd, 0o666)  # the umask took some bits away
    except OSError:
        pass
    return os.fdopen(fd, "a+", encoding="utf-8")


def _give_back_removable(path: Path, handle: IO[str]) -> None:
    if sys.platform != "win32":
        try:
            path.unlink(missing_ok=True)  # while still locked: see _take_removable
        except OSError:
            pass  # another user's file in the shared folder: left for its owner (unlocked, harmless)
    try:
        _unlock(handle)
    finally:
        handle.close()
    if sys.platform == "win32":
        try:  # Windows deletes no open file: another program waiting on it keeps it
            path.unlink(missing_ok=True)
        except OSError:
            pass


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
