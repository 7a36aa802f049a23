"""A backup that fails its full check while the restored file is being built beside the
database (the check runs alongside) leaves everything as it was: no restored file, no copy of
the current database, no audit row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from app import backups
from app.database import open_ledger
from app.people import add_person
from db import backup as files
from db.errors import DamagedDatabase
from tests.conftest import pinned_clock


def everything(folder: Path) -> dict[str, bytes]:
    """The files in the folder (the open database's -wal and -shm come and go with its connection)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


@pytest.fixture
def broken_backup(tmp_path) -> Path:
    """A ledger whose only fault is a volunteer of a person who does not exist: SQLite's
    integrity check passes it, the foreign-key check does not (an old copy without a checksum)."""
    path = tmp_path / "elsewhere" / "old.db"
    store = open_ledger(path, clock=pinned_clock())
    add_person(store, {"name": "李四"}, today=store.clock.today())
    store.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    columns = [r[1] for r in conn.execute("PRAGMA table_info(volunteers)")]
    values = {c: None for c in columns}
    values.update(id="v1", person_id="nobody", created_at="2026-11-23", updated_at="2026-11-23")
    for c, info in ((r[1], r) for r in conn.execute("PRAGMA table_info(volunteers)")):
        if info[3] and values[c] is None:  # NOT NULL without a value: any text will do
            values[c] = info[4].strip("'") if info[4] else "x"
    conn.execute(f"INSERT INTO volunteers ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
                 list(values.values()))
    conn.commit()
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    assert files.checksum_matches(path) is None
    return path


@pytest.mark.parametrize("how", ["window", "cli"])
def test_a_backup_failing_the_check_run_alongside_leaves_everything_as_it_was(tmp_path, broken_backup, how):
    db = tmp_path / "data" / "ledger.db"
    store = open_ledger(db, clock=pinned_clock())
    add_person(store, {"name": "张三丰"}, today=store.clock.today())
    backups.make_backup(store)
    if how == "cli":
        store.close()
    before = everything(db.parent)
    with pytest.raises(DamagedDatabase, match="外键"):
        if how == "window":
            backups.restore_into(store, broken_backup, other_community=True)
        else:
            backups.restore_file(db, broken_backup, now=pinned_clock().local_now(), other_community=True)
    if how == "window":
        assert [r["name"] for r in store.query("SELECT name FROM people")] == ["张三丰"]
        store.close()
    assert everything(db.parent).keys() == before.keys()
    store = open_ledger(db, clock=pinned_clock())
    try:
        assert store.scalar("SELECT count(*) FROM audit WHERE action = 'backup'") == 1
    finally:
        store.close()
