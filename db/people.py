"""Queries over people: search and keyset pages."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from db.paging import Listing, fetch_page
from db.store import Row, Store

def match_clause(text: str, alias: str = "people") -> tuple[str, str | None, dict[str, Any]] | None:
    """WHERE and ORDER BY fragments matching a person by name, pinyin, initials, ID or phone.

    None when the text is empty; the rank is None when the list order serves as it is.
    instr() rather than LIKE: the keys are stored lower-case, and instr is several times
    faster over 100,000 rows. The fragments name the people table by `alias`.
    """
    query = re.sub(r"\s", "", unicodedata.normalize("NFKC", text or "")).lower()
    if not query:
        return None
    a = alias
    if re.fullmatch(r"[0-9x]+", query):
        # Landlines are stored as 0512-67521234: only they pay for removing the dash.
        where = (f"(instr({a}.id_number, upper(:q)) OR instr({a}.phone, :q)"
                 f" OR (instr({a}.phone, '-') AND instr(replace({a}.phone, '-', ''), :q)))")
        # Digits match thousands of IDs (area code, birth year): no rank, so the list order's
        # index is walked and the query stops at the page size.
        rank = None
    elif re.fullmatch(r"[a-z]+", query):
        where = f"(instr({a}.initials, :q) OR instr({a}.pinyin, :q))"
        # Initials typed in full rank first, then a start of initials or pinyin.
        rank = f"""CASE WHEN instr('|' || {a}.initials || '|', '|' || :q || '|') THEN 0
                       WHEN instr('|' || {a}.initials, '|' || :q) THEN 1
                       WHEN instr('|' || {a}.pinyin, '|' || :q) THEN 2 ELSE 3 END"""
    else:
        where = f"instr({a}.name, :q)"
        rank = f"CASE WHEN {a}.name = :q THEN 0 WHEN substr({a}.name, 1, length(:q)) = :q THEN 1 ELSE 2 END"
    return where, rank, {"q": query}


PEOPLE_SORTS = {
    "name": "p.sort_key",
    "gender": "coalesce(p.gender, '')",
    "birth_date": "coalesce(p.birth_date, '')",
    "grid": "coalesce(p.grid, '')",
    "address": "coalesce(p.estate, '') || coalesce(p.building, '') || coalesce(p.unit, '') || coalesce(p.room, '')",
}


def listing(*, search: str = "", deleted: bool = False) -> Listing:
    """People, in pinyin order unless told otherwise; a search ranks the best matches first."""
    source = "people p INDEXED BY people_search" if search.strip() and not deleted else "people p"
    found = Listing("p.id, p.name, p.gender, p.id_number, p.birth_date, p.phone, p.estate, p.building, "
                    "p.unit, p.room, p.village_group, p.grid, p.sort_key",
                    source, "p.id", PEOPLE_SORTS, "name")
    found.where("p.deleted_at IS NOT NULL" if deleted else "p.deleted_at IS NULL")
    clause = match_clause(search, "p")
    if clause:
        found.where(clause[0], **clause[2])
        found.rank = clause[1]
    return found


def page(store: Store, *, search: str = "", deleted: bool = False, sort: str | None = None,
         descending: bool = False, after: tuple | None = None, limit: int = 100) -> list[Row]:
    """One page of people (keyset after the last row's (_sort, id))."""
    return fetch_page(store, listing(search=search, deleted=deleted), sort=sort, descending=descending,
                      after=after, limit=limit)


def search(store: Store, text: str, *, limit: int = 50) -> list[Row]:
    """People matching a name fragment, pinyin, initials, or an ID/phone fragment."""
    return page(store, search=text, limit=limit)


def by_id_number(store: Store, id_number: str) -> Row | None:
    rows = store.query(
        "SELECT id, name, deleted_at FROM people WHERE id_number = ?", [id_number]
    )
    return rows[0] if rows else None


def by_id_numbers(store: Store, id_numbers: list[str]) -> dict[str, Row]:
    """ID number → the person holding it (as by_id_number), for many numbers in a few queries."""
    found: dict[str, Row] = {}
    for start in range(0, len(id_numbers), 500):
        chunk = id_numbers[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for row in store.query(
            f"SELECT id, name, deleted_at, id_number FROM people WHERE id_number IN ({marks})", chunk
        ):
            found[row.pop("id_number")] = row
    return found


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
