"""Queries over the audit trail."""

from __future__ import annotations

from db.store import Row, Store


def of_record(store: Store, table: str, record_id: str) -> list[Row]:
    return store.query(
        "SELECT * FROM audit WHERE table_name = ? AND record_id = ? ORDER BY at, rowid",
        [table, record_id],
    )
