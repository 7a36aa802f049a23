"""数据同步 page: a resident registered on two PCs is merged from the conflict list, both records
shown side by side, the one kept chosen, 合并."""

from __future__ import annotations

from tests.test_sync import person
from tests.ui.conftest import settle
from tests.ui.test_sync_page import import_confirmed, laptop_answers, make_package, open_page

ID = "11010519491231002X"


def test_a_duplicate_resident_is_merged_on_the_sync_page(qtbot, window, tmp_path):
    page = open_page(qtbot, window)
    office = window.store
    assert not office.scalar("SELECT count(*) FROM people WHERE id_number = ?", [ID])
    package = make_package(qtbot, window, page, "笔记本", tmp_path)
    theirs: dict = {}
    back = laptop_answers(office, package, tmp_path, lambda laptop: theirs.update(
        laptop.insert("people", person("赵六", id_number=ID, phone="13812345678", note="村里登记"))))
    mine: dict = {}
    window.ops.run(lambda store: store.insert("people", person("赵六", id_number=ID)), on_done=mine.update)
    settle(qtbot, window)

    import_confirmed(qtbot, window, page, back)
    assert page.conflicts.rowCount() == 1 and page.conflicts.item(0, 0).text() == "居民"
    assert page.merge_button.isEnabled()

    page.merge_button.click()
    settle(qtbot, window)
    dialog = page.merge_dialog
    assert dialog.isVisible()
    ok = [b for b in dialog.findChildren(type(page.merge_button)) if b.text() == "合并"]
    assert len(ok) == 1
    shown = {dialog.table.item(r, 0).text(): (dialog.table.item(r, 1).text(), dialog.table.item(r, 2).text())
             for r in range(dialog.table.rowCount())}
    assert shown["备注"] == ("（空）", "村里登记") and shown["姓名/名称"] == ("赵六", "赵六")
    assert dialog.keep_mine.isChecked()
    ok[0].click()
    settle(qtbot, window)

    kept = office.get("people", mine["id"])
    assert kept["note"] == "村里登记" and kept["phone"] == "13812345678"
    assert office.get("people", theirs["id"]) is None
    assert office.scalar("SELECT count(*) FROM person_merges WHERE kept_id = ? AND merged_id = ?",
                         [mine["id"], theirs["id"]]) == 1
    assert page.conflicts.rowCount() == 0 and not page.merge_button.isEnabled()
    assert "已合并" in page.status.text()


def test_an_edit_conflict_cannot_be_merged(qtbot, window, tmp_path):
    page = open_page(qtbot, window)
    office = window.store
    package = make_package(qtbot, window, page, "笔记本", tmp_path)
    target = office.query("SELECT id FROM people WHERE deleted_at IS NULL ORDER BY id LIMIT 1")[0]["id"]
    back = laptop_answers(office, package, tmp_path, lambda laptop: laptop.update("people", target, {"note": "村里"}))
    window.ops.run(lambda store: store.update("people", target, {"note": "办公室"}))
    settle(qtbot, window)
    import_confirmed(qtbot, window, page, back)
    assert page.conflicts.rowCount() == 1 and page.take_button.isEnabled()
    assert not page.merge_button.isEnabled()
