"""Offline sync between PCs: packages carried on a USB stick, merged by record id.

A package is one zip file (`.ledgersync`) holding `manifest.json` (sending device,
community code, the sender's migrations, counts, SHA-256 of the records) and
`records.jsonl` (one line per record: table, version vector, the whole row).

Change tracking: every write through Store gives the record a new local change number
(`seq`) and bumps this device's entry in the record's version vector (db/sync.py).
A package for a peer holds every record whose `seq` is above the last one sent to
that peer, including records that arrived here from a third device.

Merging by version vector, record by record:
- the incoming version is already known (ours is equal or newer): nothing happens, so
  importing a package twice, or an old package after a newer one, changes nothing;
- it is newer than ours (it descends from it): it replaces ours;
- both changed since they last agreed (concurrent vectors): if the contents are equal
  the vectors are merged; otherwise ours stays and theirs is kept as a conflict for a
  person to decide (keep mine, take theirs, or field by field). The decision is a new
  version that descends from both, so it settles the conflict on the other side too.
Records whose parent (a visit's elder …) has not arrived yet wait in `sync_parked` and
go in when it does; a record that would break a unique rule here (the same ID number
registered on both PCs, …) becomes a conflict of kind `duplicate`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from app import audit, community_key, merges, sealing, sync_checks
from app.access import is_admin, require_admin
from app.settings import label as settings_label
from app.accounts import enabled as accounts_enabled
from app.errors import NotFound, SyncError, UserError
from app.paths import refuse_other_file
from app.sealing import SealError
from db import schema
from db import kinds
from db import meta
from db import sync as queries
from db.errors import os_reason
from db.store import Row, Store, new_id

FORMAT = "community-ledger-sync"
FORMAT_VERSION = 2  # 2: sealed with the community key (app/sealing.py)
SUFFIX = ".ledgersync"
INVITE_SUFFIX = ".ledgerinvite"
INVITE_DAYS = 7
INVITE_CODE_LENGTH = 12  # 60 bits; with scrypt, years of GPU time to guess (README)
# Limits on what a package may hold once opened, checked before reading it whole.
MAX_EXPANSION, MAX_LINE = 200, 1 << 20
# Tables whose changes only an administrator may bring in (a 工作人员's import holds them).
ADMIN_TABLES = ("settings", "stamp_items")
_SPOOL = 16 << 20  # a package's content is kept in memory up to this size, then in a scratch file
MANIFEST, RECORDS = "manifest.json", "records.jsonl"
# Columns that say when and where a version was written, not what it says.
META_COLUMNS = ("created_at", "updated_at", "device_id")
PREFIX_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O: they read as 1 and 0 in a serial



@dataclass
class ExportResult:
    path: Path
    peer: str
    package_id: str
    records: int
    counts: dict[str, int]


@dataclass
class ImportResult:
    package_id: str
    sender: str
    records: int = 0
    applied: int = 0
    unchanged: int = 0
    conflicts: int = 0
    parked: int = 0
    held: int = 0
    adopted: bool = False
    already: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    # What the package changed here, per table: records new here, changed, deleted.
    new: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    settings: list[str] = field(default_factory=list)  # setting keys changed (or held for an administrator)
    stamp_items: list[dict[str, str]] = field(default_factory=list)  # 盖章事项清单: {"name", "change"}
    set_aside: list[dict[str, str]] = field(default_factory=list)  # records refused: {"kind", "label", "reason"}

    def summary(self) -> str:
        if self.already:
            return "这个同步包以前已经导入过，没有任何改动。"
        text = f"已导入同步包：{self.records} 条记录，写入 {self.applied} 条，已是最新 {self.unchanged} 条"
        if self.conflicts:
            text += f"，冲突 {self.conflicts} 条（请在“数据同步”中逐条决定）"
        if self.parked:
            text += f"，{self.parked} 条在等待更早的同步包（其关联记录尚未到达）"
        if self.held:
            text += f"，{self.held} 项设置或盖章事项清单的修改等待管理员确认（请管理员在“数据同步”中应用）"
        if self.set_aside:
            text += f"，{len(self.set_aside)} 条不合规的记录已放在一边未写入（见“数据同步”页）"
        text += "。"
        if self.adopted:
            text = "本机已加入该社区。" + text
        return text


# -- version vectors --------------------------------------------------------------------


def covers(a: dict[str, int], b: dict[str, int]) -> bool:
    """Version a has seen everything version b has (a ≥ b)."""
    return all(a.get(device, 0) >= n for device, n in b.items())


def merged(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {d: max(a.get(d, 0), b.get(d, 0)) for d in {*a, *b}}


def content(row: Row, keys: Any = None) -> dict[str, Any]:
    """What a record says: every column but when/where it was written; deletion as a yes/no."""
    keys = row.keys() if keys is None else keys
    values = {k: row.get(k) for k in keys if k not in META_COLUMNS}
    if "deleted_at" in values:
        values["deleted_at"] = bool(values["deleted_at"])
    return values


def _stamp(row: Row) -> tuple[str, str]:
    return (row.get("updated_at") or "", row.get("device_id") or "")


# -- export ---------------------------------------------------------------------------------


def _community(store: Store) -> tuple[str, str]:
    return (store.setting("community_code") or "").strip(), (store.setting("community_name") or "").strip()


def _next_prefix(taken: set[str]) -> str:
    for length in (1, 2):
        for n in range(len(PREFIX_LETTERS) ** length):
            letters, rest = "", n
            for _ in range(length):
                letters = PREFIX_LETTERS[rest % len(PREFIX_LETTERS)] + letters
                rest //= len(PREFIX_LETTERS)
            if letters not in taken:
                return letters
    raise SyncError("编号前缀已用完")


def _file_name(code: str, peer: str, now: str, package_id: str, suffix: str = SUFFIX) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", peer).strip("_.") or "peer"
    stamp = audit.local_time(now).replace("-", "").replace(":", "").replace(" ", "-")  # China time, as the clock on the wall
    kind = "邀请" if suffix == INVITE_SUFFIX else "同步"
    return f"社区台账{kind}_{code}_至{safe}_{stamp}_{package_id[:6]}{suffix}"


def export_package(store: Store, peer: str, out: str | Path, *, full: bool = False) -> ExportResult:
    """Write every change since the last package sent to `peer` into one sealed file.

    `out` is a folder (the file gets a descriptive name) or a file path. `full` sends
    every record (for a new PC, or when a package was lost); importing extra is harmless.
    """
    return _export(store, peer, out, full=full)


def _export(store: Store, peer: str, out: str | Path, *, full: bool, invite_code: str | None = None) -> ExportResult:
    peer = (peer or "").strip()
    if not peer:
        raise SyncError("请填写对方电脑的名称（如“村委会笔记本”），以便下次只发送新的变化")
    if len(peer) > 40:
        raise SyncError("对方电脑的名称太长（最多 40 个字）")
    code, name = _community(store)
    if not code:
        raise SyncError("请先在“设置”中填写社区代码，再制作同步包（对方据此确认是同一个社区）")
    out = Path(out)
    refuse_other_file(out, (SUFFIX,), "同步包")
    with store.transaction():
        # Made here on the first package: a package that cannot be written leaves no key behind.
        key = community_key.ensure_key(store)
        known = queries.peer(store, peer)
        offered = known["offered_prefix"] if known else None
        if not offered:
            # A PC prepared from this package numbers its stamp requests with this letter; it is
            # reserved here (never offered again) and claimed in the settings by the PC that takes it.
            taken = queries.claimed_prefixes(store) | {queries.serial_prefix(store)}
            taken |= {p["offered_prefix"] for p in queries.peers(store) if p["offered_prefix"]}
            offered = _next_prefix(taken)
        since = 0 if full or known is None else known["last_sent_seq"]
        until = queries.max_seq(store)
        now = store.now()
        package_id = new_id()
        suffix = INVITE_SUFFIX if invite_code else SUFFIX
        path = out / _file_name(code, peer, now, package_id, suffix) if out.is_dir() or not out.suffix else out
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "package_id": package_id, "created_at": now,
            "device_id": store.device_id, "serial_prefix": queries.serial_prefix(store), "peer": peer,
            "offered_prefix": offered, "community_code": code, "community_name": name,
            "migrations": queries.applied_migrations(store), "since_seq": since, "until_seq": until,
        }
        header = {"format": FORMAT, "kind": "invite" if invite_code else "sync", "format_version": FORMAT_VERSION,
                  "package_id": package_id, "created_at": now, "device_id": store.device_id,
                  "community_code": code, "peer": peer, "since_seq": since, "until_seq": until}
        if invite_code:
            header.update(_invitation(store, key, invite_code, package_id, code))
        elif meta.get(store, JOINED_BY):
            header["invitation"] = meta.get(store, JOINED_BY)  # the inviting PC checks one PC used it
        written = False
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.SpooledTemporaryFile(_SPOOL) as plain:
                counts, total, digest = _write_package(store, plain, manifest, since, until)
                plain.seek(0)
                sealing.seal(plain, path, key, header)  # written beside the target, then renamed
            written = True
            queries.save_peer(store, peer, max(until, since), offered, now)
            queries.add_exchange(store, {
                "id": new_id(), "at": now, "direction": "export", "peer": peer, "device_id": None,
                "package_id": package_id, "file_name": path.name, "records": total, "applied": 0,
                "conflicts": 0, "parked": 0, "user": store.author,
            })
        except BaseException as exc:
            if written:  # the package exists but was not recorded as sent: it must not travel
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise SyncError(f"无法写入同步包（{os_reason(exc)}），请检查 U 盘或文件夹是否可写") from None
            raise
    return ExportResult(path, peer, package_id, total, counts)


def _write_package(store: Store, path: IO[bytes], manifest: dict, since: int, until: int):
    counts: dict[str, int] = {}
    digest = hashlib.sha256()
    total = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(RECORDS, "w") as out:
            for table in queries.synced_tables(store):
                n, chunk = 0, []
                for row, vv in queries.changes(store, table, since, until):
                    chunk.append('{"t":"%s","v":%s,"r":%s}\n' % (
                        table, vv, json.dumps(row, ensure_ascii=False, separators=(",", ":"))))
                    n += 1
                    if len(chunk) >= 1000:
                        _flush(out, digest, chunk)
                _flush(out, digest, chunk)
                if n:
                    counts[table] = n
                    total += n
        manifest = {**manifest, "counts": counts, "records": total, "records_sha256": digest.hexdigest()}
        manifest["manifest_sha256"] = _manifest_digest(manifest)
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return counts, total, digest.hexdigest()


def _flush(out, digest, chunk: list[str]) -> None:
    data = "".join(chunk).encode("utf-8")
    digest.update(data)
    out.write(data)
    chunk.clear()


def _manifest_digest(manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


# -- reading a package ---------------------------------------------------------------------

DAMAGED = "同步包已损坏或被改动过（{what}），未导入任何记录。请重新制作同步包。"
NOT_A_PACKAGE = "这个文件不是社区台账的同步包，请检查所选文件。"


def _opened(store: Store, path: Path, *, kind: str = "sync") -> sealing.Sealed:
    """The readable header of a sealed package of `kind`, with the refusals a person can act on."""
    if not path.is_file():
        raise SyncError(f"找不到同步包文件：{path.name}")
    try:
        sealed = sealing.open_sealed(path)
    except SealError as exc:
        if sealing.is_sealed(path):
            raise SyncError(str(exc).replace("文件", "同步包", 1)) from None
        raise SyncError(NOT_A_PACKAGE) from None
    header = sealed.header
    if header.get("format") != FORMAT:
        if header.get("kind") == "backup":
            raise SyncError("这是加密的备份文件，不是同步包：请在“设置 → 备份”中恢复。")
        raise SyncError(NOT_A_PACKAGE)
    if not isinstance(header.get("format_version"), int) or header["format_version"] > FORMAT_VERSION:
        raise SyncError("同步包由更新版本的社区台账制作，请先升级本程序再导入。")
    if header.get("kind") != kind:
        if header.get("kind") == "invite":
            raise SyncError("这是加入社区的邀请包：请输入办公室电脑给出的邀请码（命令行加 --code 邀请码）。")
        raise SyncError(NOT_A_PACKAGE)
    for name in ("package_id", "device_id", "community_code", "created_at"):
        if not isinstance(header.get(name), str):
            raise SyncError(DAMAGED.format(what="文件头无法读取"))
    return sealed


def _unsealed(sealed: sealing.Sealed, key: bytes, scratch: IO[bytes]) -> dict:
    """Decrypt the package into `scratch` and check it; returns its manifest (agreeing with the header)."""
    try:
        sealing.unseal_into(sealed, key, scratch)
    except SealError as exc:
        raise SyncError(str(exc).replace("文件", "同步包", 1)) from None
    scratch.seek(0)
    try:
        with zipfile.ZipFile(scratch) as archive:
            manifest = _load_manifest(archive)
            info = archive.getinfo(RECORDS)
            if info.file_size > MAX_EXPANSION * max(info.compress_size, 1 << 16):
                raise SyncError(DAMAGED.format(what="内容大小异常"))
            digest, lines = hashlib.sha256(), 0
            with archive.open(RECORDS) as records:
                for line in _lines(records):
                    digest.update(line)
                    lines += 1
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, SyncError):
            raise
        raise SyncError(DAMAGED.format(what="文件不完整或不是同步包")) from None
    if digest.hexdigest() != manifest.get("records_sha256") or lines != manifest.get("records"):
        raise SyncError(DAMAGED.format(what="记录与清单中的校验码不符"))
    header = sealed.header
    if any(manifest.get(k) != header.get(k) for k in ("package_id", "device_id", "community_code",
                                                       "since_seq", "until_seq")):
        raise SyncError(DAMAGED.format(what="文件头与清单不符"))
    scratch.seek(0)
    return manifest


def _lines(records: IO[bytes]) -> Iterator[bytes]:
    """The lines of records.jsonl, refusing one longer than MAX_LINE without reading it whole."""
    while True:
        line = records.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE:
            raise SyncError(DAMAGED.format(what="有一行记录过长"))
        yield line


def _load_manifest(archive: zipfile.ZipFile) -> dict:
    names = set(archive.namelist())
    if MANIFEST not in names or RECORDS not in names:
        raise SyncError(NOT_A_PACKAGE)
    if archive.getinfo(MANIFEST).file_size > MAX_LINE:
        raise SyncError(DAMAGED.format(what="清单过大"))
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise SyncError(DAMAGED.format(what="清单无法读取")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SyncError(NOT_A_PACKAGE)
    if manifest.get("manifest_sha256") != _manifest_digest(manifest):
        raise SyncError(DAMAGED.format(what="清单的校验码不符"))
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise SyncError("同步包由更新版本的社区台账制作，请先升级本程序再导入。")
    migrations = manifest.get("migrations") or []
    if not isinstance(migrations, list) or not all(isinstance(m, str) for m in migrations):
        raise SyncError(DAMAGED.format(what="清单无法读取"))
    unknown = set(migrations) - set(schema.known_migrations())
    if unknown:
        raise SyncError("同步包由更新版本的社区台账制作（数据结构更新），请先升级本程序再导入。")
    for name in ("since_seq", "until_seq", "records"):
        if not isinstance(manifest.get(name), int) or isinstance(manifest[name], bool) or manifest[name] < 0:
            raise SyncError(DAMAGED.format(what="清单无法读取"))
    return manifest


def _records(scratch: IO[bytes]) -> Iterator[tuple[str, dict[str, int], Row]]:
    with zipfile.ZipFile(scratch) as archive, archive.open(RECORDS) as records:
        for line in _lines(records):
            try:
                item = json.loads(line)
                table, vv, row = item["t"], item["v"], item["r"]
            except (ValueError, KeyError, TypeError):
                raise SyncError(DAMAGED.format(what="记录无法读取")) from None
            if not isinstance(table, str) or not isinstance(vv, dict) or not vv or not all(
                    isinstance(d, str) and isinstance(n, int) and not isinstance(n, bool) and 0 < n < 2**53
                    for d, n in vv.items()):
                raise SyncError(DAMAGED.format(what="记录的版本无法读取"))
            yield table, vv, row


CHECK_AHEAD = 100  # records read, and checked, ahead of their merging (as fast as 500, half the memory)


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk: list = []
    try:
        for item in items:
            chunk.append(item)
            if len(chunk) >= size:
                yield chunk
                chunk = []
    except SyncError:
        if chunk:  # the records before a damaged one are merged first, as when read one by one
            yield chunk
        raise
    if chunk:
        yield chunk


def _key_for_packages(store: Store) -> bytes:
    key = community_key.key_of(store)
    if key is None:
        raise SyncError("本机还没有社区密钥，不能导入同步包。新电脑请先导入办公室电脑制作的邀请包"
                        "（需要邀请码）；社区的第一台电脑请先在“设置”中填写社区名称。")
    return key


# -- import ---------------------------------------------------------------------------------


class _Merge:
    """One import (or one decision): the state shared by every record it merges."""

    def __init__(self, store: Store, sender: str | None, *, adopting: bool = False, manifest: dict | None = None):
        self.store, self.sender, self.adopting = store, sender, adopting
        self.community_code = manifest["community_code"] if manifest else _community(store)[0]
        # No version this PC gave out may come back numbered higher than it ever numbered, nor
        # the sender's higher than its last change number: a forged counter would otherwise make
        # a PC take a stale record for the newest and drop (or revert) real edits.
        self.own_limit = queries.next_seq(store.db.conn) - 1
        self.package_sender = manifest["device_id"] if manifest else None
        self.package_id = manifest["package_id"] if manifest else None
        self.sender_limit = manifest["until_seq"] if manifest else 0
        self.holds = accounts_enabled(store) and not is_admin(store)
        self.pending = {(c["table_name"], c["record_id"]) for c in queries.open_conflicts(store)}
        self.seq: int | None = None  # the last local change number this merge gave out
        self.tables = {t: set(queries.columns(store, t)) for t in queries.synced_tables(store)}
        self.parents = {t: queries.foreign_keys(store, t) for t in self.tables}
        self.result = ImportResult("", sender or "")
        self.aside = queries.set_aside_records(store)
        self.merges_later: list[tuple[Row, Row | None, dict, bool]] = []
        # People merged away here (merged id -> kept id), and those a record just written names:
        # only their records are looked for at the end (follow_merged_away), not every merge's.
        self.merged_away = merges.merged_away(store)
        self.person_columns = {t: [c for c, parent in self.parents[t] if parent == "people"] for t in self.tables}
        self.named_merged: set[str] = set()
        # (table, id) of records known absent here, read for a chunk at once (look_ahead): most
        # records of a first or a large package are new, and each saves its own lookup.
        self.absent: set[tuple[str, str]] = set()

    def apply(self, table: str, vv: dict[str, int], row: Row, *, count: bool = True,
              why: Any = sync_checks.LATER) -> str:
        """Merge one incoming version: 'unchanged', 'applied', 'conflict' or 'parked'.
        `why` is the record's sync_checks.problem() when already known (sync_checks.problems_ahead)."""
        store = self.store
        if table not in self.tables or not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise SyncError(DAMAGED.format(what="含有本程序不认识的记录"))
        if not set(row) <= self.tables[table]:
            raise SyncError("同步包由更新版本的社区台账制作（数据结构更新），请先升级本程序再导入。")
        self._check_version(table, vv, row)
        record_id = row["id"]
        if (table, record_id) in self.absent:
            self.absent.discard((table, record_id))  # once: after this apply it may exist
            local, ours = None, None
        else:
            local, ours = queries.local_with_version(store, table, record_id)
        if ours is not None and covers(ours, vv):
            return self._count("unchanged", count)
        forged = sync_checks.forged(table, row, self.community_code)
        if forged:
            raise SyncError(f"{forged}，同步包可能被伪造，未导入任何记录。")
        if why is sync_checks.LATER:
            why = sync_checks.problem(store, table, row, self.community_code)
        why = why or self._merged_away(table, row, local)
        if why:
            return self._set_aside(table, vv, row, why)
        if self.holds and table in ADMIN_TABLES and not table_is_bookkeeping(table, record_id) and (
                local is None or content(local, row.keys()) != content(row)):
            queries.hold(store, {"id": new_id(), "table_name": table, "record_id": record_id,
                                 "row": json.dumps(row, ensure_ascii=False), "vv": json.dumps(vv, sort_keys=True),
                                 "from_device": self.sender, "held_at": store.now()})
            self.result.held += count
            self._note_admin_change(table, row, local)
            return "held"
        pending = queries.open_conflicts(store, table, record_id) if (table, record_id) in self.pending else []
        if any(covers(json.loads(c["vv"]), vv) for c in pending):
            return self._count("unchanged", count)  # a newer version of theirs already waits
        if table == merges.TABLE:
            self._bring_in_kept(row)
        if self.missing_parent(table, row):
            return self._park(table, vv, row, count)
        if local is None or ours is None or covers(vv, ours):
            if local is not None and _stamp(local) == _stamp(row) and content(local, row.keys()) == content(row):
                self._version(table, record_id, vv)  # the same row: only the version is new
                outcome = "applied"
            elif table == merges.TABLE:
                # Followed once the rest of the package (and what waited for it) is in: the records
                # the other PC already moved arrive moved, and only what is left moves here.
                self.merges_later.append((row, local, vv, count))
                outcome = "applied"
            else:
                outcome = self._write(table, row, local, vv)
        elif self.adopting:
            # A PC joining the community: its own defaults (the stamp checklist seeded on
            # first start) were never edited by a person, so the community's version wins.
            outcome = self._write(table, row, local, merged(ours, vv))
        elif content(local, row.keys()) == content(row):
            # Both sides changed it the same way: nothing to decide, only agree on the version
            # (and on its time stamps: the later write's, so both PCs end up with the same row).
            outcome = "applied"
            if _stamp(row) > _stamp(local):
                outcome = self._write(table, row, local, merged(ours, vv))
            else:
                self._version(table, record_id, merged(ours, vv))
        else:
            self._conflict(table, row, vv, "edit", pending)
            outcome = "conflict"
        if outcome == "applied" and (table, record_id) in self.pending:
            self._settle(table, record_id)
        if outcome == "applied" and (table, record_id) in self.aside:
            queries.drop_set_aside(store, table, record_id)  # a later version of it arrived and is good
        return self._count(outcome, count)

    def _check_version(self, table: str, vv: dict[str, int], row: Row) -> None:
        forged = vv.get(self.store.device_id, 0) > self.own_limit or (
            self.package_sender is not None and self.sender == self.package_sender
            and vv.get(self.package_sender, 0) > self.sender_limit)
        if forged:
            raise SyncError(f"同步包中{kinds.noun(table)}“{_guess_label(row)}”的版本号不可能出现"
                            "（比制作它的电脑记录的还新），同步包可能被伪造，未导入任何记录。")

    def _count(self, outcome: str, count: bool) -> str:
        if count and outcome != "set_aside":
            attr = {"unchanged": "unchanged", "applied": "applied", "conflict": "conflicts", "parked": "parked"}
            setattr(self.result, attr[outcome], getattr(self.result, attr[outcome]) + 1)
        return outcome

    def missing_parent(self, table: str, row: Row) -> bool:
        return any(row.get(column) and not queries.exists(self.store, parent, row[column])
                   for column, parent in self.parents[table])

    def _write(self, table: str, row: Row, local: Row | None, vv: dict) -> str:
        store = self.store
        try:
            store.write_version(table, row, local)  # refused by a unique rule: nothing was written
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" not in str(exc):
                # NOT NULL, CHECK or a reference: the row was not written; the rest goes on.
                return self._set_aside(table, vv, row, "缺少必填内容或取值不在允许范围内")
            self._conflict(table, row, vv, "duplicate", queries.open_conflicts(store, table, row["id"]))
            return "conflict"
        self._version(table, row["id"], vv)
        self._note_effect(table, row, local)
        if self.merged_away:
            self.named_merged.update(row[c] for c in self.person_columns[table] if row.get(c) in self.merged_away)
        return "applied"

    def follow_merged_away(self) -> None:
        """Records typed on a PC that had not heard of a merge, naming the person merged away,
        follow the kept person."""
        for merged_id in sorted(self.named_merged):
            merges.repoint(self.store, self.merged_away[merged_id], merged_id)
        self.named_merged.clear()
        self.seq = None

    def follow_merges(self) -> None:
        """Write and follow the merges of people this import brought (see apply)."""
        while self.merges_later:
            row, local, vv, counted = self.merges_later.pop(0)
            if self._write_merge(row, local, vv) == "set_aside" and counted:
                self.result.applied -= 1

    def _write_merge(self, row: Row, local: Row | None, vv: dict) -> str:
        """A merge of two people made on another PC: written and followed here, or (when two of
        their records would clash here) set aside with the reason, the rest of the package going on."""
        try:
            with self.store.transaction():  # a savepoint: a clash undoes the merge's writes only
                outcome = self._write(merges.TABLE, row, local, vv)
                if outcome == "applied" and not row.get("deleted_at"):
                    self._close_person_conflicts(row["merged_id"])
                    merges.follow(self.store, row["kept_id"], row["merged_id"])
                    self.merged_away[row["merged_id"]] = row["kept_id"]
        except UserError as exc:
            return self._set_aside(merges.TABLE, vv, row, str(exc))
        finally:
            self.seq = None  # the merge's own writes took change numbers of their own
        return outcome

    def _close_person_conflicts(self, person_id: str) -> None:
        """An edit conflict on a person merged away is decided by the merge: the merged person's
        version descends from both (its non-empty fields then fill the kept person's empty ones)."""
        for pending in queries.open_conflicts(self.store, "people", person_id):
            ours = queries.version(self.store, "people", person_id) or {}
            self._version("people", person_id, merged(ours, json.loads(pending["vv"])))
            queries.close_conflict(self.store, pending["id"], "merged", self.store.now())

    def _bring_in_kept(self, row: Row) -> None:
        """The kept person may wait here as a duplicate conflict (it arrived while the merged person
        still held the ID number): the merged person gives up the number and the kept one goes in."""
        kept_id, merged_id = row.get("kept_id"), row.get("merged_id")
        if not isinstance(kept_id, str) or not isinstance(merged_id, str) or row.get("deleted_at"):
            return
        if queries.exists(self.store, "people", kept_id):
            return
        merged_person = self.store.get("people", merged_id, include_deleted=True)
        for pending in queries.open_conflicts(self.store, "people", kept_id):
            theirs = json.loads(pending["theirs"])
            if pending["kind"] != "duplicate" or merged_person is None or not theirs.get("id_number") or (
                    theirs.get("id_number") != merged_person.get("id_number")):
                continue
            merges.rewrite(self.store, "people", merged_person, {
                "deleted_at": merged_person["deleted_at"] or self.store.now(), "id_number": None})
            self.seq = None  # that write took a change number of its own
            queries.close_conflict(self.store, pending["id"], "merged", self.store.now())
            self.pending.discard(("people", kept_id))
            sender, self.sender = self.sender, pending["from_device"]
            self.apply("people", json.loads(pending["vv"]), theirs, count=False)
            self.sender = sender

    def look_ahead(self, chunk: list[tuple[str, dict, Row]]) -> None:
        """Note which records of the chunk about to be applied are not here (see self.absent)."""
        wanted: dict[str, set[str]] = {}
        for table, _, row in chunk:
            if table in self.tables and isinstance(row, dict) and isinstance(row.get("id"), str):
                wanted.setdefault(table, set()).add(row["id"])
        self.absent = {(table, record_id) for table, ids in wanted.items()
                       for record_id in ids - queries.existing_ids(self.store, table, ids)}

    def _merged_away(self, table: str, row: Row, local: Row | None) -> str | None:
        """A later edit of a person merged away here is not written onto a person who is gone."""
        if table != "people" or row.get("deleted_at") or local is None or not local.get("deleted_at"):
            return None
        kept = merges.merged_into(self.store, row["id"])
        if kept is None:
            return None
        return f"这位居民已合并到“{kept['name']}”，这次修改未写入；如仍需要，请在“{kept['name']}”的记录上修改"

    def _note_effect(self, table: str, row: Row, local: Row | None) -> None:
        """Count what a written version changed here (for the preview and the import's report)."""
        result = self.result
        if table_is_bookkeeping(table, row["id"]):
            return  # which PC took which serial letter: nothing a person needs to look at
        if row.get("deleted_at"):
            # A record deleted before it ever came here (or deleted on both sides) shows no change.
            tally = result.deleted if local is not None and not local.get("deleted_at") else None
        else:
            tally = result.new if local is None else result.changed
        if tally is not None:
            tally[table] = tally.get(table, 0) + 1
        self._note_admin_change(table, row, local)

    def _note_admin_change(self, table: str, row: Row, local: Row | None) -> None:
        if table == "settings" and not table_is_bookkeeping(table, row["id"]):
            if row["id"] not in self.result.settings:
                self.result.settings.append(row["id"])
        elif table == "stamp_items":
            change = "删除" if row.get("deleted_at") else "新增" if local is None or local.get("deleted_at") else "修改"
            self.result.stamp_items.append({"name": str(row.get("name") or ""), "change": change})

    def _set_aside(self, table: str, vv: dict[str, int], row: Row, reason: str) -> str:
        """A record the form would refuse: kept aside with its reason, never written."""
        label = incoming_label(self.store, table, row)
        queries.set_aside(self.store, {
            "id": new_id(), "table_name": table, "record_id": row["id"], "label": label, "reason": reason,
            "row": json.dumps(row, ensure_ascii=False), "vv": json.dumps(vv, sort_keys=True),
            "from_device": self.sender, "package_id": self.package_id, "set_aside_at": self.store.now()})
        self.aside.add((table, row["id"]))
        self.result.set_aside.append({"kind": table, "kind_label": kinds.noun(table), "label": label,
                                      "reason": reason})
        return "set_aside"

    def _version(self, table: str, record_id: str, vv: dict[str, int]) -> None:
        if self.seq is None:
            self.seq = queries.max_seq(self.store)
        self.seq += 1
        queries.set_version(self.store, table, record_id, vv, seq=self.seq)

    def _conflict(self, table: str, row: Row, vv: dict, kind: str, pending: list[Row]) -> None:
        store = self.store
        now = store.now()
        self.pending.add((table, row["id"]))
        for older in pending:
            if covers(vv, json.loads(older["vv"])):
                queries.close_conflict(store, older["id"], "superseded", now)
        queries.add_conflict(store, {
            "id": new_id(), "table_name": table, "record_id": row["id"], "kind": kind,
            "theirs": json.dumps(row, ensure_ascii=False), "vv": json.dumps(vv, sort_keys=True),
            "from_device": self.sender, "detected_at": now,
        })

    def _settle(self, table: str, record_id: str) -> None:
        """Conflicts whose version the record now descends from were decided (here or elsewhere)."""
        ours = queries.version(self.store, table, record_id) or {}
        for pending in queries.open_conflicts(self.store, table, record_id):
            if covers(ours, json.loads(pending["vv"])):
                queries.close_conflict(self.store, pending["id"], "settled", self.store.now())

    def _park(self, table: str, vv: dict, row: Row, count: bool) -> str:
        store = self.store
        for waiting in queries.parked(store, table, row["id"]):
            waiting_vv = json.loads(waiting["vv"])
            if covers(waiting_vv, vv):
                return self._count("parked", count)
            if covers(vv, waiting_vv):
                queries.unpark(store, waiting["id"])
        queries.park(store, {"id": new_id(), "table_name": table, "record_id": row["id"],
                             "row": json.dumps(row, ensure_ascii=False), "vv": json.dumps(vv, sort_keys=True),
                             "from_device": self.sender})
        return self._count("parked", count)

    def retry_parked(self) -> None:
        """Records waiting for a parent go in once it has arrived (repeat while any does)."""
        # Their versions were checked against their own package's numbers when they arrived.
        self.package_sender = None
        progress = True
        while progress:
            progress = False
            for waiting in queries.parked(self.store):
                row = json.loads(waiting["row"])
                if self.missing_parent(waiting["table_name"], row):
                    continue
                queries.unpark(self.store, waiting["id"])
                sender, self.sender = self.sender, waiting["from_device"]
                self.apply(waiting["table_name"], json.loads(waiting["vv"]), row, count=False)
                self.sender = sender
                progress = True


def import_package(store: Store, path: str | Path) -> ImportResult:
    """Merge one sealed package; all of it or (on any failure) none of it."""
    path = Path(path)
    sealed = _opened(store, path)
    key = _key_for_packages(store)
    if sealed.header["device_id"] == store.device_id:
        raise SyncError("这是本机自己制作的同步包，应在对方电脑上导入。")
    with tempfile.SpooledTemporaryFile(_SPOOL) as scratch:
        manifest = _unsealed(sealed, key, scratch)
        with store.transaction():
            _check_invitation(store, sealed.header)
            if queries.was_imported(store, manifest["package_id"]):
                return ImportResult(manifest["package_id"], manifest["device_id"], records=manifest["records"],
                                    already=True)
            return _merge_package(store, manifest, scratch, path.name)


class _Rollback(Exception):
    """Undoes a preview's trial import."""


def preview_package(store: Store, path: str | Path) -> ImportResult:
    """What importing the package would do, without writing anything: the import itself runs
    in a transaction that is then rolled back, so the preview and the import cannot disagree."""
    path = Path(path)
    sealed = _opened(store, path)
    key = _key_for_packages(store)
    if sealed.header["device_id"] == store.device_id:
        raise SyncError("这是本机自己制作的同步包，应在对方电脑上导入。")
    earlier = store.take_changes()  # the trial's writes must not make the pages reload
    outcome: ImportResult | None = None
    with tempfile.SpooledTemporaryFile(_SPOOL) as scratch:
        manifest = _unsealed(sealed, key, scratch)
        try:
            with store.transaction():
                _check_invitation(store, sealed.header)
                if queries.was_imported(store, manifest["package_id"]):
                    outcome = ImportResult(manifest["package_id"], manifest["device_id"],
                                           records=manifest["records"], already=True)
                else:
                    outcome = _merge_package(store, manifest, scratch, path.name)
                raise _Rollback
        except _Rollback:
            pass
        finally:
            store.take_changes()
            # Rolled back: nothing changed. Named so the window does not take the trial's writes for
            # unnamed ones and reload every page.
            store.note_change(*earlier, "sync_preview")
    assert outcome is not None
    return outcome


def result_json(result: ImportResult) -> dict[str, Any]:
    """An import's or a preview's outcome for `--json`: kinds by table name."""
    return {"package_id": result.package_id, "already": result.already, "records": result.records,
            "new": result.new, "changed": result.changed, "deleted": result.deleted,
            "conflicts": result.conflicts, "settings": result.settings, "stamp_items": result.stamp_items,
            "held": result.held, "parked": result.parked, "applied": result.applied,
            "unchanged": result.unchanged, "set_aside": result.set_aside}


def preview_text(result: ImportResult) -> str:
    """The preview in words, each kind by its Chinese noun."""
    if result.already:
        return result.summary()

    def tally(counts: dict[str, int]) -> str:
        return "、".join(f"{kinds.noun(t)} {n} 条" for t, n in counts.items()) or "无"

    lines = [f"同步包共 {result.records} 条记录；导入后：",
             f"新增：{tally(result.new)}", f"修改：{tally(result.changed)}", f"删除：{tally(result.deleted)}",
             f"冲突：{result.conflicts} 条" + ("（导入后在“数据同步”中逐条决定）" if result.conflicts else "")]
    if result.settings:
        held_note = "（需管理员确认）" if result.held else ""
        lines.append(f"设置的修改{held_note}：" + "、".join(settings_label(k) for k in result.settings))
    if result.stamp_items:
        lines.append("盖章事项清单的修改：" + "、".join(f"{i['change']}“{i['name']}”" for i in result.stamp_items))
    if result.parked:
        lines.append(f"等待更早的同步包：{result.parked} 条")
    if result.set_aside:
        lines.append(f"不合规、将放在一边不写入：{len(result.set_aside)} 条")
        lines += [f"  {i['kind_label']}“{i['label']}”：{i['reason']}" for i in result.set_aside]
    return "\n".join(lines)


def _merge_package(store: Store, manifest: dict, scratch: IO[bytes], file_name: str, *,
                   joining: bool = False) -> ImportResult:
    """Merge the records of an opened package (inside the caller's transaction)."""
    code, name = _community(store)
    adopting = joining and not code and not name
    if not code and not adopting:
        raise SyncError(
            f"本机“设置”中还没有社区代码。若与对方是同一个社区，请先填写社区代码 {manifest['community_code']} 再导入。")
    if code and code != manifest["community_code"]:
        raise SyncError(
            f"同步包属于另一个社区（社区代码 {manifest['community_code']}），本机是 {code}，未导入任何记录。")
    if is_admin(store):
        _apply_held(store)
    merge = _Merge(store, manifest["device_id"], adopting=adopting, manifest=manifest)
    result = merge.result
    result.package_id = manifest["package_id"]
    for chunk in _chunks(_records(scratch), CHECK_AHEAD):
        merge.look_ahead(chunk)
        for (table, vv, row), why in zip(chunk, sync_checks.problems_ahead(store, chunk, merge.community_code)):
            merge.apply(table, vv, row, why=why)
            result.records += 1
    merge.absent = set()
    merge.retry_parked()
    merge.follow_merges()
    merge.retry_parked()
    merge.follow_merged_away()
    result.parked = queries.count_parked(store)
    result.counts = dict(manifest.get("counts") or {})
    if adopting:
        result.adopted = True
        if not _community(store)[0]:
            store.set_setting("community_code", manifest["community_code"])
        if manifest.get("community_name") and not _community(store)[1]:
            store.set_setting("community_name", manifest["community_name"])
        letter = manifest.get("offered_prefix")
        if not queries.serial_prefix(store) and letter and letter not in queries.claimed_prefixes(store):
            queries.set_serial_prefix(store, letter)
            store.set_setting(queries.PREFIX_SETTING + letter, store.device_id)
    queries.add_exchange(store, {
        "id": new_id(), "at": store.now(), "direction": "import", "peer": manifest.get("community_name"),
        "device_id": manifest["device_id"], "package_id": manifest["package_id"], "file_name": file_name,
        "records": result.records, "applied": result.applied, "conflicts": result.conflicts,
        "parked": result.parked, "user": store.author,
    })
    return result


# -- joining with an invitation ---------------------------------------------------------------

_INVITE_AAD = b"community-ledger invitation "
# meta rows: on the inviting PC, `invitation.<package id>` = the device that used it ("" until
# its first package arrives); on a PC that joined, `joined_by_invitation` = that package id.
INVITATION_USED, JOINED_BY = "invitation.", "joined_by_invitation"


@dataclass
class Invitation:
    path: Path
    code: str
    peer: str
    expires_at: str  # UTC ISO


def invite(store: Store, peer: str, out: str | Path) -> Invitation:
    """An invitation for a new PC: every record, sealed, plus the community key wrapped under a
    one-time code that is shown here and must reach the new PC another way (said, not written on
    the stick). 管理员 only: whoever holds an invitation and its code holds the key."""
    require_admin(store, "邀请新电脑加入社区")
    code = sealing.new_code(INVITE_CODE_LENGTH)
    result = _export(store, peer, out, full=True, invite_code=code)
    with store.transaction():  # made here, not used yet: the first PC to send a package with it takes it
        meta.put(store, INVITATION_USED + sealing.open_sealed(result.path).header["package_id"], "")
    expires = datetime.fromisoformat(sealing.open_sealed(result.path).header["expires_at"])
    store.log_event("export", detail={"what": "邀请包", "peer": result.peer, "file": result.path.name})
    return Invitation(result.path, code, result.peer, expires.isoformat())


def _invitation(store: Store, key: bytes, code: str, package_id: str, community: str) -> dict[str, Any]:
    """The header entries of an invitation: when it expires and the key wrapped under the code."""
    expires = (store.clock.now() + timedelta(days=INVITE_DAYS)).isoformat(timespec="seconds")
    params = sealing.kdf_params()
    secret = json.dumps({"key": sealing.b64_encode(key), "recovery": community_key.recovery_wrap(store)}).encode()
    aad = _INVITE_AAD + f"{package_id}|{community}|{expires}".encode()
    return {"expires_at": expires, "kdf": params,
            "wrapped": sealing.wrap(sealing.derive_from_code(code, params), secret, aad)}


def _check_invitation(store: Store, header: dict) -> None:
    """One invitation joins one PC: the first PC that sends a package naming an invitation made
    here is recorded as the one that used it; another PC naming it is refused."""
    invitation = header.get("invitation")
    if not isinstance(invitation, str):
        return
    used_by = meta.get(store, INVITATION_USED + invitation)
    if used_by is None:
        return  # made on another PC of the community: that PC checks it
    if not used_by:
        meta.put(store, INVITATION_USED + invitation, header["device_id"])
    elif used_by != header["device_id"]:
        raise SyncError("这台电脑加入社区用的邀请已被另一台电脑用过（一份邀请只能让一台电脑加入），"
                        "未导入任何记录。如确需加入，请在本机为它重新制作邀请。")


def is_invitation(path: str | Path) -> bool:
    """Whether the file is an invitation (the window then asks for the code)."""
    try:
        return sealing.open_sealed(path).header.get("kind") == "invite"
    except SealError:
        return False


def join(store: Store, path: str | Path, code: str) -> ImportResult:
    """Join the community with an invitation and its one-time code; a wrong code changes nothing."""
    path = Path(path)
    sealed = _opened(store, path, kind="invite")
    header = sealed.header
    if queries.was_imported(store, header["package_id"]):
        raise SyncError("这个邀请码已经用过了：每份邀请只能使用一次。如需重新加入，请在办公室电脑上重新制作邀请。")
    try:
        expires = datetime.fromisoformat(header["expires_at"])
        expired = store.clock.now() > expires
    except (KeyError, TypeError, ValueError):
        raise SyncError(DAMAGED.format(what="邀请的有效期无法读取")) from None
    if expired:
        raise SyncError(f"邀请已过期（有效期 {INVITE_DAYS} 天），请在办公室电脑上重新制作邀请包。")
    own = community_key.key_of(store)
    # A PC not yet part of any community may have made a key of its own (a backup taken before
    # joining): the community's key replaces it.
    if own is not None and sealing.key_id(own) != header.get("key_id") and any(_community(store)):
        raise SyncError("本机已属于另一个社区（社区密钥不同），不能用这份邀请加入。")
    if not sealing.normalize_code(code):
        raise SyncError("请输入邀请码（办公室电脑制作邀请时显示的 12 位字母数字）。")
    aad = _INVITE_AAD + f"{header['package_id']}|{header['community_code']}|{header['expires_at']}".encode()
    try:
        secret = sealing.unwrap(sealing.derive_from_code(code, header.get("kdf") or {}), header.get("wrapped"), aad)
    except SealError as exc:
        raise SyncError(str(exc)) from None
    if secret is None:
        raise SyncError("邀请码不对，未做任何改动。请核对办公室电脑上显示的邀请码后重新输入。")
    try:
        opened = json.loads(secret)
        key, recovery = sealing.b64_decode(opened["key"]), opened["recovery"]
        if len(key) != sealing.KEY_BYTES or not isinstance(recovery, str):
            raise ValueError("key")
    except (ValueError, KeyError, TypeError):
        raise SyncError(DAMAGED.format(what="邀请无法读取")) from None
    if header["device_id"] == store.device_id:
        raise SyncError("这是本机自己制作的邀请包，应在新电脑上导入。")
    with tempfile.SpooledTemporaryFile(_SPOOL) as scratch:
        manifest = _unsealed(sealed, key, scratch)
        with store.transaction():
            community_key.install(store, key, recovery)
            meta.put(store, JOINED_BY, header["package_id"])
            result = _merge_package(store, manifest, scratch, path.name, joining=True)
    return result


# -- what a 工作人员's import holds for an administrator -------------------------------------------


def held(store: Store) -> list[dict[str, Any]]:
    """The settings and 盖章事项清单 changes waiting for an administrator."""
    return [{"id": h["id"], "table_name": h["table_name"], "record_id": h["record_id"],
             "table_label": kinds.noun(h["table_name"]),
             "label": incoming_label(store, h["table_name"], json.loads(h["row"])),
             "held_at": h["held_at"]} for h in queries.held(store)]


def discard_held(store: Store) -> int:
    """An administrator discards what a 工作人员's imports held (this PC keeps its own); returns how many."""
    require_admin(store, "放弃同步包带来的设置和盖章事项清单")
    with store.transaction():
        count = queries.discard_held(store)
        store.note_change("sync_held")
    return count


def set_aside_records(store: Store) -> list[dict[str, Any]]:
    """Records from packages that broke a form's rule: kept aside (never written), with the reason."""
    return [{**item, "table_label": kinds.noun(item["table_name"])} for item in queries.set_aside_list(store)]


def dismiss_set_aside(store: Store, item_id: str) -> None:
    """Remove one set-aside record from the list (once the sending PC has been told to correct it)."""
    with store.transaction():
        if not queries.dismiss_set_aside(store, item_id):
            raise NotFound("找不到这条记录，可能已经移除")
        store.note_change("sync_set_aside")


def apply_held(store: Store) -> int:
    """An administrator applies what a 工作人员's imports held; returns how many."""
    require_admin(store, "应用同步包带来的设置和盖章事项清单")
    with store.transaction():
        return _apply_held(store)


def _apply_held(store: Store) -> int:
    waiting = queries.held(store)
    if not waiting:
        return 0
    for item in waiting:
        queries.unhold(store, item["id"])
        merge = _Merge(store, item["from_device"])
        merge.apply(item["table_name"], json.loads(item["vv"]), json.loads(item["row"]), count=False)
    return len(waiting)


def table_is_bookkeeping(table: str, record_id: str) -> bool:
    """Settings rows that are the program's own bookkeeping (which PC took which serial letter)."""
    return table == "settings" and record_id.startswith(queries.PREFIX_SETTING)


# -- conflicts -------------------------------------------------------------------------------


def conflicts(store: Store) -> list[dict[str, Any]]:
    """The open conflicts, each with the fields where the two versions differ."""
    found = []
    for c in queries.open_conflicts(store):
        theirs = json.loads(c["theirs"])
        mine = store.get(c["table_name"], c["record_id"], include_deleted=True)
        differences = []
        if mine is not None and c["kind"] == "edit":
            ours, other = content(mine, theirs.keys()), content(theirs)
            for key in theirs:
                if key in other and ours.get(key) != other.get(key):
                    differences.append({"field": key, "label": kinds.field_label(key),
                                        "mine": _shown(key, mine.get(key)), "theirs": _shown(key, theirs.get(key))})
        found.append({
            "id": c["id"], "table_name": c["table_name"], "record_id": c["record_id"], "kind": c["kind"],
            "table_label": kinds.noun(c["table_name"]),
            "label": queries.record_label(store, c["table_name"], c["record_id"]) or _guess_label(theirs),
            "differences": differences, "detected_at": c["detected_at"], "from_device": c["from_device"],
            "can_merge": c["kind"] == "duplicate" and c["table_name"] == "people"
            and _duplicate_of(store, theirs) is not None,
        })
    return found


def _shown(key: str, value: Any) -> str:
    if key == "deleted_at":
        return "已删除" if value else "未删除"
    return "" if value is None else str(value)


def incoming_label(store: Store, table: str, row: Row) -> str:
    """A name a person recognises for a record not (or not yet) here: the catalog's label over
    the incoming row (a visit by its date and elder's name …), never a personal number or an id."""
    if table == "settings":
        return settings_label(str(row.get("id")))
    kind = kinds.KINDS.get(table)
    if kind is not None and kind.label_sql and row:
        values = {k: v if isinstance(v, (str, int, float)) or v is None else None for k, v in row.items()
                  if isinstance(k, str) and k.isidentifier()}
        columns = ", ".join(f"? AS [{k}]" for k in values)
        with contextlib.suppress(sqlite3.Error, OverflowError):  # an integer beyond SQLite's 64 bits
            found = store.db.conn.execute(f"SELECT {kind.label_sql} FROM (SELECT {columns}) t",
                                          list(values.values())).fetchone()
            if found and found[0] not in (None, ""):
                return str(found[0])[:80]
    for key in ("name", "title", "applicant", "date"):
        if isinstance(row.get(key), str) and row[key].strip():
            return row[key].strip()[:80]
    return "（没有名称）"


def _guess_label(row: Row) -> str:
    for key in ("name", "title", "serial", "applicant", "date"):
        if row.get(key):
            return str(row[key])
    return row.get("id", "")[:8]


def resolve(store: Store, conflict_id: str, choice: str | dict[str, str]) -> Row | None:
    """Decide a conflict: 'mine', 'theirs', or {field: 'mine'|'theirs'} field by field.

    The decision becomes a new version that descends from both, so when it reaches the
    other PC it settles the same conflict there.
    """
    with store.transaction():
        c = queries.conflict(store, conflict_id)
        if c is None or c["resolved_at"]:
            raise NotFound("找不到该冲突，可能已经处理过")
        table, record_id = c["table_name"], c["record_id"]
        theirs, their_vv = json.loads(c["theirs"]), json.loads(c["vv"])
        now = store.now()
        if c["kind"] == "duplicate":
            return _resolve_duplicate(store, c, choice, theirs, their_vv, now)
        mine = store.get(table, record_id, include_deleted=True)
        ours = queries.version(store, table, record_id) or {}
        if mine is None:
            raise NotFound("本机的这条记录已不存在")
        if choice == "mine":
            picked = {}
        elif choice == "theirs":
            picked = {k: v for k, v in theirs.items() if k not in ("id", *META_COLUMNS)}
        elif isinstance(choice, dict):
            unknown = [k for k, v in choice.items() if v not in ("mine", "theirs") or k not in theirs]
            if unknown:
                raise UserError("逐项选择中有无法识别的栏目")
            picked = {k: theirs[k] for k, v in choice.items() if v == "theirs" and k not in ("id", *META_COLUMNS)}
        else:
            raise UserError("请选择保留本机、采用对方或逐项选择")
        final = {**mine, **picked}
        if content(final) != content(mine):
            final.update(updated_at=now, device_id=store.device_id)
            if _Merge(store, None).missing_parent(table, final):
                raise UserError("对方版本引用的记录在本机还没有，请先导入更早的同步包")
            store.write_version(table, final, mine)
        queries.set_version(store, table, record_id, merged(ours, their_vv), bump_self=True)
        queries.close_conflict(store, conflict_id, choice if isinstance(choice, str) else "fields", now)
        _Merge(store, None)._settle(table, record_id)
        return final


def _resolve_duplicate(store: Store, c: Row, choice: Any, theirs: Row, their_vv: dict, now: str) -> Row | None:
    if choice == "mine":
        queries.close_conflict(store, c["id"], "mine", now)
        return None
    if choice != "theirs":
        raise UserError("与本机记录重复的冲突只能保留本机或采用对方")
    # Try their version again (the worker may have corrected the record it clashed with).
    # Raising here undoes the whole decision: the conflict stays open as it was.
    queries.close_conflict(store, c["id"], "theirs", now)
    outcome = _Merge(store, c["from_device"]).apply(c["table_name"], their_vv, theirs)
    if outcome == "conflict" and any(
            x["kind"] == "duplicate" for x in queries.open_conflicts(store, c["table_name"], c["record_id"])):
        raise UserError("对方的记录仍与本机另一条记录重复（如身份证号、编号相同），请先修改本机那条记录再采用对方")
    return store.get(c["table_name"], c["record_id"], include_deleted=True)


def merge_duplicate(store: Store, conflict_id: str, keep: str) -> Row:
    """Decide a duplicate conflict of two people (the same ID number entered on two PCs) by merging
    them: `keep` is 'mine' or 'theirs'; every record of the other follows the kept one, here now
    and on every PC after the next exchange (app/merges.py). Returns the merge record."""
    with store.transaction():
        c = queries.conflict(store, conflict_id)
        if c is None or c["resolved_at"]:
            raise NotFound("找不到该冲突，可能已经处理过")
        if c["kind"] != "duplicate" or c["table_name"] != "people":
            raise UserError("只有两台电脑登记了同一身份证号的居民（重复）才能合并")
        theirs, their_vv = json.loads(c["theirs"]), json.loads(c["vv"])
        mine = _duplicate_of(store, theirs)
        if mine is None:
            raise UserError("本机已没有与之重复的居民，请改用“采用对方”")
        if keep not in ("mine", "theirs"):
            raise UserError("请选择保留本机的记录还是对方的记录")
        queries.close_conflict(store, conflict_id, "merged", store.now())
        merge = _Merge(store, c["from_device"])
        if keep == "mine":
            # Theirs comes in already merged away: in the 回收站, without the ID number it shares.
            gone = {**theirs, "id_number": None, "deleted_at": store.now(), "updated_at": store.now(),
                    "device_id": store.device_id}
            if merge.missing_parent("people", gone):
                raise UserError("对方记录引用的内容在本机还没有，请先导入更早的同步包")
            store.write_version("people", gone, None)
            queries.set_version(store, "people", theirs["id"], their_vv, bump_self=True)
            kept_id, merged_id = mine["id"], theirs["id"]
        else:
            merges.rewrite(store, "people", mine, {"deleted_at": store.now(), "id_number": None})
            if merge.apply("people", their_vv, theirs, count=False) != "applied":
                raise UserError("对方的记录仍与本机另一条记录重复，请先处理那条记录再合并")
            kept_id, merged_id = theirs["id"], mine["id"]
        merge.retry_parked()  # their records that waited for their person go in, then follow
        return merges.record(store, kept_id, merged_id)


# The columns of a person shown side by side before a merge (the search keys are the name's).
_PAIR_HIDDEN = (*queries.COMMON, "pinyin", "initials", "sort_key")


def duplicate_pair(store: Store, conflict_id: str) -> dict[str, Any]:
    """A duplicate resident's two records side by side, for choosing which to keep: each field's
    label, this PC's value and the other's (ID numbers and phones masked for a 工作人员)."""
    from app.privacy import for_role

    c = queries.conflict(store, conflict_id)
    if c is None or c["resolved_at"]:
        raise NotFound("找不到该冲突，可能已经处理过")
    theirs = json.loads(c["theirs"])
    mine = _duplicate_of(store, theirs) if c["table_name"] == "people" else None
    if mine is None:
        raise UserError("只有两台电脑登记了同一身份证号的居民（重复）才能合并")
    shown_mine, shown_theirs = for_role(store, [mine, {k: v for k, v in theirs.items() if isinstance(v, (str, int, float)) or v is None}])
    fields = [{"field": k, "label": kinds.field_label(k), "mine": _shown(k, shown_mine.get(k)),
               "theirs": _shown(k, shown_theirs.get(k))}
              for k in queries.columns(store, "people") if k not in _PAIR_HIDDEN]
    return {"conflict_id": conflict_id, "mine_id": mine["id"], "theirs_id": theirs.get("id"), "fields": fields,
            "mine_records": sum(store.scalar(f"SELECT count(*) FROM [{t}] WHERE [{col}] = ? AND deleted_at IS NULL",
                                             [mine["id"]]) for t, col in merges.person_references(store)),
            "theirs_waiting": sum(1 for p in queries.parked(store) if theirs.get("id") in p["row"])}


def _duplicate_of(store: Store, theirs: Row) -> Row | None:
    """The person here holding the ID number an incoming person clashed with."""
    if not theirs.get("id_number"):
        return None
    found = store.query("SELECT * FROM people WHERE id_number = ? AND deleted_at IS NULL", [theirs["id_number"]])
    return found[0] if found else None


# -- for the window ---------------------------------------------------------------------------


def history(store: Store, limit: int = 200) -> list[Row]:
    return queries.exchanges(store, limit)


def peer_names(store: Store) -> list[str]:
    return [p["name"] for p in queries.peers(store)]


def overview(store: Store) -> dict[str, Any]:
    """What the 数据同步 page shows at once."""
    code, name = _community(store)
    return {"peers": peer_names(store), "conflicts": conflicts(store), "history": history(store),
            "parked": queries.count_parked(store), "held": held(store), "set_aside": set_aside_records(store),
            "community_code": code, "community_name": name,
            "device_id": store.device_id, "serial_prefix": queries.serial_prefix(store)}
