"""数据同步 page: make a package into a folder, import one, decide conflicts, see the history."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QMessageBox

from app import sync
from app.database import open_ledger
from tests.ui.conftest import settle


def person_id(store, name: str) -> str:
    return store.query("SELECT id FROM people WHERE deleted_at IS NULL AND name = ? LIMIT 1", [name])[0]["id"]


def first_person(store) -> str:
    return store.query("SELECT name FROM people WHERE deleted_at IS NULL ORDER BY id LIMIT 1")[0]["name"]


def open_page(qtbot, window):
    page = window.go("数据同步")
    settle(qtbot, window)
    return page


def make_package(qtbot, window, page, peer: str, folder) -> sync.ExportResult:
    page.peer.setCurrentText(peer)
    page.folder.setText(str(folder))
    page.export_button.click()
    settle(qtbot, window)
    return page.last_export


def laptop_answers(office, package, folder, change) -> Path:
    """A new laptop joins the office with an invitation, imports `package`, makes `change(laptop)`
    and sends its own package back (returned)."""
    laptop = open_ledger(folder / "laptop.db", clock=office.clock)
    try:
        invitation = sync.invite(office, "新笔记本", folder)
        assert sync.join(laptop, invitation.path, invitation.code).adopted
        sync.import_package(laptop, package.path)
        change(laptop)
        return sync.export_package(laptop, "办公室", folder).path
    finally:
        laptop.close()


def import_confirmed(qtbot, window, page, path) -> None:
    """Import on the page: the preview comes first, then the user confirms it."""
    page.import_file(str(path))
    settle(qtbot, window)
    assert page.preview_dialog.isVisible()
    page.preview_dialog.accept()
    settle(qtbot, window)


def test_make_a_package_into_a_folder_and_see_it_in_the_history(qtbot, window, tmp_path):
    page = open_page(qtbot, window)
    assert "320505001001" in page.info.text()
    usb = tmp_path / "U盘"
    usb.mkdir()
    result = make_package(qtbot, window, page, "村委会笔记本", usb)
    assert result.path.parent == usb and result.path.is_file()
    assert "已制作同步包" in page.status.text()
    assert page.history.rowCount() == 1
    assert page.history.item(0, 1).text() == "制作" and page.history.item(0, 2).text() == "村委会笔记本"
    assert page.peer.findText("村委会笔记本") >= 0
    # China time, as the clock on the wall says it (the pinned clock: 10:00 on 2026-11-23), in the list and the file name.
    assert page.history.item(0, 0).text() == "2026-11-23 10:00:00"
    assert "_20261123-100000_" in result.path.name


def test_import_a_package_and_decide_its_conflicts(qtbot, window, tmp_path):
    page = open_page(qtbot, window)
    office = window.store
    package = make_package(qtbot, window, page, "笔记本", tmp_path)
    name = first_person(office)
    target = person_id(office, name)
    back = laptop_answers(office, package, tmp_path, lambda laptop: laptop.update(
        "people", target, {"note": "村里写的备注", "phone": "13900000001"}))
    office_note = "办公室写的备注"
    window.ops.run(lambda store: store.update("people", target, {"note": office_note, "phone": "13900000002"}))
    settle(qtbot, window)

    import_confirmed(qtbot, window, page, back)
    assert "冲突 1 条" in page.status.text()
    assert page.conflicts.rowCount() == 1
    assert page.conflicts.item(0, 0).text() == "居民"
    assert "村里写的备注" in page.conflicts.item(0, 2).text()
    assert page.take_button.isEnabled()

    # Field by field: the laptop's note, this PC's phone.
    page.fields_button.click()
    dialog = page.dialog
    assert isinstance(dialog, QDialog)
    dialog.choices["note"].setCurrentIndex(1)
    dialog.choices["phone"].setCurrentIndex(0)
    dialog.accept()
    settle(qtbot, window)
    record = office.get("people", target)
    assert (record["note"], record["phone"]) == ("村里写的备注", "13900000002")
    assert page.conflicts.rowCount() == 0 and not page.take_button.isEnabled()
    assert page.history.item(0, 1).text() == "导入"


def test_take_theirs_and_a_refused_package(qtbot, window, tmp_path):
    page = open_page(qtbot, window)
    office = window.store
    package = make_package(qtbot, window, page, "笔记本", tmp_path)
    target = person_id(office, first_person(office))
    back = laptop_answers(office, package, tmp_path, lambda laptop: laptop.update("people", target, {"note": "村里"}))
    window.ops.run(lambda store: store.update("people", target, {"note": "办公室"}))
    settle(qtbot, window)
    import_confirmed(qtbot, window, page, back)
    page.take_button.click()
    settle(qtbot, window)
    assert office.get("people", target)["note"] == "村里"
    assert page.conflicts.rowCount() == 0

    damaged = tmp_path / "damaged.ledgersync"
    damaged.write_bytes(back.read_bytes()[:100])
    page.import_file(str(damaged))
    settle(qtbot, window)
    shown = [box.text() for box in window.findChildren(QMessageBox)]
    assert any("同步包已损坏" in text for text in shown)
    assert page.conflicts.rowCount() == 0


def test_a_new_pc_joins_on_the_page_with_the_invitation_code(qtbot, window, tmp_path):
    from app import community_key, settings

    page = open_page(qtbot, window)
    office = open_ledger(tmp_path / "office.db", clock=window.store.clock)
    try:
        settings.save(office, {"community_name": "阳光社区", "community_code": "320505001001"})
        invitation = sync.invite(office, "新电脑", tmp_path)
        key = community_key.key_of(office)
    finally:
        office.close()
    page.import_file(str(invitation.path), code="0000-0000-0000")
    settle(qtbot, window)
    assert getattr(page, "last_import", None) is None
    assert any("邀请码不对" in box.text() for box in window.findChildren(QMessageBox))
    page.import_file(str(invitation.path), code=invitation.code)
    settle(qtbot, window)
    assert page.last_import.records and "已导入同步包" in page.status.text()
    assert community_key.key_of(window.store) == key


def _laptop_package(window, tmp_path, change=None):
    """A package from a PC that joined the window's community, made after `change(laptop)`."""
    laptop = open_ledger(tmp_path / "laptop.db", clock=window.store.clock)
    try:
        invitation = sync.invite(window.store, "笔记本", tmp_path)
        sync.join(laptop, invitation.path, invitation.code)
        if change:
            change(laptop)
        return sync.export_package(laptop, "办公室", tmp_path).path
    finally:
        laptop.close()


def test_the_preview_comes_first_and_cancel_imports_nothing(qtbot, window, tmp_path):
    page = open_page(qtbot, window)
    package = _laptop_package(window, tmp_path, lambda laptop: laptop.insert(
        "people", {"name": "新来的居民", "pinyin": "", "initials": "", "sort_key": "新来的居民"}))
    page.import_file(str(package))
    settle(qtbot, window)
    text = page.preview_dialog.text.toPlainText()
    assert "新增：居民 1 条" in text and "people" not in text
    page.preview_dialog.reject()
    settle(qtbot, window)
    assert window.store.query("SELECT count(*) AS n FROM people WHERE name = '新来的居民'")[0]["n"] == 0
    import_confirmed(qtbot, window, page, package)
    assert window.store.query("SELECT count(*) AS n FROM people WHERE name = '新来的居民'")[0]["n"] == 1
    assert "已导入同步包" in page.status.text()


def test_records_set_aside_are_listed_by_name_and_can_be_removed(qtbot, window, tmp_path):
    from app import community_key
    from tests.test_sealed_sync import _resigned

    page = open_page(qtbot, window)
    made = {}

    def add(laptop):
        made.update(laptop.insert("people", {"name": "王不合规", "pinyin": "", "initials": "", "sort_key": "w",
                                             "id_number": "110101199003071233"}))
        laptop.insert("people", {"name": "李合规", "pinyin": "", "initials": "", "sort_key": "l"})

    package = _laptop_package(window, tmp_path, add)
    bad = _resigned(package, community_key.key_of(window.store), tmp_path / "bad.ledgersync",
                    lambda t, r: {**r, "gender": "未知"} if r.get("id") == made["id"] else r)
    import_confirmed(qtbot, window, page, bad)
    assert "不合规" in page.status.text()
    assert page.aside_box.isVisible() and page.aside.rowCount() == 1
    cells = [page.aside.item(0, c).text() for c in range(4)]
    assert cells[0] == "居民" and cells[1] == "王不合规" and "性别" in cells[2]
    assert not any("110101199003071233" in c for c in cells)
    page.dismiss_button.click()
    settle(qtbot, window)
    assert page.aside.rowCount() == 0 and not page.aside_box.isVisible()


def test_an_administrator_applies_or_discards_held_changes_on_the_page(qtbot, window, tmp_path):
    from app import accounts, settings

    page = open_page(qtbot, window)
    package = _laptop_package(window, tmp_path, lambda laptop: settings.save(laptop, {"idle_lock_minutes": 45}))
    store = window.store
    accounts.create_admin(store, "admin", "secret-1")
    accounts.add_account(store, "xiaowang", "secret-2", "staff")
    accounts.logout(store)
    accounts.login(store, "xiaowang", "secret-2")
    import_confirmed(qtbot, window, page, package)
    assert page.held_row.isVisible() and "1 项" in page.held_label.text()
    page.apply_held_button.click()
    settle(qtbot, window)
    assert any("管理员" in box.text() for box in window.findChildren(QMessageBox))
    assert settings.load(store).idle_lock_minutes != 45
    accounts.logout(store)
    accounts.login(store, "admin", "secret-1")
    page.apply_held_button.click()
    settle(qtbot, window)
    assert settings.load(store).idle_lock_minutes == 45 and not page.held_row.isVisible()
