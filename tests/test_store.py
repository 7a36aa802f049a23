"""db.connection, db.schema and db.store: pragmas, migrations, refusing foreign files, transactions."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from app.database import open_ledger
from db import schema
from db.errors import NewerSchema, NotLedgerDatabase, StorageError
from db.clock import FixedClock
from tests.conftest import pinned_clock

PERSON = {"name": "张三丰", "gender": "男", "id_number": "11010519491231002X", "birth_date": "1949-12-31",
          "phone": "13812345678", "estate": "阳光小区", "building": "3", "unit": "2", "room": "301",
          "grid": "一网格", "note": "独居", "pinyin": "zhangsanfeng", "initials": "zsf", "sort_key": "zhang san feng"}


def row_counts(store) -> dict[str, int]:
    return {t: store.db[t].count for t in store.db.table_names()}


def read_bytes(path) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def test_pragmas(store):
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    assert store.scalar("PRAGMA synchronous") == 2  # FULL
    assert store.scalar("PRAGMA busy_timeout") > 0


def test_foreign_keys_are_enforced(store):
    with pytest.raises(sqlite3.IntegrityError):
        store.insert("volunteers", {"person_id": "nobody", "registered_on": "2026-11-23", "status": "在册"})


def test_migrating_twice_changes_nothing(store, db_path):
    store.insert("people", PERSON)
    before = row_counts(store)
    applied = store.query("SELECT name FROM _sqlite_migrations")
    schema.migrate(store.db)
    assert row_counts(store) == before
    assert store.query("SELECT name FROM _sqlite_migrations") == applied
    store.close()
    reopened = open_ledger(db_path)
    try:
        assert row_counts(reopened) == before
        assert reopened.query("SELECT name FROM _sqlite_migrations") == applied
        assert reopened.query("SELECT name, id_number FROM people") == [{"name": "张三丰", "id_number": "11010519491231002X"}]
    finally:
        reopened.close()


def test_device_id_survives_reopening(store, db_path):
    device = store.device_id
    store.close()
    reopened = open_ledger(db_path)
    try:
        assert reopened.device_id == device
    finally:
        reopened.close()


def test_random_bytes_are_not_a_ledger(tmp_path):
    path = tmp_path / "photo.db"
    content = random.Random(11643).randbytes(16384)
    path.write_bytes(content)
    with pytest.raises(StorageError) as info:
        open_ledger(path)
    assert isinstance(info.value, NotLedgerDatabase)
    assert "photo.db" in str(info.value)
    assert read_bytes(path) == content


def test_another_programs_sqlite_file_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "contacts.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
    conn.execute("INSERT INTO contacts VALUES ('张三', '13812345678')")
    conn.commit()
    conn.close()
    with pytest.raises(NotLedgerDatabase):
        open_ledger(path)
    conn = sqlite3.connect(path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"contacts"}
        assert conn.execute("SELECT * FROM contacts").fetchall() == [("张三", "13812345678")]
    finally:
        conn.close()


def test_a_database_migrated_by_a_newer_program_is_refused(store, db_path):
    store.insert("people", PERSON)
    store.db["_sqlite_migrations"].insert(
        {"migration_set": "community_ledger", "name": "m999_from_the_future", "applied_at": "2027-01-01 00:00:00+00:00"}
    )
    store.close()
    with pytest.raises(NewerSchema):
        open_ledger(db_path)
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("SELECT count(*) FROM people").fetchone() == (1,)
    finally:
        conn.close()


def test_a_transaction_that_raises_leaves_no_row_and_no_audit(store):
    audit_before = store.scalar("SELECT count(*) FROM audit")
    with pytest.raises(RuntimeError):
        with store.transaction():
            record = store.insert("people", PERSON)
            store.update("people", record["id"], {"phone": "13912345678"})
            raise RuntimeError("power cut")
    assert store.scalar("SELECT count(*) FROM people") == 0
    assert store.scalar("SELECT count(*) FROM audit") == audit_before
    assert not store.db.conn.in_transaction


def test_a_failing_inner_transaction_keeps_the_outer_work(store):
    with store.transaction():
        kept = store.insert("people", PERSON)
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.insert("people", {**PERSON, "id_number": None, "name": "李四"})
                raise RuntimeError
    assert store.query("SELECT id FROM people") == [{"id": kept["id"]}]
    assert store.query("SELECT action FROM audit WHERE table_name = 'people'") == [{"action": "insert"}]


def test_protected_fields_are_set_by_the_store(db_path):
    clock = pinned_clock()
    store = open_ledger(db_path, author="测试员", clock=clock)
    try:
        record = store.insert("people", {**PERSON, "created_at": "1999", "deleted_at": "1999", "device_id": "x"})
        assert record["created_at"] == record["updated_at"] == "2026-11-23T02:00:00.000000+00:00"
        assert record["deleted_at"] is None
        assert record["device_id"] == store.device_id
    finally:
        store.close()


def test_soft_delete_then_restore_keeps_every_field(db_path):
    clock = pinned_clock()
    store = open_ledger(db_path, author="测试员", clock=clock)
    try:
        original = store.get("people", store.insert("people", PERSON)["id"])
        clock.advance(timedelta(hours=1))
        deleted = store.delete("people", original["id"])
        assert store.get("people", original["id"]) is None
        assert store.get("people", original["id"], include_deleted=True)["deleted_at"] == "2026-11-23T03:00:00.000000+00:00"
        clock.advance(timedelta(hours=1))
        store.restore("people", original["id"])
        restored = store.get("people", original["id"])
        assert restored["deleted_at"] is None
        assert restored["updated_at"] == "2026-11-23T04:00:00.000000+00:00"
        assert {k: v for k, v in restored.items() if k != "updated_at"} == {
            k: v for k, v in original.items() if k != "updated_at"
        }
        assert deleted["updated_at"] < restored["updated_at"]
    finally:
        store.close()


def test_update_without_a_change_writes_nothing(store):
    record = store.insert("people", PERSON)
    store.update("people", record["id"], {"phone": PERSON["phone"]})
    assert store.scalar("SELECT count(*) FROM audit WHERE record_id = ?", [record["id"]]) == 1


def test_timestamps_are_utc_iso(db_path):
    local = timezone(timedelta(hours=8))
    store = open_ledger(db_path, clock=FixedClock(datetime(2026, 11, 23, 10, 0, tzinfo=local)))
    try:
        assert store.insert("people", PERSON)["created_at"] == "2026-11-23T02:00:00.000000+00:00"
    finally:
        store.close()


def test_insert_many_writes_each_record_with_its_audit_and_change_number(store):
    before = store.scalar("SELECT coalesce(max(seq), 0) FROM sync_records")
    rows = store.insert_many("people", [{"name": "甲", "phone": "13800000001"}, {"name": "乙"},
                                        {"name": "丙", "phone": "13800000003"}])
    assert [r["name"] for r in rows] == ["甲", "乙", "丙"]
    ids = [r["id"] for r in rows]
    assert store.scalar("SELECT count(*) FROM people WHERE id IN (?, ?, ?)", ids) == 3
    audited = store.query("SELECT record_id, action, after FROM audit WHERE table_name = 'people' ORDER BY rowid")
    assert [(a["record_id"], a["action"]) for a in audited] == [(i, "insert") for i in ids]
    assert json.loads(audited[0]["after"])["phone"] == "13800000001"
    seqs = [store.scalar("SELECT seq FROM sync_records WHERE table_name = 'people' AND record_id = ?", [i])
            for i in ids]
    assert seqs == [before + 1, before + 2, before + 3]
    assert store.insert_many("people", []) == []
