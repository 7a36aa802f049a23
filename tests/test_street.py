"""The 街道: signed monthly summaries, the street database, and 街道月度汇总表."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from app import community_key, sealing, settings, signing, street, sync
from app.cli import main
from app.elders import record_visit
from app.errors import UserError
from app.database import open_ledger
from app.stamps import register_request
from app.stats import month_stats
from db import street as street_db
from db.clock import FixedClock
from db.errors import NotLedgerDatabase
from tests.conftest import TODAY, pinned_clock
from tests.factories import elder, make_id, street_summary_file

OCTOBER = (2026, 10)


def community(path, code: str, name: str, *, clock=None, visited: bool = True, refused: int = 0):
    """A small community: one elder (visited in October or not), `refused` 不予盖章 requests."""
    s = open_ledger(path, clock=clock or pinned_clock())
    settings.save(s, {"community_name": name, "community_code": code, "street": "平江街道"})
    today = s.clock.today()
    who = elder(s, today, "王奶奶", risk_level="重点", joined_on="2026-01-05")
    s.update("people", who["person_id"], {"id_number": make_id("19400101"), "phone": "13812345678"})
    if visited:
        record_visit(s, {"elder_id": who["id"], "date": "2026-10-12", "visitor": "李干事",
                         "health": "高血压，需按时服药"}, today=today)
    for n in range(refused):
        register_request(s, {"date": f"2026-10-{10 + n:02d}", "applicant": "赵大", "id_number": make_id("19700101"),
                             "phone": "13912345678", "matter": "亲属关系证明", "result": "不予盖章",
                             "handler": "钱干事"}, today=today)
    return s


def export(store, tmp_path, name: str, month=OCTOBER):
    return street.export_summary(store, *month, tmp_path / name).path


def street_run(argv, capsys, clock=None):
    code = main(argv, clock=clock or pinned_clock())
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def three(tmp_path, demo_path):
    """Three communities' October summaries: the demo community, a small one, an empty one."""
    demo = open_ledger(demo_path, clock=pinned_clock())
    settings.save(demo, {"community_code": "320502001", "street": "平江街道"})
    small = community(tmp_path / "b.db", "320502002", "东园社区", visited=False, refused=2)
    empty = open_ledger(tmp_path / "c.db", clock=pinned_clock())
    settings.save(empty, {"community_name": "西湖村", "community_code": "320502003"})
    stores = {"320502001": demo, "320502002": small, "320502003": empty}
    files = {code: export(s, tmp_path, f"{code}.json") for code, s in stores.items()}
    yield stores, files
    for s in stores.values():
        s.close()


def snapshot(path) -> list:
    conn = sqlite3.connect(path)
    try:
        return [conn.execute(f"SELECT * FROM [{t}] ORDER BY 1, 2").fetchall()
                for t in ("street_communities", "street_summaries")]
    finally:
        conn.close()


# -- the community side ----------------------------------------------------------------------


def test_summary_is_signed_has_every_figure_and_no_personal_numbers(three):
    stores, files = three
    raw = files["320502002"].read_bytes()
    text = raw.decode("utf-8")
    assert not re.search(r"\d{11,}", text)  # no whole ID number, no phone
    assert "高血压" not in text and "13812345678" not in text
    checked = street.read_summary(files["320502002"])
    s = checked.summary
    own = month_stats(stores["320502002"], *OCTOBER)
    assert s["stats"] == {k: v for k, v in own.items() if k != "month"}  # the per-group figures too
    assert [x["name"] for x in s["not_visited"]] == ["王奶奶"]
    assert s["not_visited"][0]["id_number"].startswith("320102") and "*" in s["not_visited"][0]["id_number"]
    assert len(s["refused"]) == 2 and all("*" in r["id_number"] for r in s["refused"])
    assert s["community"] == {"code": "320502002", "name": "东园社区", "street": "平江街道"}
    assert checked.key == signing.public_bytes(signing.ensure_key(stores["320502002"]))


def test_a_past_month_says_the_same_on_a_later_day_except_when_it_was_made(tmp_path):
    first = community(tmp_path / "a.db", "1", "甲社区", refused=1)
    before = street.build_summary(first, *OCTOBER)
    first.clock = FixedClock.on(date(2027, 3, 2))
    later = street.build_summary(first, *OCTOBER)
    first.close()
    assert before.pop("made_at") != later.pop("made_at")
    assert before == later
    assert before["as_of"] == "2026-10-31"


def test_a_community_without_a_code_or_a_future_month_is_refused(tmp_path, store, capsys):
    with pytest.raises(UserError, match="社区代码"):
        street.build_summary(store, *OCTOBER)
    settings.save(store, {"community_name": "甲社区", "community_code": "1"})
    with pytest.raises(UserError, match="还没有到"):
        street.build_summary(store, 2026, 12)
    store.close()
    code, _, err = street_run(["--db", str(tmp_path / "ledger.db"), "street", "export", "--month", "2026-13",
                               "--out", str(tmp_path)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "月份" in err


def test_the_key_is_made_once_and_never_travels_in_a_sync_package(tmp_path, store):
    key = signing.ensure_key(store)
    assert signing.ensure_key(store).private_bytes_raw() == key.private_bytes_raw()
    secret = store.scalar("SELECT value FROM meta WHERE key = ?", [signing.META_KEY])
    settings.save(store, {"community_name": "甲社区", "community_code": "1"})
    package = sync.export_package(store, "笔记本", tmp_path, full=True).path
    plain = io.BytesIO()  # the package opened with the community key, as a peer reads it
    sealing.unseal_into(sealing.open_sealed(package), community_key.key_of(store), plain)
    with zipfile.ZipFile(plain) as archive:
        body = b"".join(archive.read(n) for n in archive.namelist())
    assert secret.encode() not in body and key.private_bytes_raw() not in body
    summary = street.export_summary(store, *OCTOBER, tmp_path / "s.json").path.read_bytes()
    assert secret.encode() not in summary


def test_cli_export_prints_the_fingerprint(tmp_path, capsys):
    community(tmp_path / "a.db", "320502009", "甲社区").close()
    code, out, err = street_run(["--db", str(tmp_path / "a.db"), "street", "export", "--month", "2026-10",
                                 "--out", str(tmp_path)], capsys)
    assert code == 0, err
    assert (tmp_path / "街道月报_320502009_2026-10.json").is_file()
    assert re.search(r"([0-9A-F]{4}-){7}[0-9A-F]{4}", out)


# -- the street side ---------------------------------------------------------------------------


def test_report_figures_equal_each_communitys_own_stats(three, tmp_path, capsys):
    stores, files = three
    db = tmp_path / "street.db"
    code, out, err = street_run(["--db", str(db), "street", "import", *map(str, files.values())], capsys)
    assert code == 0, err
    assert out.count("首次收到") == 3 and out.count("新增") == 3
    code, out, err = street_run(["--db", str(db), "street", "report", "--month", "2026-10",
                                 "--out", str(tmp_path / "rep"), "--json"], capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["month"] == "2026-10" and report["missing"] == []
    for row in report["communities"]:
        own = month_stats(stores[row["code"]], *OCTOBER)
        assert {k: row[k] for k in (*street.STAT_KEYS, "groups")} == {k: own[k] for k in (*street.STAT_KEYS, "groups")}
    all_due = sum(r["elders_due"] for r in report["communities"])
    assert report["totals"]["elders_due"] == all_due
    assert report["totals"]["visit_rate"] == round(sum(r["elders_visited"] for r in report["communities"]) / all_due, 4)
    assert report["totals"]["stamp_refused"] == sum(r["stamp_refused"] for r in report["communities"])
    for name, group in report["totals"]["groups"].items():  # each 关爱对象 group summed over the street
        assert group["due"] == sum(r["groups"][name]["due"] for r in report["communities"])
        assert group["visited"] == sum(r["groups"][name]["visited"] for r in report["communities"])


def test_report_files_read_back(three, tmp_path, capsys):
    _, files = three
    db = tmp_path / "street.db"
    assert street_run(["--db", str(db), "street", "import", *map(str, files.values())], capsys)[0] == 0
    # November: only the small community reports; the other two are 未报送.
    small = community(tmp_path / "b2.db", "320502002", "东园社区")
    small.close()
    code, out, err = street_run(["--db", str(db), "street", "report", "--month", "2026-10",
                                 "--out", str(tmp_path / "rep")], capsys)
    assert code == 0, err
    wb = load_workbook(tmp_path / "rep" / "街道月度汇总表_2026-10.xlsx")
    ws = wb.worksheets[0]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    codes = [r[0] for r in values]
    assert {"320502001", "320502002", "320502003", "合计"} <= set(codes)
    assert "图表" in wb.sheetnames
    charts = wb["图表"]
    assert charts["A2"].value == "阳光社区居民委员会" or charts["A2"].value in ("东园社区", "西湖村")
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "rep" / "街道月度汇总表_2026-10.pdf").pages)
    assert "街道月度汇总表" in text and "东园社区" in text and "合计" in text and "探访率" in text


def test_a_community_missing_from_a_month_is_listed_as_not_sent(tmp_path, capsys):
    a = community(tmp_path / "a.db", "1", "甲社区")
    b = community(tmp_path / "b.db", "2", "乙社区", visited=False)
    files = [export(a, tmp_path, "a10.json"), export(b, tmp_path, "b10.json"),
             export(a, tmp_path, "a09.json", month=(2026, 9))]
    a.close(), b.close()
    db = street_db.open_street(tmp_path / "street.db")
    street.import_summaries(db, files, clock=pinned_clock())
    september = street.street_month(db, 2026, 9)
    assert [m["code"] for m in september.missing] == ["2"]
    assert [r["status"] for r in september.rows] == ["已报送", "未报送"]
    ledger = street.report_ledger(db, september, prepared_on=TODAY)
    assert "乙社区（2）" in ledger.note
    october = street.street_month(db, 2026, 10)
    assert october.missing == [] and october.totals["elders_due"] == 2 and october.totals["visit_rate"] == 0.5
    assert dict(october.trend)["2026-09"] == 0.0 and dict(october.trend)["2026-08"] is None
    assert len(october.trend) == 12 and october.trend[-1] == ("2026-10", 0.5)
    db.close()


def test_a_newer_summary_replaces_an_older_one_and_an_older_one_changes_nothing(tmp_path):
    clock = pinned_clock()
    a = community(tmp_path / "a.db", "1", "甲社区", clock=clock, visited=False)
    old = export(a, tmp_path, "old.json")
    clock.advance(timedelta(hours=2))
    who = a.query("SELECT id FROM elders")[0]["id"]
    record_visit(a, {"elder_id": who, "date": "2026-10-20", "visitor": "李干事"})
    new = export(a, tmp_path, "new.json")
    a.close()
    db = street_db.open_street(tmp_path / "street.db")
    lines = street.import_summaries(db, [old], clock=clock)
    assert lines[0].outcome == "新增" and lines[0].new_community
    assert street.street_month(db, *OCTOBER).totals["elders_visited"] == 0
    assert street.import_summaries(db, [new], clock=clock)[0].outcome == "已替换为较新的月报"
    assert street.street_month(db, *OCTOBER).totals["elders_visited"] == 1
    assert street.import_summaries(db, [old], clock=clock)[0].outcome == "未改动（已有更新的月报）"
    assert street.import_summaries(db, [new], clock=clock)[0].outcome == "未改动（与已导入的相同）"
    assert street.street_month(db, *OCTOBER).totals["elders_visited"] == 1
    db.close()


@pytest.mark.parametrize("where", ["figure", "whitespace", "signature", "key"])
def test_an_altered_summary_is_refused_with_no_change(three, tmp_path, capsys, where):
    _, files = three
    db = tmp_path / "street.db"
    assert street_run(["--db", str(db), "street", "import", str(files["320502001"])], capsys)[0] == 0
    before = snapshot(db)
    raw = files["320502002"].read_text("utf-8")
    if where == "figure":
        raw = raw.replace('"elders_due":1,', '"elders_due":9,')
    elif where == "whitespace":
        raw = raw.replace('"key":', '"key": ')
    elif where == "signature":
        raw = re.sub(r'("signature":")(.)', lambda m: m.group(1) + ("B" if m.group(2) != "B" else "C"), raw)
    else:
        raw = re.sub(r'("key":")(.)', lambda m: m.group(1) + ("B" if m.group(2) != "B" else "C"), raw)
    altered = tmp_path / "altered.json"
    altered.write_text(raw, "utf-8")
    assert altered.read_bytes() != files["320502002"].read_bytes()
    # The good file first, then the altered one: neither goes in.
    code, out, err = street_run(["--db", str(db), "street", "import", str(files["320502003"]), str(altered)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "altered.json" in err
    assert snapshot(db) == before


def test_a_summary_signed_by_another_key_for_the_same_code_is_refused(three, tmp_path, capsys):
    _, files = three
    db = tmp_path / "street.db"
    assert street_run(["--db", str(db), "street", "import", str(files["320502002"])], capsys)[0] == 0
    before = snapshot(db)
    impostor = community(tmp_path / "x.db", "320502002", "东园社区", visited=True)
    forged = export(impostor, tmp_path, "forged.json")
    impostor.close()
    code, out, err = street_run(["--db", str(db), "street", "import", str(forged)], capsys)
    assert code == 2 and "另一把密钥" in err and len(err.strip().splitlines()) == 1
    assert snapshot(db) == before


def test_an_edit_in_the_street_database_is_caught_by_the_report(three, tmp_path, capsys):
    _, files = three
    db = tmp_path / "street.db"
    assert street_run(["--db", str(db), "street", "import", *map(str, files.values())], capsys)[0] == 0
    conn = sqlite3.connect(db)
    conn.execute("UPDATE street_summaries SET summary = replace(summary, '\"elders_due\":1,', '\"elders_due\":5,')")
    conn.commit()
    conn.close()
    code, out, err = street_run(["--db", str(db), "street", "report", "--month", "2026-10",
                                 "--out", str(tmp_path / "rep")], capsys)
    assert code == 2 and "校验不通过" in err


def _signed(store, summary) -> bytes:
    return street.signed_file(store, summary)


@pytest.mark.parametrize("case", [
    "random", "empty", "not-json", "deep", "list", "month-0000", "month-13", "extra-key", "missing-stat",
    "negative", "bool", "rate", "group-rate", "too-many-lines", "long-text", "unmasked", "phone-in-text", "huge",
])
def test_hostile_files_are_refused_in_one_line_and_change_nothing(tmp_path, capsys, case):
    a = community(tmp_path / "a.db", "1", "甲社区", refused=1)
    good = street.build_summary(a, *OCTOBER)
    db = tmp_path / "street.db"
    assert street_run(["--db", str(db), "street", "import", str(export(a, tmp_path, "good.json"))], capsys)[0] == 0
    before = snapshot(db)
    bad = tmp_path / "bad.json"
    summary = json.loads(json.dumps(good))
    if case == "random":
        bad.write_bytes(bytes(range(256)) * 40)
    elif case == "empty":
        bad.write_bytes(b"")
    elif case == "not-json":
        bad.write_text("社区月报", "utf-8")
    elif case == "deep":
        bad.write_text("[" * 100_000 + "]" * 100_000)
    elif case == "list":
        bad.write_bytes(street.canonical([1, 2, 3]))
    elif case == "huge":
        with open(bad, "wb") as out:
            out.seek(street.MAX_FILE_BYTES + 10)
            out.write(b"}")
    else:
        if case == "month-0000":
            summary["month"], summary["as_of"] = "0000-01", "0000-01-31"
        elif case == "month-13":
            summary["month"], summary["as_of"] = "2026-13", "2026-13-01"
        elif case == "extra-key":
            summary["phones"] = ["13812345678"]
        elif case == "missing-stat":
            del summary["stats"]["visits"]
        elif case == "negative":
            summary["stats"]["visits"] = -1
        elif case == "bool":
            summary["stats"]["visits"] = True
        elif case == "rate":
            summary["stats"]["visit_rate"] = 1.5
        elif case == "group-rate":
            summary["stats"]["groups"] = {"残疾人": {"total": 3, "due": 2, "visited": 3, "visit_rate": 1.5,
                                                   "home_visits": 1, "overdue": 0}}
        elif case == "too-many-lines":
            summary["not_visited"] = summary["not_visited"] * (street.MAX_LINES + 1) or [
                {"name": "张三", "id_number": "", "risk_level": "一般", "next_due": "2026-10-01",
                 "days_overdue": 1}] * (street.MAX_LINES + 1)
        elif case == "long-text":
            summary["community"]["name"] = "长" * 1000
        elif case == "unmasked":
            summary["refused"][0]["id_number"] = make_id("19700101")
        elif case == "phone-in-text":
            summary["refused"][0]["matter"] = "证明 13812345678"
        bad.write_bytes(_signed(a, summary))  # signed by the community itself: the shape is what is wrong
    a.close()
    code, out, err = street_run(["--db", str(db), "street", "import", str(bad)], capsys)
    assert code == 2, (out, err)
    assert len(err.strip().splitlines()) == 1 and "bad.json" in err
    assert "Traceback" not in err
    assert snapshot(db) == before


def test_a_twelve_digit_community_code_is_no_personal_number(tmp_path, capsys):
    """统计用区划代码 have 12 digits (320505001001): the street takes them; a phone elsewhere is still refused."""
    a = community(tmp_path / "a.db", "320505001001", "星湖社区", refused=1)
    good = export(a, tmp_path, "good.json")
    summary = street.build_summary(a, *OCTOBER)
    summary["refused"][0]["matter"] = "证明 13812345678"
    bad = tmp_path / "bad.json"
    bad.write_bytes(_signed(a, summary))
    a.close()
    db = tmp_path / "street.db"
    code, out, err = street_run(["--db", str(db), "street", "import", str(good)], capsys)
    assert code == 0 and "星湖社区" in out, err
    code, out, err = street_run(["--db", str(db), "street", "import", str(bad)], capsys)
    assert code == 2 and "未遮盖" in err


# -- the two kinds of database ----------------------------------------------------------------


def test_a_street_database_refuses_to_open_as_a_community_ledger_and_back(three, tmp_path, capsys):
    _, files = three
    db = tmp_path / "street.db"
    assert street_run(["--db", str(db), "street", "import", str(files["320502001"])], capsys)[0] == 0
    with pytest.raises(NotLedgerDatabase, match="街道汇总数据库"):
        open_ledger(db)
    code, _, err = street_run(["--db", str(db), "stats"], capsys)
    assert code == 2 and "街道汇总数据库" in err and len(err.strip().splitlines()) == 1
    community(tmp_path / "a.db", "1", "甲社区").close()
    code, _, err = street_run(["--db", str(tmp_path / "a.db"), "street", "import", str(files["320502002"])], capsys)
    assert code == 2 and "社区台账数据库" in err and len(err.strip().splitlines()) == 1
    code, _, err = street_run(["--db", str(tmp_path / "a.db"), "street", "report", "--month", "2026-10",
                               "--out", str(tmp_path)], capsys)
    assert code == 2 and "不是街道汇总数据库" in err
    assert street_db.kind_of(db) == "street" and street_db.kind_of(tmp_path / "a.db") == "community"
    assert street_db.kind_of(tmp_path / "nothing.db") is None


def test_report_on_a_missing_street_database_is_one_line(tmp_path, capsys):
    code, _, err = street_run(["--db", str(tmp_path / "none.db"), "street", "report", "--month", "2026-10",
                               "--out", str(tmp_path)], capsys)
    assert code == 2 and "找不到街道汇总数据库" in err
    assert not (tmp_path / "none.db").exists()


def test_three_hundred_communities(tmp_path):
    """A 区 of 300 communities: generated summaries (one key each), imported and reported."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    files = [street_summary_file(tmp_path / f"{n}.json", Ed25519PrivateKey.generate(), f"C{n:03d}", "2026-10",
                                 visited=n % 11, lines=3) for n in range(300)]
    db = street_db.open_street(tmp_path / "street.db")
    lines = street.import_summaries(db, files, clock=pinned_clock())
    assert len(lines) == 300 and all(line.new_community for line in lines)
    result = street.write_report(db, *OCTOBER, tmp_path / "rep", clock=pinned_clock())
    assert result.data.totals["elders_due"] == 3000
    assert result.data.totals["elders_visited"] == sum(n % 11 for n in range(300))
    assert result.data.totals["stamp_refused"] == 900
    ws = load_workbook(result.files[0]).worksheets[0]
    assert sum(1 for row in ws.iter_rows(values_only=True) if row[0] and str(row[0]).startswith("C")) == 300
    pages = [page.extract_text() for page in PdfReader(result.files[1]).pages]
    assert "制表日期" in "".join(pages[:-1]) and "各社区探访率" in pages[-1]  # the charts follow the signed table
    db.close()
