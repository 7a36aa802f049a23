"""Long file work (exports, PDFs) runs on a second worker with its own connection (Ops.run_files):
lists and search answer while a month's export is still being written."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

import ui.pages.export as export_page
from app import access, settings
from app.people import search_people
from tests.ui.conftest import settle, type_text

WAIT_S = 10  # a guard against a hang, never reached when the code works


@pytest.fixture
def held_export(monkeypatch, tmp_path):
    """The 台账导出 page's export_month, held on an Event the test releases; the store it ran on."""
    release, started, seen = threading.Event(), threading.Event(), {}
    folder = tmp_path / "台账"
    real = export_page.export_month

    def held(store, year, month, out_dir, **options):
        if Path(out_dir) == folder:  # the page's preview (its scratch folder) is not held
            seen["store"] = store
            started.set()
            assert release.wait(WAIT_S)
        return real(store, year, month, out_dir, **options)

    monkeypatch.setattr(export_page, "export_month", held)
    yield folder, started, release, seen
    release.set()  # a test that failed half-way does not leave the worker waiting


def start_export(qtbot, window, folder: Path):
    page = window.go("台账导出")
    settle(qtbot, window)
    page.folder.setText(str(folder))
    page.export()
    return page


def test_a_search_answers_while_an_export_runs(qtbot, window, held_export):
    folder, started, release, seen = held_export
    export = start_export(qtbot, window, folder)
    assert started.wait(WAIT_S)

    people = window.go("居民")
    initials = window.store.scalar("SELECT initials FROM people WHERE deleted_at IS NULL ORDER BY name LIMIT 1")
    typed = initials.split("|")[0]
    expected = [p["name"] for p in search_people(window.store, typed)]
    assert expected  # the demo has someone to find
    type_text(qtbot, people.search, typed)
    qtbot.waitUntil(lambda: [people.model.row(i)["name"] for i in range(people.model.rowCount())] == expected,
                    timeout=WAIT_S * 1000)
    assert export.status.text() == "正在导出…"  # the list answered while the export still ran

    release.set()
    qtbot.waitUntil(lambda: export.status.text().startswith("已导出"), timeout=WAIT_S * 1000)
    assert export.last_result.files and all(path.exists() for path in export.last_result.files)
    store = seen["store"]
    assert store is not window.store and store.db.conn is not window.store.db.conn
    with pytest.raises(sqlite3.ProgrammingError):  # its connection was closed after the export
        store.db.conn.execute("SELECT 1")


def test_closing_the_window_during_an_export_waits_for_it_and_queues_nothing_more(qtbot, window, held_export):
    folder, started, release, seen = held_export
    start_export(qtbot, window, folder)
    assert started.wait(WAIT_S)
    # Released only once the window has begun to close, so the close finds the export running.
    releaser = threading.Thread(target=lambda: window.ops.stopping.wait(WAIT_S) and release.set())
    releaser.start()
    window.close()
    releaser.join(WAIT_S)
    assert release.is_set()
    assert window.ops.files_pool.activeThreadCount() == 0 and window.ops.pool.activeThreadCount() == 0
    assert any(folder.glob("*_月度台账合订本.pdf"))  # the export was written to the end, not cut off
    with pytest.raises(sqlite3.ProgrammingError):
        seen["store"].db.conn.execute("SELECT 1")

    qtbot.waitUntil(lambda: window.ops.idle, timeout=WAIT_S * 1000)  # the export's result came back
    ran: list = []
    window.ops.run(settings.load, on_done=ran.append)  # as a form's draft timer firing after the close
    window.ops.run_files(settings.load, on_done=ran.append)
    assert window.ops.idle and window.ops.pool.activeThreadCount() == 0 and ran == []


def test_an_export_sees_what_was_saved_before_it(qtbot, window):
    """The file worker waits for the operations queued before it on the database worker."""
    release = threading.Event()

    def slow_save(store):
        assert release.wait(WAIT_S)
        settings.save(store, {"preparer": "王芳"})

    def read_preparer(store):
        return release.is_set(), settings.load(store).preparer

    window.ops.run(slow_save)
    with qtbot.waitCallback(timeout=WAIT_S * 1000) as read:
        window.ops.run_files(read_preparer, on_done=read)
        release.set()
    assert read.args == [(True, "王芳")]


def test_writes_on_the_second_connection_reach_the_pages(qtbot, window):
    """A file job that writes (an unmasked export's audit row, a certificate's number) says which tables."""
    with qtbot.waitSignal(window.ops.changed, timeout=WAIT_S * 1000) as changed:
        window.ops.run_files(settings.save, {"community_name": "第二连接社区"})
    assert "settings" in changed.args[0]
    qtbot.waitUntil(lambda: "第二连接社区" in window.windowTitle(), timeout=WAIT_S * 1000)
    settle(qtbot, window)


def test_the_second_connection_is_signed_in_as_the_window(qtbot, window):
    access.sign_in(window.store, "xiaowang", access.STAFF)
    with qtbot.waitCallback(timeout=WAIT_S * 1000) as signed:
        window.ops.run_files(lambda store: (access.current(store), store.author, store.clock), on_done=signed)
    assert signed.args == [(access.SignedIn("xiaowang", access.STAFF), "xiaowang", window.store.clock)]
    settle(qtbot, window)
