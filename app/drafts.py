"""Drafts of half-filled forms: saved as the user types, offered again when the form reopens.

A draft is local to this computer and is neither synced nor audited. It may hold personal
data the user typed (the same data the saved record would hold), so it lives only in the
database, never in a log, and is discarded when the form is saved or cancelled.
"""

from __future__ import annotations

import json
from typing import Any

from db import drafts as queries
from db.store import Store


def save_draft(store: Store, key: str, form: str, values: dict[str, Any]) -> None:
    """Keep the form's current values under key (e.g. `people.new`, `visits.edit:<id>`)."""
    # default=str: a value JSON cannot hold (a date) is kept as its text, as a form would show it.
    encoded = json.dumps(values, ensure_ascii=False, default=str)
    queries.save(store, key, form, encoded, store.now())


def load_draft(store: Store, key: str) -> dict[str, Any] | None:
    """The values saved under key, or None when there is no draft (or it cannot be read)."""
    row = queries.load(store, key)
    if row is None:
        return None
    try:
        values = json.loads(row["values_json"])
    except ValueError:
        return None  # a damaged draft is worth less than a form that opens
    return values if isinstance(values, dict) else None


def discard_draft(store: Store, key: str) -> None:
    """Forget the draft (the form was saved or cancelled); no draft is not an error."""
    queries.discard(store, key)
