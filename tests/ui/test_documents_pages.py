"""台账导出, roster import, certificates and minutes through the window."""

from __future__ import annotations

from datetime import timedelta

import openpyxl
import pytest
from pypdf import PdfReader

from app.rosters import write_template
from tests.ui.conftest import settle


@pytest.fixture(autouse=True)
def documents(tmp_path, monkeypatch):
    folder = tmp_path / "documents"
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(folder))
    return folder / "社区台账"


def test_export_page_previews_and_exports_the_month(qtbot, window, tmp_path):
    page = window.go("台账导出")
    settle(qtbot, window)
    assert page.preview_label.pixmap() is not None and not page.preview_label.pixmap().isNull()
    page.month.setCurrentText("2026-11")
    page.folder.setText(str(tmp_path / "out"))
    page.format.setCurrentIndex(page.format.findData("xlsx"))
    for i in range(page.ledgers.count()):  # keep only 未探访名单
        item = page.ledgers.item(i)
        item.setCheckState(item.checkState().Checked if "未探访" in item.text() else item.checkState().Unchecked)
    page.export_button.click()
    settle(qtbot, window)
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["07_未探访名单_2026-11.xlsx"]
    sheet = openpyxl.load_workbook(tmp_path / "out" / files[0]).active
    texts = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
    assert any("未探访名单" in t for t in texts) and any("探访率" in t for t in texts)
    assert "已导出 1 个文件" in page.status.text()


def test_export_to_an_unwritable_folder_is_explained(qtbot, window, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    page = window.go("台账导出")
    settle(qtbot, window)
    page.folder.setText(str(blocker / "sub"))
    page.export_button.click()
    settle(qtbot, window)
    assert "没有完成" in page.status.text()
    assert page.export_button.isEnabled()


def test_import_previews_then_writes_on_confirm(qtbot, window, tmp_path):
    from ui.importer import ImportDialog

    path = tmp_path / "roster.xlsx"
    write_template("people", path)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header_row = next(r for r in range(1, 5) if sheet.cell(r, 1).value == "姓名")
    sheet.cell(header_row + 1, 1, "司马光")
    sheet.cell(header_row + 2, 1, "王五")
    sheet.cell(header_row + 2, 3, "123")
    book.save(path)
    before = window.store.scalar("SELECT count(*) FROM people")
    dialog = ImportDialog(window, window.ctx, "people", path)
    dialog.open()
    settle(qtbot, window)
    assert dialog.report.accepted == 1 and len(dialog.report.rejected) == 1
    assert dialog.rejected.item(0, 0).text() == str(header_row + 2)
    assert window.store.scalar("SELECT count(*) FROM people") == before
    dialog.confirm.click()
    settle(qtbot, window)
    assert window.store.scalar("SELECT count(*) FROM people") == before + 1
    assert window.store.query("SELECT name FROM people WHERE name = '司马光'")


def test_certificate_from_the_volunteer_page(qtbot, window, documents):
    page = window.go("志愿者")
    settle(qtbot, window)
    page.view.selectRow(0)
    name = page.current_row()["name"]
    dialog = page.certificate()
    dialog.set_value("handler", "王晓燕")
    dialog.set_value("contact", "13800138000")
    dialog.submit()
    settle(qtbot, window)
    files = list((documents / "志愿服务证明").glob("*.pdf"))
    assert [f.name for f in files] == [f"ZM2026-0001_{name}.pdf"]
    text = PdfReader(files[0]).pages[0].extract_text()
    assert "志愿服务记录证明" in text and name in text
    assert "ZM2026-0001" in page.notice_box.text()


def test_minutes_and_sign_in_sheet_from_a_topic(qtbot, window, documents):
    page = window.go("协商议事")
    settle(qtbot, window)
    index = next(i for i, r in enumerate(page.model.rows()) if r["state"] == "已评议")
    page.view.selectRow(index)
    settle(qtbot, window)
    page.action_buttons["会议记录和签到表"].click()
    settle(qtbot, window)
    files = list((documents / "会议记录").glob("*.pdf"))
    assert len(files) == 1
    pages = PdfReader(files[0]).pages
    assert "签到表" in pages[-1].extract_text()


def test_in_the_first_days_of_a_month_the_export_page_offers_the_month_just_ended(qtbot, window):
    window.store.clock.advance(timedelta(days=10))  # 2026-12-03: November's ledgers are due
    page = window.go("台账导出")
    settle(qtbot, window)
    assert page.month.currentText() == "2026-11"
    assert page.month.itemText(0) == "2026-12"  # the new month is there to pick


def _issued(store, count: int) -> list[str]:
    """Certificates for the first volunteers with confirmed hours this year."""
    from app.documents import issue_certificate

    ids = [r["volunteer_id"] for r in store.query(
        """SELECT volunteer_id FROM service_records WHERE review_state = '已确认' AND deleted_at IS NULL
           GROUP BY volunteer_id ORDER BY volunteer_id LIMIT ?""", [count])]
    return [issue_certificate(store, {"volunteer_id": v, "period_start": "2026-01-01", "handler": "王晓燕",
                                      "contact": "13800138000"})["serial"] for v in ids]


def test_the_certificate_register_lists_checks_voids_and_prints(qtbot, window, documents):
    from app import access

    numbers = _issued(window.store, 2)
    page = window.go("志愿者")
    settle(qtbot, window)
    dialog = page.certificate_register()
    settle(qtbot, window)
    assert dialog.year.currentText() == "2026"
    assert [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())] == numbers
    holder = dialog.table.item(0, 1).text()
    assert holder.endswith("*") and "*" in holder  # masked: 张**
    assert dialog.table.item(0, 6).text() == "有效"
    assert not dialog.void_button.isEnabled()  # nothing chosen yet

    dialog.number.setText(numbers[1].lower())
    dialog.verify_button.click()
    settle(qtbot, window)
    assert dialog.verdict.text().startswith(f"{numbers[1]}：持证人") and "有效" in dialog.verdict.text()
    dialog.number.setText("ZM2026-9999")
    dialog.verify_button.click()
    settle(qtbot, window)
    assert "查无此证" in dialog.verdict.text()

    dialog.table.selectRow(0)
    assert dialog.void_button.isEnabled()
    form = dialog.void()
    form.submit()
    assert "作废原因" in form.field_error("reason") and form.isVisible()  # a reason is required
    form.set_value("reason", "姓名有误，已重新开具")
    form.submit()
    settle(qtbot, window)
    assert not form.isVisible()
    assert dialog.table.item(0, 6).text() == "已作废（2026-11-23，姓名有误，已重新开具）"
    dialog.table.selectRow(0)
    assert not dialog.void_button.isEnabled()  # voided once, for good
    assert "其中已作废 1 份" in dialog.status.text()

    dialog.print_button.click()
    settle(qtbot, window)
    printed = documents / "志愿服务证明" / "证明登记簿_2026.pdf"
    text = "".join(p.extract_text() for p in PdfReader(printed).pages)
    assert "志愿服务记录证明登记簿" in text and all(n in text for n in numbers) and "已作废" in text
    assert str(printed) in dialog.status.text()

    dialog.year.setCurrentText("全部年份")
    settle(qtbot, window)
    assert dialog.table.rowCount() == 2
    dialog.accept()

    access.sign_in(window.store, "xiaowang", access.STAFF)  # a 工作人员 may look and check, not void
    staff = page.certificate_register()
    settle(qtbot, window)
    staff.table.selectRow(1)
    assert not staff.void_button.isEnabled() and "管理员" in staff.void_button.toolTip()
