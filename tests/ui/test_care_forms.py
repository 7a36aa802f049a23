"""The 关爱对象 page's member form (only the ticked groups' fields) and 转介跟踪 (转介 → 已接收 → 已办结)."""

from __future__ import annotations

from datetime import timedelta

from app import care
from tests.ui.conftest import settle


def _shown(dialog) -> set[str]:
    return {key for key in care.MEMBER_FIELDS if dialog.field_visible(key)}


def test_the_member_form_shows_only_the_ticked_groups_fields(qtbot, window):
    page = window.go("关爱对象")
    settle(qtbot, window)
    page.new_record()
    dialog = page.dialog
    settle(qtbot, window)
    assert _shown(dialog) == set()
    boxes = dialog.widgets["groups"].boxes
    assert "特殊困难老年人" not in boxes  # registered on 老年人探访
    boxes["困境儿童"].setChecked(True)
    assert _shown(dialog) == {"guardian", "guardian_phone", "school"}
    boxes["残疾人"].setChecked(True)
    assert _shown(dialog) == {"guardian", "guardian_phone", "school", "disability_no", "disability_category",
                              "disability_grade", "living_subsidy", "nursing_subsidy"}
    boxes["困境儿童"].setChecked(False)
    assert "guardian" not in _shown(dialog) and "disability_no" in _shown(dialog)
    boxes["残疾人"].setChecked(False)
    dialog.submit()
    assert "请至少勾选一个类别" in dialog.field_error("groups")
    dialog.discard()


def test_a_child_joins_two_groups_at_once_and_a_bad_phone_is_refused_under_its_field(qtbot, window, today):
    store = window.ops.store
    page = window.go("关爱对象")
    settle(qtbot, window)
    child = store.query("SELECT id, name FROM people WHERE birth_date > '2012-01-01' AND id_number IS NOT NULL"
                        " AND id NOT IN (SELECT person_id FROM care_members) LIMIT 1")[0]
    page.new_record()
    dialog = page.dialog
    settle(qtbot, window)
    dialog.set_value("person_id", child)
    for name in ("困境儿童", "留守儿童"):
        dialog.widgets["groups"].boxes[name].setChecked(True)
    dialog.set_value("guardian", "李大山")
    dialog.widgets["guardian_phone"].setText("1391234")
    dialog.submit()
    assert "电话" in dialog.field_error("guardian_phone")
    dialog.widgets["guardian_phone"].setText("13912345678")
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.submit()
    settle(qtbot, window)
    joined = sorted(m["group_name"] for m in care.memberships(store, child["id"]))
    assert joined == ["困境儿童", "留守儿童"]
    assert {m["guardian_phone"] for m in store.query(
        "SELECT guardian_phone FROM care_members WHERE person_id = ?", [child["id"]])} == {"13912345678"}


def test_editing_a_membership_shows_its_own_groups_fields(qtbot, window):
    page = window.go("关爱对象")
    settle(qtbot, window)
    page.group_filter.setCurrentText("残疾人")
    settle(qtbot, window)
    page.view.selectRow(0)
    page.edit_current()
    settle(qtbot, window)
    dialog = page.dialog
    assert dialog.widgets["group"].currentText() == "残疾人"
    assert "disability_no" in _shown(dialog) and "guardian" not in _shown(dialog)
    assert len(dialog.widgets["disability_no"].text()) == 20
    dialog.discard()


def test_an_overdue_referral_is_received_then_closed_with_its_outcome(qtbot, window, today):
    store = window.ops.store
    overdue = care.overdue_referrals(store, today=today)[0]
    page = window.go("关爱对象")
    settle(qtbot, window)
    page.group_filter.setCurrentText("困境儿童")
    settle(qtbot, window)
    row = next(i for i in range(page.model.rowCount()) if page.model.row(i)["person_id"] == overdue["person_id"])
    page.view.selectRow(row)
    dialog = page.show_referrals()
    settle(qtbot, window)
    assert "街道教育办" in dialog.list.currentItem().text()
    assert dialog.advance_button.text() == "标记为“已接收”" and not dialog.outcome.isEnabled()
    dialog.date.setText((today + timedelta(days=1)).isoformat())
    dialog.advance()
    settle(qtbot, window)
    assert "不能晚于今天" in dialog.error.text()
    dialog.date.setText(today.isoformat())
    dialog.advance()
    settle(qtbot, window)
    assert store.get("referrals", overdue["id"])["state"] == "已接收"
    assert dialog.advance_button.text() == "标记为“已办结”" and dialog.outcome.isEnabled()
    dialog.advance()
    settle(qtbot, window)
    assert "办理结果" in dialog.error.text()
    assert store.get("referrals", overdue["id"])["state"] == "已接收"
    dialog.outcome.setPlainText("已与学校联系，孩子恢复到校")
    dialog.advance()
    settle(qtbot, window)
    done = store.get("referrals", overdue["id"])
    assert (done["state"], done["closed_on"], done["outcome"]) == ("已办结", today.isoformat(), "已与学校联系，孩子恢复到校")
    assert not dialog.advance_button.isEnabled() and "结果：已与学校联系" in dialog.list.currentItem().text()
    assert care.overdue_referrals(store, today=today) == []
    dialog.accept()
    settle(qtbot, window)
