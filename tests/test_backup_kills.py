"""A backup or restore killed at any instant leaves nothing behind after the next start: no
`.part` or `.restoring` file, and a backup's file and its audit row together or neither."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from app import backups, startup
from app.database import open_ledger
from app.people import add_person
from db import backup as files
from db import connection
from tests.conftest import pinned_clock
from tests.killer import Forker

# Runs one backup (or restore) through the command line, to be killed at any line (tests/killer.py).
RUN = r"""
from app.cli import main
action, db, source = args
command = ["--db", db, "backup"] if action == "backup" else ["--db", db, "restore", source]

def run():
    return main(command)
"""


@pytest.fixture
def scene(tmp_path):
    """A database with records (its template, to reset from) and a backup file of it."""
    db = tmp_path / "data" / "ledger.db"
    db.parent.mkdir()
    store = open_ledger(db, clock=pinned_clock())
    add_person(store, {"name": "张三丰"}, today=store.clock.today())
    source = tmp_path / "source.db"
    files.copy_file(Path(connection.file_path(store.db)), source)
    add_person(store, {"name": "李四"}, today=store.clock.today())
    store.close()
    template = tmp_path / "template.db"
    files.copy_file(db, template, checksum=False)
    return db, source, template


def reset(db: Path, template: Path) -> None:
    shutil.rmtree(db.parent)
    db.parent.mkdir()
    shutil.copy(template, db)


def leftovers(db: Path) -> list[str]:
    folder = backups.backups_dir(db)
    found = [p for p in (folder.iterdir() if folder.is_dir() else ())]
    found += [p for p in db.parent.iterdir() if ".restoring" in p.name]
    return sorted(p.name for p in found if p.name.endswith((".part", "-journal")) or ".restoring" in p.name
                  or p.name.startswith(("restoring-", ".sealing-")))


def recorded(db: Path) -> set[str]:
    """The file names of the backups in the audit, as the next start reads it."""
    conn = sqlite3.connect(db)
    try:
        return {json.loads(after)["file"] for (after,) in
                conn.execute("SELECT after FROM audit WHERE action = 'backup'")}
    finally:
        conn.close()


def backup_files(db: Path) -> set[str]:
    return {b.path.name for b in backups.list_backups(db)}


def next_start(db: Path) -> None:
    """The window's next start: the writer lock, the check, the ledger."""
    startup.open_session(db, ask_restore=lambda problem, offered: False, clock=pinned_clock(),
                         wait=0).close(backup=False)


def state(db: Path) -> str:
    """'neither' or 'both' for the new backup; anything else fails."""
    made, rows = backup_files(db), recorded(db)
    assert made == rows, (made, rows)
    for name in made:
        path = backups.backups_dir(db) / name
        files.check_file(path)
        assert files.checksum_matches(path) is True
    return "both" if made else "neither"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (Linux, macOS)")
def test_a_backup_killed_anywhere_leaves_its_file_and_audit_row_together_or_neither(scene):
    db, source, template = scene
    forker = Forker(RUN, "backup", db, source)
    try:
        reset(db, template)
        lines = forker.full_run()
        assert state(db) == "both" and leftovers(db) == []

        def killed_at(limit: int) -> tuple[bool, bool, bool]:
            """Kill at `limit`; (row committed, .part there, file named) as the kill left them."""
            reset(db, template)
            assert forker.run(limit) == "killed"
            parts = [p for p in leftovers(db) if p.endswith(".db.part")]
            return bool(recorded(db)), bool(parts), bool(backup_files(db))

        # The first line at which the row is committed: the kills just after it land between
        # the commit and the rename, where the next start must finish the backup.
        low, high = 1, lines
        while low < high:
            middle = (low + high) // 2
            if killed_at(middle)[0]:
                high = middle
            else:
                low = middle + 1
        chance = random.Random(20261205)
        kills = int(os.environ.get("BACKUP_KILLS", 30))
        limits = set(chance.sample(range(1, lines + 1), min(kills, lines))) | set(range(low - 3, min(low + 12, lines + 1)))
        seen = {"neither": 0, "both": 0, "finished at start": 0}
        for limit in sorted(limits):
            row, part, named = killed_at(limit)
            next_start(db)
            outcome = state(db)
            assert leftovers(db) == [], f"killed at line {limit} of {lines}"
            seen[outcome] += 1
            if row and part and not named:
                assert outcome == "both"
                seen["finished at start"] += 1
        assert all(seen.values()), seen
    finally:
        forker.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (Linux, macOS)")
def test_a_restore_killed_anywhere_leaves_no_half_built_file_after_the_next_start(scene):
    db, source, template = scene
    forker = Forker(RUN, "restore", db, source)
    try:
        reset(db, template)
        lines = forker.full_run()
        chance = random.Random(20261206)
        seen_leftover = 0
        for limit in sorted(chance.sample(range(1, lines + 1), min(int(os.environ.get("RESTORE_KILLS", 20)), lines))):
            reset(db, template)
            assert forker.run(limit) == "killed"
            seen_leftover += bool(leftovers(db))
            next_start(db)
            assert leftovers(db) == [], f"killed at line {limit} of {lines}"
            assert connection.integrity_problems(connection.connect(db)) == []
        assert seen_leftover, "no kill landed while the restore had a file half built"
    finally:
        forker.close()


def test_only_the_writer_tidies_and_an_unrecorded_part_goes(scene):
    db, source, template = scene
    reset(db, template)
    folder = backups.backups_dir(db)
    folder.mkdir()
    stray = [folder / "ledger-20261123-100000.db.part", folder / "restoring-x1.db",
             folder / ".sealing-u.ledgerbackup.db", db.with_name("ledger.db.restoring"),
             db.with_name("ledger.db.restoring-journal")]
    for path in stray:
        shutil.copy(source, path)
    store = open_ledger(db, clock=pinned_clock())  # a reading command: another may be writing these
    try:
        assert backups.tidy_leftovers(store) == []
    finally:
        store.close()
    assert sorted(p.name for p in stray if p.exists()) == sorted(p.name for p in stray)
    next_start(db)
    assert [p.name for p in stray if p.exists()] == []
    assert backup_files(db) == set()
