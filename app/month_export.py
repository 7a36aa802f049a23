"""Month end in one step: every monthly ledger as .xlsx and .pdf, plus one combined PDF to print."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from app import settings as settings_module
from app.access import require_admin
from app.errors import UserError
from app import care_ledgers
from app.ledgers import MONTHLY, build
from db.errors import os_reason

FORMATS = ("xlsx", "pdf", "both")
CARE_NUMBER = 14  # the 关爱对象 groups' ledgers come after the thirteen (13: 时间银行台账)


@dataclass
class ExportResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    combined: Path | None = None


def ledger_filename(number: int, stem: str, year: int, month: int, suffix: str) -> str:
    return f"{number:02d}_{stem}_{year:04d}-{month:02d}.{suffix}"


def existing_files(year: int, month: int, out_dir: str | Path, *, fmt: str = "both",
                   numbers: list[int] | None = None) -> list[Path]:
    """The files an export would overwrite in out_dir (the window asks before it does)."""
    folder = Path(out_dir)
    suffixes = [s for s in ("xlsx", "pdf") if fmt in (s, "both")]
    names = [ledger_filename(n, stem, year, month, suffix)
             for n, stem, _ in MONTHLY if numbers is None or n in numbers for suffix in suffixes]
    if "pdf" in suffixes:
        names.append(f"{year:04d}-{month:02d}_月度台账合订本.pdf")
    return [folder / name for name in names if (folder / name).exists()]


def export_month(
    store, year: int, month: int, out_dir: str | Path, *, fmt: str = "both", masked: bool = True,
    numbers: list[int] | None = None, today: date | None = None,
) -> ExportResult:
    """Write the month's ledgers into out_dir; fails with a Chinese message when the folder cannot be written."""
    from exports.pdf import Book, merge_pdfs, write_cover, write_pdf
    from exports.xlsx import write_xlsx

    today = today or store.clock.today()
    if not masked:
        require_admin(store, "导出完整的身份证号和电话")
    if fmt not in FORMATS:
        raise UserError(f"格式应为 {'、'.join(FORMATS)}")
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise UserError(f"无法创建文件夹“{folder}”，请换一个位置或检查权限。") from None
    try:
        # A folder that exists but cannot be written (read-only, a CD, another user's) is found
        # before any ledger is rendered: a workbook that cannot be saved is left half-open.
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise UserError(f"无法写入文件夹“{folder}”（{os_reason(exc)}），请换一个位置或检查权限。") from None
    chosen = [(n, stem) for n, stem, _ in MONTHLY if numbers is None or n in numbers]
    builders = [(n, stem, lambda n=n: build(store, n, year, month, masked=masked, today=today)) for n, stem in chosen]
    if numbers is None or CARE_NUMBER in numbers:  # each 关爱对象 group's 花名册, 探访记录, 未探访名单
        care = list(care_ledgers.monthly(store, year, month, masked=masked, today=today))
        builders += [(CARE_NUMBER, stem, lambda ledger=ledger: ledger) for stem, ledger in care]
        chosen += [(CARE_NUMBER, stem) for stem, _ in care]
    result = ExportResult(folder)
    pdfs: list[tuple[str, Path]] = []
    contents: list[tuple[str, str]] = []  # each ledger's first page in the combined file
    book = Book(first_page=2)  # the cover is page 1
    try:
        for number, stem, make in builders:
            ledger = make()
            ledger.rows = list(ledger.iter_rows())  # rendered twice
            if fmt in ("xlsx", "both"):
                path = folder / ledger_filename(number, stem, year, month, "xlsx")
                write_xlsx(ledger, path)
                result.files.append(path)
            if fmt in ("pdf", "both"):
                path = folder / ledger_filename(number, stem, year, month, "pdf")
                contents.append((f"{number:02d}　{stem}", f"{book.next_page}"))
                write_pdf(ledger, path, book=book)
                result.files.append(path)
                pdfs.append((f"{number:02d}　{stem}", path))
        if pdfs:
            book.finish()  # the ledgers' PDFs are written now that the book's page count is known
            config = settings_module.load(store)
            result.combined = folder / f"{year:04d}-{month:02d}_月度台账合订本.pdf"
            unit = " ".join(x for x in (config.street, config.community_name) if x)
            cover = {
                "title": f"{unit}\n{year}年{month}月工作台账",
                "contents": contents,
                "lines": [f"制表人：{config.preparer}", f"审核人：{config.reviewer}", f"制表日期：{today.isoformat()}"],
            }
            cover_path = folder / ".封面.pdf"
            write_cover(cover_path, cover)
            merge_pdfs([cover_path, *(path for _, path in pdfs)], result.combined)
            cover_path.unlink()
            result.files.append(result.combined)
    except PermissionError:
        raise UserError("文件被占用或没有写入权限：请关闭已打开的台账文件（如 Excel）后重试。") from None
    except OSError as exc:
        if exc.errno == 28:
            raise UserError("磁盘已满，台账没有写完，请清理磁盘或换一个位置后重试。") from None
        raise UserError(f"无法写入文件夹“{folder}”，请检查 U 盘或磁盘后重试。") from None
    if not masked:
        # Full ID numbers and phones left the program: the audit says who took them and which month.
        store.log_event("export", detail={"month": f"{year:04d}-{month:02d}", "masked": False,
                                          "ledgers": [number for number, _ in chosen]})
    return result
