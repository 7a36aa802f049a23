"""Where the program keeps its files (platformdirs' user data directory)."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "CommunityLedger"


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "ledger.db"


def documents_dir() -> Path:
    """Where exported ledgers go by default: 文档/社区台账."""
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "社区台账"
