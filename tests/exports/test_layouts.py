"""The certificate and the meeting minutes with their sign-in sheet."""

from __future__ import annotations

import pytest
from pypdf import PdfReader

from exports.layouts import certificate_pdf, minutes_pdf
from tests.exports.helpers import flat, pdf_pages

CERTIFICATE = {
    "number": "2026-0012", "name": "张三丰", "id_type": "居民身份证", "id_number": "320102********1234",
    "volunteer_number": "32050800012", "period": "2026-01-01 至 2026-10-31", "hours": "125.5 小时",
    "content": "敬老院探访、社区环境整治等志愿服务共 36 次", "organization": "平江新城社区居民委员会",
    "person_in_charge": "李红梅", "handler": "王晓燕", "contact_phone": "0512-67771234", "issued_on": "2026-11-23",
}
MEETING = {
    "date": "2026-11-20 19:00", "place": "社区议事厅", "form": "议事会", "host": "李红梅", "recorder": "王晓燕",
    "topic": "3幢楼道加装照明的费用分摊", "minutes": "居民代表张三：楼道太暗，希望尽快安装。", "agree": "17",
    "oppose": "1", "abstain": "2", "outcome": "同意安装声控灯", "community": "平江新城社区",
}
PEOPLE = [
    {"name": "张三", "role": "居民代表"},
    {"name": "李四", "role": "居民代表", "unit": "3幢"},
    {"name": "王五", "role": "党员"},
    {"name": "赵六", "role": "物业", "unit": "安居物业公司"},
]


def test_certificate_is_one_portrait_page_with_every_field_and_room_for_the_seal(tmp_path):
    path = tmp_path / "cert.pdf"
    certificate_pdf(path, CERTIFICATE)
    reader = PdfReader(str(path))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) < float(box.height)
    words = flat(reader.pages[0].extract_text())
    assert "志愿服务记录证明" in words and "编号：2026-0012" in words
    for value in CERTIFICATE.values():
        assert flat(value) in words, value
    assert "（盖章）" in words and "兹证明" in words


def test_certificate_refuses_unknown_fields(tmp_path):
    with pytest.raises(ValueError, match="nmae"):
        certificate_pdf(tmp_path / "c.pdf", {**CERTIFICATE, "nmae": "张三丰"})


def test_minutes_then_the_sign_in_sheet_on_its_own_page(tmp_path):
    path = tmp_path / "minutes.pdf"
    minutes_pdf(path, MEETING, PEOPLE, blank_rows=3)
    pages = [flat(text) for text in pdf_pages(path)]
    assert len(pages) == 2
    minutes, sheet = pages
    assert minutes.startswith("协商会议记录") and "签到表" not in minutes
    for expected in ("2026-11-2019:00", "社区议事厅", "议事会", "3幢楼道加装照明的费用分摊",
                     "居民代表（2人）：张三、李四", "党员（1人）：王五", "楼道太暗", "同意17票，反对1票，弃权2票",
                     "同意安装声控灯", "主持人（签字）"):
        assert expected in minutes, expected
    assert sheet.startswith("签到表") and "会议记录" not in sheet
    assert "序号姓名身份/单位签名" in sheet
    # Every listed person, then three numbered blank rows for people not on the list; nothing signed.
    assert "1张三居民代表2李四居民代表／3幢3王五党员4赵六物业／安居物业公司567第1页共1页" in sheet
    assert "第1页共1页" in minutes and "第1页共1页" in sheet  # each part numbered on its own


def test_a_long_record_continues_on_the_next_pages(tmp_path):
    record = "\n".join(f"第{i}位发言：同意安装声控灯，费用按户分摊。" for i in range(1, 121))
    path = tmp_path / "long.pdf"
    minutes_pdf(path, {**MEETING, "minutes": record}, PEOPLE)
    pages = pdf_pages(path)
    assert len(pages) >= 4
    text = flat("".join(pages))
    assert all(f"第{i}位发言" in text for i in range(1, 121))
    assert "签到表" in pages[-1] and "签到表" not in "".join(pages[:-1])
