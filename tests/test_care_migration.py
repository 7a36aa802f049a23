"""m010: an existing database keeps every elder and visit; the 特殊困难老年人 figures stay the same."""

from __future__ import annotations

import sqlite_utils

from app.elders import month_duty
from app.database import open_ledger
from db import kinds, schema
from tests.conftest import pinned_clock

COMMON = {"created_at": "2026-01-01T00:00:00+00:00", "updated_at": "2026-01-01T00:00:00+00:00",
          "deleted_at": None, "device_id": "old-pc"}


def _old_database(path):
    """A database as the program before m010 left it: three elders and their visits."""
    db = sqlite_utils.Database(path)
    schema.migrations.apply(db, stop_before=["m010_care_groups"])
    people = [("p1", "王奶奶"), ("p2", "李爷爷"), ("p3", "赵奶奶")]
    for pid, name in people:
        db.execute("INSERT INTO people (id, created_at, updated_at, deleted_at, device_id, name, birth_date)"
                   " VALUES (?, ?, ?, NULL, 'old-pc', ?, '1940-01-01')",
                   [pid, COMMON["created_at"], COMMON["updated_at"], name])
    for eid, pid, risk in (("e1", "p1", "重点"), ("e2", "p2", "高风险"), ("e3", "p3", "一般")):
        db.execute("INSERT INTO elders (id, created_at, updated_at, deleted_at, device_id, person_id, categories,"
                   " risk_level, status, joined_on) VALUES (?, ?, ?, NULL, 'old-pc', ?, '[\"独居\"]', ?, '在册',"
                   " '2026-01-01')", [eid, COMMON["created_at"], COMMON["updated_at"], pid, risk])
    visits = [("v1", "e1", "2026-10-05", "上门"), ("v2", "e1", "2026-11-03", "电话"),
              ("v3", "e2", "2026-11-02", "上门"), ("v4", "e3", "2026-09-01", "上门")]
    for vid, eid, day, method in visits:
        db.execute("INSERT INTO visits (id, created_at, updated_at, deleted_at, device_id, elder_id, date, method,"
                   " visitor, health, problems) VALUES (?, ?, ?, NULL, 'old-pc', ?, ?, ?, '小王', '良好', '漏水')",
                   [vid, COMMON["created_at"], COMMON["updated_at"], eid, day, method])
    db.close()


def test_elders_and_visits_survive_and_count_as_before(tmp_path, today):
    path = tmp_path / "old.db"
    _old_database(path)
    store = open_ledger(path, clock=pinned_clock())
    try:
        rows = store.query("SELECT id, elder_id, person_id, date, health, problems FROM visits ORDER BY id")
        assert [(r["id"], r["elder_id"], r["person_id"]) for r in rows] == [
            ("v1", "e1", "p1"), ("v2", "e1", "p1"), ("v3", "e2", "p2"), ("v4", "e3", "p3")]
        assert {r["health"] for r in rows} == {"良好"} and {r["problems"] for r in rows} == {"漏水"}
        # November, on the 23rd: e1 (monthly) visited on the 3rd, next due 12-03 → visited;
        # e2 (weekly) visited on the 2nd only → overdue since the 9th; e3 (monthly) last 09-01 → due 10-01.
        duty = month_duty(store, 2026, 11, today=today)
        assert (duty.due, duty.visited) == (3, 1)
        assert {line.elder_id: line.days_overdue for line in duty.not_visited} == {"e2": 14, "e3": 53}
        groups = store.query("SELECT name, builtin FROM care_groups ORDER BY position")
        assert [g["name"] for g in groups] == ["特殊困难老年人", "困境儿童", "留守儿童", "残疾人", "低保", "特困"]
        # the new tables are in the catalog (sync, audit and the 回收站 know them)
        for table in ("care_groups", "care_members", "visit_findings", "referrals"):
            assert table in kinds.KINDS
    finally:
        store.close()


def test_a_database_with_planner_statistics_keeps_them_for_the_rebuilt_visits(tmp_path):
    path = tmp_path / "old.db"
    _old_database(path)
    db = sqlite_utils.Database(path)
    db.execute("ANALYZE")
    db.close()
    store = open_ledger(path, clock=pinned_clock())
    try:
        indexes = {r["idx"] for r in store.query("SELECT idx FROM sqlite_stat1 WHERE tbl = 'visits'")}
        assert "visits_live_date" in indexes  # rebuilt by m010, measured again by m012
    finally:
        store.close()
