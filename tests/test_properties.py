"""Property tests: any text a user can type or a roster can hold gives a value or a Chinese
message (ValidationError / UserError), never a crash; a roster import writes exactly what it
reports and a dry run writes nothing.

The only exceptions allowed are the program's user-facing ones: app/validation.py documents
that its functions raise ValidationError (a UserError and a ValueError). Anything else is a
bug in the validator, to fix there, not to allow here.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from app import consultation, elders, people, service, stamps, validation, volunteers
from app.errors import UserError, ValidationError
from app.database import open_ledger
from app.rosters import NOT_A_PERSON, TEMPLATE_HEADERS, import_roster
from db.kinds import hidden_from_log
from tests.factories import make_id

TODAY = date(2026, 11, 23)
CJK = re.compile(r"[\u3400-\u9fff]")
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- what a user can type -------------------------------------------------------------------

FULL_WIDTH = "０１２３４５６７８９ＡＢＸｘ－．／　（）：年月日时分小"
CONTROL = "".join(chr(c) for c in [*range(0, 32), 127, 0x85, 0x200B, 0x200E, 0x2028, 0xFEFF])
NUMBERS_AS_TEXT = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=0, max_value=10**30).map(lambda n: f"{n:,}"),
    st.from_regex(r"[0-9０-９xX.\-/年月日小时分h +E:：]{0,24}", fullmatch=True),
)
TEXT = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(FULL_WIDTH + CONTROL + "0123456789张三丰·•-Xx ")),
    st.text(min_size=1, max_size=3).map(lambda s: s * 3000),  # very long
    NUMBERS_AS_TEXT,
)
# What a form or a roster hands a validator: text, or what Excel gives (numbers, dates, bools, blanks).
VALUE = st.one_of(
    TEXT, st.none(), st.integers(), st.floats(), st.booleans(),
    st.dates(min_value=date(1, 1, 1)), st.datetimes(),
)


def _allowed(call, *args, **kwargs):
    """Run a validator: a value or a user-facing error with a message; anything else fails the test."""
    try:
        return call(*args, **kwargs)
    except ValidationError as exc:
        assert isinstance(exc, ValueError)  # the documented contract of app/validation.py
        assert str(exc) and CJK.search(str(exc)), exc.errors
        return None
    except UserError as exc:
        assert str(exc) and CJK.search(str(exc))
        return None


# -- app/validation.py, one text at a time ---------------------------------------------------

FIELD_VALIDATORS = {
    "normalize_id_number": lambda v: validation.normalize_id_number(v, TODAY),
    "normalize_phone": validation.normalize_phone,
    "parse_date": validation.parse_date,
    "parse_month": validation.parse_month,
    "normalize_name": validation.normalize_name,
    "required_text": lambda v: validation.required_text(v, field="内容"),
    "optional_text": lambda v: validation.optional_text(v, field="内容"),
    "choice": lambda v: validation.choice(v, ("男", "女"), field="性别"),
    "parse_minutes": validation.parse_minutes,
    "mask_id_number": lambda v: validation.mask_id_number(v if isinstance(v, str) else None),
    "mask_phone": lambda v: validation.mask_phone(v if isinstance(v, str) else None),
}


@pytest.mark.parametrize("name", FIELD_VALIDATORS)
@FEW
@given(value=VALUE)
@example(value="９" * 5000)
@example(value="1" * 5000 + "小时")
@example(value="\x00\u3000\x85")
@example(value="２０２６年１月３２日")
def test_every_validator_gives_a_value_or_a_chinese_error(name, value):
    _allowed(FIELD_VALIDATORS[name], value)


@FEW
@given(value=VALUE)
def test_what_a_validator_accepts_it_accepts_again_unchanged(value):
    """Normalising is idempotent: a stored value read back and saved again stays as it is."""
    for normalize in (lambda v: validation.normalize_id_number(v, TODAY), validation.normalize_phone,
                      validation.normalize_name):
        stored = _allowed(normalize, value)
        if stored is not None:
            assert normalize(stored) == stored


# -- the clean_* functions, a whole form of random values at once --------------------------


def form(*keys: str) -> st.SearchStrategy[dict]:
    """A form's values: each key present with any value, or missing."""
    return st.dictionaries(st.sampled_from(keys), VALUE, max_size=len(keys))


ACTIVITY = {"date": "2026-11-20", "name": "清扫楼道", "category": None, "location": None, "organizer": None,
            "beneficiaries": None, "note": None, "start_time": "08:00", "end_time": "12:00"}
ELDER = {"id": "e1", "joined_on": "2020-01-01", "left_on": None, "status": "在册"}

CLEANERS = {
    "people.clean_person": (
        form("name", "id_number", "gender", "birth_date", "phone", *people.ADDRESS_FIELDS, "note"),
        lambda d: people.clean_person(d, today=TODAY)),
    "volunteers.clean_volunteer": (
        form("person_id", "volunteer_no", "team", "political_status", "skills", "registered_on", "status"),
        lambda d: volunteers.clean_volunteer(d, today=TODAY)),
    "service.clean_activity": (
        form(*ACTIVITY), lambda d: service.clean_activity(d, today=TODAY)),
    "service.clean_entry": (
        form("volunteer_id", "minutes", "content", "recorder", "attested_by", "review_state", "review_note",
             "is_backfill", "backfill_reason"),
        lambda d: service.clean_entry(d, ACTIVITY, today=TODAY)),
    "elders.clean_elder": (
        form("person_id", "categories", "risk_level", "status", "emergency_contact", "emergency_phone",
             "supporter", "supporter_phone", "responsible_visitor", "health_note", "joined_on", "left_on"),
        lambda d: elders.clean_elder(d, birth=date(1950, 1, 1), today=TODAY)),
    "elders.clean_elder (categories as a list)": (
        st.fixed_dictionaries({"person_id": st.just("p1"), "categories": st.lists(VALUE, max_size=4)}),
        lambda d: elders.clean_elder(d, today=TODAY)),
    "elders.clean_visit": (
        form("elder_id", "date", "method", "visitor", *elders.VISIT_TEXT_FIELDS),
        lambda d: elders.clean_visit(d, ELDER, today=TODAY)),
    "elders.clean_visit (no elder yet)": (
        form("elder_id", "date", "method", "visitor"), lambda d: elders.clean_visit(d, None, today=TODAY)),
    "consultation.clean_topic": (
        form("title", "description", "proposer", "category", "procedure", "proposed_on"),
        lambda d: consultation.clean_topic(d, today=TODAY)),
    "consultation.clean_step": (
        st.tuples(st.sampled_from(consultation.FOUR_STEPS),
                  form("date", "body", "expected", "present", "votes_for", "votes_against", "votes_abstain",
                       "note")),
        lambda t: consultation.clean_step(t[0], t[1], today=TODAY)),
    "consultation.clean_meeting": (
        form("topic_id", "date", "location", "form", "host", "recorder", "minutes_text", "outcome",
             "votes_for", "votes_against", "votes_abstain"),
        lambda d: consultation.clean_meeting(d, today=TODAY)),
    "consultation.clean_participant": (
        form("name", "person_id", "role", "organization"), consultation.clean_participant),
    "consultation.parse_participants": (TEXT, consultation.parse_participants),
    "stamps.clean_item": (
        form("kind", "name", "keywords", "basis", "department", "note", "position"), stamps.clean_item),
    "stamps.clean_request": (
        form("date", "applicant", "id_number", "phone", "person_id", "item_id", "matter", "result", "reason",
             "referral", "purpose", "handler"),
        lambda d: stamps.clean_request(d, today=TODAY)),
}


@pytest.mark.parametrize("name", CLEANERS)
@FEW
@given(data=st.data())
def test_every_form_cleaner_gives_values_or_a_chinese_error(name, data):
    strategy, clean = CLEANERS[name]
    _allowed(clean, data.draw(strategy))


@pytest.mark.parametrize("categories", ['{"a": 1}', "123", "null", "[[1]]", "[", "独居、空巢", "[1, 2]"])
def test_elder_categories_that_are_not_a_list_of_names_are_a_field_error(categories):
    """Found by the property above: JSON text that is not a list of names crashed clean_elder."""
    with pytest.raises(ValidationError) as caught:
        elders.clean_elder({"person_id": "p1", "categories": categories}, today=TODAY)
    assert "categories" in caught.value.errors


def test_a_stamp_item_position_that_is_not_a_number_is_a_field_error():
    """Found by the property above: int() of the typed position raised a bare ValueError."""
    with pytest.raises(ValidationError) as caught:
        stamps.clean_item({"kind": "保留", "name": "居住证明", "position": "第一"})
    assert "position" in caught.value.errors
    assert stamps.clean_item({"kind": "保留", "name": "居住证明", "position": " 3 "})["position"] == 3


# -- the roster importer ------------------------------------------------------------------

CELL = st.one_of(
    st.none(),
    TEXT.map(lambda s: s[:200]),
    st.integers(min_value=-10**18, max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)),
    st.sampled_from([make_id("19400101", "111"), make_id("19851231", "222"), make_id("19700615", "333"),
                     make_id("19400101", "111").lower(), "13812345678", "0512-67521234", "2026.5.1",
                     "独居、空巢", "高龄", "重点", "群众", "张三", "王奶奶", "欧阳·娜娜", "ZY0001", "男", "女"]),
)


def _cell_ok(value) -> bool:
    """Cells openpyxl can write at all, and not our own ledgers' totals and signature lines
    (those rows are dropped on purpose and would not be data rows)."""
    if not isinstance(value, str):
        return True
    return not ILLEGAL_CHARACTERS_RE.search(value) and value.strip() != "合计" \
        and not value.strip().startswith(NOT_A_PERSON)


def _write(path: Path, header: list[str], rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _data_rows(rows: list[list]) -> int:
    """Rows the importer must account for: not blank (a row of blanks is skipped by the reader)."""
    return sum(any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row) for row in rows)


def _dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def fresh_db(tmp_path_factory) -> Path:
    """One migrated empty database; each example copies it (migrating per example is slow)."""
    path = tmp_path_factory.mktemp("fresh") / "empty.db"
    open_ledger(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@FEW
@given(kind=st.sampled_from(sorted(TEMPLATE_HEADERS)), data=st.data())
def test_a_roster_of_random_cells_is_accounted_for_row_by_row(fresh_db, kind, data):
    header = TEMPLATE_HEADERS[kind]
    rows = data.draw(st.lists(st.lists(CELL.filter(_cell_ok), min_size=len(header), max_size=len(header)),
                              min_size=1, max_size=6))
    update_existing = data.draw(st.booleans())
    with tempfile.TemporaryDirectory() as folder:
        roster = _write(Path(folder) / "花名册.xlsx", header, rows)
        db = Path(folder) / "ledger.db"
        shutil.copy(fresh_db, db)
        store = open_ledger(db)
        try:
            before = _dump(db)
            # A new database already holds the default stamp checklist (and its audit).
            audited = {a["id"] for a in store.query("SELECT id FROM audit")}
            trial = import_roster(store, kind, roster, update_existing=update_existing, dry_run=True, today=TODAY)
            assert _dump(db) == before, "a dry run wrote to the database"
            report = import_roster(store, kind, roster, update_existing=update_existing, today=TODAY)
            assert trial.as_json() == {**report.as_json(), "dry_run": True}

            rejected = [r["row"] for r in report.rejected]
            assert len(rejected) == len(set(rejected))
            assert all(2 <= n <= 1 + len(rows) for n in rejected)
            assert all(CJK.search(r["reason"]) for r in report.rejected)
            # A new database: nobody to update or skip, so every data row is accepted or refused.
            assert report.updated == report.skipped == 0
            assert report.accepted + len(rejected) == _data_rows(rows)

            # Exactly the accepted people, each with the role imported, and an audit of just those inserts
            # (besides the program's bookkeeping: the serial counter that numbers new volunteers).
            people_ids = {r["id"] for r in store.query("SELECT id FROM people")}
            assert len(people_ids) == report.accepted
            written = {"people": people_ids}
            if kind != "people":
                roles = store.query(f"SELECT id, person_id FROM [{kind}]")
                assert {r["person_id"] for r in roles} == people_ids and len(roles) == report.accepted
                written[kind] = {r["id"] for r in roles}
            audit = [a for a in store.query("SELECT id, table_name, record_id, action FROM audit")
                     if a["id"] not in audited and a["table_name"] not in hidden_from_log()]
            assert {(a["table_name"], a["action"]) for a in audit} <= {(t, "insert") for t in written}
            for table, ids in written.items():
                assert sorted(a["record_id"] for a in audit if a["table_name"] == table) == sorted(ids)
        finally:
            store.close()
