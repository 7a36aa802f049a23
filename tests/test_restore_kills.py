"""A restore killed at any instant leaves the old database or the complete new one, with this
computer's accounts: never a database without them (sign-in off)."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from app import accounts
from app.database import open_ledger
from app.people import add_person
from db import connection, schema
from db.backup import copy_file
from tests.conftest import pinned_clock
from tests.killer import Forker

ADMIN_PW = "admin-secret-1"

# Runs one restore, from the command line or as the window does, to be killed at any line
# (tests/killer.py): kills land between any two lines of the restore.
RUN = r"""
from app import accounts, backups
from app.cli import main
from app.database import open_ledger

how, db, source = args
os.environ["COMMUNITY_LEDGER_PASSWORD"] = "admin-secret-1"

def run():
    if how == "cli":
        return main(["--db", db, "--user", "admin", "restore", source])
    store = open_ledger(db)
    try:
        accounts.login(store, "admin", "admin-secret-1")
        backups.restore_into(store, source)
    finally:
        store.close()
    return 0
"""


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
    forker = Forker(RUN, how, db, backup)
    try:
        lines = forker.full_run()  # an unkilled restore: how many lines it runs
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
        forker.full_run()
        assert state_after(db) == (new, ours)
    finally:
        forker.close()
