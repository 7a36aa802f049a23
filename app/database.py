"""Opening the community's ledger: the database, migrated, with its defaults in place."""

from __future__ import annotations

from pathlib import Path

from app.signing import make_key_if_missing
from app.stamps import install_default_checklist
from db.clock import Clock
from db.store import Store, open_store


def open_ledger(path: str | Path, *, author: str = "", clock: Clock | None = None) -> Store:
    """Open or create the database at path; a new one gets the default stamp checklist."""
    store = open_store(path, author=author, clock=clock)
    try:
        install_default_checklist(store)
        make_key_if_missing(store)  # the key that signs the month's summary for the 街道 (app/street.py)
    except Exception:
        store.close()
        raise
    return store


def database_file(store: Store) -> Path:
    """Where this ledger's records are kept."""
    from db.connection import file_path

    return Path(file_path(store.db))

