"""Issue 17: the month's ledgers as an inspector reads them — the same on any later day, totals that
add up as formulas, 四议两公开 and 上门 on paper, the closing block never alone on a page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app.consultation import FOUR_STEPS
from app.month_export import export_month
from app.database import open_ledger
from app.ledgers import MONTHLY
from db.clock import FixedClock

STEMS = {number: stem for number, stem, _ in MONTHLY}
PREPARED = re.compile(r"制表日期：\s*\d{4}-\d{2}-\d{2}")


@pytest.fixture
def demo_at(demo_path):
    """The demo database opened with a clock the test moves."""
    opened = []

    def at(day: date):
        store = open_ledger(demo_path, clock=FixedClock.on(day))
        opened.append(store)
        return store

    yield at
    for store in opened:
        store.close()


def xlsx(folder: Path, number: int, month: str = "2026-11") -> Path:
    return folder / f"{number:02d}_{STEMS[number]}_{month}.xlsx"


def pdf(folder: Path, number: int, month: str = "2026-11") -> Path:
    return folder / f"{number:02d}_{STEMS[number]}_{month}.pdf"


def workbook_cells(path: Path) -> list:
    ws = load_workbook(path).active
    return [(c.coordinate, PREPARED.sub("制表日期：", c.value) if isinstance(c.value, str) else c.value)
            for row in ws.iter_rows() for c in row if c.value is not None]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_a_past_month_reads_the_same_on_any_later_day_but_its_date(demo_at, tmp_path):
    store = demo_at(date(2026, 12, 1))
    first = export_month(store, 2026, 11, tmp_path / "first")
    store.clock.advance(timedelta(days=107))  # 2027-03-18: months later, new records in between are not the point
    assert store.clock.today() == date(2027, 3, 18)
    second = export_month(store, 2026, 11, tmp_path / "second")
    assert [p.name for p in first.files] == [p.name for p in second.files]
    for number in STEMS:
        a, b = xlsx(tmp_path / "first", number), xlsx(tmp_path / "second", number)
        assert workbook_cells(a) == workbook_cells(b), STEMS[number]
        text_a, text_b = pdf_text(pdf(tmp_path / "first", number)), pdf_text(pdf(tmp_path / "second", number))
        assert "制表日期：2026-12-01" in text_a and "制表日期：2027-03-18" in text_b
        assert PREPARED.sub("", text_a) == PREPARED.sub("", text_b), STEMS[number]
        assert "截至2026-12" not in text_a and "截至2027" not in text_b
    roster = pdf_text(pdf(tmp_path / "first", 1))
    assert "截至2026-11-30" in roster


def test_totals_are_formulas_with_their_values_and_hours_have_one_format(demo_at, tmp_path):
    store = demo_at(date(2026, 12, 1))
    export_month(store, 2026, 11, tmp_path, fmt="xlsx", numbers=[2, 3, 6])
    formulas, values = load_workbook(xlsx(tmp_path, 2)).active, load_workbook(xlsx(tmp_path, 2), data_only=True).active
    header = next(r for r in range(1, 10) if formulas.cell(r, 1).value == "序号")
    titles = [c.value for c in formulas[header]]
    hours_col = titles.index("时长（小时）") + 1
    review_col = titles.index("审核") + 1
    labels = {}
    for r in range(header + 1, formulas.max_row + 1):
        for c in formulas[r]:
            if isinstance(c.value, str) and c.value.startswith(("合计", "其中")):
                labels[c.value] = r
    assert {"合计（全部）", "其中已确认", "其中待审核"} <= set(labels)
    data = [r for r in range(header + 1, min(labels.values()))]
    all_hours = sum(values.cell(r, hours_col).value for r in data)
    confirmed = sum(values.cell(r, hours_col).value for r in data if values.cell(r, review_col).value == "已确认")
    total = formulas.cell(labels["合计（全部）"], hours_col)
    assert total.value.startswith("=SUM(") and total.number_format == "0.00"
    assert values.cell(labels["合计（全部）"], hours_col).value == pytest.approx(all_hours)
    assert formulas.cell(labels["其中已确认"], hours_col).value.startswith("=SUMIFS(")
    assert values.cell(labels["其中已确认"], hours_col).value == pytest.approx(confirmed)
    assert confirmed < all_hours, "the demo month has hours waiting for review"
    assert {formulas.cell(r, hours_col).number_format for r in data} == {"0.00"}

    # 03 shows the same two figures: its 记录时长 equals 02's total, its confirmed month equals 02's 已确认.
    stats = load_workbook(xlsx(tmp_path, 3), data_only=True).active
    titles3 = [c.value for c in stats[3]]
    row = next(r for r in range(4, stats.max_row + 1) if stats.cell(r, 1).value == "合计")
    assert stats.cell(row, titles3.index("11月记录时长（含待审核）") + 1).value == pytest.approx(all_hours)
    assert stats.cell(row, titles3.index("11月时长（小时）") + 1).value == pytest.approx(confirmed)

    visits = load_workbook(xlsx(tmp_path, 6)).active
    found = [c.value for row in visits.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=COUNT")]
    assert any(v.startswith("=COUNTA(") for v in found) and any('"上门"' in v for v in found)


def test_the_consultation_ledger_prints_four_deliberations_and_two_publicities(demo_at, tmp_path):
    store = demo_at(date(2026, 12, 1))
    steps = store.query("""SELECT s.*, t.title FROM topic_steps s JOIN topics t ON t.id = s.topic_id
                           WHERE s.deleted_at IS NULL AND s.step = '审议'""")
    assert steps, "the demo has a village topic"
    export_month(store, 2026, 11, tmp_path, numbers=[8])
    text = "".join(pdf_text(pdf(tmp_path, 8)).split())
    for step in FOUR_STEPS:
        assert step in text
    for s in steps:
        if s["date"] <= "2026-11-30":
            assert f"审议{s['date']}" in text
            assert f"应到{s['expected']}实到{s['present']}" in text
            assert f"同意{s['votes_for']}" in text
    assert "决议公开" in text and "实施结果公开" in text


def test_home_visits_are_counted_apart(demo_at, tmp_path):
    store = demo_at(date(2026, 12, 1))
    export_month(store, 2026, 11, tmp_path, fmt="xlsx", numbers=[7, 12])
    ws = load_workbook(xlsx(tmp_path, 7)).active
    figures = dict(zip([c.value for c in ws[3] if c.value], [c.value for c in ws[4] if c.value is not None]))
    home = store.query("""SELECT count(DISTINCT elder_id) AS n FROM visits WHERE deleted_at IS NULL
                          AND method = '上门' AND date BETWEEN '2026-11-01' AND '2026-11-30'""")[0]["n"]
    assert 0 < figures["其中上门（人）"] <= min(home, figures["已探访（人）"])
    assert figures["上门探访率"] == pytest.approx(figures["其中上门（人）"] / figures["应探访（人）"])
    summary = load_workbook(xlsx(tmp_path, 12)).active
    items = {summary.cell(r, 2).value: summary.cell(r, 3).value for r in range(4, summary.max_row + 1)}
    assert items["其中上门探访（人）"] == figures["其中上门（人）"]


def test_the_closing_block_never_stands_alone_on_a_page(demo_at, tmp_path):
    """Every ledger's last PDF page has table rows above its signatures; Excel gets a break before them."""
    store = demo_at(date(2026, 12, 1))
    export_month(store, 2026, 11, tmp_path)
    for number in STEMS:
        pages = [page.extract_text() for page in PdfReader(str(pdf(tmp_path, number))).pages]
        last = pages[-1]
        assert "制表人" in last
        if len(pages) > 1:
            assert f"{STEMS[number]}（续）" in pages[1]  # a continuation page names its ledger
            before = last[: last.index("制表人")]
            assert re.search(r"2026-\d\d-\d\d|\d", before.split("（续）")[-1]), STEMS[number]


def test_no_line_breaks_inside_numbers_dates_or_phones(tmp_path):
    from exports.ledger import Column, Ledger
    from exports.pdf import write_pdf

    rows = [{"a": "联系人王小明（2026-11-21）手机138****0042，备注" * 2, "b": "x"}]
    ledger = Ledger("测试", "社区", "2026年11月", [Column("a", "说明", 14), Column("b", "其他", 60)], rows)
    write_pdf(ledger, tmp_path / "t.pdf")
    lines = pdf_text(tmp_path / "t.pdf").splitlines()
    assert any("138****0042" in line for line in lines)
    assert any("（2026-11-21）" in line for line in lines)
    assert not any(line.rstrip().endswith(("138", "2026-1", "（2026")) for line in lines)


def test_the_combined_pdf_has_contents_and_numbers_its_pages_through(demo_at, tmp_path):
    store = demo_at(date(2026, 12, 1))
    result = export_month(store, 2026, 11, tmp_path, fmt="pdf")
    pages = [page.extract_text() for page in PdfReader(str(result.combined)).pages]
    cover = "".join(pages[0].split())
    assert "合订本" not in pages[0]  # the cover is page 1, unnumbered
    for n, page in enumerate(pages[1:], 2):
        assert f"合订本第 {n} 页 / 共 {len(pages)} 页" in page  # every page after the cover, the total on each
    for number, stem in STEMS.items():
        # Without spaces the page number runs into the next entry's two-digit number: cut before it.
        start = int(re.search(rf"{number:02d}{stem}(\d+?)(?=\d{{2}}\D|制表人)", cover).group(1))
        assert pages[start - 1].lstrip().startswith(stem), stem  # the contents point at the ledger's first page
        assert "第 1 页 共" in pages[start - 1]
