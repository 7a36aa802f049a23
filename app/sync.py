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
import os
import re
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import NotFound, SyncError, UserError
from db import schema
from db import kinds
from db import sync as queries
from db.errors import os_reason
from db.store import Row, Store, new_id

FORMAT = "community-ledger-sync"
FORMAT_VERSION = 1
SUFFIX = ".ledgersync"
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
    adopted: bool = False
    already: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.already:
            return "这个同步包以前已经导入过，没有任何改动。"
        text = f"已导入同步包：{self.records} 条记录，写入 {self.applied} 条，已是最新 {self.unchanged} 条"
        if self.conflicts:
            text += f"，冲突 {self.conflicts} 条（请在“数据同步”中逐条决定）"
        if self.parked:
            text += f"，{self.parked} 条在等待更早的同步包（其关联记录尚未到达）"
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


def _file_name(code: str, peer: str, now: str, package_id: str) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", peer).strip("_.") or "peer"
    stamp = now[:19].replace("-", "").replace(":", "").replace("T", "-")
    return f"社区台账同步_{code}_至{safe}_{stamp}_{package_id[:6]}{SUFFIX}"


def export_package(store: Store, peer: str, out: str | Path, *, full: bool = False) -> ExportResult:
    """Write every change since the last package sent to `peer` into one file.

    `out` is a folder (the file gets a descriptive name) or a file path. `full` sends
    every record (for a new PC, or when a package was lost); importing extra is harmless.
    """
    peer = (peer or "").strip()
    if not peer:
        raise SyncError("请填写对方电脑的名称（如“村委会笔记本”），以便下次只发送新的变化")
    if len(peer) > 40:
        raise SyncError("对方电脑的名称太长（最多 40 个字）")
    code, name = _community(store)
    if not code:
        raise SyncError("请先在“设置”中填写社区代码，再制作同步包（对方据此确认是同一个社区）")
    out = Path(out)
    if out.exists() and not out.is_dir() and out.suffix != SUFFIX:
        raise SyncError(f"“{out.name}”是一个已有的文件，不是同步包：请换一个文件名，或选择保存同步包的文件夹")
    with store.transaction():
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
        path = out / _file_name(code, peer, now, package_id) if out.is_dir() or not out.suffix else out
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "package_id": package_id, "created_at": now,
            "device_id": store.device_id, "serial_prefix": queries.serial_prefix(store), "peer": peer,
            "offered_prefix": offered, "community_code": code, "community_name": name,
            "migrations": queries.applied_migrations(store), "since_seq": since, "until_seq": until,
        }
        tmp = path.with_name(path.name + ".part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            counts, total, digest = _write_package(store, tmp, manifest, since, until)
            queries.save_peer(store, peer, max(until, since), offered, now)
            queries.add_exchange(store, {
                "id": new_id(), "at": now, "direction": "export", "peer": peer, "device_id": None,
                "package_id": package_id, "file_name": path.name, "records": total, "applied": 0,
                "conflicts": 0, "parked": 0, "user": store.author,
            })
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise SyncError(f"无法写入同步包（{os_reason(exc)}），请检查 U 盘或文件夹是否可写") from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return ExportResult(path, peer, package_id, total, counts)


def _write_package(store: Store, path: Path, manifest: dict, since: int, until: int):
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


def read_manifest(path: str | Path) -> dict:
    """The manifest of a package, after checking the file is whole and unaltered."""
    path = Path(path)
    if not path.is_file():
        raise SyncError(f"找不到同步包文件：{path.name}")
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = _load_manifest(archive)
            digest, lines = hashlib.sha256(), 0
            with archive.open(RECORDS) as records:
                for line in records:
                    digest.update(line)
                    lines += 1
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, OSError, ValueError) as exc:
        if isinstance(exc, SyncError):
            raise
        raise SyncError(DAMAGED.format(what="文件不完整或不是同步包")) from None
    if digest.hexdigest() != manifest.get("records_sha256") or lines != manifest.get("records"):
        raise SyncError(DAMAGED.format(what="记录与清单中的校验码不符"))
    return manifest


def _load_manifest(archive: zipfile.ZipFile) -> dict:
    names = set(archive.namelist())
    if MANIFEST not in names or RECORDS not in names:
        raise SyncError("这个文件不是社区台账的同步包，请检查所选文件。")
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise SyncError(DAMAGED.format(what="清单无法读取")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SyncError("这个文件不是社区台账的同步包，请检查所选文件。")
    if manifest.get("manifest_sha256") != _manifest_digest(manifest):
        raise SyncError(DAMAGED.format(what="清单的校验码不符"))
    if not isinstance(manifest.get("format_version"), int) or manifest["format_version"] > FORMAT_VERSION:
        raise SyncError("同步包由更新版本的社区台账制作，请先升级本程序再导入。")
    unknown = set(manifest.get("migrations") or []) - set(schema.known_migrations())
    if unknown:
        raise SyncError("同步包由更新版本的社区台账制作（数据结构更新），请先升级本程序再导入。")
    return manifest


def _records(path: Path) -> Iterator[tuple[str, dict[str, int], Row]]:
    with zipfile.ZipFile(path) as archive, archive.open(RECORDS) as records:
        for line in records:
            try:
                item = json.loads(line)
                table, vv, row = item["t"], item["v"], item["r"]
            except (ValueError, KeyError, TypeError):
                raise SyncError(DAMAGED.format(what="记录无法读取")) from None
            if not isinstance(vv, dict) or not all(isinstance(n, int) for n in vv.values()):
                raise SyncError(DAMAGED.format(what="记录的版本无法读取"))
            yield table, vv, row


# -- import ---------------------------------------------------------------------------------


class _Merge:
    """One import (or one decision): the state shared by every record it merges."""

    def __init__(self, store: Store, sender: str | None, *, adopting: bool = False):
        self.store, self.sender, self.adopting = store, sender, adopting
        self.pending = {(c["table_name"], c["record_id"]) for c in queries.open_conflicts(store)}
        self.seq: int | None = None  # the last local change number this merge gave out
        self.tables = {t: set(queries.columns(store, t)) for t in queries.synced_tables(store)}
        self.parents = {t: queries.foreign_keys(store, t) for t in self.tables}
        self.result = ImportResult("", sender or "")

    def apply(self, table: str, vv: dict[str, int], row: Row, *, count: bool = True) -> str:
        """Merge one incoming version: 'unchanged', 'applied', 'conflict' or 'parked'."""
        store = self.store
        if table not in self.tables or not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise SyncError(DAMAGED.format(what="含有本程序不认识的记录"))
        if not set(row) <= self.tables[table]:
            raise SyncError("同步包由更新版本的社区台账制作（数据结构更新），请先升级本程序再导入。")
        record_id = row["id"]
        local, ours = queries.local_with_version(store, table, record_id)
        if ours is not None and covers(ours, vv):
            return self._count("unchanged", count)
        pending = queries.open_conflicts(store, table, record_id) if (table, record_id) in self.pending else []
        if any(covers(json.loads(c["vv"]), vv) for c in pending):
            return self._count("unchanged", count)  # a newer version of theirs already waits
        if self._missing_parent(table, row):
            return self._park(table, vv, row, count)
        if local is None or ours is None or covers(vv, ours):
            if local is not None and _stamp(local) == _stamp(row) and content(local, row.keys()) == content(row):
                self._version(table, record_id, vv)  # the same row: only the version is new
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
        return self._count(outcome, count)

    def _count(self, outcome: str, count: bool) -> str:
        if count:
            attr = {"unchanged": "unchanged", "applied": "applied", "conflict": "conflicts", "parked": "parked"}
            setattr(self.result, attr[outcome], getattr(self.result, attr[outcome]) + 1)
        return outcome

    def _missing_parent(self, table: str, row: Row) -> bool:
        return any(row.get(column) and not queries.exists(self.store, parent, row[column])
                   for column, parent in self.parents[table])

    def _write(self, table: str, row: Row, local: Row | None, vv: dict) -> str:
        store = self.store
        try:
            store.write_version(table, row, local)  # refused by a unique rule: nothing was written
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" not in str(exc):
                raise
            self._conflict(table, row, vv, "duplicate", queries.open_conflicts(store, table, row["id"]))
            return "conflict"
        self._version(table, row["id"], vv)
        return "applied"

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
        progress = True
        while progress:
            progress = False
            for waiting in queries.parked(self.store):
                row = json.loads(waiting["row"])
                if self._missing_parent(waiting["table_name"], row):
                    continue
                queries.unpark(self.store, waiting["id"])
                sender, self.sender = self.sender, waiting["from_device"]
                self.apply(waiting["table_name"], json.loads(waiting["vv"]), row, count=False)
                self.sender = sender
                progress = True


def import_package(store: Store, path: str | Path) -> ImportResult:
    """Merge one package; all of it or (on any failure) none of it."""
    path = Path(path)
    manifest = read_manifest(path)
    if manifest["device_id"] == store.device_id:
        raise SyncError("这是本机自己制作的同步包，应在对方电脑上导入。")
    with store.transaction():
        if queries.was_imported(store, manifest["package_id"]):
            return ImportResult(manifest["package_id"], manifest["device_id"], records=manifest["records"],
                                already=True)
        code, name = _community(store)
        adopting = not code and not name
        if not code and not adopting:
            raise SyncError(
                f"本机“设置”中还没有社区代码。若与对方是同一个社区，请先填写社区代码 {manifest['community_code']} 再导入。")
        if code and code != manifest["community_code"]:
            raise SyncError(
                f"同步包属于另一个社区（社区代码 {manifest['community_code']}），本机是 {code}，未导入任何记录。")
        merge = _Merge(store, manifest["device_id"], adopting=adopting)
        result = merge.result
        result.package_id = manifest["package_id"]
        for table, vv, row in _records(path):
            merge.apply(table, vv, row)
            result.records += 1
        merge.retry_parked()
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
            "device_id": manifest["device_id"], "package_id": manifest["package_id"], "file_name": path.name,
            "records": result.records, "applied": result.applied, "conflicts": result.conflicts,
            "parked": result.parked, "user": store.author,
        })
    return result


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
        })
    return found


def _shown(key: str, value: Any) -> str:
    if key == "deleted_at":
        return "已删除" if value else "未删除"
    return "" if value is None else str(value)


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
            if _Merge(store, None)._missing_parent(table, final):
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


# -- for the window ---------------------------------------------------------------------------


def history(store: Store, limit: int = 200) -> list[Row]:
    return queries.exchanges(store, limit)


def peer_names(store: Store) -> list[str]:
    return [p["name"] for p in queries.peers(store)]


def overview(store: Store) -> dict[str, Any]:
    """What the 数据同步 page shows at once."""
    code, name = _community(store)
    return {"peers": peer_names(store), "conflicts": conflicts(store), "history": history(store),
            "parked": queries.count_parked(store), "community_code": code, "community_name": name,
            "device_id": store.device_id, "serial_prefix": queries.serial_prefix(store)}
