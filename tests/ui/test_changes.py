"""Operations say what they wrote and every page that shows it refreshes (no page announces
changes by hand)."""

from __future__ import annotations

from datetime import date

from app import elders
from tests.ui.conftest import TODAY, settle


def test_a_visit_saved_anywhere_refreshes_the_elders_list(qtbot, window):
    page = window.go("老年人探访")
    settle(qtbot, window)
    row = next(r for r in page.model.rows() if (r.get("last_visit") or "") < TODAY.isoformat())
    with qtbot.waitSignal(window.ctx.changed, timeout=10000) as announced:
        window.ops.run(elders.record_visit, {"elder_id": row["id"], "date": TODAY, "method": "上门",
                                             "visitor": "王芳"})
    assert "visits" in announced.args[0]
    settle(qtbot, window)
    shown = next(r for r in page.model.rows() if r["id"] == row["id"])
    assert shown["last_visit"] == TODAY.isoformat()


def test_reads_announce_nothing_and_a_draft_names_only_itself(qtbot, window):
    heard = []
    window.ctx.changed.connect(heard.append)
    window.ops.run(elders.month_duty, TODAY.year, TODAY.month)
    settle(qtbot, window)
    assert heard == []
    from app import drafts

    window.ops.run(drafts.save_draft, "visits.new", "visits", {"note": "半句话"})
    settle(qtbot, window)
    assert heard == [frozenset({"drafts"})]


def test_the_store_names_every_table_it_wrote(store):
    from app.people import add_person, update_person

    store.take_changes()
    person = add_person(store, {"name": "张三"}, today=date(2026, 11, 23))
    assert store.take_changes() == {"people", "audit"}
    update_person(store, person["id"], {"note": "新"}, today=date(2026, 11, 23))
    assert store.take_changes() == {"people", "audit"}
    assert store.take_changes() == set()

