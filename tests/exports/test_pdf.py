"""The PDF ledger read back with pypdf: words, page numbers, page sizes, the embedded font."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics

from exports.fonts import cjk_font, is_embedded
from exports.ledger import Column, Ledger
from exports.pdf import BODY_SIZE, MAX_CELL_LINES, PAD_X, _Measure, column_widths, write_pdf, write_pdfs
from tests.exports.helpers import COLUMNS, flat, make_ledger, make_rows, pdf_pages

PAGE_NUMBER = re.compile(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页")


def _numbers(pages: list[str]) -> list[tuple[int, int] | None]:
    found = []
    for text in pages:
        matches = PAGE_NUMBER.findall(text)
        found.append(tuple(map(int, matches[-1])) if matches else None)
    return found


def test_title_heading_headers_values_and_signatures(tmp_path):
    path = tmp_path / "ledger.pdf"
    write_pdf(make_ledger(note="说明：往返路途时间不计入。"), path)
    (text,) = pdf_pages(path)
    words = flat(text)
    for expected in ("志愿服务记录台账", "单位：平江新城社区居民委员会", "时间：2026年10月",
                     "身份证号", "服务时长（小时）", "居民0003", "2026-10-02", "320102199001011234",
                     "陪伴老人聊天，打扫卫生", "合计", "7.5", "说明：往返路途时间不计入。",
                     "制表人：王晓燕", "审核人：李红梅", "制表日期：2026-11-03"):
        assert expected in words, expected
    assert _numbers([text]) == [(1, 1)]


def test_a4_landscape_by_default_and_portrait_on_request(tmp_path):
    write_pdf(make_ledger(), tmp_path / "l.pdf")
    write_pdf(make_ledger(landscape=False), tmp_path / "p.pdf")
    wide = PdfReader(str(tmp_path / "l.pdf")).pages[0].mediabox
    tall = PdfReader(str(tmp_path / "p.pdf")).pages[0].mediabox
    assert (round(float(wide.width)), round(float(wide.height))) == (842, 595)
    assert (round(float(tall.width)), round(float(tall.height))) == (595, 842)


def test_the_chinese_font_is_embedded(tmp_path):
    assert is_embedded(cjk_font()), "no embeddable Chinese font here: install fonts-wqy-microhei"
    face = pdfmetrics.getFont(cjk_font()).face.name.decode()
    path = tmp_path / "ledger.pdf"
    write_pdf(make_ledger(), path)
    fonts = PdfReader(str(path)).pages[0]["/Resources"]["/Font"]
    embedded = []
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is not None and "/FontFile2" in descriptor.get_object():
            embedded.append(str(font["/BaseFont"]))
    assert embedded, "no TrueType font file in the PDF"
    assert all(name.split("+", 1)[1].startswith(face) for name in embedded)  # subset prefix + the real face


def test_long_ledger_numbers_every_page_and_loses_no_row(tmp_path):
    path = tmp_path / "long.pdf"
    write_pdf(make_ledger(rows=make_rows(10_000), totals={"hours": 25_000}), path)
    pages = pdf_pages(path)
    assert len(pages) > 150
    assert _numbers(pages) == [(i, len(pages)) for i in range(1, len(pages) + 1)]
    assert all("身份证号" in text for text in pages)  # the header row is repeated on every page
    names = [int(n) for text in pages for n in re.findall(r"居民(\d+)", text)]
    assert names == list(range(1, 10_001))
    assert "合计" in pages[-1] and "制表人" in pages[-1]


def test_long_text_wraps_inside_its_cell(tmp_path):
    rows = make_rows(2)
    rows[0]["content"] = "清理楼道堆放杂物，张贴宣传海报，入户发放垃圾分类指南并讲解分类方法。" * 3
    rows[1]["content"] = "第一行\n第二行"
    path = tmp_path / "wrap.pdf"
    write_pdf(make_ledger(rows=rows), path)
    words = flat(pdf_pages(path)[0])
    assert rows[0]["content"] in words
    assert "第一行第二行" in words


def test_an_absurdly_long_cell_is_cut_instead_of_breaking_the_document(tmp_path):
    rows = make_rows(1)
    rows[0]["content"] = "很长的记录" * 400
    path = tmp_path / "cut.pdf"
    write_pdf(make_ledger(rows=rows), path)
    assert "……" in pdf_pages(path)[0]


def test_an_empty_ledger_says_so(tmp_path):
    path = tmp_path / "empty.pdf"
    write_pdf(make_ledger(rows=[]), path)
    words = flat(pdf_pages(path)[0])
    assert "（本期无记录）" in words and "合计" in words and "制表人" in words


def test_several_ledgers_each_on_new_pages_numbered_on_their_own(tmp_path):
    path = tmp_path / "month.pdf"
    long = make_ledger(rows=make_rows(120))
    short = make_ledger(title="未探访名单", rows=make_rows(2), landscape=False)
    cover = {"title": "平江新城社区 2026年10月 台账", "lines": ["1. 志愿服务记录台账", "2. 未探访名单"]}
    write_pdfs([long, short], path, cover=cover)
    reader = PdfReader(str(path))
    pages = [p.extract_text() for p in reader.pages]
    assert "2026年10月台账" in flat(pages[0]) and "未探访名单" in pages[0]
    numbers = _numbers(pages)
    assert numbers[0] is None  # the cover carries no page number
    long_pages = len(pages) - 2
    assert long_pages >= 2
    assert numbers[1:] == [(i, long_pages) for i in range(1, long_pages + 1)] + [(1, 1)]
    assert flat(pages[1]).startswith("志愿服务记录台账")
    assert flat(pages[-1]).startswith("未探访名单")
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    assert sizes[1] == (842, 595) and sizes[-1] == (595, 842)


def test_nothing_to_write_is_an_error(tmp_path):
    with pytest.raises(ValueError):
        write_pdfs([], tmp_path / "none.pdf")


def test_too_many_columns_squeeze_text_and_keep_ids_whole(tmp_path):
    columns = [*COLUMNS, *(Column(f"note{i}", f"备注{i}", 14) for i in range(6))]
    rows = make_rows(3)
    widths = column_widths(make_ledger(columns=columns), cjk_font(), 774)
    assert sum(widths) == pytest.approx(774)
    id_room = widths[3] - 2 * PAD_X
    assert pdfmetrics.stringWidth("320102199001011234", cjk_font(), BODY_SIZE) < id_room
    path = tmp_path / "wide.pdf"
    write_pdf(make_ledger(columns=columns, rows=rows), path)
    assert "320102199001011234" in pdf_pages(path)[0]  # on one line, not broken in two


def test_column_widths_follow_the_spec_and_fill_the_page():
    ledger = make_ledger()
    widths = column_widths(ledger, cjk_font(), 700)
    assert sum(widths) == pytest.approx(700)
    by_key = dict(zip((c.key for c in COLUMNS), widths))
    assert by_key["id_number"] > by_key["phone"] > by_key["name"] > by_key["no"]


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="中文台账社区，。、；：）》”abc0123 ", max_size=25), room=st.floats(12, 120))
def test_wrapped_lines_fit_and_keep_every_character(text, room):
    measure = _Measure(cjk_font(), BODY_SIZE)
    lines, widths = measure.wrap(text, room)
    assert "".join(lines) == text
    assert len(lines) <= MAX_CELL_LINES
    for line, width in zip(lines, widths):
        assert width <= room + 1e-6 or len(line) == 1


CLOSERS = "，。、；：）》”"


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="中文台账社区abc0123 " + CLOSERS, max_size=40), room=st.floats(40, 120))
def test_closing_punctuation_does_not_start_a_line(text, room):
    assume(not re.search(f"[{CLOSERS}]{{2}}", text))
    lines, _ = _Measure(cjk_font(), BODY_SIZE).wrap(text, room)
    assert "".join(lines) == text
    assert not [line for line in lines[1:] if line[:1] in set(CLOSERS)]


def test_wrapping_keeps_explicit_line_breaks():
    measure = _Measure(cjk_font(), BODY_SIZE)
    assert measure.wrap("第一行\n第二行", 200)[0] == ["第一行", "第二行"]
    assert measure.wrap("", 50)[0] == [""]
    assert Column("x", "X").alignment == "left"


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet="中文台账，。abc0123 ", max_size=25), room=st.floats(12, 120))
def test_short_left_aligned_lines_are_not_measured_but_break_the_same(text, room):
    measure = _Measure(cjk_font(), BODY_SIZE)
    assert measure.wrap(text, room, widths_needed=False)[0] == measure.wrap(text, room)[0]


def test_pdf_syntax_characters_and_repeated_texts_print_as_written(tmp_path):
    rows = make_rows(40)
    rows[0]["content"] = r"括号(a) 反斜杠\ 与 (未闭合"
    rows[1]["name"] = "居民(1)"
    path = tmp_path / "odd.pdf"
    write_pdf(make_ledger(rows=rows), path)
    words = flat("".join(pdf_pages(path)))
    assert flat(r"括号(a) 反斜杠\ 与 (未闭合") in words and "居民(1)" in words
    assert words.count("13812345678") == 40  # the same text, encoded once, drawn on every row


def test_the_builtin_cid_font_draws_the_grid_too(tmp_path, monkeypatch):
    """Without an embeddable font the rows go through reportlab's own text calls."""
    import exports.pdf as pdf_module
    from exports.fonts import FALLBACK_FONT
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    monkeypatch.setattr(pdf_module, "cjk_font", lambda: FALLBACK_FONT)
    path = tmp_path / "cid.pdf"
    write_pdf(make_ledger(rows=make_rows(60)), path)
    pages = pdf_pages(path)
    assert len(pages) >= 2 and all("身份证号" in flat(text) for text in pages)
    assert "居民0060" in flat(pages[-1]) and _numbers(pages)[-1] == (len(pages), len(pages))


@pytest.mark.parametrize("n", range(28, 60, 4))
def test_the_signatures_never_stand_alone_on_the_last_pdf_page(tmp_path, n):
    path = tmp_path / "l.pdf"
    write_pdf(make_ledger(rows=make_rows(n), note="说明：往返路途时间不计入。"), path)
    pages = pdf_pages(path)
    last = pages[-1]
    assert "制表人：王晓燕" in last
    assert re.search(r"居民\d{4}", last), f"{n} rows: the last page has no row above the signatures"
    if len(pages) > 1:
        assert "志愿服务记录台账（续）" in last



def test_a_book_numbers_its_ledgers_pages_through_with_the_total_on_each(tmp_path):
    from exports.pdf import Book, merge_pdfs, write_cover

    rows = [{"a": f"第{i}行", "b": "x"} for i in range(120)]
    long = Ledger("长台账", "社区", "2026年11月", [Column("a", "说明", 14), Column("b", "其他", 60)], rows)
    short = Ledger("短台账", "社区", "2026年11月", [Column("a", "说明", 14)], [{"a": "一"}], landscape=False)
    parts = [tmp_path / "cover.pdf", tmp_path / "long.pdf", tmp_path / "short.pdf"]
    write_cover(parts[0], {"title": "十一月台账"})
    book = Book(first_page=2)
    counts = [1, write_pdf(long, parts[1], book=book), write_pdf(short, parts[2], book=book)]
    assert counts[1] > 1 and not parts[1].exists()  # laid out, written once the total is known
    assert book.finish() == sum(counts)
    merge_pdfs(parts, tmp_path / "book.pdf")
    pages = PdfReader(str(tmp_path / "book.pdf")).pages
    assert len(pages) == sum(counts)
    assert "合订本" not in pages[0].extract_text()
    for n, page in enumerate(pages[1:], 2):
        text = page.extract_text()
        assert f"合订本第 {n} 页 / 共 {len(pages)} 页" in text
        assert PAGE_NUMBER.search(text)  # the ledger's own numbering is still there
    assert pages[-1].mediabox.width < pages[-1].mediabox.height  # the portrait part stays portrait
    alone = PdfReader(str(parts[2])).pages[0].extract_text()
    assert f"合订本第 {len(pages)} 页 / 共 {len(pages)} 页" in alone  # the ledger's own file: same numbers
    write_pdf(short, tmp_path / "alone.pdf")
    assert "合订本" not in PdfReader(str(tmp_path / "alone.pdf")).pages[0].extract_text()
