"""Keyset paging over any list: ORDER BY a chosen column, then id; the next page starts after the last row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from db.store import Row, Store


@dataclass
class Listing:
    """One list query: what to select, from where, and the orders a user may pick."""

    select: str  # columns, e.g. "p.*"
    source: str  # FROM … JOIN …
    id_column: str  # e.g. "p.id"
    sorts: dict[str, str]  # sort name → SQL expression (never NULL: wrap in coalesce)
    default: str
    conditions: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    rank: str | None = None  # a search rank: when set, results come in one page, best first

    def where(self, condition: str, **params: Any) -> Listing:
        self.conditions.append(condition)
        self.params.update(params)
        return self


def fetch_page(
    store: Store, listing: Listing, *, sort: str | None = None, descending: bool = False,
    after: tuple | None = None, limit: int = 100,
) -> list[Row]:
    """Rows in the chosen order; each carries `_sort` so the caller can ask for the next page."""
    name = sort if sort in listing.sorts else listing.default
    expr = listing.sorts[name]
    direction = "DESC" if descending else "ASC"
    conditions = list(listing.conditions)
    params = {**listing.params, "limit": limit}
    if listing.rank:
        order = f"{listing.rank}, {expr} {direction}, {listing.id_column} {direction}"
    else:
        order = f"{expr} {direction}, {listing.id_column} {direction}"
        if after:
            conditions.append(f"({expr}, {listing.id_column}) {'<' if descending else '>'} (:after_k, :after_i)")
            params.update(after_k=after[0], after_i=after[1])
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    sql = f"SELECT {listing.select}, {expr} AS _sort FROM {listing.source} {where} ORDER BY {order} LIMIT :limit"
    return store.query(sql, params)


def next_key(row: Row) -> tuple:
    return (row["_sort"], row["id"])
