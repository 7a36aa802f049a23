"""The 回收站: list what was deleted and put it back by the rules its kind declares (db/kinds.py)."""

from __future__ import annotations

from app.errors import NotFound, UserError
from db import kinds
from db import trash as queries
from db.store import Row, Store

BIN_TABLES = frozenset(kind.table for kind in kinds.in_bin())


def deleted_records(store: Store, *, after: tuple[str, str] | None = None, limit: int = 100) -> list[Row]:
    rows = queries.deleted(store, after=after, limit=limit)
    return [{**row, "kind": kinds.noun(row["table_name"])} for row in rows]


def restore(store: Store, table: str, record_id: str) -> Row:
    """Put a record back, with the records deleted along with it; refused while what it stands on
    is still in the 回收站 or a live record has taken its place meanwhile."""
    kind = kinds.KINDS.get(table)
    if kind is None or not kind.in_bin or kind.restore is None:
        raise NotFound("回收站不认识这种记录")
    with store.transaction():
        record = store.get(table, record_id, include_deleted=True)
        if record is None:
            raise NotFound(f"回收站中没有要恢复的{kind.noun}")
        if not record["deleted_at"]:
            return record
        _refuse_orphan(store, kind, record)
        _refuse_clash(store, kind, record)
        for child in kind.restore.together:
            for child_id in queries.deleted_with(store, child, record_id, record["deleted_at"]):
                store.restore(child.table, child_id)
        return store.restore(table, record_id)


def _refuse_orphan(store: Store, kind: kinds.Kind, record: Row) -> None:
    """Name the parent to restore first: coming back without it, the record would stand on nothing."""
    for parent in kind.restore.stands_on:
        parent_id = record.get(parent.column)
        if parent_id and queries.is_deleted(store, parent.table, parent_id):
            parent_noun = kinds.noun(parent.table)
            raise UserError(f"{kind.noun}所属的{parent_noun}“{queries.label(store, parent.table, parent_id)}”"
                            f"还在回收站中，请先恢复该{parent_noun}")


def _refuse_clash(store: Store, kind: kinds.Kind, record: Row) -> None:
    for unique in kind.restore.unique:
        if queries.live_clash(store, kind.table, unique.columns, record):
            raise UserError(unique.message.format(label=queries.label(store, kind.table, record["id"])))
