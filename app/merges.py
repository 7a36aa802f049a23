"""Merging two records of one person (居民) into one: a duplicate ID number entered on two PCs.

A merge keeps one person (`kept`) and folds the other (`merged`) into it, in one transaction:
- every record that names the merged person (found through the tables' foreign keys, so a new
  kind of record follows without a change here) is re-pointed to the kept one, deleted records
  too, so the 回收站 never restores one onto a person who is gone;
- a record the kept person may have only one of (志愿者, 老年人, one membership per 关爱对象类别)
  that both have: the merged one's own records (服务记录, 探访记录 …) move to the kept one's, and
  the merged one goes to the 回收站;
- the kept person's empty fields are filled from the merged one (nothing the kept one says is
  overwritten);
- the merged person goes to the 回收站 without its ID number (the ID number is unique among all
  people, deleted ones too, and belongs to the kept one now);
- a `person_merges` record (synced) says so, and every PC that receives it does the same
  (`follow`, called by app/sync.py), which is idempotent.

Who may merge: whoever may decide sync conflicts (a 工作人员 too), as merging is one way of
deciding a duplicate conflict.

An edit of the merged person made on another PC before it heard of the merge is set aside on
arrival (app/sync.py) with the kept person's name as the reason, never written onto a person who
is gone; when that PC imports the merge, its copy's non-empty fields fill the kept person's empty
ones, so nothing typed there is silently lost.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from app.errors import NotFound, UserError
from db import kinds
from db import sync as queries
from db.store import Row, Store

TABLE = "person_merges"
# Records a person has at most one of while live (their unique indexes): the columns besides
# person_id that make the slot (one membership per 关爱对象类别).
ONE_PER_PERSON = {"volunteers": (), "elders": (), "care_members": ("group_id",)}
# People columns a merge never copies: the record's own bookkeeping and the search keys
# (derived from the name, which the kept person always has).
_NOT_FILLED = (*queries.COMMON, "pinyin", "initials", "sort_key", "name")


def merge_people(store: Store, kept_id: str, merged_id: str) -> Row:
    """Merge two live people here; returns the merge record."""
    if kept_id == merged_id:
        raise UserError("请选择两位不同的居民进行合并")
    with store.transaction():
        for person_id in (kept_id, merged_id):
            if store.get("people", person_id) is None:
                raise NotFound("找不到要合并的居民，可能已被删除或已合并")
        return record(store, kept_id, merged_id)


def record(store: Store, kept_id: str, merged_id: str) -> Row:
    """Follow a merge decided here and write its record (inside the caller's transaction)."""
    follow(store, kept_id, merged_id)
    return store.insert(TABLE, {"kept_id": kept_id, "merged_id": merged_id})


def follow(store: Store, kept_id: str, merged_id: str) -> None:
    """Make this PC agree with a merge: the merged person gone, its records on the kept one.

    Idempotent: a merge already followed writes nothing. Raises UserError (and, inside the
    caller's transaction, leaves it to the caller to undo) when two records would clash.
    """
    merged = store.get("people", merged_id, include_deleted=True)
    kept = store.get("people", kept_id, include_deleted=True)
    if merged is None or kept is None:
        return
    if not merged["deleted_at"] or merged.get("id_number"):
        # First the merged person loses its ID number, so the kept one may take it.
        rewrite(store, "people", merged, {"deleted_at": merged["deleted_at"] or store.now(), "id_number": None})
    fill = {k: v for k, v in merged.items() if k not in _NOT_FILLED and v not in (None, "") and kept.get(k) in (None, "")}
    if fill:
        rewrite(store, "people", kept, fill)
    repoint(store, kept_id, merged_id)


def repoint(store: Store, kept_id: str, merged_id: str) -> int:
    """Re-point every record naming the merged person to the kept one; returns how many moved."""
    moved = 0
    for table, column in person_references(store):
        for row in store.query(f"SELECT * FROM [{table}] WHERE [{column}] = ?", [merged_id]):
            if table in ONE_PER_PERSON and not row["deleted_at"]:
                twin = _twin(store, table, row, column, kept_id)
                if twin is not None:
                    _move_children(store, table, row["id"], twin["id"])
                    row = rewrite(store, table, row, {"deleted_at": store.now()})
            rewrite(store, table, row, {column: kept_id, **_retired_parents(store, table, row, kept_id)})
            moved += 1
    return moved


def merged_away(store: Store) -> dict[str, str]:
    """Every person merged away here whose kept person is here: merged id -> kept id."""
    return {m["merged_id"]: m["kept_id"] for m in store.query(
        f"SELECT m.merged_id, m.kept_id FROM {TABLE} m JOIN people p ON p.id = m.kept_id"
        f" WHERE m.deleted_at IS NULL ORDER BY m.rowid")}


def merged_into(store: Store, person_id: str) -> Row | None:
    """The person this one was merged into (None when it was not merged)."""
    found = store.query(
        f"SELECT p.* FROM {TABLE} m JOIN people p ON p.id = m.kept_id"
        f" WHERE m.merged_id = ? AND m.deleted_at IS NULL ORDER BY m.rowid DESC LIMIT 1", [person_id])
    return found[0] if found else None


def person_references(store: Store) -> list[tuple[str, str]]:
    """(table, column) of every synced record column that names a person, merges excepted."""
    return [(table, column) for table in queries.synced_tables(store) if table != TABLE
            for column, parent in queries.foreign_keys(store, table) if parent == "people"]


def rewrite(store: Store, table: str, row: Row, changes: dict[str, Any]) -> Row:
    """A local write to a record, live or deleted: audited and numbered for the next package.

    Store.update only edits live records; a merge must also move records in the 回收站.
    """
    after = {**row, **changes}
    if after == row:
        return row
    after.update(updated_at=store.now(), device_id=store.device_id)
    try:
        store.write_version(table, after, row)
    except sqlite3.IntegrityError:
        raise UserError(f"两位居民的{kinds.noun(table)}有重复（如同一次志愿活动都有服务记录），"
                        "请先删除其中一条再合并") from None
    queries.set_version(store, table, row["id"], queries.version(store, table, row["id"]) or {}, bump_self=True)
    return after


def _twin(store: Store, table: str, row: Row, column: str, kept_id: str) -> Row | None:
    """The kept person's live record in the same slot as `row` (their 志愿者 record …)."""
    keys = ONE_PER_PERSON[table]
    where = " AND ".join([f"[{column}] = ?", "deleted_at IS NULL", *(f"[{k}] IS ?" for k in keys)])
    found = store.query(f"SELECT * FROM [{table}] WHERE {where} LIMIT 1", [kept_id, *(row[k] for k in keys)])
    return found[0] if found else None


def _retired_parents(store: Store, table: str, row: Row, kept_id: str) -> dict[str, str]:
    """A record of the merged person that also names one of its retired 老年人/志愿者 records (a
    visit typed elsewhere before the merge was heard of) moves to the kept person's live one."""
    moved = {}
    for column, parent in queries.foreign_keys(store, table):
        if parent in ONE_PER_PERSON and row.get(column):
            retired = store.get(parent, row[column], include_deleted=True)
            if retired is not None and retired["deleted_at"]:
                twin = _twin(store, parent, retired, "person_id", kept_id)
                if twin is not None:
                    moved[column] = twin["id"]
    return moved


def _move_children(store: Store, table: str, from_id: str, to_id: str) -> None:
    """Records hanging on the merged person's 志愿者/老年人 record move to the kept one's."""
    for child in queries.synced_tables(store):
        for column, parent in queries.foreign_keys(store, child):
            if parent == table:
                for row in store.query(f"SELECT * FROM [{child}] WHERE [{column}] = ?", [from_id]):
                    rewrite(store, child, row, {column: to_id})
