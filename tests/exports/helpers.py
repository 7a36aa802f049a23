"""Small ledgers to render, and helpers to read the rendered files back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pypdf import PdfReader

from exports.ledger import Column, Ledger

COLUMNS = [
    Column("no", "序号", 5, "int"),
    Column("day", "服务日期", 11, "date"),
    Column("name", "姓名", 8),
    Column("id_number", "身份证号", 20, "id"),
    Column("phone", "联系电话", 13, "phone"),
    Column("content", "服务内容", 24),
    Column("hours", "服务时长（小时）", 9, "hours"),
]


def make_rows(n: int) -> list[dict]:
    return [
        {
            "no": i,
            "day": date(2026, 10, 1 + i % 31),
            "name": f"居民{i:04d}",
            "id_number": "320102199001011234",
            "phone": "13812345678",
            "content": "陪伴老人聊天，打扫卫生" if i % 2 else "测血压",
            "hours": 2.5,
        }
        for i in range(1, n + 1)
    ]


def make_ledger(rows=None, **changes) -> Ledger:
    values = dict(
        title="志愿服务记录台账",
        community="平江新城社区居民委员会",
        period="2026年10月",
        columns=COLUMNS,
        rows=make_rows(3) if rows is None else rows,
        totals={"hours": 7.5},
        preparer="王晓燕",
        reviewer="李红梅",
        prepared_on=date(2026, 11, 3),
    )
    values.update(changes)
    return Ledger(**values)


def pdf_pages(path: Path) -> list[str]:
    """The text of every page, as pypdf extracts it."""
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def flat(text: str) -> str:
    """Text without whitespace: wrapped cells come back in pieces."""
    return "".join(text.split())
