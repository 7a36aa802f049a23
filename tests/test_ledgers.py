"""The month's ledgers (DESIGN §4), exported from the demo community and read back.

Every figure is checked against the database with the tests' own queries, not
against the builders: a ledger that agrees with its own code but not with the
records is the bug a street office would find.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app import settings as settings_module
from app.elders import add_elder, month_duty
from app.errors import UserError
from app.month_export import export_month
from app.database import open_ledger
from app.ledgers import MONTHLY, build
from app.service import delete_activity
from app.stats import month_stats
from tests import factories

TODAY = date(2026, 11, 23)
COMMUNITY = "阳光社区居民委员会"
UNIT = f"狮山街道 {COMMUNITY}"  # the demo's 街道 and 社区, printed on every ledger
LEDGERS = [(number, stem) for number, stem, _ in MONTHLY]
TITLES = {number: stem for number, stem in LEDGERS}
ID_MASKED = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")
MOBILE_MASKED = re.compile(r"^1\d{2}\*{4}\d{4}$")

# The columns each ledger must have (DESIGN §3–4 and the issue), whatever else it shows.
REQUIRED_HEADERS = {
    1: ["姓名", "身份证号", "联系电话", "志愿者编号", "服务队", "注册日期", "星级"],
    2: ["日期", "活动名称", "志愿者", "时长（小时）"],
    3: ["姓名", "志愿者编号", "11月时长（小时）", "2026年累计（小时）", "总时长（小时）", "星级"],
    5: ["姓名", "出生日期", "身份证号", "联系电话", "类别", "风险等级", "探访周期", "责任探访人", "状态"],
    6: ["探访日期", "老人", "方式", "探访人", "身体与精神状况", "基本生活", "家庭赡养", "安全隐患",
        "服务需求", "发现问题", "帮扶措施", "转介", "下次应探访"],
    7: ["姓名", "风险等级", "应探访日期", "逾期天数", "责任探访人"],
    8: ["提出日期", "议题", "进度", "决议（或不予受理理由）", "决议公开", "落实结果", "结果公开"],
    10: ["类别", "事项", "依据", "请到以下部门办理"],
    11: ["编号", "日期", "申请人", "身份证号", "联系电话", "申请事项", "办理结果", "经办人"],
    12: ["模块", "项目", "11月", "2026年1–11月累计"],
    13: ["姓名", "志愿者编号", "11月存入（小时）", "11月兑换（小时）", "累计存入（小时）", "累计兑换（小时）"],
}
PERIODS = {1: "截至2026-11-23", 5: "截至2026-11-23", 10: "2026年"}  # the rest: 2026年11月
DATE_COLUMNS = [(1, "注册日期"), (2, "日期"), (5, "出生日期"), (6, "探访日期"), (6, "下次应探访"),
                (7, "应探访日期"), (8, "提出日期"), (11, "日期")]


# -- fixtures ------------------------------------------------------------------------------

@pytest.fixture
def demo(demo_path):
    """A fresh copy of the demo database for this test only."""
    store = open_ledger(demo_path)
    yield store
    store.close()


# -- helpers -------------------------------------------------------------------------------

def export(store, folder: Path, numbers=None, *, fmt="both", masked=True, year=2026, month=11):
    # The twelve ledgers (the 关爱对象 groups' own are tested in tests/test_care_ledgers.py).
    numbers = [n for n, _ in LEDGERS] if numbers is None else numbers
    return export_month(store, year, month, folder, fmt=fmt, masked=masked, numbers=numbers, today=TODAY)


def xlsx_file(folder: Path, number: int, month: str = "2026-11") -> Path:
    return folder / f"{number:02d}_{TITLES[number]}_{month}.xlsx"


def pdf_file(folder: Path, number: int, month: str = "2026-11") -> Path:
    return folder / f"{number:02d}_{TITLES[number]}_{month}.pdf"


def sheet(path: Path, *, formulas: bool = False):
    """The ledger's sheet; totals as the values Excel shows (formulas=True: the formulas themselves)."""
    return load_workbook(path, data_only=not formulas).active


def header_row(ws) -> int:
    """The column header's row: the one repeated on every printed page."""
    return int(ws.print_title_rows.split(":")[0].strip("$"))


def headers(ws) -> list[str]:
    return [c.value for c in ws[header_row(ws)]]


def _full_width_rows(ws) -> set[int]:
    """Rows below the header merged across every column: the note, 本期无记录, the seal."""
    return {r.min_row for r in ws.merged_cells.ranges
            if r.min_row == r.max_row > header_row(ws) and r.min_col == 1 and r.max_col == ws.max_column}


def total_rows(ws) -> list[int]:
    """Rows of totals: a cell reading 合计… or 其中…."""
    return [r for r in range(header_row(ws) + 1, ws.max_row + 1)
            if any(isinstance(c.value, str) and c.value.startswith(("合计", "其中")) and c.font.b for c in ws[r])]


def signature_row(ws) -> int:
    return next(r for r in range(ws.max_row, 0, -1) if any(str(c.value).startswith("制表人") for c in ws[r]))


def body(ws) -> list[list]:
    """The cells of the data rows: below the header, without totals, note and signatures."""
    skip = _full_width_rows(ws) | set(total_rows(ws))
    return [list(ws[r]) for r in range(header_row(ws) + 1, signature_row(ws)) if r not in skip]


def records(ws) -> list[dict]:
    titles = headers(ws)
    return [dict(zip(titles, (c.value for c in row))) for row in body(ws)]


def column_cells(ws, title: str) -> list:
    index = headers(ws).index(title)
    return [row[index] for row in body(ws)]


def totals(ws, label: str = "合计") -> dict:
    """The totals row labelled `label` (合计, 合计（全部）, 其中已确认 …), by column title."""
    titles = headers(ws)
    found = [r for r in total_rows(ws) if any(c.value == label for c in ws[r])]
    assert len(found) == 1, f"exactly one {label} row"
    return dict(zip(titles, (c.value for c in ws[found[0]])))


def note(ws) -> str:
    texts = [ws.cell(r, 1).value for r in _full_width_rows(ws)]
    return "".join(t for t in texts if t and t != "（本期无记录）")


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def flat(text: str) -> str:
    """Without whitespace: wrapped cells come back in pieces."""
    return "".join(text.split())


def mask_id(number: str) -> str:
    return number[:6] + "********" + number[-4:]


def hours(minutes) -> float:
    return round((minutes or 0) / 60, 2)


def q(store, sql: str, params=()) -> list[dict]:
    return store.query(sql, list(params))


NOVEMBER = ("2026-11-01", "2026-11-30")


# -- every ledger: the xlsx ----------------------------------------------------------------

@pytest.mark.parametrize("number,stem", LEDGERS)
def test_xlsx_has_title_community_period_header_and_signatures(demo, tmp_path, number, stem):
    export(demo, tmp_path, [number], fmt="xlsx")
    ws = sheet(xlsx_file(tmp_path, number))
    assert ws["A1"].value == stem
    heading = [c.value for c in ws[2] if c.value]
    assert heading[0] == f"单位：{UNIT}"
    assert heading[-1] == f"时间：{PERIODS.get(number, '2026年11月')}"
    for title in REQUIRED_HEADERS[number]:
        assert title in headers(ws), title
    signatures = [c.value for c in ws[signature_row(ws)] if c.value]
    assert signatures == ["制表人：王晓燕", "审核人：李建国", "制表日期：2026-11-23"]


@pytest.mark.parametrize("number,stem", LEDGERS)
def test_xlsx_prints_on_a4_one_page_wide_with_the_header_repeated(demo, tmp_path, number, stem):
    export(demo, tmp_path, [number], fmt="xlsx")
    ws = sheet(xlsx_file(tmp_path, number))
    setup = ws.page_setup
    assert setup.orientation == ("portrait" if stem == "月度工作汇总表" else "landscape")
    assert int(setup.paperSize) == 9  # A4
    # Our own scale and page breaks (Excel drops manual breaks under fit-to-width); the columns fill the page.
    assert 10 <= int(setup.scale or 100) <= 100 and not ws.sheet_properties.pageSetUpPr.fitToPage
    top = header_row(ws)
    assert ws.print_title_rows == f"${top}:${top}"
    assert ws.freeze_panes == f"A{top + 1}"
    last = ws.cell(top, ws.max_column).column_letter
    assert ws.print_area == f"'{ws.title}'!$A$1:${last}${ws.max_row}"
    assert "第 &P 页 共 &N 页" in (ws.oddFooter.center.text or "")


@pytest.mark.parametrize("number,stem", LEDGERS)
def test_xlsx_cells_have_borders_and_wrap(demo, tmp_path, number, stem):
    export(demo, tmp_path, [number], fmt="xlsx")
    ws = sheet(xlsx_file(tmp_path, number))
    rows = body(ws)
    assert rows, "the demo month fills every ledger"
    for cell in list(ws[header_row(ws)]) + rows[0] + rows[-1]:
        assert cell.border.left.style == cell.border.right.style == "thin", cell.coordinate
        assert cell.border.top.style == cell.border.bottom.style == "thin", cell.coordinate
        assert cell.alignment.wrap_text, cell.coordinate
    assert ws.column_dimensions["A"].width and ws.column_dimensions["B"].width


@pytest.mark.parametrize("number,title", DATE_COLUMNS)
def test_xlsx_date_cells_are_real_dates(demo, tmp_path, number, title):
    export(demo, tmp_path, [number], fmt="xlsx")
    cells = [c for c in column_cells(sheet(xlsx_file(tmp_path, number)), title) if c.value is not None]
    assert cells
    for cell in cells:
        assert isinstance(cell.value, datetime) and cell.is_date, (cell.coordinate, cell.value)
        assert cell.number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("number", [1, 5, 11])
def test_xlsx_id_numbers_are_masked_text_matching_the_people(demo, tmp_path, number):
    export(demo, tmp_path, [number], fmt="xlsx")
    cells = column_cells(sheet(xlsx_file(tmp_path, number)), "身份证号")
    for cell in cells:
        assert cell.data_type == "s" and cell.number_format == "@", cell.coordinate
        assert ID_MASKED.match(cell.value), cell.value
    source = {
        1: "SELECT p.id_number FROM volunteers v JOIN people p ON p.id = v.person_id WHERE v.deleted_at IS NULL",
        5: "SELECT p.id_number FROM elders e JOIN people p ON p.id = e.person_id WHERE e.deleted_at IS NULL",
        11: "SELECT id_number FROM stamp_requests WHERE deleted_at IS NULL AND date BETWEEN ? AND ?",
    }[number]
    expected = [mask_id(r["id_number"]) for r in q(demo, source, NOVEMBER if number == 11 else ())]
    assert Counter(c.value for c in cells) == Counter(expected)


@pytest.mark.parametrize("number", [1, 5, 7, 11])
def test_xlsx_phones_are_masked_text(demo, tmp_path, number):
    export(demo, tmp_path, [number], fmt="xlsx")
    cells = [c for c in column_cells(sheet(xlsx_file(tmp_path, number)), "联系电话") if c.value]
    assert cells
    for cell in cells:
        assert cell.data_type == "s" and cell.number_format == "@", cell.coordinate
        assert MOBILE_MASKED.match(cell.value), cell.value


def test_landline_phones_are_masked_to_area_code_and_last_four(store, tmp_path):
    """DESIGN §5 masks personal data; mask_phone promises landlines as `0512-****1234`."""
    who = factories.person(store, TODAY, "王奶奶", birth_date="1940-01-01", phone="0512-67521234")
    add_elder(store, {"person_id": who["id"], "categories": ["独居"]}, today=TODAY)
    export(store, tmp_path, [5], fmt="xlsx")
    phones = [c.value for c in column_cells(sheet(xlsx_file(tmp_path, 5)), "联系电话")]
    assert phones == ["0512-****1234"]


def test_unmasked_export_shows_full_id_numbers_as_text(demo, tmp_path):
    export(demo, tmp_path, [1, 11], masked=False)
    ws = sheet(xlsx_file(tmp_path, 1))
    ids = {r["id_number"] for r in q(demo, "SELECT p.id_number FROM volunteers v JOIN people p ON p.id = v.person_id")}
    phones = {r["phone"] for r in q(demo, "SELECT p.phone FROM volunteers v JOIN people p ON p.id = v.person_id")}
    cells = column_cells(ws, "身份证号")
    assert {c.value for c in cells} == ids
    assert all(c.data_type == "s" for c in cells)  # never 3.20102E+17
    assert {c.value for c in column_cells(ws, "联系电话") if c.value} == phones - {None}
    text = flat("".join(pdf_pages(pdf_file(tmp_path, 11))))
    for r in q(demo, "SELECT id_number FROM stamp_requests WHERE date BETWEEN ? AND ?", NOVEMBER):
        assert r["id_number"] in text


def test_masked_export_holds_no_full_id_number_or_phone_anywhere(demo, tmp_path):
    result = export(demo, tmp_path)
    secrets = set()
    for sql in ("SELECT id_number AS v FROM people", "SELECT phone AS v FROM people",
                "SELECT emergency_phone AS v FROM elders", "SELECT id_number AS v FROM stamp_requests",
                "SELECT phone AS v FROM stamp_requests"):
        secrets |= {r["v"] for r in q(demo, sql) if r["v"]}
    assert len(secrets) > 300
    for path in result.files:
        if path.suffix == ".xlsx":
            wb = load_workbook(path)
            text = "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
        else:
            text = flat("".join(pdf_pages(path)))
        leaked = [s for s in secrets if s in text]
        assert not leaked, (path.name, leaked[:3])


# -- every ledger: the pdf -----------------------------------------------------------------

@pytest.mark.parametrize("number,stem", LEDGERS)
def test_pdf_has_title_heading_page_numbers_and_a_header_on_every_page(demo, tmp_path, number, stem):
    export(demo, tmp_path, [number], fmt="pdf")
    path = pdf_file(tmp_path, number)
    pages = pdf_pages(path)
    first = pages[0]
    assert first.splitlines()[0].strip() == stem
    assert f"单位：{UNIT}" in first and f"时间：{PERIODS.get(number, '2026年11月')}" in first
    titles = flat("".join(c.title for c in build(demo, number, 2026, 11, today=TODAY).columns))
    for i, text in enumerate(pages, 1):
        assert f"第 {i} 页 共 {len(pages)} 页" in text
        assert titles in flat(text), f"header row missing on page {i}"
    last = flat(pages[-1])
    assert "制表人：王晓燕" in last and "审核人：李建国" in last and "制表日期：2026-11-23" in last
    for page in PdfReader(str(path)).pages:
        wide = float(page.mediabox.width) > float(page.mediabox.height)
        assert wide == (stem != "月度工作汇总表")


def test_multi_page_pdf_counts_its_real_pages(demo, tmp_path):
    export(demo, tmp_path, [5, 6], fmt="pdf")
    for number in (5, 6):
        path = pdf_file(tmp_path, number)
        pages = pdf_pages(path)
        assert len(pages) > 1, "80 elders and a month of visits take several pages"
        assert len(PdfReader(str(path)).pages) == len(pages)
        assert [re.search(r"第 (\d+) 页 共 (\d+) 页", p).groups() for p in pages] == [
            (str(i), str(len(pages))) for i in range(1, len(pages) + 1)]


def test_pdf_shows_masked_ids_of_the_elders(demo, tmp_path):
    export(demo, tmp_path, [5], fmt="pdf")
    text = flat("".join(pdf_pages(pdf_file(tmp_path, 5))))
    for r in q(demo, "SELECT p.id_number, p.name FROM elders e JOIN people p ON p.id = e.person_id"):
        assert mask_id(r["id_number"]) in text, r["name"]
        assert r["id_number"] not in text


def test_pdf_figures_are_the_databases(demo, tmp_path):
    export(demo, tmp_path, [2, 7], fmt="pdf")
    minutes = q(demo, """SELECT sum(r.minutes) AS m, count(*) AS n FROM service_records r
                         JOIN activities a ON a.id = r.activity_id
                         WHERE r.deleted_at IS NULL AND a.deleted_at IS NULL AND a.date BETWEEN ? AND ?""",
                NOVEMBER)[0]
    pages = pdf_pages(pdf_file(tmp_path, 2))
    assert re.search(rf"合计（全部）.*{minutes['n']}.*{minutes['m'] / 60:.2f}", flat(pages[-1]))
    numbers = [int(m) for m in re.findall(r"^(\d+) 2026-11-\d\d ", "\n".join(pages), re.MULTILINE)]
    assert numbers == list(range(1, minutes["n"] + 1)), "one numbered line per service record"
    duty = month_duty(demo, 2026, 11, today=TODAY)
    text = flat("".join(pdf_pages(pdf_file(tmp_path, 7))))
    assert f"应探访（人）已探访（人）" in text and f"{duty.due}{duty.visited}" in text and f"{duty.rate:.1%}" in text
    for line in duty.not_visited:
        assert line.name in text


# -- the figures, against the database -----------------------------------------------------

def test_volunteer_roster_lists_every_volunteer_with_confirmed_hours(demo, tmp_path):
    export(demo, tmp_path, [1], fmt="xlsx")
    ws = sheet(xlsx_file(tmp_path, 1))
    rows = records(ws)
    people = q(demo, """
        SELECT p.name, v.volunteer_no,
               (SELECT coalesce(sum(r.minutes), 0) FROM service_records r JOIN activities a ON a.id = r.activity_id
                WHERE r.volunteer_id = v.id AND r.review_state = '已确认'
                  AND r.deleted_at IS NULL AND a.deleted_at IS NULL) AS minutes
        FROM volunteers v JOIN people p ON p.id = v.person_id WHERE v.deleted_at IS NULL""")
    assert len(rows) == len(people) == 60
    assert [r["序号"] for r in rows] == list(range(1, 61))
    by_number = {r["志愿者编号"]: r for r in rows}
    for p in people:
        assert by_number[p["volunteer_no"]]["姓名"] == p["name"]
        assert by_number[p["volunteer_no"]]["累计确认时长（小时）"] == pytest.approx(hours(p["minutes"]))
    assert totals(ws)["累计确认时长（小时）"] == pytest.approx(hours(sum(p["minutes"] for p in people)))


def test_service_record_ledger_has_the_months_records_and_their_total(demo, tmp_path):
    export(demo, tmp_path, [2], fmt="xlsx")
    ws = sheet(xlsx_file(tmp_path, 2))
    rows = records(ws)
    expected = q(demo, """
        SELECT a.date, p.name, r.minutes FROM service_records r
        JOIN activities a ON a.id = r.activity_id JOIN volunteers v ON v.id = r.volunteer_id
        JOIN people p ON p.id = v.person_id
        WHERE r.deleted_at IS NULL AND a.deleted_at IS NULL AND a.date BETWEEN ? AND ?""", NOVEMBER)
    assert expected and len(rows) == len(expected)
    assert Counter((r["日期"].date().isoformat(), r["志愿者"], r["时长（小时）"]) for r in rows) == Counter(
        (e["date"], e["name"], hours(e["minutes"])) for e in expected)
    assert [r["日期"] for r in rows] == sorted(r["日期"] for r in rows)
    assert totals(ws, "合计（全部）")["时长（小时）"] == pytest.approx(sum(e["minutes"] for e in expected) / 60)
    for cell in column_cells(ws, "时长（小时）"):
        assert cell.data_type == "n"


def test_service_record_ledger_takes_the_first_and_last_day_of_the_month_only(store, tmp_path):
    (who,) = factories.volunteers(store, date(2026, 10, 1), 1)
    for day in (date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 1)):
        factories.activity(store, day + timedelta(days=1), [who["id"]], minutes=60, day=day)
    export_month(store, 2026, 11, tmp_path, fmt="xlsx", numbers=[2], today=date(2026, 12, 5))
    ws = sheet(xlsx_file(tmp_path, 2))
    assert [r["日期"].date() for r in records(ws)] == [date(2026, 11, 1), date(2026, 11, 30)]
    assert totals(ws, "合计（全部）")["时长（小时）"] == 2


def test_a_deleted_activity_leaves_the_service_record_ledger(demo, tmp_path):
    victim = q(demo, "SELECT id FROM activities WHERE date BETWEEN ? AND ? ORDER BY date", NOVEMBER)[0]["id"]
    gone = q(demo, "SELECT count(*) AS n FROM service_records WHERE activity_id = ?", [victim])[0]["n"]
    before = q(demo, """SELECT count(*) AS n FROM service_records r JOIN activities a ON a.id = r.activity_id
                        WHERE a.date BETWEEN ? AND ?""", NOVEMBER)[0]["n"]
    delete_activity(demo, victim)
    export(demo, tmp_path, [2], fmt="xlsx")
    assert len(records(sheet(xlsx_file(tmp_path, 2)))) == before - gone


def test_service_hours_table_counts_confirmed_minutes_per_period(demo, tmp_path):
    export(demo, tmp_path, [3], fmt="xlsx")
    ws = sheet(xlsx_file(tmp_path, 3))

    def confirmed(start, end):
        return q(demo, """SELECT coalesce(sum(r.minutes), 0) AS m FROM service_records r
                          JOIN activities a ON a.id = r.activity_id
                          WHERE r.review_state = '已确认' AND r.deleted_at IS NULL AND a.deleted_at IS NULL
                            AND a.date BETWEEN ? AND ?""", [start, end])[0]["m"]

    total = totals(ws)
    assert total["11月时长（小时）"] == pytest.approx(confirmed(*NOVEMBER) / 60)
    assert total["2026年累计（小时）"] == pytest.approx(confirmed("2026-01-01", "2026-11-30") / 60)
    assert total["总时长（小时）"] == pytest.approx(confirmed("0000-01-01", "2026-11-30") / 60)
    assert len(records(ws)) == 60
    assert "只统计审核确认的时长" in note(ws)


def test_star_levels_follow_the_communitys_thresholds(store, tmp_path):
    settings_module.save(store, {"community_name": "平江社区", "star_hours": [1, 2, 3, 4, 5]})
    busy, idle = factories.volunteers(store, TODAY, 2)
    factories.activity(store, TODAY, [busy["id"]], minutes=150, day=date(2026, 11, 2), review_state="已确认")
    factories.activity(store, TODAY, [idle["id"]], minutes=240, day=date(2026, 11, 3))  # 待审核: no stars
    export(store, tmp_path, [1, 3], fmt="xlsx")
    for number, hours_title in ((1, "累计确认时长（小时）"), (3, "总时长（小时）")):
        rows = {r["姓名"]: r for r in records(sheet(xlsx_file(tmp_path, number)))}
        assert rows["张三"]["星级"] == "★★" and rows["张三"][hours_title] == 2.5
        assert rows["李四"]["星级"] in (None, "") and rows["李四"][hours_title] == 0


def test_elder_roster_lists_every_elder_with_age_and_status(demo, tmp_path):
    export(demo, tmp_path, [5], fmt="xlsx")
    rows = records(sheet(xlsx_file(tmp_path, 5)))
    elders = q(demo, """SELECT p.name, p.birth_date, e.status, e.left_on FROM elders e
                        JOIN people p ON p.id = e.person_id WHERE e.deleted_at IS NULL""")
    assert len(rows) == len(elders) == 80
    assert Counter(r["姓名"] for r in rows) == Counter(e["name"] for e in elders)
    for row in rows:
        born = row["出生日期"].date()
        age = TODAY.year - born.year - ((TODAY.month, TODAY.day) < (born.month, born.day))
        assert row["年龄"] == age
    gone = [r["状态"] for r in rows if not r["状态"].startswith("在册")]
    assert sorted(gone) == sorted(f"{e['status']}（{e['left_on']}）" for e in elders if e["status"] != "在册")
    assert all(r["状态"] == "在册" for r in rows[: len(rows) - len(gone)]), "those in care come first"


def test_visit_ledger_has_the_months_visits(demo, tmp_path):
    export(demo, tmp_path, [6], fmt="xlsx")
    rows = records(sheet(xlsx_file(tmp_path, 6)))
    visits = q(demo, """SELECT v.date, p.name, v.method FROM visits v JOIN elders e ON e.id = v.elder_id
                        JOIN people p ON p.id = e.person_id WHERE v.deleted_at IS NULL AND v.date BETWEEN ? AND ?""",
               NOVEMBER)
    assert visits and len(rows) == len(visits)
    assert Counter((r["探访日期"].date().isoformat(), r["老人"], r["方式"]) for r in rows) == Counter(
        (v["date"], v["name"], v["method"]) for v in visits)


def test_not_visited_list_states_the_months_duty(demo, tmp_path):
    export(demo, tmp_path, [7], fmt="xlsx")
    ws = sheet(xlsx_file(tmp_path, 7))
    duty = month_duty(demo, 2026, 11, today=TODAY)
    assert 0 < duty.visited < duty.due
    # The figures sit in a small table above the rows: labels over number cells.
    labels = [c.value for c in ws[3] if c.value]
    values = [c.value for c in ws[4] if c.value is not None]
    figures = dict(zip(labels, values))
    assert figures["应探访（人）"] == duty.due and figures["已探访（人）"] == duty.visited
    assert figures["探访率"] == pytest.approx(duty.visited / duty.due)
    assert [c.number_format for c in ws[4] if c.value == figures["探访率"]] == ["0.0%"]
    assert figures["未探访（人）"] == duty.due - duty.visited and figures["其中逾期（人）"] == len(duty.overdue)
    assert all(isinstance(v, (int, float)) for v in values)
    rows = records(ws)
    assert [r["姓名"] for r in rows] == [line.name for line in duty.not_visited]
    assert len(rows) == duty.due - duty.visited
    for row, line in zip(rows, duty.not_visited):
        assert row["应探访日期"].date() == line.next_due
        assert (row["逾期天数"] or 0) == line.days_overdue
    # Who is listed was really not visited since falling due.
    for line in duty.not_visited:
        seen = q(demo, "SELECT max(date) AS d FROM visits WHERE elder_id = ? AND deleted_at IS NULL", [line.elder_id])
        assert seen[0]["d"] is None or date.fromisoformat(seen[0]["d"]) < line.next_due


def test_topic_ledger_lists_the_topics_open_during_the_month(demo, tmp_path):
    export(demo, tmp_path, [8], fmt="xlsx")
    rows = records(sheet(xlsx_file(tmp_path, 8)))
    topics = q(demo, """
        SELECT t.title, t.state,
               (SELECT max(date) FROM topic_events e WHERE e.topic_id = t.id AND e.deleted_at IS NULL) AS closed
        FROM topics t WHERE t.deleted_at IS NULL AND t.proposed_on <= ?""", ["2026-11-30"])
    expected = [t for t in topics
                if not (t["state"] in ("不予受理", "已评议") and (t["closed"] or "") < "2026-11-01")]
    assert Counter(r["议题"] for r in rows) == Counter(t["title"] for t in expected)
    assert [r["提出日期"] for r in rows] == sorted(r["提出日期"] for r in rows)
    states = {r["议题"]: r["进度"] for r in rows}
    assert states == {t["title"]: t["state"] for t in expected}


def test_stamp_checklist_shows_both_lists_with_where_to_go(demo, tmp_path):
    export(demo, tmp_path, [10], fmt="xlsx")
    rows = records(sheet(xlsx_file(tmp_path, 10)))
    kept = q(demo, "SELECT name FROM stamp_items WHERE kind = '保留' AND deleted_at IS NULL")
    negative = q(demo, "SELECT name, department FROM stamp_items WHERE kind = '负面' AND deleted_at IS NULL")
    assert len(rows) == len(kept) + len(negative)
    kinds = [r["类别"] for r in rows]
    assert kinds == ["可以盖章（保留事项）"] * len(kept) + ["不予盖章（负面清单）"] * len(negative)
    listed = {r["事项"]: r["请到以下部门办理"] for r in rows[len(kept):]}
    assert listed == {n["name"]: n["department"] for n in negative}
    assert all(listed.values())


def test_stamp_register_lists_exactly_novembers_serials_in_order(demo, tmp_path):
    export(demo, tmp_path, [11], fmt="xlsx")
    ws = sheet(xlsx_file(tmp_path, 11))
    rows = records(ws)
    expected = q(demo, """SELECT serial, result FROM stamp_requests
                          WHERE deleted_at IS NULL AND date BETWEEN ? AND ? ORDER BY serial""", NOVEMBER)
    assert expected
    assert [r["编号"] for r in rows] == [e["serial"] for e in expected]
    assert [r["办理结果"] for r in rows] == [e["result"] for e in expected]
    refused = sum(e["result"] == "不予盖章" for e in expected)
    assert totals(ws)["申请人"] == len(expected) and totals(ws, "其中不予盖章")["申请人"] == refused
    for row in rows:
        if row["办理结果"] == "不予盖章":
            assert row["清单类别"] == "负面清单" and row["告知去向"]


SUMMARY = [("志愿活动（次）", "activities"), ("服务记录（条）", "service_records"),
           ("服务时长（小时）", "service_hours"), ("其中已确认（小时）", "service_hours_confirmed"),
           ("应探访（人）", "elders_due"), ("已探访（人）", "elders_visited"), ("探访率（%）", "visit_rate"),
           ("逾期未探访（人）", "elders_overdue"), ("探访（次）", "visits"), ("协商会议（次）", "meetings"),
           ("在办议题（个）", "topics_open"), ("盖章登记（件）", "stamp_requests"),
           ("其中不予盖章（件）", "stamp_refused")]
EXTRA_SUMMARY = {"其中上门探访（人）", "上门探访率（%）", "兑换时长（小时）"}  # not in `stats`: checked on their own


def number(text) -> float:
    text = str(text)
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def test_monthly_summary_equals_the_months_stats_and_the_year_to_date(demo, tmp_path):
    export(demo, tmp_path, [12], fmt="xlsx")
    rows = {r["项目"]: r for r in records(sheet(xlsx_file(tmp_path, 12)))}
    months = [month_stats(demo, 2026, m, today=TODAY) for m in range(1, 12)]
    this = months[-1]
    assert set(rows) == {label for label, _ in SUMMARY} | EXTRA_SUMMARY
    def figure(label: str, key: str, column: str) -> float:
        value = rows[label][column]
        assert isinstance(value, (int, float)), f"{label} is a number cell, not text"
        return value / 100 if key == "visit_rate" else value

    for label, key in SUMMARY:
        assert figure(label, key, "11月") == pytest.approx(this[key], abs=0.0006), label
        if key == "visit_rate":
            year = sum(m["elders_visited"] for m in months) / sum(m["elders_due"] for m in months)
        elif key == "topics_open":
            year = this[key]
        else:
            year = sum(m[key] for m in months)
        assert figure(label, key, "2026年1–11月累计") == pytest.approx(year, abs=0.0006), label
    # and the month's figures are the records themselves
    assert number(rows["盖章登记（件）"]["11月"]) == q(
        demo, "SELECT count(*) AS n FROM stamp_requests WHERE date BETWEEN ? AND ?", NOVEMBER)[0]["n"]
    assert number(rows["志愿活动（次）"]["11月"]) == q(
        demo, "SELECT count(*) AS n FROM activities WHERE deleted_at IS NULL AND date BETWEEN ? AND ?",
        NOVEMBER)[0]["n"]


def test_monthly_summary_of_a_past_month_counts_open_topics_at_that_months_end(demo, tmp_path):
    """The ledger's own note says 在办议题为月末数: September's table shows September 30th's count."""
    export(demo, tmp_path, [12], fmt="xlsx", month=9)
    ws = sheet(xlsx_file(tmp_path, 12, "2026-09"))
    assert "在办议题为月末数" in note(ws)
    rows = {r["项目"]: r for r in records(ws)}
    topics = q(demo, """
        SELECT t.state, (SELECT max(date) FROM topic_events e WHERE e.topic_id = t.id) AS last_moved
        FROM topics t WHERE t.deleted_at IS NULL AND t.proposed_on <= '2026-09-30'""")
    closed_by_then = [t for t in topics if t["state"] in ("不予受理", "已评议") and t["last_moved"] <= "2026-09-30"]
    open_at_month_end = len(topics) - len(closed_by_then)
    assert number(rows["在办议题（个）"]["9月"]) == open_at_month_end


# -- the combined PDF, the month as a whole ------------------------------------------------

def test_combined_pdf_starts_with_a_cover_then_the_ledgers_in_order(demo, tmp_path):
    result = export(demo, tmp_path)
    assert result.combined == tmp_path / "2026-11_月度台账合订本.pdf"
    pages = pdf_pages(result.combined)
    cover = pages[0]
    assert COMMUNITY in cover and "2026年11月工作台账" in cover
    listed = [stem for _, stem in LEDGERS]
    positions = [cover.index(stem) for stem in listed]
    assert positions == sorted(positions), "the cover lists the ledgers in print order"
    assert "第 " not in cover, "the cover carries no page number"
    # Each ledger follows, numbered on its own, exactly as in its own PDF.
    starts = [i for i, text in enumerate(pages) if re.search(r"第 1 页 共 \d+ 页", text)]
    assert [pages[i].splitlines()[0].strip() for i in starts] == listed
    expected_pages = [len(PdfReader(str(pdf_file(tmp_path, n))).pages) for n, _ in LEDGERS]
    assert [b - a for a, b in zip(starts, starts[1:] + [len(pages)])] == expected_pages
    assert len(pages) == 1 + sum(expected_pages)


def test_export_writes_every_ledger_in_both_formats(demo, tmp_path):
    result = export(demo, tmp_path / "out")
    names = {p.name for p in (tmp_path / "out").iterdir()}
    expected = {f"{n:02d}_{stem}_2026-11.{ext}" for n, stem in LEDGERS for ext in ("xlsx", "pdf")}
    assert names == expected | {"2026-11_月度台账合订本.pdf"}
    assert {p.name for p in result.files} == names


def test_export_formats_and_a_bad_format(demo, tmp_path):
    only_xlsx = export(demo, tmp_path / "x", [2, 7], fmt="xlsx")
    assert {p.suffix for p in only_xlsx.files} == {".xlsx"} and only_xlsx.combined is None
    assert not list((tmp_path / "x").glob("*.pdf"))
    only_pdf = export(demo, tmp_path / "p", [2, 7], fmt="pdf")
    assert {p.suffix for p in only_pdf.files} == {".pdf"} and only_pdf.combined is not None
    assert not list((tmp_path / "p").glob("*.xlsx"))
    with pytest.raises(UserError):
        export(demo, tmp_path / "bad", fmt="doc")


def test_an_empty_month_still_prints_every_ledger(demo, tmp_path):
    """January 2025: nothing happened yet; the ledgers say so rather than print a blank page."""
    result = export(demo, tmp_path, year=2025, month=1)
    assert len(result.files) == 2 * len(LEDGERS) + 1
    ws = sheet(xlsx_file(tmp_path, 2, "2025-01"))
    assert ws["A4"].value == "（本期无记录）"
    assert totals(ws, "合计（全部）")["时长（小时）"] in (0, None)
    text = "".join(pdf_pages(pdf_file(tmp_path, 2, "2025-01")))
    assert "（本期无记录）" in text and "第 1 页 共 1 页" in text
    stamps = sheet(xlsx_file(tmp_path, 11, "2025-01"))
    assert totals(stamps)["申请人"] == 0 and totals(stamps, "其中不予盖章")["申请人"] == 0


def test_a_new_database_exports_without_errors(store, tmp_path):
    result = export(store, tmp_path)
    assert len(result.files) == 2 * len(LEDGERS) + 1
    for path in result.files:
        assert path.stat().st_size > 0
    pages = pdf_pages(result.combined)
    assert len(pages) >= 1 + len(LEDGERS)
