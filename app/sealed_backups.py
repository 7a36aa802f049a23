"""Backups a person takes away (a USB stick, any folder) are sealed with the community key; a
sealed backup is opened with this PC's key, or on a new PC with the 恢复码.

The automatic backups in the data folder stay plain SQLite files: they sit beside the database.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app import community_key, sealing
from app.sealing import SealError
from db.store import Store, open_store

FORMAT = "community-ledger-backup"
SUFFIX = ".ledgerbackup"


class RecoveryCodeNeeded(SealError):
    """A sealed backup of a community whose key this PC does not hold: the 恢复码 opens it."""


def seal_copy(store: Store, plain: Path, out: Path, finished: Callable[[], None] | None = None) -> None:
    """Seal the plain copy `plain` (just written and checked) into `out` (`finished`: see sealing.seal)."""
    key = community_key.ensure_key(store)
    header = {"format": FORMAT, "kind": "backup", "community_code": (store.setting("community_code") or "").strip(),
              "created_at": store.now(), "recovery": community_key.recovery_wrap(store)}
    with open(plain, "rb") as source:
        sealing.seal(source, out, key, header, finished)


def key_in(db_file: Path) -> bytes | None:
    """The community key of a database that is not open (None when it has none or cannot be read)."""
    if not db_file.is_file() or not db_file.stat().st_size:
        return None
    try:
        store = open_store(db_file)
    except Exception:  # a damaged database has no key to give: the 恢复码 will do
        return None
    try:
        return community_key.key_of(store)
    finally:
        store.close()


@contextmanager
def unsealed(source: Path, scratch_dir: Path, *, key: bytes | None, recovery_code: str | None = None
             ) -> Iterator[Path]:
    """The plain database file to restore from: `source` itself when it is not sealed, else a
    scratch copy in the data folder, checked chunk by chunk and deleted afterwards."""
    if not sealing.is_sealed(source):
        yield source
        return
    sealed = sealing.open_sealed(source)
    if sealed.header.get("format") != FORMAT:
        raise SealError(f"文件“{source.name}”不是社区台账的备份（可能是同步包或邀请包），请选择备份文件。")
    if key is None or sealing.key_id(key) != sealed.header.get("key_id"):
        if not recovery_code:
            raise RecoveryCodeNeeded("这是加密的备份，本机没有这个社区的密钥：请输入恢复码"
                                     "（建立社区时打印的恢复码单上；命令行加 --recovery-code 恢复码）。")
        key = community_key.key_from_recovery(sealed.header.get("recovery") or "", recovery_code)
    scratch_dir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="restoring-", suffix=".db", dir=scratch_dir)
    path = Path(name)
    try:
        with open(handle, "wb") as out:
            sealing.unseal_into(sealed, key, out)
        yield path
    finally:
        path.unlink(missing_ok=True)
