"""A restore killed at any instant leaves the old database or the complete new one, with this
computer's accounts: never a database without them (sign-in off)."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app import accounts
from app.database import open_ledger
from app.people import add_person
from db import connection, schema
from db.backup import copy_file
from tests.conftest import pinned_clock

ROOT = Path(__file__).parent.parent
ADMIN_PW = "admin-secret-1"

# A process that has imported everything once and then, for each number N read from stdin,
# forks a child that runs one restore and SIGKILLs itself at the N-th line of the program's
# own code (app/, db/) that runs: kills land between any two lines of the restore, without
# sleeps. It answers "killed", or "done LINES" when the restore ended before line N.
FORKER = r"""
import os, signal, sys
from pathlib import Path
from app import accounts, backups
from app.cli import main
from app.database import open_ledger

root, how, db, source = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ours = (str(root / "app") + os.sep, str(root / "db") + os.sep)
os.environ["COMMUNITY_LEDGER_PASSWORD"] = "admin-secret-1"

def restore():
    if how == "cli":
        return main(["--db", db, "--user", "admin", "restore", source])
    store = open_ledger(db)
    try:
        accounts.login(store, "admin", "admin-secret-1")
        backups.restore_into(store, source)
    finally:
        store.close()
    return 0

for line in sys.stdin:
    limit = int(line)
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        count = 0
        def local(frame, event, arg):
            global count
            if event == "line":
                count += 1
                if count == limit:
                    os.kill(os.getpid(), signal.SIGKILL)
            return local
        def tracer(frame, event, arg):
            return local if frame.f_code.co_filename.startswith(ours) else None
        sys.settrace(tracer)
        code = restore()
        sys.settrace(None)
        os.write(writer, f"{code} {count}".encode())
        os._exit(0)
    os.close(writer)
    _, status = os.waitpid(pid, 0)
    answer = os.read(reader, 100).decode()
    os.close(reader)
    print("killed" if os.WIFSIGNALED(status) else f"done {answer}", flush=True)
"""


class Forker:
    def __init__(self, how: str, db: Path, source: Path):
        self.child = subprocess.Popen([sys.executable, "-c", FORKER, str(ROOT), how, str(db), str(source)],
                                      cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, limit: int) -> str:
        self.child.stdin.write(f"{limit}\n")
        self.child.stdin.flush()
        answer = self.child.stdout.readline().strip()
        assert answer, "the forking process stopped"
        return answer

    def close(self) -> None:
        self.child.stdin.close()
        self.child.wait()
        self.child.stdout.close()


def names(db: sqlite3.Connection) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM people ORDER BY name")]


def state_after(path: Path) -> tuple[str, list[tuple]]:
    """Open the file as the next start would (rolling back a half transaction) and check it."""
    assert path.is_file() and path.stat().st_size > 0, "the database is gone"
    db = connection.connect(path)
    try:
        assert connection.integrity_problems(db) == []
        assert schema.schema_differences(db) == []
        people = names(db.conn)
        account_rows = db.conn.execute("SELECT id, username, role, password_hash FROM accounts ORDER BY id").fetchall()
        device = db.conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]
    finally:
        db.close()
    return ",".join(people), account_rows + [("device", device)]


@pytest.fixture
def scene(tmp_path):
    """This PC's database (with accounts) and a backup of other records, as files to reset."""
    db = tmp_path / "ledger.db"
    store = open_ledger(db, clock=pinned_clock())
    for name in ("张三丰", "李四"):
        add_person(store, {"name": name}, today=store.clock.today())
    backup = tmp_path / "backup.db"
    copy_file(Path(connection.file_path(store.db)), backup)
    add_person(store, {"name": "王五"}, today=store.clock.today())
    accounts.create_admin(store, "admin", ADMIN_PW)
    store.close()
    template = tmp_path / "template.db"
    copy_file(db, template, checksum=False)
    return db, backup, template


def reset(db: Path, template: Path) -> None:
    # The backups folder too: each run must run the same lines (names taken in the same second
    # would make the next restore look further for a free one).
    shutil.rmtree(db.parent / "backups", ignore_errors=True)
    for suffix in ("", "-wal", "-shm", "-journal", ".restoring", ".restoring-journal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copy(template, db)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (Linux, macOS)")
@pytest.mark.parametrize("how, kills", [("cli", 36), ("window", 24)])
def test_a_restore_killed_anywhere_leaves_the_old_or_the_new_database_with_this_pcs_accounts(scene, how, kills):
    db, backup, template = scene
    reset(db, template)
    old, ours = state_after(db)
    new = "张三丰,李四"
    assert old == "张三丰,李四,王五" and ours[0][1] == "admin"
    forker = Forker(how, db, backup)
    try:
        finished = forker.run(10**9)  # an unkilled restore: how many lines it runs
        assert finished.startswith("done 0 "), finished
        lines = int(finished.split()[2])
        assert state_after(db) == (new, ours)

        chance = random.Random(20261114)
        seen = {"old": 0, "new": 0}
        # Random lines, and the last few (the window's swap is one step near the end).
        # RESTORE_KILLS=300 runs more of them, for a longer look.
        kills = int(os.environ.get("RESTORE_KILLS", kills))
        limits = set(chance.sample(range(1, lines + 1), min(kills, lines))) | set(range(lines - 5, lines + 1))
        for limit in sorted(limits):
            reset(db, template)
            assert forker.run(limit) == "killed"
            people, local = state_after(db)
            assert people in (old, new), f"killed at line {limit} of {lines}: {people}"
            assert local == ours, f"killed at line {limit} of {lines}: this PC's accounts or device id lost"
            seen["old" if people == old else "new"] += 1
        assert seen["old"] and seen["new"], seen
        # The next restore after a kill works, whatever the kill left behind.
        assert forker.run(10**9).startswith("done 0 ")
        assert state_after(db) == (new, ours)
    finally:
        forker.close()
