"""The street PC's window: the month's table (sortable, read-only), the communities' keys, import, export."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import Qt

from app import signing, street
from tests.conftest import pinned_clock
from tests.factories import street_summary_file
from ui.pages.street import StreetWindow


def test_street_window_shows_sorts_imports_and_exports(qtbot, tmp_path):
    keys = [Ed25519PrivateKey.generate() for _ in range(3)]
    first = [street_summary_file(tmp_path / f"{n}.json", keys[n], f"C{n}", "2026-10", due=10, visited=9 - 3 * n)
             for n in range(2)]
    session = street.open_session(tmp_path / "street.db", clock=pinned_clock())
    street.import_files(session, first)
    window = StreetWindow(session)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.ops.idle and window.month_model.rowCount() == 2)
    assert window.month_box.currentText() == "2026-10"
    assert window.community_model.item(0, 5).text() == signing.fingerprint(signing.public_bytes(keys[0]))
    view = window.month_view
    rate = 3 + 2  # code, name, 报送, then 应探访, 已探访, 探访率
    view.sortByColumn(rate, Qt.SortOrder.AscendingOrder)
    assert view.model().index(0, 0).data() == "C1"  # 60% before 90%
    assert view.editTriggers() == view.EditTrigger.NoEditTriggers
    assert not window.month_model.item(0, rate).isEditable()
    # A third community reports September only: in October it is 未报送.
    window.import_files([str(street_summary_file(tmp_path / "2.json", keys[2], "C2", "2026-09"))])
    qtbot.waitUntil(lambda: window.ops.idle and window.month_model.rowCount() == 3)
    window.imported_box.close()
    assert "未报送 1 个" in window.status.text()
    qtbot.waitUntil(lambda: window.chart_label.pixmap() is not None and not window.chart_label.pixmap().isNull())
    window.export_to(str(tmp_path / "out"))
    qtbot.waitUntil(lambda: window.ops.idle and "已导出" in window.status.text())
    assert (tmp_path / "out" / "街道月度汇总表_2026-10.xlsx").is_file()
    assert (tmp_path / "out" / "街道月度汇总表_2026-10.pdf").is_file()
    window.close()
    session.close()


def test_first_start_asks_what_the_pc_is_for_and_leaving_creates_nothing(qtbot, tmp_path, monkeypatch):
    from ui import main

    asked = []
    monkeypatch.setattr(main, "ask_kind", lambda: asked.append(True))  # the user closes the question
    assert main.open_window(tmp_path / "new.db") == 0
    assert asked and not (tmp_path / "new.db").exists()
