"""One writer per database file, whatever name it is opened by: a symlink, another spelling of
the path or a hard link does not open a second writer. Checked with real processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from db.errors import DatabaseInUse
from db.writer_lock import WriterLock, lock_path

ROOT = Path(__file__).parent.parent

# Tries to take the writer lock on argv[1] (relative to the working folder it is started in)
# and says what happened; when it got the lock it holds it until stdin closes.
TRY = """
import sys
from db.errors import DatabaseInUse
from db.writer_lock import WriterLock
try:
    lock = WriterLock(sys.argv[1]).acquire()
except DatabaseInUse:
    print("busy", flush=True)
    sys.exit(0)
print("held", flush=True)
sys.stdin.read()
lock.release()
"""


class Child:
    """Another program asking for the lock on `name`, started in `cwd`."""

    def __init__(self, name: str | Path, cwd: Path):
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen([sys.executable, "-c", TRY, str(name)], cwd=cwd, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.answer = self.process.stdout.readline().strip()

    def close(self) -> None:
        self.process.stdin.close()
        assert self.process.wait() == 0
        self.process.stdout.close()


def answer_of(name: str | Path, cwd: Path) -> str:
    child = Child(name, cwd)
    child.close()
    return child.answer


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "ledger.db"
    db.write_bytes(b"")  # the lock needs no database, only the file
    return db


def other_names(db: Path, tmp_path: Path) -> list[tuple[str | Path, Path]]:
    """(name, working folder) pairs that all lead to `db`."""
    (tmp_path / "link.db").symlink_to(db)
    os.link(db, db.with_name("copy-by-link.db"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.link(db, elsewhere / "copy.db")
    (db.parent / "sub").mkdir()
    return [
        (tmp_path / "link.db", tmp_path),      # a symlink in another folder
        ("link.db", tmp_path),                 # the same, relative
        ("./ledger.db", db.parent),            # another spelling
        ("sub/../ledger.db", db.parent),
        (db.with_name("copy-by-link.db"), tmp_path),  # a hard link beside it
        (elsewhere / "copy.db", tmp_path),     # a hard link in another folder
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_no_second_writer_through_another_name(ledger, tmp_path):
    names = other_names(ledger, tmp_path)
    holder = Child(ledger, tmp_path)
    try:
        assert holder.answer == "held"
        for name, cwd in names:
            assert answer_of(name, cwd) == "busy", name
    finally:
        holder.close()
    # Free again: each name gets the lock when nobody holds it (so "busy" above meant held).
    for name, cwd in names:
        assert answer_of(name, cwd) == "held", name


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_each_name_held_first_keeps_the_plain_name_out(ledger, tmp_path):
    for name, cwd in other_names(ledger, tmp_path):
        holder = Child(name, cwd)
        try:
            assert holder.answer == "held", name
            assert answer_of(ledger, tmp_path) == "busy", name
        finally:
            holder.close()


def test_the_lock_file_is_beside_the_real_file_and_nothing_else_stays(ledger, tmp_path):
    if sys.platform != "win32":
        (tmp_path / "link.db").symlink_to(ledger)
        assert lock_path(tmp_path / "link.db") == ledger.with_name("ledger.db.lock")
    lock = WriterLock(ledger).acquire()
    try:
        assert answer_of(ledger, tmp_path) == "busy"
        with pytest.raises(DatabaseInUse):  # a second open in the same program, as a second window
            WriterLock(ledger).acquire()
    finally:
        lock.release()
    assert sorted(p.name for p in ledger.parent.iterdir()) == ["ledger.db", "ledger.db.lock"]
    assert answer_of(ledger, tmp_path) == "held"


def test_a_new_identity_after_the_file_is_replaced_still_meets_the_name_lock(ledger, tmp_path):
    # A restore renames a new file over the database: the holder's identity lock names the old
    # file, but the lock by the real path still keeps a second program out.
    lock = WriterLock(ledger).acquire()
    try:
        fresh = ledger.with_name("fresh")
        fresh.write_bytes(b"")
        os.replace(fresh, ledger)
        assert answer_of(ledger, tmp_path) == "busy"
        assert answer_of("./ledger.db", ledger.parent) == "busy"
    finally:
        lock.release()
    assert answer_of(ledger, tmp_path) == "held"
