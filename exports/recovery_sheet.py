"""The 恢复码 sheet: one A4 page the office keeps in its safe (community, date, the code, what it is for)."""

from __future__ import annotations

import os

from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from exports.fonts import cjk_font
from exports.pdf import para

STEPS = (
    "这张单子上的恢复码能打开本社区所有加密的备份，请放在办公室保险柜里，不要拍照、不要存在电脑或手机里。",
    "办公室电脑损坏或丢失后，在新电脑上安装社区台账，在“设置 → 备份”中选择恢复 U 盘上的备份，按提示输入恢复码。",
    "字母不分大小写，短横线可以不输。恢复码只在建立社区时显示一次；管理员可在“设置”中重新打印这张单子。",
)


def recovery_sheet_pdf(path: str | os.PathLike, *, community_name: str, community_code: str, code: str,
                       printed_on: str) -> None:
    """Write the sheet; every argument is a plain string prepared by the caller."""
    font = cjk_font()

    def style(name: str, size: float, leading: float, align: int = TA_LEFT) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=leading, alignment=align, wordWrap="CJK")

    title, body = style("title", 20, 28, TA_CENTER), style("body", 12, 19)
    big = ParagraphStyle("code", fontName=font, fontSize=26, leading=34, alignment=TA_CENTER)
    details = Table(
        [[para("社区（村）", body), para(community_name or "（未填写）", body)],
         [para("社区代码", body), para(community_code or "（未填写）", body)],
         [para("打印日期", body), para(printed_on, body)]],
        colWidths=[35 * mm, 120 * mm], hAlign="CENTER")
    details.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, "#888888"),
                                 ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                 ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    box = Table([[para(code, big)]], colWidths=[150 * mm], rowHeights=[26 * mm], hAlign="CENTER")
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.5, "#000000"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story = [
        para("社区台账 恢复码单", title, bold=True),
        Spacer(0, 10 * mm),
        details,
        Spacer(0, 12 * mm),
        para("恢复码", style("label", 12, 18, TA_CENTER)),
        Spacer(0, 2 * mm),
        box,
        Spacer(0, 12 * mm),
        *(para(f"{n}. {text}", body) for n, text in enumerate(STEPS, 1)),
        Spacer(0, 16 * mm),
        para("保管人（签字）：________________　　　　存放日期：________________", body),
    ]
    doc = SimpleDocTemplate(os.fspath(path), pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=22 * mm, bottomMargin=18 * mm, title="恢复码单")
    doc.build(story)
