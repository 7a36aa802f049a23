"""m007: the narrow index the 工作台's in-care query reads names from, with planner statistics."""

from __future__ import annotations

import sqlite3

from app.database import open_ledger
from app.people import add_person
from tests.conftest import TODAY
from tests.factories import make_id


def _indexes(store) -> set[str]:
    return {r["name"] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_a_new_database_has_the_index_and_no_statistics_of_its_own(store):
    assert "people_id_name" in _indexes(store)
    assert not store.db["sqlite_stat1"].exists()  # the migration does not start collecting statistics


def test_a_file_analyzed_before_the_migration_gets_statistics_for_the_index(tmp_path):
    """Statistics for every index but the new one would make SQLite pass the new one over."""
    path = tmp_path / "older.db"
    store = open_ledger(path)
    for i in range(30):
        add_person(store, {"name": "张三", "id_number": make_id("19400101", f"{i:03d}")}, today=TODAY)
    store.close()
    conn = sqlite3.connect(path)  # the file as it was before m007, analyzed
    conn.execute("DROP INDEX people_id_name")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_people_names_by_id'")
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    store = open_ledger(path)
    assert "people_id_name" in _indexes(store)
    assert store.scalar("SELECT count(*) FROM sqlite_stat1 WHERE idx = 'people_id_name'") == 1
    store.close()
