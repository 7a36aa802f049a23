"""Sync packages between two PCs: export, import, merge, conflicts, refusals, serials, CLI."""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings as hyp_settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from app import cli, community_key, settings, stamps, sync
from app.errors import UserError
from app.database import open_ledger
from app.sync import SyncError
from db import schema
from db import sync as queries
from tests.conftest import CODE
from tests.packages import reseal, rezip, unsealed

TODAY = date(2026, 11, 23)


def dump(store) -> dict[str, list]:
    """Every row of every table, to show that nothing at all changed."""
    tables = [r[0] for r in store.db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: sorted(map(repr, store.db.conn.execute(f"SELECT * FROM [{t}]").fetchall())) for t in tables}


def records(store) -> dict[str, list]:
    """The synced content: every synced table, every column."""
    return {t: sorted(map(repr, store.db.conn.execute(f"SELECT * FROM [{t}] ORDER BY id").fetchall()))
            for t in queries.synced_tables(store)}


def person(name: str, **extra) -> dict:
    return {"name": name, "pinyin": "", "initials": "", "sort_key": name, **extra}


def send(source, target, peer: str, folder: Path, **options):
    package = sync.export_package(source, peer, folder, **options)
    return sync.import_package(target, package.path)


def join(office, store, peer: str, folder: Path):
    """A new PC joins the documented way: an invitation from the office and its one-time code."""
    invitation = sync.invite(office, peer, folder)
    return sync.join(store, invitation.path, invitation.code)


@pytest.fixture
def office(tmp_path):
    store = open_ledger(tmp_path / "office.db", author="办公室")
    settings.save(store, {"community_name": "阳光社区", "community_code": CODE})
    yield store
    store.close()


@pytest.fixture
def laptop(tmp_path, office, folder):
    """A new laptop prepared the documented way: a fresh database joins with an invitation and its code."""
    store = open_ledger(tmp_path / "laptop.db", author="村里")
    result = join(office, store, "笔记本", folder)
    assert result.adopted
    send(store, office, "办公室", folder)  # the laptop's claim of its serial letter reaches the office
    yield store
    store.close()


# -- export and import -------------------------------------------------------------------------


def test_a_new_database_adopts_the_community_of_its_first_package(office, laptop, folder):
    config = settings.load(laptop)
    assert (config.community_code, config.community_name) == (CODE, "阳光社区")
    assert queries.serial_prefix(laptop) == "A" and queries.serial_prefix(office) == ""
    assert laptop.setting("serial_prefix.A") == laptop.device_id  # the letter is claimed for everyone to see
    assert queries.claimed_prefixes(office) == {"A"}
    assert records(laptop) == records(office)


def test_records_of_every_kind_travel_both_ways(office, laptop, folder):
    elder_person = office.insert("people", person("李奶奶"))
    elder = office.insert("elders", {"person_id": elder_person["id"], "categories": "[\"独居\"]", "risk_level": "重点", "status": "在册",
                                     "joined_on": "2026-01-01"})
    gone = office.insert("people", person("王五"))
    office.delete("people", gone["id"])
    assert send(office, laptop, "笔记本", folder).applied == 3
    visit = laptop.insert("visits", {"elder_id": elder["id"], "person_id": elder_person["id"], "date": "2026-11-20", "method": "上门", "visitor": "小赵"})
    laptop.update("people", elder_person["id"], {"phone": "13812345678"})
    send(laptop, office, "办公室", folder)
    assert office.get("visits", visit["id"])["visitor"] == "小赵"
    assert office.get("people", elder_person["id"])["phone"] == "13812345678"
    assert office.get("people", gone["id"]) is None and office.get("people", gone["id"], include_deleted=True)
    assert records(office) == records(laptop)


def test_a_package_holds_only_the_changes_since_the_last_one_sent_to_that_peer(office, laptop, folder):
    send(office, laptop, "笔记本", folder)  # what came from the laptop goes back once (it is unchanged there)
    office.insert("people", person("甲"))
    first = sync.export_package(office, "笔记本", folder)
    assert first.counts == {"people": 1}
    assert sync.export_package(office, "笔记本", folder).records == 0
    again = sync.export_package(office, "笔记本", folder, full=True)
    assert again.records >= 1 + 37  # everything: the person, the settings, the checklist
    assert sync.export_package(office, "另一台", folder).records == again.records


def test_records_from_a_third_device_are_passed_on(office, laptop, folder, tmp_path):
    third = open_ledger(tmp_path / "third.db")
    try:
        join(office, third, "第三台", folder)
        made = third.insert("people", person("第三台录入"))
        send(third, office, "办公室", folder)
        send(office, laptop, "笔记本", folder)
        assert laptop.get("people", made["id"])["name"] == "第三台录入"
        assert {queries.serial_prefix(s) for s in (office, laptop, third)} == {"", "A", "B"}
    finally:
        third.close()


def test_importing_the_same_package_twice_changes_nothing(office, laptop, folder):
    office.insert("people", person("甲"))
    package = sync.export_package(office, "笔记本", folder)
    sync.import_package(laptop, package.path)
    before = dump(laptop)
    assert sync.import_package(laptop, package.path).already
    assert dump(laptop) == before
    # Even a copy under another id (same content) changes no record.
    assert send(office, laptop, "笔记本", folder, full=True).applied == 0
    assert records(laptop) == records(office)


def test_packages_imported_out_of_order_converge(office, laptop, folder):
    topic = office.insert("topics", {"title": "加装电梯", "proposed_on": "2026-11-01", "procedure": "协商",
                                     "state": "提出"})
    first = sync.export_package(office, "笔记本", folder)
    office.update("topics", topic["id"], {"title": "加装电梯（二号楼）"})
    follow = office.insert("followups", {"topic_id": topic["id"], "date": "2026-11-20", "content": "已联系物业"})
    second = sync.export_package(office, "笔记本", folder)
    result = sync.import_package(laptop, second.path)  # the newer one first: the topic arrives with it
    assert result.parked == 0
    sync.import_package(laptop, first.path)  # the older one changes nothing now
    assert laptop.get("topics", topic["id"])["title"] == "加装电梯（二号楼）"
    assert laptop.get("followups", follow["id"])
    assert records(laptop) == records(office)


def test_a_record_whose_parent_has_not_arrived_waits_for_it(office, laptop, folder):
    topic = office.insert("topics", {"title": "停车", "proposed_on": "2026-11-01", "procedure": "协商", "state": "提出"})
    first = sync.export_package(office, "笔记本", folder)
    follow = office.insert("followups", {"topic_id": topic["id"], "date": "2026-11-20", "content": "划线"})
    second = sync.export_package(office, "笔记本", folder)
    assert sync.import_package(laptop, second.path).parked == 1
    assert laptop.get("followups", follow["id"]) is None
    assert sync.import_package(laptop, first.path).parked == 0
    assert laptop.get("followups", follow["id"])["content"] == "划线"
    assert records(laptop) == records(office)


# -- conflicts ------------------------------------------------------------------------------------


@pytest.fixture
def shared(office, laptop, folder):
    """A person both PCs hold, after an exchange."""
    made = office.insert("people", person("张三", phone="13800000001", note="独居"))
    send(office, laptop, "笔记本", folder)
    return made["id"]


def test_a_record_changed_on_one_side_only_takes_that_version(office, laptop, folder, shared):
    laptop.update("people", shared, {"note": "已搬走"})
    assert send(laptop, office, "办公室", folder).conflicts == 0
    assert office.get("people", shared)["note"] == "已搬走"
    office.update("people", shared, {"phone": "13800000002"})
    send(office, laptop, "笔记本", folder)
    assert laptop.get("people", shared)["phone"] == "13800000002"
    assert records(laptop) == records(office)


def test_a_record_changed_on_both_sides_is_a_conflict_and_nothing_is_overwritten(office, laptop, folder, shared):
    office.update("people", shared, {"note": "办公室改的"})
    laptop.update("people", shared, {"note": "村里改的"})
    to_office = sync.export_package(laptop, "办公室", folder)
    to_laptop = sync.export_package(office, "笔记本", folder)
    assert sync.import_package(office, to_office.path).conflicts == 1
    assert sync.import_package(laptop, to_laptop.path).conflicts == 1
    assert office.get("people", shared)["note"] == "办公室改的"
    assert laptop.get("people", shared)["note"] == "村里改的"
    [listed] = sync.conflicts(office)
    assert listed["table_label"] == "居民" and listed["label"] == "张三"
    assert listed["differences"] == [{"field": "note", "label": "备注", "mine": "办公室改的", "theirs": "村里改的"}]


@pytest.mark.parametrize("choice, expected", [("mine", "办公室改的"), ("theirs", "村里改的")])
def test_a_decision_settles_the_conflict_on_both_pcs(office, laptop, folder, shared, choice, expected):
    office.update("people", shared, {"note": "办公室改的"})
    laptop.update("people", shared, {"note": "村里改的"})
    send(laptop, office, "办公室", folder)
    send(office, laptop, "笔记本", folder)  # the laptop sees the conflict too
    assert len(sync.conflicts(laptop)) == 1
    sync.resolve(office, sync.conflicts(office)[0]["id"], choice)
    assert office.get("people", shared)["note"] == expected
    send(office, laptop, "笔记本", folder)
    assert laptop.get("people", shared)["note"] == expected
    assert sync.conflicts(office) == sync.conflicts(laptop) == []
    assert send(laptop, office, "办公室", folder).conflicts == 0
    assert records(laptop) == records(office)


def test_field_by_field(office, laptop, folder, shared):
    office.update("people", shared, {"note": "办公室备注", "phone": "13811111111"})
    laptop.update("people", shared, {"note": "村里备注", "phone": "13822222222"})
    send(laptop, office, "办公室", folder)
    [conflict] = sync.conflicts(office)
    assert {d["field"] for d in conflict["differences"]} == {"note", "phone"}
    sync.resolve(office, conflict["id"], {"note": "theirs", "phone": "mine"})
    record = office.get("people", shared)
    assert (record["note"], record["phone"]) == ("村里备注", "13811111111")
    send(office, laptop, "笔记本", folder)
    assert records(laptop) == records(office)


def test_the_same_change_on_both_sides_is_no_conflict(office, laptop, folder, shared):
    office.update("people", shared, {"note": "搬走了"})
    laptop.update("people", shared, {"note": "搬走了"})
    assert send(laptop, office, "办公室", folder).conflicts == 0
    assert send(office, laptop, "笔记本", folder).conflicts == 0
    send(laptop, office, "办公室", folder)
    assert records(laptop) == records(office)


def test_deleted_on_one_side_and_edited_on_the_other_is_a_conflict(office, laptop, folder, shared):
    office.delete("people", shared)
    laptop.update("people", shared, {"note": "还住这里"})
    assert send(laptop, office, "办公室", folder).conflicts == 1
    [conflict] = sync.conflicts(office)
    assert {"field": "deleted_at", "label": "是否删除", "mine": "已删除", "theirs": "未删除"} in conflict["differences"]
    sync.resolve(office, conflict["id"], "theirs")
    assert office.get("people", shared)["note"] == "还住这里"
    send(office, laptop, "笔记本", folder)
    assert records(laptop) == records(office)


def test_deleted_on_both_sides_is_no_conflict(office, laptop, folder, shared):
    office.delete("people", shared)
    laptop.delete("people", shared)
    assert send(laptop, office, "办公室", folder).conflicts == 0
    send(office, laptop, "笔记本", folder)
    assert records(laptop) == records(office)


def test_a_newer_version_of_theirs_replaces_the_one_waiting(office, laptop, folder, shared):
    office.update("people", shared, {"note": "办公室"})
    laptop.update("people", shared, {"note": "村里一"})
    send(laptop, office, "办公室", folder)
    laptop.update("people", shared, {"note": "村里二"})
    send(laptop, office, "办公室", folder)
    [conflict] = sync.conflicts(office)
    assert conflict["differences"][0]["theirs"] == "村里二"


def test_the_same_id_number_registered_on_both_pcs_is_kept_as_a_conflict(office, laptop, folder):
    mine = office.insert("people", person("赵六", id_number="11010519491231002X"))
    theirs = laptop.insert("people", person("赵六", id_number="11010519491231002X"))
    result = send(laptop, office, "办公室", folder)
    assert result.conflicts == 1
    assert office.get("people", theirs["id"]) is None and office.get("people", mine["id"])
    [conflict] = sync.conflicts(office)
    assert conflict["kind"] == "duplicate" and conflict["label"] == "赵六"
    with pytest.raises(UserError, match="重复"):
        sync.resolve(office, conflict["id"], "theirs")
    assert len(sync.conflicts(office)) == 1  # still waiting, nothing changed
    office.update("people", mine["id"], {"id_number": None})  # the worker decides theirs is right
    sync.resolve(office, conflict["id"], "theirs")
    assert office.get("people", theirs["id"])["id_number"] == "11010519491231002X"
    assert sync.conflicts(office) == []


def test_keeping_mine_on_a_duplicate_drops_theirs_here(office, laptop, folder):
    office.insert("people", person("赵六", id_number="11010519491231002X"))
    laptop.insert("people", person("赵六", id_number="11010519491231002X"))
    send(laptop, office, "办公室", folder)
    sync.resolve(office, sync.conflicts(office)[0]["id"], "mine")
    assert sync.conflicts(office) == []
    with pytest.raises(UserError):
        sync.resolve(office, "no-such-conflict", "mine")


# -- refusals ----------------------------------------------------------------------------------------


def rewrite(package: Path, key: bytes, *, records=None, manifest=None, header=None, resign: bool = False) -> Path:
    """Change a package's content the way someone holding the community key would (re-sealed)."""
    head, content = unsealed(package, key)
    head = header(head) if header else head
    return reseal(head, rezip(content, records=records, manifest=manifest, resign=resign), key,
                  package.with_name("altered" + sync.SUFFIX))


@pytest.fixture
def package(office, laptop, folder):
    office.insert("people", person("甲", note="原样"))
    return sync.export_package(office, "笔记本", folder).path


@pytest.mark.parametrize("change, message", [
    (dict(records=lambda b: b.replace("原样".encode(), "改过".encode())), "校验码不符"),
    (dict(manifest=lambda m: {**m, "community_code": "999"}), "校验码不符"),
    (dict(manifest=lambda m: {**m, "community_code": "999"}, resign=True), "文件头与清单不符"),
    (dict(manifest=lambda m: {**m, "community_code": "999"}, header=lambda h: {**h, "community_code": "999"},
          resign=True), "另一个社区"),
    (dict(manifest=lambda m: {**m, "migrations": [*m["migrations"], "m999_future"]}, resign=True), "更新版本"),
    (dict(manifest=lambda m: {**m, "format_version": 99}, resign=True), "更新版本"),
    (dict(records=lambda b: b + b"{}\n"), "校验码不符"),
])
def test_an_altered_package_is_refused_and_nothing_changes(laptop, package, change, message):
    """Even a key holder's altered package passes the inner checks (outsiders: test_sealed_sync)."""
    before = dump(laptop)
    with pytest.raises(SyncError, match=message):
        sync.import_package(laptop, rewrite(package, community_key.key_of(laptop), **change))
    assert dump(laptop) == before


def test_a_damaged_or_foreign_file_is_refused(laptop, package, tmp_path, office):
    before = dump(laptop)
    truncated = tmp_path / "cut.ledgersync"
    truncated.write_bytes(package.read_bytes()[:-200])
    with pytest.raises(SyncError, match="损坏"):
        sync.import_package(laptop, truncated)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(SyncError, match="不是社区台账的同步包"):
        sync.import_package(laptop, other)
    with pytest.raises(SyncError, match="不是社区台账的同步包"):
        sync.import_package(laptop, Path(laptop.db.conn.execute("PRAGMA database_list").fetchone()[2]))
    with pytest.raises(SyncError, match="找不到"):
        sync.import_package(laptop, tmp_path / "missing.ledgersync")
    assert dump(laptop) == before
    with pytest.raises(SyncError, match="本机自己"):
        sync.import_package(office, package)


def test_a_package_of_another_community_is_refused(package, tmp_path):
    other = open_ledger(tmp_path / "other.db")
    try:
        settings.save(other, {"community_name": "别的社区", "community_code": "110101001001"})
        community_key.ensure_key(other)  # its own community key
        before = dump(other)
        with pytest.raises(SyncError, match="另一个社区"):
            sync.import_package(other, package)
        assert dump(other) == before
    finally:
        other.close()


def test_export_needs_a_community_code_and_a_peer_name(tmp_path, folder):
    store = open_ledger(tmp_path / "new.db")
    try:
        with pytest.raises(SyncError, match="社区代码"):
            sync.export_package(store, "笔记本", folder)
        settings.save(store, {"community_name": "阳光社区", "community_code": CODE})
        with pytest.raises(SyncError, match="名称"):
            sync.export_package(store, "  ", folder)
    finally:
        store.close()


def test_an_import_that_fails_half_way_leaves_nothing(office, laptop, folder, monkeypatch):
    for i in range(20):
        office.insert("people", person(f"居民{chr(0x4E00 + i)}"))
    package = sync.export_package(office, "笔记本", folder).path
    before = dump(laptop)
    real = sync._Merge.apply
    calls = []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 10:
            raise RuntimeError("power cut")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(sync._Merge, "apply", failing)
    with pytest.raises(RuntimeError):
        sync.import_package(laptop, package)
    assert dump(laptop) == before
    monkeypatch.setattr(sync._Merge, "apply", real)
    assert sync.import_package(laptop, package).applied == 20


# -- serial numbers -------------------------------------------------------------------------------------


def register(store, applicant: str) -> str:
    return stamps.register_request(store, {"matter": "低保申请", "result": "已盖章", "applicant": applicant,
                                           "handler": "小王", "date": "2026-11-20"}, today=TODAY)["serial"]


def test_two_pcs_registering_in_the_same_year_never_share_a_serial(office, laptop, folder, tmp_path):
    second = open_ledger(tmp_path / "second.db")
    try:
        join(office, second, "第二台", folder)
        serials = {name: [register(store, "申请人") for _ in range(3)]
                   for name, store in (("office", office), ("laptop", laptop), ("second", second))}
        assert serials["office"] == ["2026-0001", "2026-0002", "2026-0003"]
        assert serials["laptop"] == ["2026-A0001", "2026-A0002", "2026-A0003"]
        assert serials["second"][0] == "2026-B0001"
        send(laptop, office, "笔记本", folder)
        result = send(second, office, "第二台", folder)
        assert result.conflicts == 0 and sync.conflicts(office) == []
        assert office.scalar("SELECT count(DISTINCT serial) FROM stamp_requests") == 9
    finally:
        second.close()


# -- an existing database ------------------------------------------------------------------------------


def test_records_written_before_the_sync_migration_are_sent(tmp_path, folder):
    from db.connection import connect

    path = tmp_path / "old.db"
    db = connect(path)
    schema.migrations.apply(db, stop_before="m004_sync")
    db.execute("INSERT INTO meta (key, value) VALUES ('device_id', 'old-device')")
    db.execute("INSERT INTO people (id, created_at, updated_at, device_id, name) VALUES "
               "('p1', '2026-01-01', '2026-01-01', 'old-device', '老记录')")
    db.conn.commit()
    db.close()
    store = open_ledger(path)
    try:
        settings.save(store, {"community_name": "阳光社区", "community_code": CODE})
        assert queries.version(store, "people", "p1") == {"old-device": 1}
        assert sync.export_package(store, "笔记本", folder).counts["people"] == 1
    finally:
        store.close()


# -- command line ---------------------------------------------------------------------------------------


def test_cli_export_and_import(office, tmp_path, folder, capsys):
    office.insert("people", person("甲"))
    office_path = office.db.conn.execute("PRAGMA database_list").fetchone()[2]
    new = tmp_path / "new-laptop.db"
    assert cli.main(["--db", office_path, "sync", "export", "--peer", "笔记本", "--out", str(folder)]) == 0
    [package] = folder.glob("*.ledgersync")
    assert "已制作同步包" in capsys.readouterr().out
    assert cli.main(["--db", str(new), "sync", "import", str(package)]) == 2
    assert "没有社区密钥" in capsys.readouterr().err
    assert cli.main(["--db", office_path, "sync", "invite", "--peer", "新笔记本", "--out", str(folder),
                     "--json"]) == 0
    invitation = json.loads(capsys.readouterr().out)
    assert cli.main(["--db", str(new), "sync", "import", invitation["file"]]) == 2
    assert "邀请码" in capsys.readouterr().err
    assert cli.main(["--db", str(new), "sync", "import", invitation["file"], "--code", invitation["code"]]) == 0
    assert "本机已加入该社区" in capsys.readouterr().out
    assert cli.main(["--db", str(new), "sync", "import", str(package)]) == 0
    assert "写入 0 条" in capsys.readouterr().out
    assert cli.main(["--db", str(new), "sync", "import", str(tmp_path / "nothing.ledgersync")]) == 2
    assert "找不到同步包" in capsys.readouterr().err
    assert cli.main(["--db", str(new), "sync", "export", "--out", str(folder)]) == 2
    assert "缺少必需的参数" in capsys.readouterr().err
    assert cli.main(["--db", str(new), "sync"]) == 2


# -- two PCs editing, deleting and exchanging in any order ------------------------------------------------


# Two ID numbers both PCs may register (the same resident typed twice: a duplicate to merge).
RESIDENT_IDS = ("11010519491231002X", "110101199003071233")
DIBAO = "e37380af-7bad-56ab-93d2-65fa9a15f4d7"  # the built-in 低保 group, the same id on every PC


class TwoPCs(RuleBasedStateMachine):
    """Two databases edit, delete and exchange sealed packages in random order (delivered late,
    twice, or never until the end), and register the same resident on both; once every package is
    delivered and the office has decided every conflict ('take theirs', a duplicate resident
    merged), both hold the same records."""

    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sync-sm-"))
        self.office = open_ledger(self.folder / "office.db")
        settings.save(self.office, {"community_name": "阳光社区", "community_code": CODE})
        self.laptop = open_ledger(self.folder / "laptop.db")
        join(self.office, self.laptop, "笔记本", self.folder)
        self.sides = {"office": self.office, "laptop": self.laptop}
        self.in_flight: list[tuple[str, Path]] = []  # (destination, package)
        self.delivered: set[Path] = set()
        self.n = 0
        # A few records both PCs hold from the start, so that edits on both sides meet.
        for i in range(3):
            topic = self.office.insert("topics", {"title": f"共同议题{i}", "proposed_on": "2026-11-01",
                                                  "procedure": "协商", "state": "提出"})
            self.office.insert("followups", {"topic_id": topic["id"], "date": "2026-11-20", "content": "开始"})
        send(self.office, self.laptop, "laptop", self.folder)

    def ids(self, side: str, table: str, *, deleted: bool | None = None) -> list[str]:
        where = "" if deleted is None else (" WHERE deleted_at IS NOT NULL" if deleted else " WHERE deleted_at IS NULL")
        # Oldest first, at most six: edits meet on the same few records more often.
        return [r[0] for r in self.sides[side].db.conn.execute(
            f"SELECT id FROM {table}{where} ORDER BY created_at, id LIMIT 6")]

    @rule(side=st.sampled_from(["office", "laptop"]))
    def add_topic(self, side):
        self.n += 1
        self.sides[side].insert("topics", {"title": f"议题{self.n}", "proposed_on": "2026-11-01",
                                           "procedure": "协商", "state": "提出"})

    def _newest_topics(self, side: str) -> list[str]:
        return [r[0] for r in self.sides[side].db.conn.execute(
            "SELECT id FROM topics ORDER BY created_at DESC, id LIMIT 3")]

    def _followup(self, side: str, topic_id: str) -> None:
        self.n += 1
        self.sides[side].insert("followups", {"topic_id": topic_id, "date": "2026-11-20", "content": f"落实{self.n}"})

    @rule(side=st.sampled_from(["office", "laptop"]), data=st.data())
    def add_followup(self, side, data):
        # On one of the newest topics: a follow-up may travel before its topic does.
        self._followup(side, data.draw(st.sampled_from(self._newest_topics(side))))

    @rule(side=st.sampled_from(["office", "laptop"]), table=st.sampled_from(["topics", "followups"]),
          data=st.data(), text=st.sampled_from(["甲", "乙", "丙"]))
    def edit(self, side, table, data, text):
        live = self.ids(side, table, deleted=False)
        if live:
            column = "title" if table == "topics" else "content"
            self.sides[side].update(table, data.draw(st.sampled_from(live)), {column: text})

    @rule(side=st.sampled_from(["office", "laptop"]), table=st.sampled_from(["topics", "followups"]), data=st.data())
    def delete(self, side, table, data):
        live = self.ids(side, table, deleted=False)
        if live:
            self.sides[side].delete(table, data.draw(st.sampled_from(live)))

    @rule(side=st.sampled_from(["office", "laptop"]), table=st.sampled_from(["topics", "followups"]), data=st.data())
    def restore(self, side, table, data):
        gone = self.ids(side, table, deleted=True)
        if gone:
            self.sides[side].restore(table, data.draw(st.sampled_from(gone)))

    @rule(side=st.sampled_from(["office", "laptop"]), id_number=st.sampled_from(RESIDENT_IDS))
    def register_resident(self, side, id_number):
        """A resident and her 低保 membership; the other PC may register her too (a duplicate)."""
        store = self.sides[side]
        if store.scalar("SELECT count(*) FROM people WHERE id_number = ?", [id_number]):
            return
        who = store.insert("people", person("赵六" if id_number == RESIDENT_IDS[0] else "钱七", id_number=id_number))
        store.insert("care_members", {"person_id": who["id"], "group_id": DIBAO, "risk_level": "一般",
                                      "status": "在册", "joined_on": "2026-11-01"})

    @rule(keep=st.sampled_from(["mine", "theirs"]))
    def office_merges(self, keep):
        for conflict in sync.conflicts(self.office):
            if conflict["can_merge"]:
                sync.merge_duplicate(self.office, conflict["id"], keep)

    @rule(side=st.sampled_from(["office", "laptop"]))
    def make_package(self, side):
        other = "laptop" if side == "office" else "office"
        self.n += 1
        package = sync.export_package(self.sides[side], other, self.folder / f"p{self.n}{sync.SUFFIX}")
        self.in_flight.append((other, package.path))

    @rule(side=st.sampled_from(["office", "laptop"]))
    def topic_then_followup_in_two_packages(self, side):
        """The follow-up's package may arrive before its topic's: it waits, then goes in."""
        self.add_topic(side)
        self.make_package(side)
        self._followup(side, self._newest_topics(side)[0])
        self.make_package(side)

    @precondition(lambda self: self.in_flight)
    @rule(data=st.data())
    def deliver(self, data):
        target, path = data.draw(st.sampled_from(self.in_flight))
        sync.import_package(self.sides[target], path)
        self.delivered.add(path)

    @rule(choice=st.sampled_from(["mine", "theirs"]))
    def office_decides(self, choice):
        for conflict in sync.conflicts(self.office):
            self._decide(conflict, choice)

    def _decide(self, conflict: dict, choice: str) -> None:
        if conflict["can_merge"]:
            sync.merge_duplicate(self.office, conflict["id"], "mine" if choice == "mine" else "theirs")
        elif conflict["kind"] == "duplicate" and choice == "theirs":
            sync.resolve(self.office, conflict["id"], "mine")  # theirs still clashes here: keep mine
        else:
            sync.resolve(self.office, conflict["id"], choice)

    @invariant()
    def nothing_is_parked_for_good(self):
        # A record waits only for a parent that exists on the other PC.
        # (A resident's membership and a merge wait for a resident held as a duplicate until merged.)
        for waiting in queries.parked(self.office) + queries.parked(self.laptop):
            assert waiting["table_name"] in ("followups", "care_members", "person_merges")

    def teardown(self):
        try:
            for target, path in self.in_flight:
                if path not in self.delivered:
                    sync.import_package(self.sides[target], path)
            for _ in range(6):
                send(self.office, self.laptop, "laptop", self.folder)
                send(self.laptop, self.office, "office", self.folder)
                for conflict in sync.conflicts(self.office):
                    self._decide(conflict, "theirs")
                if (not sync.conflicts(self.office) and not sync.conflicts(self.laptop)
                        and records(self.office) == records(self.laptop)):
                    break
            assert sync.conflicts(self.office) == sync.conflicts(self.laptop) == []
            assert not queries.parked(self.office) and not queries.parked(self.laptop)
            assert records(self.office) == records(self.laptop)
        finally:
            self.office.close()
            self.laptop.close()
            shutil.rmtree(self.folder, ignore_errors=True)


TwoPCs.TestCase.settings = hyp_settings(max_examples=25, stateful_step_count=25, deadline=None,
                                        suppress_health_check=[HealthCheck.too_slow])
test_two_pcs_converge = TwoPCs.TestCase
