"""Before an import: the preview; during it: records set aside; joining: one invitation, one PC."""

from __future__ import annotations

import json

import pytest

from app import accounts, cli, community_key, settings, stamps, sync
from app.database import open_ledger
from app.sync import SyncError
from db.clock import FixedClock
from tests.conftest import TODAY
from tests.test_sealed_sync import ID, _resigned, laptop  # noqa: F401 (a fixture)
from tests.test_sync import CODE, dump, join, person


def _as_staff(store) -> None:
    """Accounts on, signed in as the 工作人员 xiaowang (the administrator is admin / secret-1)."""
    accounts.create_admin(store, "admin", "secret-1")
    accounts.add_account(store, "xiaowang", "secret-2", "staff")
    accounts.logout(store)
    accounts.login(store, "xiaowang", "secret-2")


def _path(store) -> str:
    return store.db.conn.execute("PRAGMA database_list").fetchone()[2]


def _changes(office, laptop, folder):
    """A package that adds two people, changes one, deletes one, edits a setting and the checklist."""
    kept = office.insert("people", person("张三", note="原样"))
    gone = office.insert("people", person("李四"))
    sync.import_package(laptop, sync.export_package(office, "笔记本", folder).path)
    office.update("people", kept["id"], {"note": "改过"})
    office.delete("people", gone["id"])
    office.insert("people", person("王五"))
    office.insert("people", person("赵六"))
    settings.save(office, {"idle_lock_minutes": 30})
    item = stamps.add_item(office, {"kind": "保留", "name": "居住证明"})
    return sync.export_package(office, "笔记本", folder).path, item


# -- preview -----------------------------------------------------------------------------------------------


def test_the_preview_says_what_the_import_will_do_and_writes_nothing(office, laptop, folder):
    package, item = _changes(office, laptop, folder)
    before = dump(laptop)
    preview = sync.preview_package(laptop, package)
    assert dump(laptop) == before
    assert preview.new == {"people": 2, "settings": 1, "stamp_items": 1}
    assert preview.changed == {"people": 1} and preview.deleted == {"people": 1}
    assert preview.settings == ["idle_lock_minutes"] and preview.conflicts == 0
    assert preview.stamp_items == [{"name": "居住证明", "change": "新增"}]
    text = sync.preview_text(preview)
    assert "新增：设置 1 条、居民 2 条、清单事项 1 条" in text and "删除：居民 1 条" in text and "自动锁定时间" in text
    assert "新增“居住证明”" in text and "people" not in text
    done = sync.import_package(laptop, package)
    assert sync.result_json(done) == {**sync.result_json(preview), "package_id": done.package_id}


def test_cli_preview_json_and_text(office, laptop, folder, capsys):
    package, item = _changes(office, laptop, folder)
    before = dump(laptop)
    assert cli.main(["--db", _path(laptop), "sync", "preview", str(package), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["new"]["people"] == 2 and shown["deleted"] == {"people": 1} and shown["conflicts"] == 0
    assert shown["settings"] == ["idle_lock_minutes"] and shown["stamp_items"][0]["name"] == "居住证明"
    assert cli.main(["--db", _path(laptop), "sync", "preview", str(package)]) == 0
    assert "修改：" in capsys.readouterr().out
    assert dump(laptop) == before


def test_preview_shows_a_conflict(office, laptop, folder):
    made = office.insert("people", person("张三", note="原样"))
    sync.import_package(laptop, sync.export_package(office, "笔记本", folder).path)
    office.update("people", made["id"], {"note": "办公室"})
    laptop.update("people", made["id"], {"note": "村里"})
    preview = sync.preview_package(laptop, sync.export_package(office, "笔记本", folder).path)
    assert preview.conflicts == 1 and preview.changed == {}
    assert sync.conflicts(laptop) == []


def test_preview_refuses_a_forged_package_like_the_import(office, laptop, folder, tmp_path, capsys):
    office.insert("people", person("王大爷"))
    settings.save(office, {"idle_lock_minutes": 20})
    package = sync.export_package(office, "笔记本", folder).path
    data = bytearray(package.read_bytes())
    data[-5] ^= 1
    altered = tmp_path / "altered.ledgersync"
    altered.write_bytes(bytes(data))
    code = _resigned(package, community_key.key_of(office), tmp_path / "code.ledgersync",
                     lambda t, r: {**r, "id": "community_code", "value": '"999"'} if t == "settings" else r)
    before = dump(laptop)
    for bad, reason in ((altered, "损坏|改动"), (code, "社区代码")):
        with pytest.raises(SyncError, match=reason):
            sync.preview_package(laptop, bad)
        assert cli.main(["--db", _path(laptop), "sync", "preview", str(bad)]) == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and err
    assert dump(laptop) == before


def test_a_staff_preview_lists_the_settings_that_will_wait(office, laptop, folder):
    _as_staff(laptop)
    settings.save(office, {"idle_lock_minutes": 45})
    preview = sync.preview_package(laptop, sync.export_package(office, "笔记本", folder).path)
    assert preview.settings == ["idle_lock_minutes"] and preview.held == 1
    assert "需管理员确认" in sync.preview_text(preview)
    assert sync.held(laptop) == []


# -- records set aside ---------------------------------------------------------------------------------------


def test_a_set_aside_record_goes_in_when_a_good_version_arrives_and_import_json_lists_it(
        office, laptop, folder, tmp_path, capsys):
    made = office.insert("people", person("王大爷", id_number=ID))
    office.insert("people", person("李阿姨"))
    package = sync.export_package(office, "笔记本", folder).path
    bad = _resigned(package, community_key.key_of(office), tmp_path / "bad.ledgersync",
                    lambda t, r: {**r, "gender": "未知"} if r.get("id") == made["id"] else r)
    assert cli.main(["--db", _path(laptop), "sync", "import", str(bad), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["new"] == {"people": 1}
    assert shown["set_aside"] == [{"kind": "people", "kind_label": "居民", "label": "王大爷",
                                   "reason": shown["set_aside"][0]["reason"]}]
    assert "性别" in shown["set_aside"][0]["reason"]
    assert len(sync.overview(laptop)["set_aside"]) == 1
    office.update("people", made["id"], {"note": "改正后再发"})
    result = sync.import_package(laptop, sync.export_package(office, "笔记本", folder).path)
    assert result.set_aside == [] and laptop.get("people", made["id"])["note"] == "改正后再发"
    assert sync.set_aside_records(laptop) == []


def test_a_set_aside_record_can_be_dismissed(office, laptop, folder, tmp_path):
    made = office.insert("people", person("王大爷"))
    package = sync.export_package(office, "笔记本", folder).path
    bad = _resigned(package, community_key.key_of(office), tmp_path / "bad.ledgersync",
                    lambda t, r: {**r, "name": ""} if r.get("id") == made["id"] else r)
    sync.import_package(laptop, bad)
    [item] = sync.set_aside_records(laptop)
    assert item["label"] == "（没有名称）"
    sync.dismiss_set_aside(laptop, item["id"])
    assert sync.set_aside_records(laptop) == []
    with pytest.raises(Exception, match="找不到"):
        sync.dismiss_set_aside(laptop, item["id"])


def test_an_administrator_discards_held_changes(office, laptop, folder):
    _as_staff(laptop)
    settings.save(office, {"idle_lock_minutes": 45})
    assert sync.import_package(laptop, sync.export_package(office, "笔记本", folder).path).held == 1
    with pytest.raises(Exception, match="管理员"):
        sync.discard_held(laptop)
    accounts.logout(laptop)
    accounts.login(laptop, "admin", "secret-1")
    assert sync.discard_held(laptop) == 1
    assert sync.held(laptop) == [] and settings.load(laptop).idle_lock_minutes != 45


# -- one invitation, one PC ---------------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["laptop", "copy"])
def test_an_invitation_joins_one_pc_only(office, tmp_path, folder, first):
    invitation = sync.invite(office, "笔记本", folder)
    laptop = open_ledger(tmp_path / "laptop.db", author="村里", clock=FixedClock.on(TODAY))
    copy = open_ledger(tmp_path / "copy.db", author="捡到U盘的人", clock=FixedClock.on(TODAY))
    try:
        # The stick was copied: the same invitation and code join a second PC.
        assert sync.join(laptop, invitation.path, invitation.code).adopted
        assert sync.join(copy, invitation.path, invitation.code).adopted
        pcs = {"laptop": laptop, "copy": copy}
        second = "copy" if first == "laptop" else "laptop"
        pcs[first].insert("people", person(f"{first}登记"))
        pcs[second].insert("people", person(f"{second}登记"))
        assert sync.import_package(office, sync.export_package(pcs[first], "办公室", folder).path).applied >= 1
        refused = sync.export_package(pcs[second], "办公室", folder).path
        before = dump(office)
        with pytest.raises(SyncError, match="已被另一台电脑用过"):
            sync.preview_package(office, refused)
        with pytest.raises(SyncError, match="已被另一台电脑用过"):
            sync.import_package(office, refused)
        assert dump(office) == before
        # The PC that used it first keeps exchanging.
        pcs[first].insert("people", person("又一位"))
        assert sync.import_package(office, sync.export_package(pcs[first], "办公室", folder).path).applied == 1
    finally:
        laptop.close()
        copy.close()


# -- the 恢复码 sheet ------------------------------------------------------------------------------------


def test_the_recovery_sheet_is_one_printed_page_with_the_community_the_date_and_the_code(office, tmp_path, capsys):
    from pypdf import PdfReader

    out = tmp_path / "恢复码单.pdf"
    assert cli.main(["--db", _path(office), "recovery-code", "--json", "--pdf", str(out)],
                    clock=FixedClock.on(TODAY)) == 0
    code = json.loads(capsys.readouterr().out)["recovery_code"]
    reader = PdfReader(str(out))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text().replace(" ", "")
    assert "阳光社区" in text and code in text and "2026年11月23日" in text and "恢复码单" in text
    # Shown and printed once: one line in the 操作日志.
    assert office.scalar("SELECT count(*) FROM audit WHERE action = 'reveal'") == 1


def test_only_an_administrator_prints_the_recovery_sheet(office, tmp_path):
    _as_staff(office)
    with pytest.raises(Exception, match="管理员"):
        community_key.print_recovery_sheet(office, tmp_path / "sheet.pdf")
    assert not (tmp_path / "sheet.pdf").exists()
