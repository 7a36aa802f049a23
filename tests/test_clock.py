"""One clock: nothing but db/clock.py asks the system for the date or the time of day."""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from db.clock import LOCAL_TZ, Clock, FixedClock

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "db", "exports", "ui")
CLOCK_MODULE = ROOT / "db" / "clock.py"
# (object, attribute) calls that read the system's calendar or wall clock.
SYSTEM_TIME = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
               ("time", "time"), ("time", "localtime"), ("time", "strftime"), ("time", "ctime")}


def system_time_calls(source: str) -> list[tuple[int, str]]:
    """Lines of `source` that call one of SYSTEM_TIME, however the module was imported."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
            if (name, node.func.attr) in SYSTEM_TIME:
                found.append((node.lineno, f"{name}.{node.func.attr}()"))
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            for alias in node.names:
                if alias.name in {"time", "localtime", "strftime", "ctime"}:
                    found.append((node.lineno, f"from time import {alias.name}"))
    return found


def test_only_the_clock_module_reads_the_system_date():
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == CLOCK_MODULE:
                continue
            for line, call in system_time_calls(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}:{line} {call}")
    assert offenders == [], "ask the store's clock instead:\n" + "\n".join(offenders)


def test_the_guard_sees_each_way_of_asking():
    source = "\n".join([
        "from datetime import date, datetime", "import datetime as dt", "import time",
        "a = date.today()", "b = datetime.now()", "c = dt.datetime.now()", "d = time.time()",
        "e = datetime.utcnow()", "f = dt.date.today()",
    ])
    assert [line for line, _ in system_time_calls(source)] == [4, 5, 6, 7, 8, 9]
    assert system_time_calls("import time\nx = time.monotonic()\ny = date(2026, 1, 1)") == []


def test_today_is_the_date_in_china_whatever_the_zone_of_the_computer():
    late_utc = FixedClock(datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc))  # 00:30 on 1 January in China
    assert late_utc.today() == date(2027, 1, 1)
    assert late_utc.local_now().utcoffset() == timedelta(hours=8)
    assert late_utc.now().tzinfo == timezone.utc


def test_a_fixed_clock_moves_only_when_told():
    clock = FixedClock.on(date(2028, 2, 29))
    assert clock.local_now() == datetime(2028, 2, 29, 10, tzinfo=LOCAL_TZ)
    assert clock.today() == date(2028, 2, 29)
    clock.advance(timedelta(hours=14))
    assert clock.today() == date(2028, 3, 1)


def test_the_system_clock_is_aware_and_in_utc():
    now = Clock().now()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)


def test_month_end_work_defaults_to_the_month_just_ended():
    from app.dates import month_to_export

    assert month_to_export(date(2026, 12, 1)) == "2026-11"
    assert month_to_export(date(2026, 12, 10)) == "2026-11"
    assert month_to_export(date(2026, 12, 11)) == "2026-12"
    assert month_to_export(date(2027, 1, 4)) == "2026-12"  # across the new year
    assert month_to_export(date(2028, 2, 29)) == "2028-02"
