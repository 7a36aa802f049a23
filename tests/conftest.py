"""Shared fixtures: every test gets its own database file and a fixed today."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import date

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.database import open_ledger  # noqa: E402
from db.clock import FixedClock  # noqa: E402

TODAY = date(2026, 11, 23)
CODE = "320505001001"  # the community code of 阳光社区, the community the sync tests share




def pinned_clock() -> FixedClock:
    """10:00 in China on TODAY: every test's "now" unless it sets its own."""
    return FixedClock.on(TODAY)


def sqlite_error(kind: type[sqlite3.Error], message: str, code: int) -> sqlite3.Error:
    """An error as SQLite raises it: the program reads its result code, not its words."""
    error = kind(message)
    error.sqlite_errorcode = code
    return error


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def folder(tmp_path):
    """The USB stick packages travel on between PCs."""
    path = tmp_path / "usb"
    path.mkdir()
    return path


@pytest.fixture
def office(tmp_path):
    """The office PC of 阳光社区, on the pinned clock."""
    from app import settings

    store = open_ledger(tmp_path / "office.db", author="办公室", clock=pinned_clock())
    settings.save(store, {"community_name": "阳光社区", "community_code": CODE})
    yield store
    store.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "ledger.db"


@pytest.fixture
def store(db_path):
    s = open_ledger(db_path, author="测试员", clock=pinned_clock())
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo community, built once per run; tests get copies (demo_path)."""
    from app.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    built = open_ledger(path, clock=pinned_clock())
    build_demo(built, today=TODAY)
    built.close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.fixture
def demo_path(demo_template, tmp_path):
    """This test's own copy of the demo database."""
    path = tmp_path / "demo-copy.db"
    shutil.copy(demo_template, path)
    return path
