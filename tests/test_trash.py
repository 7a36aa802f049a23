"""The 回收站 restores by the rules each kind declares in db/kinds.py."""

from __future__ import annotations

import pytest

from app import trash
from app.consultation import delete_meeting, delete_topic
from app.elders import add_elder, delete_elder, delete_visit, get_elder, record_visit
from app.errors import NotFound, UserError
from app.people import delete_person
from app.volunteers import delete_volunteer, get_volunteer
from tests.factories import drive, elder, meeting, volunteer


def test_a_visit_is_refused_while_its_elder_is_in_the_bin_and_says_which(store, today):
    who = elder(store, today, "王奶奶")
    visit = record_visit(store, {"elder_id": who["id"], "date": today, "visitor": "李干事"}, today=today)
    delete_visit(store, visit["id"])
    delete_elder(store, who["id"])
    with pytest.raises(UserError, match="老年人“王奶奶”还在回收站中，请先恢复该老年人"):
        trash.restore(store, "visits", visit["id"])
    assert store.get("visits", visit["id"]) is None  # still in the bin
    trash.restore(store, "elders", who["id"])
    assert trash.restore(store, "visits", visit["id"])["deleted_at"] is None


def test_a_volunteer_is_refused_while_the_person_is_in_the_bin(store, today):
    vol = volunteer(store, today, "李四")
    delete_volunteer(store, vol["id"])
    delete_person(store, vol["person_id"])  # allowed now that the person is no volunteer
    with pytest.raises(UserError, match="居民“李四”还在回收站中"):
        trash.restore(store, "volunteers", vol["id"])
    trash.restore(store, "people", vol["person_id"])
    trash.restore(store, "volunteers", vol["id"])
    assert get_volunteer(store, vol["id"])["person_id"] == vol["person_id"]


def test_a_meeting_is_refused_while_its_topic_is_in_the_bin(store, today):
    subject = drive(store, today, "受理", title="加装电梯")
    held = meeting(store, today, subject["id"])
    delete_meeting(store, held["id"])
    delete_topic(store, subject["id"])
    with pytest.raises(UserError, match="议题“加装电梯”还在回收站中"):
        trash.restore(store, "meetings", held["id"])


def test_an_elder_entered_again_meanwhile_keeps_the_old_record_in_the_bin(store, today):
    who = elder(store, today, "赵奶奶")
    delete_elder(store, who["id"])
    again = add_elder(store, {"person_id": who["person_id"], "categories": ["独居"]}, today=today)
    with pytest.raises(UserError, match="“赵奶奶”已在老年人名册中"):
        trash.restore(store, "elders", who["id"])
    assert get_elder(store, again["id"])["person_id"] == who["person_id"]
    assert store.get("elders", who["id"]) is None


def test_a_kind_outside_the_bin_and_a_record_not_there_are_refused(store):
    with pytest.raises(NotFound):
        trash.restore(store, "redemptions", "any")
    with pytest.raises(NotFound, match="回收站中没有要恢复的居民"):
        trash.restore(store, "people", "no-such-id")
