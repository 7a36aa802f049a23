"""What the window lacked although app/ could do it: the time bank, one record's review, one more volunteer."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app import timebank
from tests.ui.conftest import press, settle, type_text


def _volunteer_with_balance(window, page):
    for i, row in enumerate(page.model.rows()):
        if timebank.balance(window.store, row["id"]) >= 600:
            page.view.selectRow(i)
            return row
    raise AssertionError("no demo volunteer has 10 hours in the bank")


def test_time_bank_shows_the_balance_and_redeems(qtbot, window):
    page = window.go("志愿者")
    settle(qtbot, window)
    row = _volunteer_with_balance(window, page)
    before = timebank.balance(window.store, row["id"])
    press(qtbot, page.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    bank = page.bank_dialog
    assert bank.balance.text() == f"余额：{timebank.hours_text(before)}"
    assert bank.table.rowCount() == len(bank.lines) > 0
    assert bank.table.item(bank.table.rowCount() - 1, 4).text() == timebank.hours_text(before)
    form = bank.redeem()
    settle(qtbot, window)
    form.widgets["minutes"].setText(str(before + 60))
    type_text(qtbot, form.widgets["reason"], "兑换家政服务")
    form.submit()
    settle(qtbot, window)
    assert form.isVisible() and "余额不足" in form.message.text()
    form.widgets["minutes"].setText("5小时")
    form.submit()
    settle(qtbot, window)
    assert not form.isVisible()
    assert timebank.balance(window.store, row["id"]) == before - 300
    assert bank.balance.text() == f"余额：{timebank.hours_text(before - 300)}"
    assert "兑换：兑换家政服务" in bank.table.item(bank.table.rowCount() - 1, 1).text()
    assert "已为" in window.statusBar().currentMessage()
    bank.accept()


def _records_dialog(qtbot, window):
    page = window.go("志愿服务")
    settle(qtbot, window)
    page.view.selectRow(0)
    press(qtbot, page.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    return page, page.records_dialog


def test_one_record_is_marked_doubtful_with_a_note(qtbot, window):
    page, dialog = _records_dialog(qtbot, window)
    assert dialog.table.rowCount() == len(dialog.records) > 1
    record = dialog.records[0]
    form = dialog.doubt()
    settle(qtbot, window)
    assert not form.save_button.isEnabled()  # 有疑问 needs the doubt written down
    type_text(qtbot, form.widgets["review_note"], "签到表上没有此人")
    press(qtbot, form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    saved = window.store.get("service_records", record["id"])
    assert (saved["review_state"], saved["review_note"]) == ("有疑问", "签到表上没有此人")
    others = [window.store.get("service_records", r["id"])["review_state"] for r in dialog.records[1:]]
    assert others == [r["review_state"] for r in dialog.records[1:]]  # only that one changed
    assert dialog.table.item(0, 2).text() == "有疑问"


def test_one_record_is_corrected_and_one_volunteer_added(qtbot, window):
    page, dialog = _records_dialog(qtbot, window)
    record = dialog.records[0]
    press(qtbot, dialog.table, Qt.Key.Key_Return)
    form = dialog.form
    assert form.isVisible() and form.widgets["minutes"].text() == f"{record['minutes']}分"
    form.widgets["minutes"].setText("45")
    form.submit()
    settle(qtbot, window)
    assert window.store.get("service_records", record["id"])["minutes"] == 45
    count = len(dialog.records)
    form = dialog.add()
    settle(qtbot, window)
    ids = {r["volunteer_id"] for r in dialog.records}
    picker = form.widgets["volunteer_id"]
    others = window.store.query("SELECT v.id, p.name FROM volunteers v JOIN people p ON p.id = v.person_id"
                                " WHERE v.status = '在册' AND v.deleted_at IS NULL")
    newcomer = next(v for v in others if v["id"] not in ids)
    form.set_value("volunteer_id", {"id": newcomer["id"], "name": newcomer["name"]})
    form.widgets["minutes"].setText("1小时")
    form.submit()
    settle(qtbot, window)
    assert not form.isVisible(), form.message.text()
    assert len(dialog.records) == count + 1 and newcomer["id"] in {r["volunteer_id"] for r in dialog.records}
    row = next(r for r in page.model.rows() if r["id"] == page.records_dialog.activity["id"])
    assert row["volunteers"] == count + 1  # the activities list is fresh too
