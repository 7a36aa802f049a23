"""Drafts of half-filled forms (app/drafts.py): kept aside, read back, thrown away."""

from __future__ import annotations

from datetime import date

from app.drafts import discard_draft, load_draft, save_draft
from app.database import open_ledger


def test_a_draft_is_saved_loaded_replaced_and_discarded(store):
    assert load_draft(store, "people.new") is None
    values = {"name": "欧阳晓东", "note": "第一行\n第二行", "categories": ["独居", "高龄"],
              "person_id": {"id": "p1", "name": "张三丰"}, "volunteer_ids": ["v1", "v2"], "elder_id": None}
    save_draft(store, "people.new", "新建居民", values)
    assert load_draft(store, "people.new") == values
    save_draft(store, "people.new", "新建居民", {"name": "欧阳"})
    assert load_draft(store, "people.new") == {"name": "欧阳"}
    assert load_draft(store, "people.edit:p1") is None  # each form has its own draft
    discard_draft(store, "people.new")
    assert load_draft(store, "people.new") is None
    discard_draft(store, "people.new")  # nothing left to discard is not an error


def test_a_draft_outlives_the_program_and_is_neither_audited_nor_synced(db_path):
    first = open_ledger(db_path)
    audited = first.scalar("SELECT count(*) FROM audit")
    changes = first.scalar("SELECT count(*) FROM sync_records")
    save_draft(first, "visits.new", "登记探访", {"visitor": "李红", "date": date(2026, 11, 23)})
    assert first.scalar("SELECT count(*) FROM audit") == audited
    assert first.scalar("SELECT count(*) FROM sync_records") == changes
    first.close()
    again = open_ledger(db_path)
    try:
        # A value JSON cannot hold comes back as the text a form shows.
        assert load_draft(again, "visits.new") == {"visitor": "李红", "date": "2026-11-23"}
    finally:
        again.close()


def test_a_damaged_draft_is_no_draft(store):
    store.db.conn.execute("INSERT INTO drafts (key, form, values_json, saved_at) VALUES ('x', 'f', '{bad', 'now')")
    assert load_draft(store, "x") is None
