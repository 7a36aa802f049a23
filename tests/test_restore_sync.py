"""Restoring another PC's backup keeps this PC's sync peers and package history, and the next
package to each peer is a full one; this PC's own backup keeps counting as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import backups, settings, sync
from app.database import open_ledger
from app.people import add_person
from db import sync as queries
from tests.conftest import pinned_clock

CODE = "320505001001"


def join(office, store, peer: str, folder: Path) -> None:
    invitation = sync.invite(office, peer, folder)
    assert sync.join(store, invitation.path, invitation.code).adopted


def send(source, target, peer: str, folder: Path) -> sync.ExportResult:
    package = sync.export_package(source, peer, folder)
    sync.import_package(target, package.path)
    return package


def history(store) -> tuple[list, list]:
    peers = [(p["name"], p["offered_prefix"], p["last_sent_at"]) for p in queries.every_peer(store)]
    return peers, queries.every_exchange(store)


@pytest.fixture
def pcs(tmp_path):
    """The office and the laptop, each sending to the village PC, so both know a peer 村委会
    (with different change numbers: the laptop wrote more)."""
    folder = tmp_path / "usb"
    folder.mkdir()
    office = open_ledger(tmp_path / "office" / "ledger.db", author="办公室", clock=pinned_clock())
    settings.save(office, {"community_name": "阳光社区", "community_code": CODE})
    laptop = open_ledger(tmp_path / "laptop" / "ledger.db", author="笔记本", clock=pinned_clock())
    village = open_ledger(tmp_path / "village" / "ledger.db", author="村委会", clock=pinned_clock())
    join(office, laptop, "笔记本", folder)
    join(office, village, "村委会", folder)
    today = pinned_clock().today()
    add_person(office, {"name": "张三丰"}, today=today)
    send(office, village, "村委会", folder)
    for n in range(30):
        add_person(laptop, {"name": "李" + "一二三四五六七八九十"[n // 10] + "一二三四五六七八九十"[n % 10]}, today=today)
    send(laptop, village, "村委会", folder)
    yield office, laptop, folder
    for store in (office, laptop, village):
        store.close()


def test_another_pcs_backup_keeps_this_pcs_peers_and_history_and_the_next_package_is_full(pcs, tmp_path):
    office, laptop, folder = pcs
    theirs = backups.backup_now(laptop)
    ours = history(office)
    device = office.device_id
    assert queries.peer(laptop, "村委会")["last_sent_seq"] > queries.peer(office, "村委会")["last_sent_seq"]

    backups.restore_into(office, theirs.path)

    assert office.device_id == device
    assert history(office)[0] == ours[0]
    # The history holds the office's own rows, plus nothing of the laptop's.
    assert [r for r in history(office)[1] if r["id"] in {e["id"] for e in ours[1]}] == ours[1]
    assert {r["id"] for r in history(office)[1]} == {e["id"] for e in ours[1]}
    assert all(p["last_sent_seq"] == 0 for p in queries.every_peer(office))
    package = sync.export_package(office, "村委会", folder)
    whole = sync.export_package(office, "核对", folder, full=True)
    assert package.records == whole.records > 30


def test_the_same_through_the_command_line_restore_of_a_closed_database(pcs, tmp_path):
    office, laptop, folder = pcs
    theirs = backups.backup_now(laptop)
    ours = history(office)
    db = backups.database_file(office)
    office.close()
    backups.restore_file(db, theirs.path, now=pinned_clock().local_now(), clock=pinned_clock())
    office = open_ledger(db, clock=pinned_clock())
    try:
        assert history(office)[0] == ours[0]
        assert {r["id"] for r in history(office)[1]} == {e["id"] for e in ours[1]}
        assert sync.export_package(office, "村委会", folder).records > 30
    finally:
        office.close()


def test_this_pcs_own_backup_keeps_its_counts(pcs):
    office, laptop, folder = pcs
    own = backups.backup_now(laptop)
    sent = queries.peer(laptop, "村委会")["last_sent_seq"]
    add_person(laptop, {"name": "王五"}, today=pinned_clock().today())
    backups.restore_into(laptop, own.path)
    assert queries.peer(laptop, "村委会")["last_sent_seq"] == sent > 0
    add_person(laptop, {"name": "赵六"}, today=pinned_clock().today())
    assert sync.export_package(laptop, "村委会", folder).records == 1
