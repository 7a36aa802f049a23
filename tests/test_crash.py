"""A power cut or a killed process while saving loses at most the record being saved."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

from app.database import open_ledger
from db.connection import integrity_problems
from tests.factories import volunteers

ROOT = Path(__file__).parent.parent

# Writes without pause until killed: people one by one, and every third round an activity
# with three volunteers' service in one transaction. Prints after each committed write.
WRITER = """
import sys
from datetime import date
from app.database import open_ledger
from app.people import add_person
from app.service import record_activity
store = open_ledger(sys.argv[1])
ids = [r["id"] for r in store.query("SELECT id FROM volunteers")]
n = int(store.scalar("SELECT count(*) FROM people"))
while True:
    n += 1
    name = "居民" + "".join("零一二三四五六七八九"[int(d)] for d in str(n))
    add_person(store, {"name": name, "phone": "13800138000"}, today=date(2026, 11, 23))
    if n % 3 == 0:
        record_activity(store, {"date": "2026-11-20", "name": f"活动{n}"},
                        [{"volunteer_id": v, "minutes": 60} for v in ids], today=date(2026, 11, 23))
    print(n, flush=True)
"""


def test_killing_the_program_mid_write_never_leaves_half_a_record(db_path, today):
    store = open_ledger(db_path)
    volunteers(store, today, 3)
    store.close()
    chance = random.Random(20261123)
    for _ in range(12):
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(db_path)], cwd=ROOT,
                                 stdout=subprocess.PIPE, text=True)
        for _ in range(chance.randint(1, 40)):
            assert child.stdout.readline(), "the writer stopped by itself"
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()

    store = open_ledger(db_path)
    try:
        assert integrity_problems(store.db) == []
        residents = store.scalar("SELECT count(*) FROM people WHERE name LIKE '居民%'")
        assert residents > 12
        # Every saved person came with its audit row and its sync version; no orphan either way.
        assert store.scalar(
            "SELECT count(*) FROM people p WHERE name LIKE '居民%' AND NOT EXISTS ("
            " SELECT 1 FROM audit a WHERE a.table_name = 'people' AND a.record_id = p.id AND a.action = 'insert')") == 0
        assert store.scalar(
            "SELECT count(*) FROM audit a WHERE a.table_name = 'people' AND a.action = 'insert'"
            " AND NOT EXISTS (SELECT 1 FROM people p WHERE p.id = a.record_id)") == 0
        assert store.scalar(
            "SELECT count(*) FROM people p WHERE NOT EXISTS ("
            " SELECT 1 FROM sync_records s WHERE s.table_name = 'people' AND s.record_id = p.id)") == 0
        # An activity is saved with all three volunteers' service or not at all.
        per_activity = store.query(
            "SELECT a.id, count(s.id) AS n FROM activities a LEFT JOIN service_records s ON s.activity_id = a.id"
            " GROUP BY a.id")
        assert per_activity and {r["n"] for r in per_activity} == {3}
    finally:
        store.close()
