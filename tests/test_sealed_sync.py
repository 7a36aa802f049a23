"""Packages you can lose on a bus: sealed packages, invitations, forgeries, sealed backups."""

from __future__ import annotations

import io
import os
import json
import random
import sqlite3
import zipfile
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

from app import accounts, backups, cli, community_key, sealing, settings, stamps, sync
from app.database import open_ledger
from app.sync import SyncError
from db.clock import FixedClock
from tests.conftest import TODAY
from tests.packages import reseal, rezip, unsealed
from tests.test_sync import CODE, dump, join, person, records

ID = "110101199003071233"  # a valid check digit


@pytest.fixture
def laptop(tmp_path, office, folder):
    store = open_ledger(tmp_path / "laptop.db", author="村里", clock=FixedClock.on(TODAY))
    assert join(office, store, "笔记本", folder).adopted
    yield store
    store.close()


@pytest.fixture
def package(office, laptop, folder):
    office.insert("people", person("王大爷", id_number=ID, phone="13812345678", note="高血压"))
    return sync.export_package(office, "笔记本", folder).path


# -- what a lost stick shows -----------------------------------------------------------------------


def test_a_package_on_a_lost_stick_shows_no_personal_data(package, office, laptop):
    data = package.read_bytes()
    for secret in (ID, "13812345678", "王大爷", "高血压", "阳光社区"):
        assert secret.encode() not in data
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(package)
    assert community_key.key_of(office) == community_key.key_of(laptop)
    assert community_key.key_of(office) not in data and community_key.key_of(office).hex().encode() not in data
    assert sync.import_package(laptop, package).applied == 1
    assert laptop.query("SELECT id_number FROM people WHERE name = '王大爷'")[0]["id_number"] == ID


def test_an_invitation_without_its_code_shows_nothing_and_holds_no_key(office, tmp_path, folder):
    office.insert("people", person("王大爷", id_number=ID))
    invitation = sync.invite(office, "新电脑", folder)
    data = invitation.path.read_bytes()
    assert ID.encode() not in data and "王大爷".encode() not in data
    assert invitation.code.replace("-", "").encode() not in data
    assert len(sealing.normalize_code(invitation.code)) == 12


# -- forgeries without the key -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_a_byte_changed_anywhere_is_refused_and_nothing_changes(package, laptop, tmp_path, seed):
    data = bytearray(package.read_bytes())
    where = random.Random(seed).randrange(len(data))
    data[where] ^= 1 << random.Random(seed + 100).randrange(8)
    altered = tmp_path / "altered.ledgersync"
    altered.write_bytes(bytes(data))
    before = dump(laptop)
    with pytest.raises(SyncError) as refused:
        sync.import_package(laptop, altered)
    assert "\n" not in str(refused.value)
    assert dump(laptop) == before


def test_a_package_cut_short_or_lengthened_is_refused(package, laptop, tmp_path):
    before = dump(laptop)
    for n, data in enumerate((package.read_bytes()[:-1], package.read_bytes() + b"\0",
                              package.read_bytes()[:len(sealing.MAGIC) + 10])):
        altered = tmp_path / f"altered{n}.ledgersync"
        altered.write_bytes(data)
        with pytest.raises(SyncError, match="损坏|改动"):
            sync.import_package(laptop, altered)
    assert dump(laptop) == before


def test_a_package_made_with_another_communitys_key_is_refused(package, office, laptop, tmp_path):
    """Someone rewrites the records (rename a resident, soft-delete everyone, change the
    community code) and seals the result with a key of their own: refused, nothing changes."""
    key = community_key.key_of(office)
    stranger = os.urandom(32)

    def rename(body: bytes) -> bytes:
        return body.replace("王大爷".encode(), "李四".encode()).replace(ID.encode(), b"110101199003070000")

    attacks = [
        dict(records=rename, resign=True),
        dict(records=lambda b: b.replace(b'"deleted_at":null', b'"deleted_at":"2026-11-23T00:00:00+00:00"'),
             resign=True),
        dict(manifest=lambda m: {**m, "community_code": "999"}, resign=True),
    ]
    before = dump(laptop)
    for n, change in enumerate(attacks):
        header, content = unsealed(package, key)
        altered = reseal(header, rezip(content, **change), stranger, tmp_path / f"forged{n}.ledgersync")
        with pytest.raises(SyncError, match="不是用本社区的密钥"):
            sync.import_package(laptop, altered)
        # The same forgery as an unsealed zip (the old format) is not even a package now.
        plain = tmp_path / f"plain{n}.ledgersync"
        plain.write_bytes(rezip(content, **change))
        with pytest.raises(SyncError, match="不是社区台账的同步包"):
            sync.import_package(laptop, plain)
    assert dump(laptop) == before


def test_a_header_rewritten_without_the_key_is_refused(package, laptop, tmp_path):
    data = package.read_bytes()
    altered = tmp_path / "header.ledgersync"
    altered.write_bytes(data.replace(CODE.encode(), b"320505001009", 1))
    before = dump(laptop)
    with pytest.raises(SyncError, match="损坏|改动"):
        sync.import_package(laptop, altered)
    assert dump(laptop) == before


def test_an_old_package_replayed_changes_nothing(office, laptop, folder):
    made = office.insert("people", person("张三", note="第一次"))
    old = sync.export_package(office, "笔记本", folder).path
    assert sync.import_package(laptop, old).applied == 1
    office.update("people", made["id"], {"note": "第二次"})
    sync.import_package(laptop, sync.export_package(office, "笔记本", folder).path)
    copy = folder / "replayed.ledgersync"
    copy.write_bytes(old.read_bytes())
    before = dump(laptop)
    assert sync.import_package(laptop, copy).already
    assert dump(laptop) == before
    assert laptop.get("people", made["id"])["note"] == "第二次"


# -- forgeries by a key holder: the inner checks ----------------------------------------------------------


def test_a_forged_version_counter_cannot_drop_or_revert_real_edits(office, laptop, folder, tmp_path):
    made = office.insert("people", person("张三", note="原样"))
    sync.import_package(laptop, sync.export_package(office, "笔记本", folder).path)
    # The laptop's own package, altered by a key holder: an old note with a huge office counter.
    laptop.update("people", made["id"], {"note": "村里改"})
    package = sync.export_package(laptop, "办公室", folder).path
    key = community_key.key_of(laptop)
    huge = _resigned(package, key, tmp_path / "huge.ledgersync", lambda t, r: r,
                     lambda v: {**v, office.device_id: 99_999_999})
    before = dump(office)
    with pytest.raises(SyncError, match="版本号不可能出现"):
        sync.import_package(office, huge)
    assert dump(office) == before
    office.update("people", made["id"], {"note": "办公室后来改"})
    sync.import_package(office, package)  # the real package: a conflict to decide, nothing dropped
    assert office.get("people", made["id"])["note"] == "办公室后来改"


@pytest.mark.parametrize("row_change, reason", [
    (lambda r: {**r, "id_number": "110101199003071235"}, "身份证号"),
    (lambda r: {**r, "name": None}, "姓名"),
    (lambda r: {**r, "gender": "未知"}, "性别"),
    (lambda r: {**r, "phone": ["13812345678"]}, "取值类型"),
    (lambda r: {**r, "note": True}, "取值类型"),
    (lambda r: {**r, "room": 2**63}, "数值超出范围"),
    (lambda r: {**r, "note": "很" * 100_001}, "内容太长"),
    (lambda r: {**r, "sort_key": None}, "缺少必填内容"),  # passes the form's check, breaks NOT NULL
])
def test_records_that_the_form_would_refuse_are_set_aside_and_the_rest_imports(
        office, laptop, folder, tmp_path, row_change, reason):
    office.insert("people", person("王大爷", id_number=ID))
    good = office.insert("people", person("李阿姨", note="好的一条"))
    package = sync.export_package(office, "笔记本", folder).path
    altered = _resigned(package, community_key.key_of(office), tmp_path / "bad.ledgersync",
                        lambda t, r: row_change(r) if t == "people" and r["id"] != good["id"] else r)
    result = sync.import_package(laptop, altered)
    assert result.applied == 1 and laptop.get("people", good["id"])["note"] == "好的一条"
    assert laptop.query("SELECT count(*) AS n FROM people WHERE name = '王大爷' OR id_number = ?", [ID])[0]["n"] == 0
    [aside] = result.set_aside
    assert aside["kind_label"] == "居民" and reason in aside["reason"] and "不合规" in result.summary()
    [listed] = sync.set_aside_records(laptop)
    assert listed["reason"] == aside["reason"] and listed["table_label"] == "居民"
    assert listed["label"] in ("王大爷", "（没有名称）")
    for shown in (listed["label"], listed["reason"]):
        assert ID not in shown and "13812345678" not in shown and listed["record_id"][:8] not in shown


def test_a_record_is_checked_against_the_records_before_it_in_the_package(office, laptop, folder):
    """An elder's check reads their person: one arriving in the same package, just before, counts
    (the checks that read only their own record run ahead of the writes; this one may not)."""
    young = office.insert("people", person("小张", birth_date="1990-05-01"))
    office.insert("elders", {"person_id": young["id"], "categories": '["独居"]', "risk_level": "一般",
                             "status": "在册", "joined_on": "2026-01-01"})
    result = sync.import_package(laptop, sync.export_package(office, "笔记本", folder).path)
    [aside] = result.set_aside
    assert aside["kind_label"] == "老年人" and "未满 60 周岁" in aside["reason"]
    assert laptop.get("people", young["id"]) and not laptop.query("SELECT id FROM elders")


def _resigned(package, key, dest, change_row, change_version=None, change_lines=None):
    """A key holder's package with rows (or versions, or its list of lines) changed and every
    checksum recomputed."""
    import hashlib

    header, content = unsealed(package, key)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        body = archive.read("records.jsonl")
    lines = []
    for line in body.splitlines():
        item = json.loads(line)
        item["r"] = change_row(item["t"], item["r"])
        if change_version:
            item["v"] = change_version(item["v"])
        lines.append(json.dumps(item, ensure_ascii=False).encode())
    if change_lines:
        lines = change_lines(lines)
    new_body = b"\n".join(lines) + b"\n"
    digest = hashlib.sha256(new_body).hexdigest()
    return reseal(header, rezip(content, records=lambda b: new_body,
                                manifest=lambda m: {**m, "records_sha256": digest, "records": len(lines)},
                                resign=True), key, dest)


def test_an_older_copy_of_a_record_later_in_the_same_package_changes_nothing(office, laptop, folder, tmp_path):
    """The second copy finds the record the first one wrote (records are looked up ahead, a chunk at once)."""
    resident = office.insert("people", person("王大爷", id_number=ID))
    office.update("people", resident["id"], {"name": "王老伯"})
    package = sync.export_package(office, "笔记本", folder).path

    def older_after(lines):
        """The person's line as it was before the office's edit (an older version), after it."""
        items = [json.loads(line) for line in lines]
        item = next(i for i in items if i["t"] == "people" and i["r"]["name"] == "王老伯")
        older = {**item, "r": {**item["r"], "name": "王大爷"}, "v": {d: n - 1 for d, n in item["v"].items()}}
        return [*lines, json.dumps(older, ensure_ascii=False).encode()]

    twice = _resigned(package, community_key.key_of(office), tmp_path / "twice.ledgersync",
                      lambda t, r: r, change_lines=older_after)
    result = sync.import_package(laptop, twice)
    assert result.conflicts == 0 and result.set_aside == []
    assert [p["name"] for p in laptop.query("SELECT name FROM people WHERE id_number = ?", [ID])] == ["王老伯"]


def test_a_settings_value_the_form_refuses_is_set_aside_and_a_community_code_change_refuses_all(
        office, laptop, folder, tmp_path):
    settings.save(office, {"idle_lock_minutes": 15})
    package = sync.export_package(office, "笔记本", folder).path
    code = _resigned(package, community_key.key_of(office), tmp_path / "code.ledgersync",
                     lambda t, r: {**r, "id": "community_code", "value": '"999"'} if t == "settings" else r)
    before = dump(laptop)
    with pytest.raises(SyncError, match="社区代码"):
        sync.import_package(laptop, code)
    assert dump(laptop) == before
    bad = _resigned(package, community_key.key_of(office), tmp_path / "bad.ledgersync",
                    lambda t, r: {**r, "value": '"很多"'} if t == "settings" and r["id"] == "idle_lock_minutes" else r)
    result = sync.import_package(laptop, bad)
    assert [a["label"] for a in result.set_aside] == ["自动锁定时间"] and "自动锁定" in result.set_aside[0]["reason"]
    assert settings.load(laptop).idle_lock_minutes != "很多"


def test_a_staff_import_holds_settings_and_checklist_changes_for_an_administrator(office, laptop, folder):
    accounts.create_admin(laptop, "admin", "secret-1")
    accounts.add_account(laptop, "xiaowang", "secret-2", "staff")
    accounts.logout(laptop)
    accounts.login(laptop, "xiaowang", "secret-2")
    settings.save(office, {"idle_lock_minutes": 99})
    negative = stamps.checklist(office, "负面清单")
    for item in negative:
        stamps.update_item(office, item["id"], {**item, "kind": "保留事项"})
    office.insert("people", person("新居民"))
    result = sync.import_package(laptop, sync.export_package(office, "笔记本", folder).path)
    assert result.held == 1 + len(negative) and "等待管理员" in result.summary()
    assert settings.load(laptop).idle_lock_minutes != 99
    assert len(stamps.checklist(laptop, "负面清单")) == len(negative)
    assert laptop.query("SELECT count(*) AS n FROM people WHERE name = '新居民'")[0]["n"] == 1
    with pytest.raises(Exception, match="管理员"):
        sync.apply_held(laptop)
    accounts.logout(laptop)
    accounts.login(laptop, "admin", "secret-1")
    assert sync.apply_held(laptop) == 1 + len(negative)
    assert settings.load(laptop).idle_lock_minutes == 99
    assert stamps.checklist(laptop, "负面清单") == []


# -- joining with an invitation ----------------------------------------------------------------------------


def test_a_wrong_code_changes_nothing_and_a_code_works_once(office, tmp_path, folder):
    new = open_ledger(tmp_path / "new.db", clock=FixedClock.on(TODAY))
    try:
        invitation = sync.invite(office, "新电脑", folder)
        before = dump(new)
        wrong = "".join("0" if c != "0" else "1" for c in sealing.normalize_code(invitation.code))
        with pytest.raises(SyncError, match="邀请码不对"):
            sync.join(new, invitation.path, wrong)
        with pytest.raises(SyncError, match="邀请码"):
            sync.import_package(new, invitation.path)
        assert dump(new) == before and not community_key.has_key(new)
        typed = invitation.code.lower().replace("-", " ")
        assert sync.join(new, invitation.path, typed).adopted
        assert community_key.key_of(new) == community_key.key_of(office)
        after = dump(new)
        with pytest.raises(SyncError, match="已经用过"):
            sync.join(new, invitation.path, invitation.code)
        assert dump(new) == after
    finally:
        new.close()


def test_an_invitation_expires_after_seven_days(office, tmp_path, folder):
    clock = FixedClock.on(TODAY)
    new = open_ledger(tmp_path / "new.db", clock=clock)
    try:
        invitation = sync.invite(office, "新电脑", folder)
        clock.advance(timedelta(days=7, minutes=1))
        before = dump(new)
        with pytest.raises(SyncError, match="已过期"):
            sync.join(new, invitation.path, invitation.code)
        assert dump(new) == before
    finally:
        new.close()


def test_only_an_administrator_invites(office, folder):
    accounts.create_admin(office, "admin", "secret-1")
    accounts.add_account(office, "xiaowang", "secret-2", "staff")
    accounts.logout(office)
    accounts.login(office, "xiaowang", "secret-2")
    with pytest.raises(Exception, match="管理员"):
        sync.invite(office, "新电脑", folder)
    assert not list(folder.iterdir())


def test_cli_invite_and_join(office, tmp_path, folder, capsys):
    office_path = office.db.conn.execute("PRAGMA database_list").fetchone()[2]
    new = tmp_path / "new.db"
    assert cli.main(["--db", office_path, "sync", "invite", "--peer", "笔记本", "--out", str(folder)]) == 0
    printed = capsys.readouterr().out
    code = printed.split("邀请码：")[1].split()[0]
    [invite_file] = folder.glob("*.ledgerinvite")
    assert cli.main(["--db", str(new), "sync", "import", str(invite_file), "--code", "0000-0000-0000"]) == 2
    assert "邀请码不对" in capsys.readouterr().err
    assert cli.main(["--db", str(new), "sync", "import", str(invite_file), "--code", code]) == 0
    assert cli.main(["--db", str(new), "sync", "import", str(invite_file), "--code", code]) == 2
    assert "已经用过" in capsys.readouterr().err


# -- fuzz ----------------------------------------------------------------------------------------------


@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096), keep_magic=st.booleans())
def test_random_bytes_are_refused_with_one_line(laptop, tmp_path, data, keep_magic):
    path = tmp_path / "fuzz.ledgersync"
    path.write_bytes((sealing.MAGIC + data) if keep_magic else data)
    before = records(laptop)
    with pytest.raises(SyncError) as refused:
        sync.import_package(laptop, path)
    assert "\n" not in str(refused.value)
    assert records(laptop) == before


# -- sealed backups ----------------------------------------------------------------------------------------


def test_a_sealed_backup_is_restored_on_a_new_pc_with_the_recovery_code(office, tmp_path):
    office.insert("people", person("王大爷", id_number=ID))
    out = backups.save_copy(office, tmp_path / "U盘" / "备份.ledgerbackup")
    assert ID.encode() not in out.read_bytes() and "王大爷".encode() not in out.read_bytes()
    code = community_key.recovery_sheet(office).code
    new_db = tmp_path / "new" / "ledger.db"
    new_db.parent.mkdir()
    with pytest.raises(backups.sealed_backups.RecoveryCodeNeeded, match="恢复码"):
        backups.restore_file(new_db, out, now=FixedClock.on(TODAY).local_now())
    with pytest.raises(sealing.SealError, match="恢复码不对"):
        backups.restore_file(new_db, out, now=FixedClock.on(TODAY).local_now(), recovery_code="0000-0000-0000-0000")
    assert not new_db.exists()
    backups.restore_file(new_db, out, now=FixedClock.on(TODAY).local_now(), recovery_code=code.lower())
    restored = open_ledger(new_db)
    try:
        assert restored.query("SELECT id_number FROM people WHERE name = '王大爷'")[0]["id_number"] == ID
        assert community_key.key_of(restored) == community_key.key_of(office)
    finally:
        restored.close()
    assert not list((new_db.parent / "backups").glob("restoring-*"))  # no plain scratch copy left


def test_a_staff_backup_and_full_export_hold_no_readable_id_number(office, tmp_path, folder):
    office.insert("people", person("王大爷", id_number=ID))
    accounts.create_admin(office, "admin", "secret-1")
    accounts.add_account(office, "xiaowang", "secret-2", "staff")
    accounts.logout(office)
    accounts.login(office, "xiaowang", "secret-2")
    out = backups.save_copy(office, tmp_path / "备份.ledgerbackup")
    package = sync.export_package(office, "笔记本", folder, full=True).path
    for path in (out, package):
        assert ID.encode() not in path.read_bytes()
        with pytest.raises(sqlite3.DatabaseError):
            sqlite3.connect(path).execute("SELECT * FROM people").fetchall()
    with pytest.raises(Exception, match="管理员"):
        community_key.recovery_sheet(office)


def test_the_office_restores_its_own_sealed_backup_without_a_code(office, tmp_path):
    office.insert("people", person("甲"))
    out = backups.save_copy(office, tmp_path / "备份.ledgerbackup")
    office.insert("people", person("乙"))
    backups.restore_into(office, out)
    assert [r["name"] for r in office.query("SELECT name FROM people WHERE deleted_at IS NULL")] == ["甲"]
