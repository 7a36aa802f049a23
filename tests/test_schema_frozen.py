"""The migrations hold their own DDL: a new database is, entry for entry, what the program made
before the DDL was frozen into them (tests/fixtures/schema_m008.sql, made once by that code)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from db import schema

FIXTURE = Path(__file__).parent / "fixtures" / "schema_m008.sql"
FROZEN = [f"m00{n}" for n in range(1, 9)]


def _entries(db: sqlite_utils.Database) -> str:
    rows = db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                      " ORDER BY type, name").fetchall()
    return "".join(f"-- {t} {name} on {tbl}\n{sql};\n\n" for t, name, tbl, sql in rows if sql)


def test_a_new_database_has_exactly_the_schema_the_earlier_code_made():
    db = sqlite_utils.Database(memory=True)
    schema.migrations.apply(db, stop_before=[m for m in schema.known_migrations() if m[:4] not in FROZEN])
    expected = "".join(line + "\n" for line in FIXTURE.read_text("utf-8").splitlines()[2:])
    assert _entries(db) == expected


def test_known_migrations_are_every_migration_in_order():
    names = schema.known_migrations()
    assert names[:8] == ["m001_initial", "m002_certificates", "m003_list_orders", "m004_sync",
                         "m005_live_counts", "m006_accounts_drafts_events", "m007_people_names_by_id",
                         "m008_visits_by_date"]
    assert len(set(names)) == len(names)

