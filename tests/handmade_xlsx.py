"""Workbooks written by hand, part by part, as a hostile or careless program could write them
(shared by the roster tests, so there is one way to make one)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from openpyxl import Workbook

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row>'


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(path: Path, sheet_data: str, after: str = "", shared: list[str] | None = None) -> Path:
    """A minimal workbook whose first sheet holds `sheet_data` (rows of raw XML) and `after` it
    (merged cells …); `shared`: a shared-strings part holding these texts."""
    wb = Workbook()
    wb.active.title = "花名册"
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = (
        f'<worksheet xmlns="{NS}"><sheetData>{sheet_data}</sheetData>{after}</worksheet>').encode()
    if shared is not None:
        items = "".join(f"<si><t>{s}</t></si>" for s in shared)
        parts["xl/sharedStrings.xml"] = f'<sst xmlns="{NS}">{items}</sst>'.encode()
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                         b'officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
        parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                                 b'relationships/sharedStrings" Target="sharedStrings.xml" Id="rId9" /></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path
