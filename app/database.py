"""Opening the community's ledger: the database, migrated, with its defaults in place."""

from __future__ import annotations

from pathlib import Path

from app import access
from app.signing import make_key_if_missing
from app.stamps import install_default_checklist
from db import connection
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
    return Path(connection.file_path(store.db))



def open_beside(store: Store) -> Store:
    """The same ledger through a second connection of its own, signed in as `store` is.

    Long file work (a month's export, its preview and print, the 操作日志, a PDF) reads through
    it on a worker of its own, so the one database worker stays free for lists and search:
    WAL lets it read while the other connection writes. Not read-only: an export of full
    numbers writes its audit row, which waits for the other connection's write (busy
    timeout) like any second writer. No migration: `store` opened the file migrated.
    """
    beside = Store(connection.connect(database_file(store)), author=store.author, clock=store.clock)
    signed_in = access.current(store)
    if signed_in is not access.NOBODY:
        access.sign_in(beside, signed_in.user, signed_in.role)
    return beside
