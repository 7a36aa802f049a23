"""The command line for documents: export, certificate and minutes, on a copy of the demo."""

from __future__ import annotations

import re
from datetime import date

import pytest
from pypdf import PdfReader

from app import logs
from app.cli import main
from app.database import open_ledger
from app.ledgers import MONTHLY
from db.clock import FixedClock

TODAY = date(2026, 11, 23)
CJK = re.compile(r"[\u4e00-\u9fff]")


# The demo's 困境儿童, 留守儿童 and 残疾人 each add a 花名册, 探访记录 and 未探访名单.
CARE_LEDGERS = 3 * 3


@pytest.fixture
def db(demo_path):
    """This test's own copy of the demo database (a path: the CLI opens it itself)."""
    return demo_path


@pytest.fixture(autouse=True)
def no_bug_log(monkeypatch):
    """An unexpected error is logged in the user's data folder: not from the tests."""
    monkeypatch.setattr(logs, "log_bug", lambda exc, where: None)


def run(capsys, *argv):
    code = main([str(a) for a in argv], clock=FixedClock.on(TODAY))
    out, err = capsys.readouterr()
    return code, out, err


def query(db, sql: str, params=()) -> list[dict]:
    store = open_ledger(db)
    try:
        return store.query(sql, list(params))
    finally:
        store.close()


def pdf_pages(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def flat(text: str) -> str:
    return "".join(text.split())


def one_chinese_line(err: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert CJK.search(lines[0]), err
    assert "Traceback" not in err and "抱歉，程序出了问题" not in err


def volunteer_with_hours(db, start="2026-06-01", end="2026-11-23") -> dict:
    """The first volunteer (by number) with confirmed service between start and end, and those minutes."""
    rows = query(db, """
        SELECT v.volunteer_no, p.name, p.id_number, sum(r.minutes) AS minutes FROM service_records r
        JOIN activities a ON a.id = r.activity_id JOIN volunteers v ON v.id = r.volunteer_id
        JOIN people p ON p.id = v.person_id
        WHERE r.review_state = '已确认' AND r.deleted_at IS NULL AND a.deleted_at IS NULL
          AND a.date BETWEEN ? AND ?
        GROUP BY v.id ORDER BY v.volunteer_no""", [start, end])
    assert rows
    return rows[0]


# -- export --------------------------------------------------------------------------------

def test_export_writes_every_ledger_and_the_combined_pdf(db, tmp_path, capsys):
    out = tmp_path / "十一月"
    code, stdout, err = run(capsys, "--db", db, "export", "--month", "2026-11", "--out", out)
    assert code == 0, err
    names = {p.name for p in out.iterdir()}
    for number, stem, _ in MONTHLY:
        assert f"{number:02d}_{stem}_2026-11.xlsx" in names
        assert f"{number:02d}_{stem}_2026-11.pdf" in names
    assert "2026-11_月度台账合订本.pdf" in names
    assert len(names) == 2 * (len(MONTHLY) + CARE_LEDGERS) + 1
    assert f"已导出 {2 * (len(MONTHLY) + CARE_LEDGERS) + 1} 个文件" in stdout and "合订本" in stdout
    assert all((out / n).stat().st_size > 0 for n in names)


def test_export_xlsx_only_writes_no_pdf(db, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "--db", db, "export", "--month", "2026-11", "--out", out, "--format", "xlsx")
    assert code == 0, err
    assert len(list(out.glob("*.xlsx"))) == len(MONTHLY) + CARE_LEDGERS
    assert not list(out.glob("*.pdf"))
    assert "合订本" not in stdout


def test_export_pdf_only_writes_no_xlsx(db, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run(capsys, "--db", db, "export", "--month", "2026-11", "--out", out, "--format", "pdf")
    assert code == 0, err
    assert len(list(out.glob("*.pdf"))) == len(MONTHLY) + CARE_LEDGERS + 1
    assert not list(out.glob("*.xlsx"))


def test_export_unmasked_shows_full_id_numbers(db, tmp_path, capsys):
    masked, unmasked = tmp_path / "masked", tmp_path / "unmasked"
    assert run(capsys, "--db", db, "export", "--month", "2026-11", "--out", masked, "--format", "pdf")[0] == 0
    assert run(capsys, "--db", db, "export", "--month", "2026-11", "--out", unmasked, "--format", "pdf",
               "--unmasked")[0] == 0
    ids = [r["id_number"] for r in query(db, "SELECT id_number FROM stamp_requests WHERE date BETWEEN ? AND ?",
                                         ["2026-11-01", "2026-11-30"])]
    assert ids
    shown = flat("".join(pdf_pages(unmasked / "11_盖章登记台账_2026-11.pdf")))
    hidden = flat("".join(pdf_pages(masked / "11_盖章登记台账_2026-11.pdf")))
    for number in ids:
        assert number in shown
        assert number not in hidden and f"{number[:6]}********{number[-4:]}" in hidden


def test_export_month_in_chinese_spelling(db, tmp_path, capsys):
    out = tmp_path / "out"
    code, _, err = run(capsys, "--db", db, "export", "--month", "2026年11月", "--out", out, "--format", "xlsx")
    assert code == 0, err
    assert (out / "02_志愿服务记录台账_2026-11.xlsx").exists()


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "十一月", "2026-11-05", ""])
def test_export_with_a_bad_month_exits_2_in_one_chinese_line(db, tmp_path, capsys, month):
    out = tmp_path / "out"
    code, _, err = run(capsys, "--db", db, "export", "--month", month, "--out", out)
    assert code == 2
    one_chinese_line(err)
    assert not out.exists()


def test_export_into_a_folder_that_cannot_be_made_exits_2(db, tmp_path, capsys):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "--db", db, "export", "--month", "2026-11", "--out", blocker / "out")
    assert code == 2
    one_chinese_line(err)
    assert "文件夹" in err


def test_export_of_a_missing_database_exits_2(tmp_path, capsys):
    code, _, err = run(capsys, "--db", tmp_path / "none.db", "export", "--month", "2026-11", "--out", tmp_path / "o")
    assert code == 2
    one_chinese_line(err)
    assert not (tmp_path / "none.db").exists()


# -- certificate ---------------------------------------------------------------------------

def certificate(capsys, db, volunteer, out, *extra, start="2026-06-01"):
    return run(capsys, "--db", db, "certificate", "--volunteer", volunteer, "--from", start,
               "--handler", "王晓燕", "--contact", "13800138000", "--out", out, *extra)


def test_certificate_carries_serial_name_hours_and_the_holders_full_id(db, tmp_path, capsys):
    who = volunteer_with_hours(db)
    out = tmp_path / "证明.pdf"
    code, stdout, err = certificate(capsys, db, who["volunteer_no"], out)
    assert code == 0, err
    assert "ZM2026-0001" in stdout
    pages = pdf_pages(out)
    assert len(pages) == 1
    text = flat(pages[0])
    assert "志愿服务记录证明" in text and "ZM2026-0001" in text
    assert who["name"] in text and who["volunteer_no"] in text
    assert who["id_number"] in text  # the holder's own document: the number in full
    shown = f"{who['minutes'] / 60:.2f}".rstrip("0").rstrip(".")
    assert f"{shown}小时" in text
    served = query(db, """SELECT min(a.date) AS first, max(a.date) AS last FROM service_records r
                          JOIN activities a ON a.id = r.activity_id JOIN volunteers v ON v.id = r.volunteer_id
                          WHERE v.volunteer_no = ? AND r.review_state = '已确认' AND r.deleted_at IS NULL
                            AND a.date BETWEEN '2026-06-01' AND '2026-11-23'""", [who["volunteer_no"]])[0]
    assert served["first"] > "2026-06-01" or served["last"] < "2026-11-23", "the demo volunteer did not serve every day"
    assert f"{served['first']}至{served['last']}" in text  # when the person served, not the window asked for
    assert "狮山街道阳光社区居民委员会" in text and "王晓燕" in text and "13800138000" in text
    assert "单位负责人（签字）" in text and "经办人（签字）" in text and "联系电话（经办人）" in text
    page = PdfReader(str(out)).pages[0]
    assert float(page.mediabox.height) > float(page.mediabox.width), "A4 portrait"
    register = query(db, "SELECT serial, minutes, period_start, period_end FROM certificates")
    assert register == [{"serial": "ZM2026-0001", "minutes": who["minutes"],
                         "period_start": served["first"], "period_end": served["last"]}]


def test_certificate_masked_on_request(db, tmp_path, capsys):
    who = volunteer_with_hours(db)
    out = tmp_path / "c.pdf"
    assert certificate(capsys, db, who["volunteer_no"], out, "--masked")[0] == 0
    text = flat(pdf_pages(out)[0])
    assert f"{who['id_number'][:6]}********{who['id_number'][-4:]}" in text and who["id_number"] not in text


def test_certificate_register_lists_verifies_prints_and_voids(db, tmp_path, capsys):
    import json

    who = volunteer_with_hours(db)
    assert certificate(capsys, db, who["volunteer_no"], tmp_path / "1.pdf")[0] == 0
    assert certificate(capsys, db, who["volunteer_no"], tmp_path / "2.pdf")[0] == 0
    code, out, err = run(capsys, "--db", db, "certificate", "list", "--year", "2026", "--json",
                         "--out", tmp_path / "登记簿.pdf")
    assert code == 0, err
    entries = json.loads(out)
    assert [e["number"] for e in entries] == ["ZM2026-0001", "ZM2026-0002"]
    assert entries[0]["holder"] == who["name"][0] + "*" * (len(who["name"]) - 1)
    assert entries[0]["hours"] == round(who["minutes"] / 60, 2) and not entries[0]["voided"]
    printed = flat("".join(pdf_pages(tmp_path / "登记簿.pdf")))
    assert "志愿服务记录证明登记簿" in printed and "ZM2026-0002" in printed and who["name"] not in printed
    code, _, err = run(capsys, "--db", db, "certificate", "void", "ZM2026-0001", "--reason", "姓名有误，已重开")
    assert code == 0, err
    code, out, _ = run(capsys, "--db", db, "certificate", "verify", "zm2026-0001", "--json")
    entry = json.loads(out)
    assert code == 0 and entry["voided"] and entry["void_reason"] == "姓名有误，已重开" and entry["voided_on"] == "2026-11-23"
    assert certificate(capsys, db, who["volunteer_no"], tmp_path / "3.pdf")[0] == 0
    serials = [r["serial"] for r in query(db, "SELECT serial FROM certificates ORDER BY seq")]
    assert serials == ["ZM2026-0001", "ZM2026-0002", "ZM2026-0003"]  # a voided number is never reused
    code, _, err = run(capsys, "--db", db, "certificate", "verify", "ZM2026-0999")
    assert code == 2
    one_chinese_line(err)
    code, _, err = run(capsys, "--db", db, "certificate", "void", "ZM2026-0002")
    assert code == 2  # a reason is required
    one_chinese_line(err)



def test_only_an_administrator_voids_a_certificate(db, tmp_path, capsys):
    from app import access
    from app.documents import verify_certificate, void_certificate
    from app.errors import PermissionDenied

    who = volunteer_with_hours(db)
    assert certificate(capsys, db, who["volunteer_no"], tmp_path / "1.pdf")[0] == 0
    store = open_ledger(db, clock=FixedClock.on(TODAY))
    try:
        access.sign_in(store, "xiaowang", access.STAFF)
        with pytest.raises(PermissionDenied, match="只有管理员可以作废证明"):
            void_certificate(store, "ZM2026-0001", "姓名有误")
        assert not verify_certificate(store, "ZM2026-0001")["voided"]
    finally:
        store.close()

def test_timebank_statement_and_ledger_agree(db, tmp_path, capsys):
    from app.ledgers import build

    who = volunteer_with_hours(db)
    out = tmp_path / "明细.pdf"
    code, _, err = run(capsys, "--db", db, "timebank", "statement", "--volunteer", who["volunteer_no"],
                       "--until", "2026-11-30", "--out", out)
    assert code == 0, err
    text = flat("".join(pdf_pages(out)))
    earned = query(db, """SELECT sum(r.minutes) AS m FROM service_records r JOIN volunteers v ON v.id = r.volunteer_id
                          WHERE v.volunteer_no = ? AND r.review_state = '已确认' AND r.deleted_at IS NULL
                            AND r.date <= '2026-11-30'""", [who["volunteer_no"]])[0]["m"]
    redeemed = query(db, """SELECT coalesce(sum(x.minutes), 0) AS m FROM redemptions x
                            JOIN volunteers v ON v.id = x.volunteer_id
                            WHERE v.volunteer_no = ? AND x.deleted_at IS NULL AND x.date <= '2026-11-30'""",
                     [who["volunteer_no"]])[0]["m"]
    total = earned - redeemed
    assert f"余额{total / 60:.2f}小时" in text and who["name"] in text
    store = open_ledger(db)
    try:
        rows = {r["volunteer_no"]: r for r in build(store, 13, 2026, 11, today=TODAY).iter_rows()}
    finally:
        store.close()
    assert rows[who["volunteer_no"]]["balance"] == pytest.approx(total / 60, abs=0.01)


def test_certificate_serials_never_repeat(db, tmp_path, capsys):
    who = volunteer_with_hours(db)
    first, second = tmp_path / "1.pdf", tmp_path / "2.pdf"
    assert certificate(capsys, db, who["volunteer_no"], first)[0] == 0
    code, stdout, err = certificate(capsys, db, who["name"], second)  # by name this time
    assert code == 0, err
    assert "ZM2026-0002" in stdout
    assert "ZM2026-0001" in flat(pdf_pages(first)[0])
    assert "ZM2026-0002" in flat(pdf_pages(second)[0]) and "ZM2026-0001" not in flat(pdf_pages(second)[0])
    serials = [r["serial"] for r in query(db, "SELECT serial FROM certificates ORDER BY seq")]
    assert serials == ["ZM2026-0001", "ZM2026-0002"]


def test_certificate_refused_without_confirmed_hours_in_the_period(db, tmp_path, capsys):
    who = volunteer_with_hours(db)
    out = tmp_path / "c.pdf"
    # Nothing of November 22–23 is confirmed yet (recent records wait for review).
    recent = query(db, """SELECT count(*) AS n FROM service_records r JOIN activities a ON a.id = r.activity_id
                          JOIN volunteers v ON v.id = r.volunteer_id
                          WHERE v.volunteer_no = ? AND a.date >= '2026-11-22' AND r.review_state = '已确认'""",
                   [who["volunteer_no"]])
    assert recent[0]["n"] == 0
    code, _, err = certificate(capsys, db, who["volunteer_no"], out, start="2026-11-22")
    assert code == 2
    one_chinese_line(err)
    assert not out.exists()
    assert query(db, "SELECT count(*) AS n FROM certificates")[0]["n"] == 0


def test_certificate_for_an_unknown_volunteer_exits_2(db, tmp_path, capsys):
    code, _, err = certificate(capsys, db, "ZY999999", tmp_path / "c.pdf")
    assert code == 2
    one_chinese_line(err)
    assert "找不到志愿者" in err
    assert not (tmp_path / "c.pdf").exists()


@pytest.mark.parametrize("args", [
    ["--from", "2026-11-01", "--to", "2026-06-01"],  # ends before it starts
    ["--from", "2026-06-01", "--to", "2026-12-31"],  # ends after today
    ["--from", "去年"],
])
def test_certificate_with_a_bad_period_exits_2(db, tmp_path, capsys, args):
    who = volunteer_with_hours(db)
    code, _, err = run(capsys, "--db", db, "certificate", "--volunteer", who["volunteer_no"], *args,
                       "--handler", "王晓燕", "--contact", "13800138000", "--out", tmp_path / "c.pdf")
    assert code == 2
    one_chinese_line(err)
    assert query(db, "SELECT count(*) AS n FROM certificates")[0]["n"] == 0


def test_certificate_with_a_bad_contact_phone_exits_2(db, tmp_path, capsys):
    who = volunteer_with_hours(db)
    code, _, err = run(capsys, "--db", db, "certificate", "--volunteer", who["volunteer_no"], "--from",
                       "2026-06-01", "--handler", "王晓燕", "--contact", "12345", "--out", tmp_path / "c.pdf")
    assert code == 2
    one_chinese_line(err)


def test_certificate_to_an_unwritable_place_exits_2_in_chinese(db, tmp_path, capsys):
    """A path the user typed wrong is theirs to fix: one Chinese line and exit 2, not a bug report."""
    who = volunteer_with_hours(db)
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    code, _, err = certificate(capsys, db, who["volunteer_no"], blocker / "c.pdf")
    assert code == 2, err
    one_chinese_line(err)
    assert query(db, "SELECT count(*) AS n FROM certificates")[0]["n"] == 0, "no number used up for nothing"


# -- minutes -------------------------------------------------------------------------------

def test_minutes_and_sign_in_sheet_of_a_meeting(db, tmp_path, capsys):
    meeting = query(db, """SELECT m.id, m.date, m.host, t.title FROM meetings m JOIN topics t ON t.id = m.topic_id
                           ORDER BY m.date LIMIT 1""")[0]
    names = [r["name"] for r in query(db, "SELECT name FROM meeting_participants WHERE meeting_id = ?",
                                      [meeting["id"]])]
    assert len(names) >= 5
    out = tmp_path / "会议.pdf"
    code, _, err = run(capsys, "--db", db, "minutes", "--date", meeting["date"], "--out", out)
    assert code == 0, err
    pages = pdf_pages(out)
    assert len(pages) >= 2
    first = flat(pages[0])
    assert "协商会议记录" in first and meeting["title"] in first and meeting["date"] in first
    assert meeting["host"] in first
    last = flat(pages[-1])
    assert "签到表" in last and "签名" in last
    for name in names:
        assert name in last, name


def test_minutes_accept_the_date_in_other_spellings(db, tmp_path, capsys):
    day = date.fromisoformat(query(db, "SELECT min(date) AS d FROM meetings")[0]["d"])
    out = tmp_path / "m.pdf"
    code, _, err = run(capsys, "--db", db, "minutes", "--date", f"{day.year}年{day.month}月{day.day}日", "--out", out)
    assert code == 0, err
    assert out.exists()


def test_minutes_for_a_day_without_meetings_exits_2(db, tmp_path, capsys):
    days = {r["date"] for r in query(db, "SELECT date FROM meetings")}
    assert "2026-11-01" not in days
    code, _, err = run(capsys, "--db", db, "minutes", "--date", "2026-11-01", "--out", tmp_path / "m.pdf")
    assert code == 2
    one_chinese_line(err)
    assert not (tmp_path / "m.pdf").exists()


def test_minutes_with_a_bad_date_exits_2(db, tmp_path, capsys):
    code, _, err = run(capsys, "--db", db, "minutes", "--date", "上周三", "--out", tmp_path / "m.pdf")
    assert code == 2
    one_chinese_line(err)


def test_minutes_to_an_unwritable_place_exits_2_in_chinese(db, tmp_path, capsys):
    day = query(db, "SELECT min(date) AS d FROM meetings")[0]["d"]
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "--db", db, "minutes", "--date", day, "--out", blocker / "m.pdf")
    assert code == 2, err
    one_chinese_line(err)
