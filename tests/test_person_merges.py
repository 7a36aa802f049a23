"""Merging two people into one: a duplicate ID number entered on two PCs, merged on one, followed
on the other after a real sealed package; forged merges set aside; imports twice change nothing."""

from __future__ import annotations

import json

import pytest

from app import care, cli, community_key, merges, settings, stamps, sync
from app.consultation import add_meeting
from app.database import open_ledger
from app.elders import add_elder, record_visit
from app.errors import UserError
from app.volunteers import add_volunteer
from db import sync as queries
from db.clock import FixedClock
from tests.conftest import TODAY
from tests.test_sealed_sync import _resigned
from tests.test_sync import CODE, join, person, records, send

ID = "11010519491231002X"


@pytest.fixture
def laptop(tmp_path, office, folder):
    store = open_ledger(tmp_path / "laptop.db", author="村里", clock=FixedClock.on(TODAY))
    assert join(office, store, "笔记本", folder).adopted
    send(store, office, "办公室", folder)
    yield store
    store.close()


def _elderly(store, **fields):
    who = store.insert("people", person("赵六", id_number=ID, birth_date="1949-12-31", gender="女", **fields))
    elder = add_elder(store, {"person_id": who["id"], "categories": ["独居"]}, today=TODAY)
    visit = record_visit(store, {"elder_id": elder["id"], "date": TODAY, "method": "上门", "visitor": "小王"},
                         today=TODAY)
    return who, elder, visit


def _laptop_records(laptop):
    """赵六 as the village typed her: an elder with a visit, a 低保 membership, a volunteer, a stamp
    request and a meeting seat, all on her laptop record."""
    who, elder, visit = _elderly(laptop, phone="13812345678")
    member = care.add_member(laptop, {"person_id": who["id"], "group_id": care.group_named(laptop, "低保").id,
                                      "certificate_no": "DB001"}, today=TODAY)
    volunteer = add_volunteer(laptop, {"person_id": who["id"]}, today=TODAY)
    request = stamps.register_request(laptop, {"applicant": "赵六", "person_id": who["id"], "handler": "李四",
                                               "matter": "最低生活保障申请入户调查意见", "result": "已盖章"},
                                      today=TODAY)
    meeting = add_meeting(laptop, {"date": TODAY, "host": "李书记", "recorder": "王干事"},
                          [{"name": "赵六", "person_id": who["id"], "role": "居民代表"}], today=TODAY)
    return {"person": who, "elder": elder, "visit": visit, "member": member, "volunteer": volunteer,
            "request": request, "meeting": meeting}


def _pointing_at(store, person_id: str) -> list[tuple[str, str]]:
    return [(table, column) for table, column in merges.person_references(store)
            if store.scalar(f"SELECT count(*) FROM [{table}] WHERE [{column}] = ?", [person_id])]


def test_a_merge_of_two_people_is_followed_through_two_pcs(office, laptop, folder):
    mine, my_elder, my_visit = _elderly(office, note="办公室登记")
    theirs = _laptop_records(laptop)
    result = send(laptop, office, "办公室", folder)
    assert result.conflicts == 1 and result.parked > 0  # her records wait for her person
    [conflict] = sync.conflicts(office)
    assert conflict["kind"] == "duplicate"

    merge = sync.merge_duplicate(office, conflict["id"], "mine")
    assert (merge["kept_id"], merge["merged_id"]) == (mine["id"], theirs["person"]["id"])
    assert sync.conflicts(office) == [] and queries.count_parked(office) == 0
    kept = office.get("people", mine["id"])
    assert kept["phone"] == "13812345678" and kept["note"] == "办公室登记"  # gaps filled, nothing overwritten
    gone = office.get("people", theirs["person"]["id"], include_deleted=True)
    assert gone["deleted_at"] and gone["id_number"] is None
    assert _pointing_at(office, theirs["person"]["id"]) == []
    # Her one elder record: the laptop's visit now hangs on the office's elder record.
    assert office.get("visits", theirs["visit"]["id"])["elder_id"] == my_elder["id"]
    assert office.get("elders", theirs["elder"]["id"], include_deleted=True)["deleted_at"]
    assert office.get("care_members", theirs["member"]["id"])["person_id"] == mine["id"]
    assert office.get("stamp_requests", theirs["request"]["id"])["person_id"] == mine["id"]
    assert office.get("volunteers", theirs["volunteer"]["id"])["person_id"] == mine["id"]

    result = send(office, laptop, "笔记本", folder)
    assert result.conflicts == 0 and result.set_aside == []
    assert sync.conflicts(laptop) == []
    assert laptop.get("people", mine["id"])["id_number"] == ID
    assert laptop.get("people", theirs["person"]["id"]) is None
    assert _pointing_at(laptop, theirs["person"]["id"]) == []
    assert laptop.get("visits", my_visit["id"])["person_id"] == mine["id"]
    assert laptop.get("visits", theirs["visit"]["id"])["elder_id"] == my_elder["id"]
    assert records(laptop) == records(office)
    # And back: the laptop's own writes (if any) settle on the office without a conflict.
    assert send(laptop, office, "办公室", folder).conflicts == 0
    assert records(laptop) == records(office)


def test_keeping_theirs_moves_my_records_to_their_person(office, laptop, folder):
    mine, my_elder, my_visit = _elderly(office)
    theirs = laptop.insert("people", person("赵六", id_number=ID, phone="13812345678"))
    send(laptop, office, "办公室", folder)
    sync.merge_duplicate(office, sync.conflicts(office)[0]["id"], "theirs")
    assert office.get("people", mine["id"]) is None
    assert office.get("elders", my_elder["id"])["person_id"] == theirs["id"]
    assert office.get("people", theirs["id"])["birth_date"] == "1949-12-31"  # filled from mine
    send(office, laptop, "笔记本", folder)
    assert laptop.get("elders", my_elder["id"])["person_id"] == theirs["id"]
    assert records(laptop) == records(office)


def test_a_visit_typed_on_the_laptop_after_the_merge_follows_on_the_next_exchange(office, laptop, folder):
    mine, _, _ = _elderly(office)
    theirs = _laptop_records(laptop)
    send(laptop, office, "办公室", folder)
    sync.merge_duplicate(office, sync.conflicts(office)[0]["id"], "mine")
    # The laptop has not heard of the merge: it visits her again and edits her phone.
    late = record_visit(laptop, {"elder_id": theirs["elder"]["id"], "date": TODAY, "method": "电话",
                                 "visitor": "小李"}, today=TODAY)
    laptop.update("people", theirs["person"]["id"], {"phone": "13900000000"})
    result = send(laptop, office, "办公室", folder)
    # Her edit is not written onto a person merged away: set aside, saying where she went.
    [aside] = result.set_aside
    assert aside["kind"] == "people" and "已合并到“赵六”" in aside["reason"]
    assert office.get("visits", late["id"])["person_id"] == mine["id"]
    send(office, laptop, "笔记本", folder)
    assert _pointing_at(laptop, theirs["person"]["id"]) == []
    assert sync.conflicts(laptop) == []
    assert send(laptop, office, "办公室", folder).conflicts == 0
    assert records(laptop) == records(office)


def test_importing_the_merge_twice_changes_nothing(office, laptop, folder):
    _elderly(office)
    _laptop_records(laptop)
    send(laptop, office, "办公室", folder)
    sync.merge_duplicate(office, sync.conflicts(office)[0]["id"], "mine")
    package = sync.export_package(office, "笔记本", folder).path
    sync.import_package(laptop, package)
    before = records(laptop)
    again = sync.export_package(office, "笔记本", folder, full=True).path
    result = sync.import_package(laptop, again)
    assert result.applied == 0 and result.conflicts == 0 and result.set_aside == []
    assert records(laptop) == before


def _forged_merge(office, laptop, folder, tmp_path, change):
    """A package from the office whose merge record is rewritten by someone holding the key."""
    _elderly(office)
    _laptop_records(laptop)
    send(laptop, office, "办公室", folder)
    sync.merge_duplicate(office, sync.conflicts(office)[0]["id"], "mine")
    package = sync.export_package(office, "笔记本", folder).path
    return _resigned(package, community_key.key_of(office), tmp_path / ("forged" + sync.SUFFIX),
                     lambda table, row: change(row) if table == "person_merges" else row)


def test_a_merge_of_a_person_with_herself_is_set_aside_and_the_rest_imports(office, laptop, folder, tmp_path):
    forged = _forged_merge(office, laptop, folder, tmp_path, lambda r: {**r, "kept_id": r["merged_id"]})
    result = sync.import_package(laptop, forged)
    [aside] = result.set_aside
    assert aside["kind"] == "person_merges" and aside["reason"] == "居民合并的两方是同一条记录"
    assert any(i["table_name"] == "person_merges" for i in sync.set_aside_records(laptop))
    assert result.applied > 0


def test_a_merge_naming_a_person_nowhere_waits_and_changes_nobody(office, laptop, folder, tmp_path):
    forged = _forged_merge(office, laptop, folder, tmp_path, lambda r: {**r, "kept_id": "nobody"})
    before = laptop.scalar("SELECT count(*) FROM people WHERE deleted_at IS NULL")
    result = sync.import_package(laptop, forged)
    assert result.parked == 1 and result.set_aside == []
    assert laptop.scalar("SELECT count(*) FROM person_merges") == 0
    # The merged person's deletion came as a record of its own; the merge itself changed nothing more.
    assert laptop.scalar("SELECT count(*) FROM people WHERE deleted_at IS NULL") <= before


def test_a_merge_whose_records_clash_here_is_set_aside(office, laptop, folder, tmp_path):
    """Both volunteered at the same activity on this PC: the merge would give one volunteer two
    lines of one activity, so it waits aside with the reason; nothing of it is written."""
    from tests.factories import activity
    a = office.insert("people", person("钱七", id_number="110101199003071233"))
    b = office.insert("people", person("钱七"))
    va = add_volunteer(office, {"person_id": a["id"]}, today=TODAY)
    vb = add_volunteer(office, {"person_id": b["id"]}, today=TODAY)
    activity(office, TODAY, [va["id"], vb["id"]])
    with pytest.raises(UserError, match="服务记录"):
        merges.merge_people(office, a["id"], b["id"])
    assert office.get("people", b["id"]) and office.scalar("SELECT count(*) FROM person_merges") == 0


def test_only_a_duplicate_of_people_can_be_merged(office, laptop, folder):
    with pytest.raises(UserError):
        sync.merge_duplicate(office, "no-such-conflict", "mine")


def test_cli_lists_conflicts_and_merges_one(office, laptop, folder, tmp_path, capsys):
    _elderly(office)
    _laptop_records(laptop)
    send(laptop, office, "办公室", folder)
    path = str(tmp_path / "office.db")
    office.close()
    assert cli.main(["--db", path, "sync", "conflicts", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["kind"] == "duplicate" and listed["table"] == "people"
    for wrong in (["--keep", "nobody"], ["zzzzzzzz", "--keep", "mine"], ["", "--keep", "mine"]):
        args = wrong if len(wrong) == 3 else [listed["id"][:8], *wrong]
        assert cli.main(["--db", path, "sync", "merge", *args]) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1  # one Chinese line
    assert cli.main(["--db", path, "sync", "merge", listed["id"][:8], "--keep", "mine"]) == 0
    assert "已合并" in capsys.readouterr().out
    assert cli.main(["--db", path, "sync", "conflicts", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
