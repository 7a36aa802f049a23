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


def test_file_work_runs_beside_the_database_worker(qtbot, window):
    """An export holds its own connection: lists and search answer while it is still running."""
    import threading

    from app import access
    from app.people import search_people

    release, seen = threading.Event(), {}

    def long_export(store):
        seen["store"] = store
        release.wait(10)
        return "exported"

    exported = []
    window.ops.run_files(long_export, on_done=exported.append)
    with qtbot.waitCallback(timeout=10000) as searched:
        window.ops.run(search_people, "zsf", on_done=searched)
    assert exported == []  # the search came back while the export still ran
    release.set()
    qtbot.waitUntil(lambda: exported == ["exported"], timeout=10000)
    second = seen["store"]
    assert second.db.conn is not window.store.db.conn
    assert second.clock is window.store.clock and access.current(second) == access.current(window.store)
