"""The headless command line: demo, stats, check, and its errors."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from app import elders
from app.cli import main
from app.database import open_ledger
from db.clock import FixedClock

TODAY = date(2026, 11, 23)


def run(argv, capsys):
    code = main(argv, clock=FixedClock.on(TODAY))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    assert main(["--db", str(path), "demo"], clock=FixedClock.on(TODAY)) == 0
    return path


def test_demo_builds_the_community_the_issue_describes(demo_db):
    store = open_ledger(demo_db)
    try:
        count = lambda table: store.scalar(f"SELECT count(*) FROM {table} WHERE deleted_at IS NULL")  # noqa: E731
        assert count("people") == 312  # 300 residents and elders, 12 children and disabled in their groups
        assert count("care_members") == 12 and count("referrals") == 1
        assert count("volunteers") == 60
        assert count("elders") == 80
        assert count("topics") == 12
        assert count("stamp_requests") == 40
        states = {r["state"] for r in store.query("SELECT state FROM topics")}
        assert states == {"提出", "受理", "不予受理", "协商", "形成决议", "落实中", "已办结", "已评议"}
        assert store.scalar("SELECT count(*) FROM stamp_requests WHERE result = '不予盖章'") >= 5
        first, last = store.query("SELECT min(date) AS a, max(date) AS b FROM activities")[0].values()
        assert (TODAY - date.fromisoformat(first)).days >= 170
        assert (TODAY - date.fromisoformat(last)).days <= 10
        assert elders.month_duty(store, 2026, 11, today=TODAY).overdue
    finally:
        store.close()


def test_stats_json_has_every_key_with_plausible_figures(demo_db, capsys):
    code, out, err = run(["--db", str(demo_db), "stats", "--month", "2026-11", "--json"], capsys)
    assert code == 0, err
    figures = json.loads(out)
    assert figures["month"] == "2026-11"
    assert figures["people_total"] == 312
    assert figures["volunteers_total"] == 60
    assert figures["activities"] > 0 and figures["service_records"] >= figures["activities"]
    assert figures["service_hours"] > 0
    assert 0 < figures["elders_visited"] < figures["elders_due"] <= 80
    assert figures["visit_rate"] == pytest.approx(figures["elders_visited"] / figures["elders_due"], abs=1e-4)
    assert 0 < figures["elders_overdue"] <= figures["elders_due"] - figures["elders_visited"]
    assert 0 < figures["topics_open"] < 12
    assert figures["stamp_requests"] >= figures["stamp_refused"] >= 0
    for key in ("meetings", "stamp_refused"):
        assert isinstance(figures[key], int)


def test_stats_text_is_chinese(demo_db, capsys):
    code, out, _ = run(["--db", str(demo_db), "stats", "--month", "2026-11"], capsys)
    assert code == 0
    assert "应探访" in out and "探访率" in out


def test_demo_refuses_a_database_that_has_data(demo_db, capsys):
    code, _, err = run(["--db", str(demo_db), "demo"], capsys)
    assert code == 2
    assert "已有数据" in err and len(err.strip().splitlines()) == 1


def test_check_passes_a_sound_database(demo_db, capsys):
    code, out, _ = run(["--db", str(demo_db), "check"], capsys)
    assert code == 0 and "完好" in out


def test_check_refuses_a_truncated_copy_in_one_line(demo_db, tmp_path, capsys):
    source = sqlite3.connect(demo_db)
    source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    source.close()
    data = demo_db.read_bytes()
    broken = tmp_path / "broken.db"
    broken.write_bytes(data[: len(data) // 2])
    code, _, err = run(["--db", str(broken), "check"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "损坏" in err


@pytest.mark.parametrize(
    "argv, words",
    [
        (["stats", "--month", "2026-13"], "月份格式不对"),
        (["stats", "--month", "november"], "月份格式不对"),
        (["frobnicate"], "没有这个命令"),
        (["stats", "--month"], "参数缺少取值"),
    ],
)
def test_bad_arguments_give_one_chinese_line_and_exit_2(argv, words, tmp_path, capsys):
    code, _, err = run(["--db", str(tmp_path / "x.db"), *argv], capsys)
    assert code == 2
    assert words in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_file_and_non_database(tmp_path, capsys):
    code, _, err = run(["--db", str(tmp_path / "nope.db"), "stats"], capsys)
    assert code == 2 and "找不到" in err
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is a text file, not a database" * 100)
    for command in ("stats", "check"):
        code, _, err = run(["--db", str(junk), command], capsys)
        assert code == 2 and "不是社区台账数据库" in err


def test_check_refuses_another_programs_sqlite_file(tmp_path, capsys):
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    code, _, err = run(["--db", str(other), "check"], capsys)
    assert code == 2 and "不是社区台账数据库" in err


def test_unexpected_error_is_logged_not_shown(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    import app.cli as cli

    def broken(args, today):
        raise RuntimeError("boom")

    monkeypatch.setitem(cli.COMMANDS, "check", broken)
    code, _, err = run(["--db", str(tmp_path / "x.db"), "check"], capsys)
    assert code == 1
    assert "抱歉" in err and "Traceback" not in err and "boom" not in err
