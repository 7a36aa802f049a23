"""Fetching one live record for a service, with the message a user sees when it is gone."""

from __future__ import annotations

from app.errors import NotFound
from db.store import Row, Store


def require(store: Store, table: str, record_id: str, noun: str) -> Row:
    """The live record, or NotFound("找不到该{noun}，可能已被删除")."""
    record = store.get(table, record_id) if record_id else None
    if record is None:
        raise NotFound(f"找不到该{noun}，可能已被删除")
    return record
