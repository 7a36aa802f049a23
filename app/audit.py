"""Reading the audit trail: who changed what, with the values before and after."""

from __future__ import annotations

import json
from typing import Any

from db import audit as queries
from db.store import Store


def history(store: Store, table: str, record_id: str) -> list[dict[str, Any]]:
    """Every change to one record, oldest first, with before/after decoded."""
    return [
        {**row, "before": json.loads(row["before"]) if row["before"] else None,
         "after": json.loads(row["after"]) if row["after"] else None}
        for row in queries.of_record(store, table, record_id)
    ]
