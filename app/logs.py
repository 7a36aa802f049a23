"""The program's log file. Only events and tracebacks go in: never personal data."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from app.paths import data_dir

log = logging.getLogger("community_ledger")


def log_path() -> Path:
    return data_dir() / "logs" / "community-ledger.log"


def setup_logging() -> Path | None:
    """Log to a rotating file in the user data directory; None when it cannot be written."""
    path = log_path()
    if log.handlers:
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def log_bug(exc: BaseException, where: str) -> Path | None:
    """Record an unexpected exception: its type and the code locations only.

    Neither the message nor source lines are written: either may carry an ID number
    or a phone that was being processed.
    """
    import traceback

    path = setup_logging()
    frames = "\n".join(
        f"  {frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(exc.__traceback__)
    )
    log.error("unexpected %s in %s\n%s", type(exc).__name__, where, frames)
    return path
