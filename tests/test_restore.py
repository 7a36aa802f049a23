"""Restoring a backup: one atomic step, refused when the file is not a sound backup of this
community, and never losing this computer's accounts, device id or serial letter."""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from app import accounts, backups
from app.cli import main
from app.database import open_ledger
from app.people import add_person
from db import backup as files
from db.errors import StorageError
from db.sync import serial_prefix, set_serial_prefix
from tests.conftest import pinned_clock
from tests.factories import make_id

ADMIN_PW = "admin-secret-1"
LOCAL_TABLES = {"accounts", "meta", "sqlite_stat1"}  # this computer's, not the records'


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def records(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table but this computer's own; the audit without sign-ins and restores
    (a refused restore still signed its administrator in)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        found = {}
        for table in tables:
            if table in LOCAL_TABLES:
                continue
            where = " WHERE action NOT IN ('restore_backup', 'login')" if table == "audit" else ""
            found[table] = conn.execute(f"SELECT * FROM [{table}]{where} ORDER BY rowid").fetchall()
        return found
    finally:
        conn.close()


def local_state(path: Path) -> tuple:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return (conn.execute("SELECT * FROM accounts ORDER BY rowid").fetchall(),
                conn.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone(),
                conn.execute("SELECT value FROM meta WHERE key = 'serial_prefix'").fetchone())
    finally:
        conn.close()


def make_ledger(path: Path, names: list[str], *, code: str = "320505001001", name: str = "星湖社区",
                admin: bool = False, prefix: str | None = None) -> None:
    store = open_ledger(path, clock=pinned_clock())
    try:
        store.set_setting("community_code", code)
        store.set_setting("community_name", name)
        for person in names:
            add_person(store, {"name": person}, today=store.clock.today())
        if admin:
            accounts.create_admin(store, "admin", ADMIN_PW)
        if prefix is not None:
            with store.transaction():
                set_serial_prefix(store, prefix)
    finally:
        store.close()


def backup_of(path: Path, out: Path) -> Path:
    """That PC's own automatic backup, carried over as a plain copy (sealed copies: test_sealed_sync)."""
    store = open_ledger(path, clock=pinned_clock())
    try:
        made = backups.make_backup(store)
    finally:
        store.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(made.path, out)
    return out


def cli(db: Path, *args: str) -> int:
    return main(["--db", str(db), *args], clock=pinned_clock())


@pytest.fixture(autouse=True)
def password(monkeypatch):
    monkeypatch.setenv("COMMUNITY_LEDGER_PASSWORD", ADMIN_PW)


def one_chinese_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0]) and "Traceback" not in err
    return lines[0]


# -- not a backup, other PCs, other communities -------------------------------------------------


def fake_backup(path: Path, *, applied: list[str]) -> None:
    """A SQLite file with a people table and a migrations table that are not ours."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE people (name TEXT)")
    conn.execute("INSERT INTO people VALUES ('陌生人')")
    conn.execute("CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT)")
    conn.executemany("INSERT INTO _sqlite_migrations VALUES ('community_ledger', ?, '2026-01-01')",
                     [[name] for name in applied])
    conn.commit()
    conn.close()


@pytest.mark.parametrize("applied", [[], "all"])
def test_a_sqlite_file_with_a_people_table_is_refused_before_anything_is_touched(tmp_path, capsys, applied):
    from db.schema import known_migrations

    db = tmp_path / "ledger.db"
    make_ledger(db, ["张三丰", "李四"], admin=True)
    fake = tmp_path / "别人的.db"
    fake_backup(fake, applied=known_migrations() if applied == "all" else applied)
    before, ours = records(db), local_state(db)
    assert cli(db, "--user", "admin", "restore", str(fake)) == 2
    assert "不是社区台账的备份" in one_chinese_line(capsys.readouterr().err)
    assert records(db) == before and local_state(db) == ours
    assert not (tmp_path / "backups").exists()  # not even a before-restore copy
    assert not list(tmp_path.glob("*.restoring*"))
    assert cli(db, "check") == 0
    assert "数据库完好" in capsys.readouterr().out


def test_the_window_refuses_it_too_and_keeps_working(tmp_path):
    db = tmp_path / "ledger.db"
    make_ledger(db, ["张三丰"])
    fake = tmp_path / "别人的.db"
    fake_backup(fake, applied=[])
    store = open_ledger(db, clock=pinned_clock())
    try:
        saved = records(db)
        with pytest.raises(StorageError, match="不是社区台账的备份"):
            backups.restore_into(store, fake)
        assert store.scalar("SELECT count(*) FROM people") == 1
        assert backups.backups_of(store) == []
    finally:
        store.close()
    assert records(db) == saved


def test_another_pcs_backup_keeps_this_pcs_accounts_device_id_and_serial_letter(tmp_path, capsys):
    here, there = tmp_path / "office" / "ledger.db", tmp_path / "laptop" / "ledger.db"
    make_ledger(here, ["张三丰"], admin=True)
    make_ledger(there, ["李四", "王五"], prefix="B")
    copy = backup_of(there, tmp_path / "U盘" / "笔记本.db")
    ours = local_state(here)
    assert ours[2] is None and local_state(there)[1] != ours[1]

    assert cli(here, "--user", "admin", "restore", str(copy)) == 0
    assert local_state(here) == ours  # accounts, device id, no serial letter: this PC's
    assert records(here)["people"] == records(there)["people"]
    store = open_ledger(here, clock=pinned_clock())
    try:
        assert accounts.enabled(store) and serial_prefix(store) == ""
        restored = store.query("SELECT user, device_id, after FROM audit WHERE action = 'restore_backup'")
        assert len(restored) == 1 and restored[0]["user"] == "admin" and restored[0]["device_id"] == ours[1][0]
    finally:
        store.close()


def test_the_window_keeps_them_as_well(tmp_path):
    here, there = tmp_path / "office" / "ledger.db", tmp_path / "laptop" / "ledger.db"
    make_ledger(here, ["张三丰"], admin=True, prefix="C")
    make_ledger(there, ["李四"], prefix="B")
    copy = backup_of(there, tmp_path / "U盘" / "笔记本.db")
    ours = local_state(here)
    store = open_ledger(here, clock=pinned_clock())
    try:
        accounts.login(store, "admin", ADMIN_PW)
        device = store.device_id
        backups.restore_into(store, copy)
        assert store.device_id == device and serial_prefix(store) == "C"
        assert [r["name"] for r in store.query("SELECT name FROM people")] == ["李四"]
        # The next record is written as this PC, with this PC's letter.
        add_person(store, {"name": "赵六"}, today=store.clock.today())
        assert store.scalar("SELECT device_id FROM people WHERE name = '赵六'") == device
    finally:
        store.close()
    assert local_state(here) == ours


def test_another_communitys_backup_needs_the_flag(tmp_path, capsys):
    here, there = tmp_path / "a" / "ledger.db", tmp_path / "b" / "ledger.db"
    make_ledger(here, ["张三丰"], admin=True)
    make_ledger(there, ["李四"], code="320505001002", name="月湾社区")
    copy = backup_of(there, tmp_path / "月湾.db")
    before = records(here)
    assert cli(here, "--user", "admin", "restore", str(copy)) == 2
    line = one_chinese_line(capsys.readouterr().err)
    assert "月湾社区" in line and "星湖社区" in line and "--other-community" in line
    assert records(here) == before and not (here.parent / "backups").exists()

    assert cli(here, "--user", "admin", "restore", str(copy), "--other-community") == 0
    assert records(here)["people"] == records(there)["people"]
    assert local_state(here)[0]  # this PC's accounts stay


def test_a_community_named_differently_without_codes_is_another_community(tmp_path):
    here, there = tmp_path / "a" / "ledger.db", tmp_path / "b" / "ledger.db"
    make_ledger(here, ["张三丰"], code="", name="星湖村")
    make_ledger(there, ["李四"], code="", name="月湾村")
    store = open_ledger(here, clock=pinned_clock())
    try:
        with pytest.raises(backups.OtherCommunity) as refused:
            backups.restore_into(store, backup_of(there, tmp_path / "月湾.db"))
        assert "月湾村" in refused.value.backup and "星湖村" in refused.value.here
        assert [r["name"] for r in store.query("SELECT name FROM people")] == ["张三丰"]
    finally:
        store.close()


# -- damaged backups ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rich_backup(tmp_path_factory, demo_template) -> Path:
    """A backup of the demo community (a few MB, every kind of record)."""
    folder = tmp_path_factory.mktemp("rich")
    path = folder / "demo.db"
    shutil.copy(demo_template, path)
    return backup_of(path, folder / "demo-backup.db")


def damaged_copies(source: Path, folder: Path, count: int, seed: int, hits: int, width: int) -> list[Path]:
    chance = random.Random(seed)
    data = source.read_bytes()
    made = []
    for n in range(count):
        damaged = bytearray(data)
        for _ in range(hits):
            at = chance.randrange(0, len(data) - width)
            damaged[at:at + width] = chance.randbytes(width)
        path = folder / f"damaged-{n:02d}.db"
        path.write_bytes(bytes(damaged))
        made.append(path)
    return made


def test_damaged_backups_are_refused_or_restore_the_very_same_records(tmp_path, rich_backup, capsys):
    db = tmp_path / "ledger.db"
    make_ledger(db, ["张三丰"], code="320505001001", name="星湖社区", admin=True)
    shutil.copy(db, tmp_path / "original.db")
    original = records(rich_backup)
    outcomes = {"refused": 0, "identical": 0}
    copies = damaged_copies(rich_backup, tmp_path, 20, seed=14, hits=1, width=64)
    (tmp_path / "scattered").mkdir()
    copies += damaged_copies(rich_backup, tmp_path / "scattered", 10, seed=1414, hits=20, width=64)
    before = records(db)
    for damaged in copies:
        code = cli(db, "--user", "admin", "restore", str(damaged), "--other-community")
        captured = capsys.readouterr()
        if code == 2:
            one_chinese_line(captured.err)
            assert records(db) == before, damaged.name
            outcomes["refused"] += 1
            continue
        assert code == 0, captured.err
        assert records(db) == original, damaged.name
        outcomes["identical"] += 1
        shutil.copy(tmp_path / "original.db", db)
    assert outcomes["refused"] + outcomes["identical"] == 30
    assert outcomes["refused"] >= 25  # almost every hit lands in a page the checksum covers


def test_hitting_the_checksum_mark_itself_is_still_refused(tmp_path, rich_backup):
    damaged = tmp_path / "mark.db"
    data = bytearray(rich_backup.read_bytes())
    data[68:72] = b"\0\0\0\0"  # application_id: the mark that says the copy has a checksum
    damaged.write_bytes(bytes(data))
    with pytest.raises(StorageError, match="已损坏"):
        files.verify_file(damaged)


def test_a_record_changed_inside_its_page_passes_sqlite_but_not_the_checksum(tmp_path, rich_backup):
    data = bytearray(rich_backup.read_bytes())
    conn = sqlite3.connect(f"file:{rich_backup}?mode=ro", uri=True)
    name = conn.execute("SELECT name FROM people ORDER BY rowid LIMIT 1").fetchone()[0]
    conn.close()
    encoded = name.encode()
    at = data.index(encoded)
    data[at:at + 3] = "王".encode()  # same length: a valid record with another name
    damaged = tmp_path / "bitrot.db"
    damaged.write_bytes(bytes(data))
    conn = sqlite3.connect(damaged)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)  # SQLite sees nothing wrong
    conn.close()
    with pytest.raises(StorageError, match="内容与制作时不符"):
        files.verify_file(damaged)


def test_an_old_backup_without_a_checksum_is_still_restored(tmp_path):
    db, old = tmp_path / "ledger.db", tmp_path / "old.db"
    make_ledger(db, ["张三丰"])
    make_ledger(old, ["李四"])
    conn = sqlite3.connect(old)  # as the previous version wrote them: no mark, no checksum
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    assert files.checksum_matches(old) is None
    store = open_ledger(db, clock=pinned_clock())
    try:
        backups.restore_into(store, old)
        assert [r["name"] for r in store.query("SELECT name FROM people")] == ["李四"]
    finally:
        store.close()


def test_every_backup_carries_a_checksum_that_matches(tmp_path):
    db = tmp_path / "ledger.db"
    store = open_ledger(db, clock=pinned_clock())
    add_person(store, {"name": "张三丰", "id_number": make_id("19400101")}, today=store.clock.today())
    made = backups.make_backup(store)
    store.close()
    assert files.checksum_matches(made.path) is True
    files.verify_file(made.path)
