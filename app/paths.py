"""Where the program keeps its files: the user data directory, or a `data` folder beside
the program (portable mode, for a USB stick carried to a village)."""

from __future__ import annotations

import sys
from pathlib import Path

APP_NAME = "CommunityLedger"
PORTABLE_FOLDER = "data"


def portable_dir() -> Path | None:
    """The `data` folder beside the built program, when there is one."""
    if not getattr(sys, "frozen", False):
        return None  # run from source: the folder beside python.exe means nothing
    folder = Path(sys.executable).resolve().parent / PORTABLE_FOLDER
    return folder if folder.is_dir() else None


def data_dir() -> Path:
    portable = portable_dir()
    if portable is not None:
        return portable
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    return data_dir() / "ledger.db"


def documents_dir() -> Path:
    """Where exported ledgers go by default: 文档/社区台账."""
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "社区台账"


def refuse_other_file(path: str | Path, suffixes: tuple[str, ...], what: str) -> None:
    """A file is written over only when it is one of ours (an older report of the same kind): a
    document someone named by mistake (工作总结.docx), or a device, is refused, never replaced."""
    from app.errors import UserError

    path = Path(path)
    if path.exists() and not path.is_dir() and (not path.is_file() or path.suffix.lower() not in suffixes):
        raise UserError(f"“{path.name}”是一个已有的文件，不是{what}：请换一个文件名，或选择保存{what}的文件夹")
