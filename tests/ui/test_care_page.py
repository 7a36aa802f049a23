"""关爱对象 in the window: the register by group, the visit form with the checklist and the last findings,
the 工作台's group figures and overdue 转介."""

from __future__ import annotations

from app import care
from tests.ui.conftest import settle


def test_the_demo_has_children_and_disabled_with_an_overdue_follow_up(demo_store, today):
    figures = care.groups_figures(demo_store, 2026, 11, today=today)
    assert figures["困境儿童"]["total"] == 4 and figures["残疾人"]["total"] == 5
    assert figures["困境儿童"]["overdue"] >= 1
    assert [r["target"] for r in care.overdue_referrals(demo_store, today=today)] == ["街道教育办"]


def test_filter_by_group_and_record_a_visit_with_the_checklist(qtbot, window):
    page = window.go("关爱对象")
    settle(qtbot, window)
    page.group_filter.setCurrentText("残疾人")
    settle(qtbot, window)
    rows = [page.model.row(i) for i in range(page.model.rowCount())]
    assert len(rows) == 5 and {r["group_name"] for r in rows} == {"残疾人"}
    page.view.selectRow(0)
    dialog = page.record_visit()
    settle(qtbot, window)
    assert "两项补贴落实" in dialog.items and "亲情联系" not in dialog.items
    assert "上次探访" in dialog.last.toPlainText()
    dialog.visitor.setText("王晓燕")
    box, note = dialog.items["两项补贴落实"]
    note.setText("护理补贴未到账")
    assert box.isChecked()
    dialog.problems.setPlainText("护理补贴未到账")
    dialog.target.setText("区残联")
    dialog.save()
    settle(qtbot, window)
    assert "办结期限" in dialog.error.text() and dialog.isVisible()
    dialog.due.setText("2026-12-05")
    with qtbot.waitSignal(dialog.finished, timeout=5000):
        dialog.save()
    settle(qtbot, window)
    seen = care.last_findings(window.ops.store, rows[0]["person_id"])
    assert [(f["item"], f["note"]) for f in seen["last"]["findings"]] == [("两项补贴落实", "护理补贴未到账")]
    assert [r["target"] for r in seen["open_referrals"]] == ["区残联"]
    page.show_history()
    settle(qtbot, window)
    assert "护理补贴未到账" in page.history.text.toPlainText()


def test_a_child_cannot_join_the_elders_and_an_adult_not_the_children(qtbot, window):
    page = window.go("关爱对象")
    settle(qtbot, window)
    adult = window.ops.store.query("SELECT id FROM people WHERE birth_date < '1990-01-01' LIMIT 1")[0]
    try:
        care.add_member(window.ops.store, {"person_id": adult["id"], "group_id": page.group_names["困境儿童"]})
    except Exception as exc:  # the message the form shows under the field
        assert "不能纳入困境儿童" in str(exc)
    else:
        raise AssertionError("an adult was accepted as a child")


def test_the_dashboard_shows_each_group_and_the_overdue_referral(qtbot, window):
    page = window.go("工作台")
    settle(qtbot, window)
    names = [page.groups.item(r, 0).text() for r in range(page.groups.rowCount())]
    assert names[:4] == ["特殊困难老年人", "困境儿童", "留守儿童", "残疾人"]
    assert "街道教育办" in page.referrals.item(0).text()


def test_the_visit_history_prints_as_one_pdf(qtbot, window, tmp_path, monkeypatch):
    from pypdf import PdfReader

    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(tmp_path / "documents"))
    page = window.go("关爱对象")
    settle(qtbot, window)
    page.group_filter.setCurrentText("困境儿童")
    settle(qtbot, window)
    page.view.selectRow(0)
    row = page.current_row()
    page.show_history()
    settle(qtbot, window)
    page.history.print_button.click()
    settle(qtbot, window)
    files = list((tmp_path / "documents" / "社区台账" / "关爱对象探访记录").glob("*.pdf"))
    assert [f.name for f in files] == [f"{row['name']}_探访记录_2026-11-23.pdf"]
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(files[0]).pages)
    visits = care.visit_history(window.store, row["person_id"])
    assert f"关爱对象探访记录（{row['name']}）" in text and f"共{len(visits)}次" in text
    assert all(v["date"] in text for v in visits)
    full = window.store.get("people", row["person_id"])["id_number"]
    assert full and full not in text  # masked
    assert str(files[0]) in page.notice_box.text()
