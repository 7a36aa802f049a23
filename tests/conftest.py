"""Shared fixtures: every test gets its own database file and a fixed today."""

from __future__ import annotations

import os
from datetime import date, datetime, timezone

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.ledger import open_ledger  # noqa: E402

TODAY = date(2026, 11, 23)


class FixedClock:
    """A clock that moves only when told, so timestamps are predictable."""

    def __init__(self, now: datetime = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "ledger.db"


@pytest.fixture
def store(db_path):
    s = open_ledger(db_path, user="测试员")
    yield s
    s.close()
