"""Backups, restore, the start-up check and the one-writer lock, on real files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from app import backups, startup
from app.database import open_ledger
from app.people import add_person, delete_person, update_person
from app.errors import UserError
from db.backup import check_file, write_copy
from db.sync import next_seq
from db.errors import (
    DamagedDatabase,
    DatabaseInUse,
    NewerSchema,
    NotLedgerDatabase,
    StorageError,
    as_storage_error,
)
from db.clock import LOCAL_TZ, FixedClock
from db.writer_lock import WriterLock
from tests.factories import make_id

CLOCK_AT = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)  # the store's clock
# Backups are named in China's local time: here half an hour after the store's clock.
NOW = (CLOCK_AT + timedelta(minutes=30)).astimezone(LOCAL_TZ)
WALL = NOW.replace(tzinfo=None)  # how a backup's name reads back


@pytest.fixture
def clock():
    return FixedClock(CLOCK_AT)


@pytest.fixture
def ledger(db_path, clock):
    store = open_ledger(db_path, author="测试员", clock=clock)
    yield store
    store.close()


def people(store) -> list[tuple]:
    return [tuple(r.values()) for r in store.query(
        "SELECT id, name, id_number, phone, deleted_at FROM people ORDER BY id")]


def damage(path: Path) -> None:
    """What a power cut in the middle of copying the file can leave."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def test_backup_then_restore_gives_back_the_same_records(ledger, db_path, today):
    first = add_person(ledger, {"name": "张三丰", "id_number": make_id("19400101"), "phone": "13800001111"},
                       today=today)
    add_person(ledger, {"name": "李四"}, today=today)
    saved = people(ledger)
    taken = backups.make_backup(ledger, now=NOW)
    assert taken.path.parent == db_path.parent / "backups"
    assert taken.kind == backups.AUTO and taken.taken_at == WALL
    check_file(taken.path)

    update_person(ledger, first["id"], {"name": "张三", "phone": "13900002222"}, today=today)
    delete_person(ledger, first["id"])
    add_person(ledger, {"name": "王五"}, today=today)
    changed = people(ledger)
    assert changed != saved
    next_seq_before = next_seq(ledger.db.conn)

    before = backups.restore_into(ledger, taken.path, now=NOW + timedelta(minutes=5))
    assert people(ledger) == saved
    # The database as it was just before the restore is kept, whole.
    assert before.kind == backups.BEFORE_RESTORE
    kept = open_ledger(before.path)
    try:
        assert people(kept) == changed
    finally:
        kept.close()
    # Change numbers given out after the backup are never given out again (peers hold them).
    assert ledger.scalar("SELECT max(seq) FROM sync_records") < next_seq_before
    assert next_seq(ledger.db.conn) >= next_seq_before
    # The restore itself is in the audit, and the store keeps working afterwards.
    assert ledger.scalar("SELECT count(*) FROM audit WHERE action = 'restore_backup'") == 1
    add_person(ledger, {"name": "赵六"}, today=today)
    assert len(people(ledger)) == len(saved) + 1


def test_a_backup_is_one_self_contained_file(ledger, today):
    add_person(ledger, {"name": "张三丰"}, today=today)
    taken = backups.make_backup(ledger, now=NOW)
    assert not Path(str(taken.path) + "-wal").exists()
    conn = sqlite3.connect(taken.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert conn.execute("SELECT name FROM people").fetchall() == [("张三丰",)]
    finally:
        conn.close()


def test_rotation_keeps_7_daily_4_weekly_12_monthly():
    # One backup every day at 18:00 and an extra one at 09:00, for two years up to WALL.
    days = [WALL - timedelta(days=n) for n in range(730)]
    taken = days + [d.replace(hour=9) for d in days]
    kept = backups.kept(taken)
    daily = {WALL - timedelta(days=n) for n in range(7)}
    assert daily <= kept  # the newest of each of the last seven days, not the 09:00 ones
    assert not any(t.hour == 9 for t in kept)
    weeks = {t.isocalendar()[:2] for t in kept}
    months = {(t.year, t.month) for t in kept}
    assert len(months) == 12 and (2025, 12) in months and (2025, 11) not in months
    # Sundays are the newest of their week; the last four weeks have one each.
    sundays = {t for t in kept if t.weekday() == 6}
    assert len(sundays) >= 3
    assert all(len([t for t in kept if t.isocalendar()[:2] == w]) >= 1 for w in weeks)
    # Everything kept is the last of its day; month ends for the monthly copies.
    monthly = sorted(kept)[:-(len(daily) + 4)]
    assert all((t + timedelta(days=1)).month != t.month for t in monthly)
    assert len(kept) <= 7 + 4 + 12


def test_prune_deletes_only_rotated_automatic_copies(ledger, db_path, today):
    add_person(ledger, {"name": "张三丰"}, today=today)
    for n in range(20):
        backups.make_backup(ledger, now=NOW - timedelta(days=n))
    kept_by_hand = backups.make_backup(ledger, now=NOW - timedelta(days=40), kind=backups.BEFORE_RESTORE)
    stranger = db_path.parent / "backups" / "notes.txt"
    stranger.write_text("别删我")
    backups.prune(db_path)
    left = backups.list_backups(db_path)
    autos = [b.taken_at.date() for b in left if b.kind == backups.AUTO]
    assert len(autos) == len(set(autos))
    assert {(NOW - timedelta(days=n)).date() for n in range(7)} <= set(autos)
    assert len(autos) < 20
    assert kept_by_hand.path.exists() and stranger.exists()


def test_backups_happen_when_something_changed_and_at_most_daily(ledger, db_path, today, clock):
    assert backups.backup_on_exit(ledger, now=NOW) is not None  # a new database: first copy
    assert backups.backup_on_exit(ledger, now=NOW + timedelta(minutes=1)) is None  # nothing new
    clock.at = CLOCK_AT + timedelta(minutes=45)
    add_person(ledger, {"name": "张三丰"}, today=today)
    assert backups.backup_if_due(ledger, now=NOW + timedelta(minutes=20)) is None  # today's exists
    assert backups.backup_on_exit(ledger, now=NOW + timedelta(minutes=30)) is not None
    clock.at = CLOCK_AT + timedelta(days=1)
    add_person(ledger, {"name": "李四"}, today=today)
    assert backups.backup_if_due(ledger, now=NOW + timedelta(days=1, minutes=1)) is not None
    # Two days, the newest copy of each: the rotation keeps one a day.
    assert [b.taken_at.date() for b in backups.list_backups(db_path)] == [
        (NOW + timedelta(days=1)).date(), NOW.date()]


def test_save_copy_writes_the_chosen_file(ledger, tmp_path, today):
    add_person(ledger, {"name": "张三丰"}, today=today)
    out = backups.save_copy(ledger, tmp_path / "U盘" / "社区台账备份.db")
    # Sealed with the community key: not a database anyone can open, no name readable in it.
    with pytest.raises(NotLedgerDatabase):
        check_file(out)
    assert "张三丰".encode() not in out.read_bytes()
    assert backups.save_copy(ledger, tmp_path).suffix == ".ledgerbackup"
    with pytest.raises(StorageError, match="正在使用的数据库"):
        backups.save_copy(ledger, ledger_path(ledger))


def backup_rows(store) -> list[str]:
    return [json.loads(r["after"])["file"] for r in store.query("SELECT after FROM audit WHERE action = 'backup'")]


def test_a_copy_to_a_stick_is_recorded_with_its_name_and_leaves_no_part(ledger, tmp_path):
    out = backups.save_copy(ledger, tmp_path / "U盘" / "备份.ledgerbackup")
    assert backup_rows(ledger) == ["备份.ledgerbackup"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["备份.ledgerbackup"]


def test_a_copy_over_a_file_that_is_not_a_backup_is_refused_and_writes_nothing(ledger, tmp_path):
    report = tmp_path / "工作总结.docx"
    report.write_bytes(b"a report someone picked by mistake")
    with pytest.raises(UserError, match="工作总结.docx"):
        backups.save_copy(ledger, report)
    assert report.read_bytes() == b"a report someone picked by mistake"
    assert backup_rows(ledger) == [] and not list(tmp_path.glob("*.part"))


def ledger_path(store) -> Path:
    from app.database import database_file

    return database_file(store)


def test_restore_refuses_what_is_not_a_sound_backup_of_this_version(ledger, tmp_path, today):
    add_person(ledger, {"name": "张三丰"}, today=today)
    saved = people(ledger)
    text = tmp_path / "名单.db"
    text.write_text("这不是数据库")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    newer = tmp_path / "newer.db"
    write_copy(ledger.db.conn, newer)
    conn = sqlite3.connect(newer)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('community_ledger', 'm999_from_the_future', '2027-01-01')")
    conn.commit()
    conn.close()
    broken = tmp_path / "broken.db"
    write_copy(ledger.db.conn, broken)
    damage(broken)

    with pytest.raises(NotLedgerDatabase, match="不是社区台账的备份"):
        backups.restore_into(ledger, text, now=NOW)
    with pytest.raises(NotLedgerDatabase, match="不是社区台账的备份"):
        backups.restore_into(ledger, other, now=NOW)
    with pytest.raises(NewerSchema, match="更新版本"):
        backups.restore_into(ledger, newer, now=NOW)
    with pytest.raises(StorageError, match="损坏|不是"):
        backups.restore_into(ledger, broken, now=NOW)
    with pytest.raises(StorageError, match="找不到"):
        backups.restore_into(ledger, tmp_path / "nothing.db", now=NOW)
    assert people(ledger) == saved
    assert not [b for b in backups.list_backups(ledger_path(ledger)) if b.kind == backups.BEFORE_RESTORE]


def test_lock_admits_one_writer(db_path):
    first = WriterLock(db_path).acquire()
    with pytest.raises(DatabaseInUse, match="已在另一个社区台账窗口或程序中打开"):
        WriterLock(db_path).acquire()
    first.release()
    again = WriterLock(db_path).acquire()
    again.release()


def hold_lock_elsewhere(db_path: Path, *, then: str = "") -> subprocess.Popen:
    """Another program holding the database's lock until its input is closed (then `then`)."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from db.writer_lock import WriterLock; held = WriterLock(sys.argv[1]).acquire(); "
         f"print('held', flush=True); sys.stdin.read(); {then or 'pass'}", str(db_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent)
    return holder


def test_a_killed_program_leaves_no_stale_lock(db_path):
    holder = hold_lock_elsewhere(db_path)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseInUse):
            WriterLock(db_path).acquire()
        holder.kill()
        holder.wait()
    finally:
        holder.stdout.close()
        holder.stdin.close()
    lock = WriterLock(db_path).acquire()
    assert not lock.closed_cleanly()  # the killed session never said it closed
    lock.release()


def session(db_path, answer=None):
    asked = []

    def ask(problem, offered):
        asked.append((problem, offered))
        return answer

    return asked, (lambda: startup.open_session(db_path, ask_restore=ask, clock=FixedClock(NOW), wait=0))


def test_start_after_a_clean_close_skips_the_check_and_a_crash_does_not(db_path, today):
    asked, start = session(db_path)
    opened = start()
    add_person(opened.store, {"name": "张三丰"}, today=today)
    opened.close()
    assert len(backups.list_backups(db_path)) == 1
    lock = WriterLock(db_path).acquire()
    assert lock.closed_cleanly()
    lock.release(clean=False)  # as a crash leaves it
    lock = WriterLock(db_path).acquire()
    assert not lock.closed_cleanly()
    assert startup.problem_at_start(db_path, lock) is None  # checked, and sound
    lock.release()
    assert asked == []


def test_a_damaged_database_is_never_opened_and_the_newest_sound_backup_is_offered(db_path, today):
    asked, start = session(db_path, answer=False)
    opened = start()
    add_person(opened.store, {"name": "张三丰"}, today=today)
    backups.make_backup(opened.store, now=NOW - timedelta(days=1))
    add_person(opened.store, {"name": "李四"}, today=today)
    opened.close()
    newest = backups.list_backups(db_path)[0]
    damage(newest.path)  # the newest copy is bad too: the one before is offered
    lock = WriterLock(db_path).acquire()
    lock.release(clean=False)
    damage(db_path)
    damaged_bytes = db_path.read_bytes()

    with pytest.raises(DamagedDatabase, match="没有恢复备份"):
        start()
    assert db_path.read_bytes() == damaged_bytes  # declined: left exactly as it was
    problem, offered = asked[0]
    assert "已损坏" in problem
    assert offered.taken_at == WALL - timedelta(days=1)

    asked, start = session(db_path, answer=True)
    opened = start()
    try:
        assert [r["name"] for r in opened.store.query("SELECT name FROM people")] == ["张三丰"]
    finally:
        opened.close(backup=False)
    kept = [b for b in backups.list_backups(db_path) if b.kind == backups.DAMAGED]
    assert len(kept) == 1 and kept[0].path.read_bytes() == damaged_bytes


def test_a_damaged_database_without_backups_is_left_alone(db_path, today):
    store = open_ledger(db_path)
    add_person(store, {"name": "张三丰"}, today=today)
    store.close()
    damage(db_path)
    damaged_bytes = db_path.read_bytes()
    asked, start = session(db_path, answer=True)
    with pytest.raises(DamagedDatabase, match="没有完好的备份"):
        start()
    assert asked == [] and db_path.read_bytes() == damaged_bytes


def test_a_vanished_database_with_backups_is_not_replaced_by_an_empty_one(db_path, today):
    asked, start = session(db_path, answer=False)
    opened = start()
    add_person(opened.store, {"name": "张三丰"}, today=today)
    opened.close()
    for path in db_path.parent.glob("ledger.db*"):
        if path.suffix != ".lock":
            path.unlink()
    with pytest.raises(DamagedDatabase):
        start()
    assert not db_path.exists()
    assert "找不到数据库文件" in asked[0][0]


def test_a_second_session_on_the_same_file_is_refused(db_path):
    _, start = session(db_path)
    opened = start()
    try:
        with pytest.raises(DatabaseInUse):
            start()
    finally:
        opened.close()


def test_restoring_over_a_damaged_file_leaves_no_stale_wal_beside_it(db_path, tmp_path, today):
    store = open_ledger(db_path)
    add_person(store, {"name": "张三丰"}, today=today)
    sound = backups.make_backup(store, now=NOW - timedelta(hours=1))
    store.close()
    damage(db_path)
    (tmp_path / "ledger.db-wal").write_bytes(b"\0" * 100)
    kept = backups.restore_file(db_path, sound.path, now=NOW)
    assert kept is not None and kept.name.endswith("-damaged.db")
    assert not (tmp_path / "ledger.db-wal").exists()
    check_file(db_path)
    assert os.path.getsize(db_path) == os.path.getsize(sound.path)


def test_a_restore_keeps_the_accounts_of_today(ledger, today):
    from app import accounts

    old = backups.make_backup(ledger, now=NOW)  # taken before sign-in was switched on
    accounts.create_admin(ledger, "admin", "first-secret")
    accounts.add_account(ledger, "小王", "staff-secret")
    accounts.change_password(ledger, "admin", "second-secret", current_password="first-secret")
    backups.restore_into(ledger, old.path, now=NOW + timedelta(minutes=5))
    assert accounts.enabled(ledger)  # the old backup does not switch sign-in off
    assert accounts.login(ledger, "admin", "second-secret")["username"] == "admin"
    assert [a["username"] for a in accounts.list_accounts(ledger)] == ["admin", "小王"]


def test_a_start_right_after_a_close_waits_for_the_closing_program(db_path):
    holder = hold_lock_elsewhere(db_path, then="held.release()")
    try:
        assert holder.stdout.readline().strip() == "held"
        holder.stdin.close()  # the other program finishes closing now
        lock = WriterLock(db_path).acquire(wait=30)
        assert lock.held and lock.closed_cleanly()  # the other program closed cleanly
        lock.release()
    finally:
        holder.wait()
        holder.stdout.close()


def rot_an_index_page(db_path: Path) -> None:
    """Damage one index page without changing the file's size or modification time, as a
    failing disk does while the program is closed."""
    conn = sqlite3.connect(db_path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'people_sort'").fetchone()[0]
    conn.close()
    stamp = os.stat(db_path)
    with open(db_path, "r+b") as handle:
        handle.seek(page_size * (root - 1))
        handle.write(b"\x0d" + b"\xff" * 40)  # a leaf page header claiming impossible cells
    os.utime(db_path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))


def test_damage_found_while_open_is_reported_and_the_next_start_checks(db_path, today):
    asked, start = session(db_path, answer=False)
    opened = start()
    for name in ("张三丰", "李四", "王五"):
        add_person(opened.store, {"name": name}, today=today)
    opened.close()
    sound = backups.list_backups(db_path)
    assert len(sound) == 1
    rot_an_index_page(db_path)

    opened = start()  # closed cleanly and unchanged on the outside: not checked at start
    assert asked == []
    with pytest.raises(sqlite3.DatabaseError) as raised:
        add_person(opened.store, {"name": "赵六"}, today=today)
    told = as_storage_error(raised.value)  # what the window and the command line show
    assert isinstance(told, DamagedDatabase) and "提供最近的完好备份" in str(told)
    with pytest.raises(DamagedDatabase, match="这次备份没有保存"):
        backups.make_backup(opened.store, now=NOW + timedelta(days=1))
    assert backups.list_backups(db_path) == sound  # the damaged copy was not kept
    opened.close()

    with pytest.raises(DamagedDatabase):
        start()  # not marked clean: checked this time, and the sound backup is offered
    assert asked and asked[0][1].path == sound[0].path


def test_a_session_is_marked_clean_only_when_the_file_was_found_sound(db_path, today):
    _, start = session(db_path)
    opened = start()
    add_person(opened.store, {"name": "张三丰"}, today=today)
    opened.close()  # backed up and the copy checked
    lock = WriterLock(db_path).acquire()
    assert lock.closed_cleanly()
    lock.release()
    opened = start()
    opened.close()  # nothing to back up: quick check instead
    lock = WriterLock(db_path).acquire()
    assert lock.closed_cleanly()
    lock.release()


def test_restoring_in_the_window_over_a_damaged_database_keeps_the_damaged_copy(db_path, today, clock):
    store = open_ledger(db_path, clock=clock)
    add_person(store, {"name": "张三丰"}, today=today)
    sound = backups.make_backup(store, now=NOW)
    store.close()
    rot_an_index_page(db_path)
    store = open_ledger(db_path, clock=clock)
    try:
        kept = backups.restore_into(store, sound.path, now=NOW + timedelta(minutes=5))
        assert kept.kind == backups.DAMAGED and kept.path.exists()
        assert [r["name"] for r in store.query("SELECT name FROM people")] == ["张三丰"]
        assert not connection_problems(store)
        add_person(store, {"name": "李四"}, today=today)  # the restored file works
    finally:
        store.close()


def connection_problems(store) -> list[str]:
    from db.connection import integrity_problems

    return integrity_problems(store.db, quick=True)
