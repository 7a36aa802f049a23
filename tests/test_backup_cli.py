"""`community-ledger backup` and `restore`, and the lock seen from the command line."""

from __future__ import annotations

from app.cli import main
from app.database import open_ledger
from app.people import add_person
from db.writer_lock import WriterLock
from db.sync import next_seq
from db.clock import FixedClock
from tests.conftest import sqlite_error


def names(path) -> list[str]:
    store = open_ledger(path)
    try:
        return [r["name"] for r in store.query("SELECT name FROM people WHERE deleted_at IS NULL ORDER BY name")]
    finally:
        store.close()


def test_backup_then_restore_round_trip(db_path, tmp_path, today, capsys):
    store = open_ledger(db_path)
    add_person(store, {"name": "张三丰"}, today=today)
    store.close()
    out = tmp_path / "U盘" / "备份.db"
    assert main(["--db", str(db_path), "backup", "--out", str(out)], clock=FixedClock.on(today)) == 0
    assert "已备份到" in capsys.readouterr().out

    store = open_ledger(db_path)
    add_person(store, {"name": "李四"}, today=today)
    store.close()
    assert names(db_path) == ["张三丰", "李四"]

    store = open_ledger(db_path)
    seq_before = next_seq(store.db.conn)
    store.close()
    assert main(["--db", str(db_path), "restore", str(out)], clock=FixedClock.on(today)) == 0
    printed = capsys.readouterr().out
    assert "已从备份恢复" in printed and "恢复前的数据库保留为" in printed
    assert names(db_path) == ["张三丰"]
    store = open_ledger(db_path)
    assert next_seq(store.db.conn) >= seq_before  # numbers peers may hold are not reused
    store.close()
    kept = list((tmp_path / "backups").glob("ledger-*-before-restore.db"))
    assert len(kept) == 1 and names(kept[0]) == ["张三丰", "李四"]


def test_restore_refuses_a_file_that_is_not_a_backup(db_path, tmp_path, today, capsys):
    store = open_ledger(db_path)
    add_person(store, {"name": "张三丰"}, today=today)
    store.close()
    fake = tmp_path / "花名册.db"
    fake.write_text("姓名,电话")
    assert main(["--db", str(db_path), "restore", str(fake)], clock=FixedClock.on(today)) == 2
    assert "不是社区台账的备份" in capsys.readouterr().err
    assert names(db_path) == ["张三丰"]


def test_writing_commands_wait_for_the_window_to_close(db_path, tmp_path, today, capsys):
    store = open_ledger(db_path)
    add_person(store, {"name": "张三丰"}, today=today)
    store.close()
    window = WriterLock(db_path).acquire()  # as the open window holds it
    try:
        out = tmp_path / "备份.db"
        assert main(["--db", str(db_path), "restore", str(out)], clock=FixedClock.on(today)) == 2
        assert "已在另一个社区台账窗口或程序中打开" in capsys.readouterr().err
        assert main(["--db", str(db_path), "demo"], clock=FixedClock.on(today)) == 2
        capsys.readouterr()
        # Reading is safe beside the window: a backup can be taken while it is open.
        assert main(["--db", str(db_path), "backup", "--out", str(out)], clock=FixedClock.on(today)) == 0
    finally:
        window.release()
    assert names(db_path) == ["张三丰"]


def test_restore_from_the_command_line_keeps_todays_accounts(db_path, tmp_path, today, capsys, monkeypatch):
    from app import accounts

    store = open_ledger(db_path)
    add_person(store, {"name": "张三丰"}, today=today)
    store.close()
    out = tmp_path / "备份.db"
    assert main(["--db", str(db_path), "backup", "--out", str(out)], clock=FixedClock.on(today)) == 0
    store = open_ledger(db_path)
    accounts.create_admin(store, "admin", "new-secret")
    store.close()
    monkeypatch.setenv("COMMUNITY_LEDGER_PASSWORD", "new-secret")
    assert main(["--db", str(db_path), "--user", "admin", "restore", str(out)], clock=FixedClock.on(today)) == 0
    store = open_ledger(db_path)
    try:
        assert accounts.enabled(store)
        assert accounts.login(store, "admin", "new-secret")["username"] == "admin"
    finally:
        store.close()


def test_a_damaged_file_met_by_a_command_is_explained(db_path, today, capsys, monkeypatch):
    import sqlite3

    import app.stats

    store = open_ledger(db_path)
    store.close()

    def damaged(*args, **kwargs):
        raise sqlite_error(sqlite3.DatabaseError, "database disk image is malformed", sqlite3.SQLITE_CORRUPT)

    monkeypatch.setattr(app.stats, "month_stats", damaged)
    assert main(["--db", str(db_path), "stats", "--month", "2026-11"], clock=FixedClock.on(today)) == 2
    assert "数据库文件已损坏" in capsys.readouterr().err


def test_backup_without_out_is_a_manual_backup_beside_the_database(db_path, tmp_path, today, capsys):
    from app import backups

    store = open_ledger(db_path)
    add_person(store, {"name": "张三丰"}, today=today)
    store.close()
    assert main(["--db", str(db_path), "backup"], clock=FixedClock.on(today)) == 0
    printed = capsys.readouterr().out
    found = backups.list_backups(db_path)
    assert [b.kind for b in found] == [backups.MANUAL]
    assert found[0].path.name.endswith("-manual.db") and str(found[0].path) in printed
    assert found[0].label.endswith("手动备份") and names(found[0].path) == ["张三丰"]
    # A manual backup is not the day's automatic one: that is still taken when something changes.
    store = open_ledger(db_path, clock=FixedClock.on(today))
    add_person(store, {"name": "李四"}, today=today)
    made = backups.backup_if_due(store)
    store.close()
    assert made is not None and made.kind == backups.AUTO
    assert {b.kind for b in backups.list_backups(db_path)} == {backups.AUTO, backups.MANUAL}
