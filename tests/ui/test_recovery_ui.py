"""The 恢复码 in the window: shown once at set-up and printed; reprinted by an administrator; asked for
when a sealed backup is restored on a PC without the community's key."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from app import accounts, backups, community_key, settings
from app.database import open_ledger
from tests.ui.conftest import pinned_clock, settle, type_text


def _capture_printing(monkeypatch) -> list[str]:
    """The print dialog replaced by reading the PDF it would print (and checking it is deleted after)."""
    printed: list[str] = []

    def fake_print(parent, path) -> bool:
        printed.append(PdfReader(str(path)).pages[0].extract_text().replace(" ", ""))
        printed.append(str(path))
        return True

    monkeypatch.setattr("ui.recovery.print_pdf", fake_print)
    return printed


def test_the_recovery_code_is_shown_once_at_set_up_and_printed(qtbot, empty_window, monkeypatch):
    window = empty_window
    printed = _capture_printing(monkeypatch)
    window.first_start()
    settle(qtbot, window)
    type_text(qtbot, window.setup.edits["community_name"], "幸福村村民委员会")
    window.setup.save_button.click()
    settle(qtbot, window)
    dialog = window.setup.recovery
    assert dialog.isVisible() and not window.setup.isVisible()
    code = community_key.recovery_sheet(window.store).code
    assert dialog.code.text() == code
    dialog.print_button.click()
    settle(qtbot, window)
    text, path = printed
    assert code in text and "幸福村村民委员会" in text and "2026年" in text
    assert not Path(path).exists()  # the sheet holds the code: not left on the disk
    assert "打印" in dialog.message.text()
    dialog.close_button.click()
    assert not dialog.isVisible()


def test_an_administrator_prints_the_sheet_again_from_settings(qtbot, window, monkeypatch):
    printed = _capture_printing(monkeypatch)
    page = window.go("设置")
    settle(qtbot, window)
    page.show_tab(page.backups)
    assert not page.backups.sheet_button.isHidden()
    page.backups.sheet_button.click()
    settle(qtbot, window)
    assert community_key.recovery_sheet(window.store).code in printed[0]


def test_a_staff_member_has_no_print_button(qtbot, window):
    accounts.create_admin(window.store, "admin", "secret-1")
    accounts.add_account(window.store, "xiaowang", "secret-2", "staff")
    accounts.logout(window.store)
    accounts.login(window.store, "xiaowang", "secret-2")
    page = window.go("设置")
    settle(qtbot, window)
    assert page.backups.sheet_button.isHidden()


def test_restoring_a_sealed_backup_on_a_new_pc_asks_for_the_recovery_code(qtbot, empty_window, tmp_path):
    window = empty_window
    office = open_ledger(tmp_path / "office.db", clock=pinned_clock())
    try:
        settings.save(office, {"community_name": "阳光社区", "community_code": "320505001001"})
        office.insert("people", {"name": "办公室的居民", "pinyin": "", "initials": "", "sort_key": "b"})
        sealed = backups.save_copy(office, tmp_path / "usb")
        code = community_key.recovery_sheet(office).code
    finally:
        office.close()
    page = window.go("设置")
    settle(qtbot, window)
    panel = page.backups
    panel.confirm_restore(str(sealed), sealed.name).buttons()[0].click()  # 恢复
    settle(qtbot, window)
    assert panel.code_dialog.isVisible() and "恢复码" in panel.code_dialog.labelText()
    panel.code_dialog.setTextValue("0000-0000-0000-0000")
    panel.code_dialog.accept()
    settle(qtbot, window)
    assert panel.code_dialog.isVisible() and "恢复码不对" in panel.code_dialog.labelText()  # asked again
    assert window.store.scalar("SELECT count(*) FROM people WHERE name = '办公室的居民'") == 0
    panel.code_dialog.setTextValue(code.lower())
    panel.code_dialog.accept()
    settle(qtbot, window)
    assert "已恢复" in panel.message.text()
    assert window.store.scalar("SELECT count(*) FROM people WHERE name = '办公室的居民'") == 1
