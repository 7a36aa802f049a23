"""Queries over people: search and keyset pages."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from db.store import Row, Store

LIST_COLUMNS = "id, name, gender, id_number, birth_date, phone, estate, building, unit, room, village_group, grid, sort_key"


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def match_clause(text: str, alias: str = "people") -> tuple[str, str, dict[str, Any]] | None:
    """WHERE and ORDER BY fragments matching a person by name, pinyin, initials, ID or phone.

    None when the text is empty. The fragments name the people table by `alias`.
    """
    query = re.sub(r"\s", "", unicodedata.normalize("NFKC", text or "")).lower()
    if not query:
        return None
    a = alias
    if re.fullmatch(r"[0-9x]+", query):
        where = f"({a}.id_number LIKE :p ESCAPE '\\' OR replace({a}.phone, '-', '') LIKE :p ESCAPE '\\')"
        rank = f"CASE WHEN {a}.phone = :q OR {a}.id_number = upper(:q) THEN 0 ELSE 1 END"
    elif re.fullmatch(r"[a-z]+", query):
        where = f"({a}.initials LIKE :p ESCAPE '\\' OR {a}.pinyin LIKE :p ESCAPE '\\')"
        # Initials typed in full rank first, then a start of initials or pinyin.
        rank = f"""CASE WHEN '|' || {a}.initials || '|' LIKE '%|' || :q || '|%' THEN 0
                       WHEN '|' || {a}.initials LIKE '%|' || :q || '%' THEN 1
                       WHEN '|' || {a}.pinyin LIKE '%|' || :q || '%' THEN 2 ELSE 3 END"""
    else:
        where = f"{a}.name LIKE :p ESCAPE '\\'"
        rank = f"CASE WHEN {a}.name = :q THEN 0 WHEN {a}.name LIKE :q || '%' THEN 1 ELSE 2 END"
    return where, rank, {"p": _like(query), "q": query}


def search(store: Store, text: str, *, limit: int = 50) -> list[Row]:
    """People matching a name fragment, pinyin, initials, or an ID/phone fragment."""
    clause = match_clause(text)
    if clause is None:
        return page(store, limit=limit)
    where, rank, params = clause
    sql = f"""SELECT {LIST_COLUMNS} FROM people
              WHERE deleted_at IS NULL AND {where}
              ORDER BY {rank}, sort_key, id LIMIT :limit"""
    return store.query(sql, {**params, "limit": limit})


def page(
    store: Store, *, after: tuple[str, str] | None = None, limit: int = 100, deleted: bool = False
) -> list[Row]:
    """One page of people in pinyin order, after the (sort_key, id) of the last row seen."""
    params: dict[str, Any] = {"limit": limit}
    conditions = ["deleted_at IS NOT NULL" if deleted else "deleted_at IS NULL"]
    if after:
        conditions.append("(sort_key, id) > (:k, :i)")
        params.update(k=after[0], i=after[1])
    sql = f"""SELECT {LIST_COLUMNS} FROM people WHERE {' AND '.join(conditions)}
              ORDER BY sort_key, id LIMIT :limit"""
    return store.query(sql, params)


def by_id_number(store: Store, id_number: str) -> Row | None:
    rows = store.query(
        "SELECT id, name, deleted_at FROM people WHERE id_number = ?", [id_number]
    )
    return rows[0] if rows else None


def roles(store: Store, person_id: str) -> list[str]:
    """The live records that stand on this person (志愿者, 老年人)."""
    found = []
    if store.scalar("SELECT 1 FROM volunteers WHERE person_id = ? AND deleted_at IS NULL", [person_id]):
        found.append("志愿者")
    if store.scalar("SELECT 1 FROM elders WHERE person_id = ? AND deleted_at IS NULL", [person_id]):
        found.append("老年人")
    return found


def count(store: Store) -> int:
    return store.scalar("SELECT count(*) FROM people WHERE deleted_at IS NULL")
