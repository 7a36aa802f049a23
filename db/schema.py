"""The schema, as sqlite-utils migrations. Every schema change is a new migration here."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

from db import street
from db.errors import NewerSchema, NotLedgerDatabase

migrations = Migrations("community_ledger")

# Each migration holds its own DDL, frozen as it first ran: a later edit elsewhere cannot change
# what an old migration does (databases made by earlier versions must stay identical).

M001_STATEMENTS = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE settings (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    value TEXT NOT NULL
)""",
    """CREATE TABLE people (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    name TEXT NOT NULL,
    gender TEXT CHECK (gender IN ('男', '女') OR gender IS NULL),
    id_number TEXT,
    birth_date TEXT,
    phone TEXT,
    estate TEXT,
    building TEXT,
    unit TEXT,
    room TEXT,
    village_group TEXT,
    grid TEXT,
    note TEXT,
    pinyin TEXT NOT NULL DEFAULT '',
    initials TEXT NOT NULL DEFAULT '',
    sort_key TEXT NOT NULL DEFAULT ''
)""",
    """CREATE TABLE volunteers (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    volunteer_no TEXT,
    team TEXT,
    political_status TEXT,
    skills TEXT,
    registered_on TEXT NOT NULL,
    status TEXT NOT NULL
)""",
    """CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    date TEXT NOT NULL,
    name TEXT NOT NULL,
    category TEXT,
    location TEXT,
    organizer TEXT,
    start_time TEXT,
    end_time TEXT,
    beneficiaries TEXT,
    note TEXT
)""",
    """CREATE TABLE service_records (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    activity_id TEXT NOT NULL REFERENCES activities(id),
    volunteer_id TEXT NOT NULL REFERENCES volunteers(id),
    minutes INTEGER NOT NULL CHECK (minutes > 0),
    content TEXT,
    recorder TEXT,
    attested_by TEXT,
    is_backfill INTEGER NOT NULL DEFAULT 0,
    backfill_reason TEXT,
    review_state TEXT NOT NULL,
    review_note TEXT
)""",
    """CREATE TABLE redemptions (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    volunteer_id TEXT NOT NULL REFERENCES volunteers(id),
    date TEXT NOT NULL,
    minutes INTEGER NOT NULL CHECK (minutes > 0),
    reason TEXT NOT NULL,
    handler TEXT
)""",
    """CREATE TABLE elders (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    categories TEXT NOT NULL DEFAULT '[]',
    risk_level TEXT NOT NULL,
    emergency_contact TEXT,
    emergency_phone TEXT,
    supporter TEXT,
    supporter_phone TEXT,
    responsible_visitor TEXT,
    status TEXT NOT NULL,
    joined_on TEXT NOT NULL,
    left_on TEXT,
    health_note TEXT
)""",
    """CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    elder_id TEXT NOT NULL REFERENCES elders(id),
    date TEXT NOT NULL,
    method TEXT NOT NULL,
    visitor TEXT NOT NULL,
    health TEXT,
    living TEXT,
    family_support TEXT,
    safety TEXT,
    needs TEXT,
    problems TEXT,
    measures TEXT,
    referral TEXT,
    next_due TEXT
)""",
    """CREATE TABLE topics (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT,
    proposer TEXT,
    proposed_on TEXT NOT NULL,
    category TEXT,
    procedure TEXT NOT NULL,
    state TEXT NOT NULL,
    reject_reason TEXT,
    resolution TEXT,
    resolution_published_on TEXT,
    result TEXT,
    result_published_on TEXT,
    evaluation TEXT
)""",
    """CREATE TABLE topic_events (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    topic_id TEXT NOT NULL REFERENCES topics(id),
    date TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    note TEXT
)""",
    """CREATE TABLE topic_steps (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    topic_id TEXT NOT NULL REFERENCES topics(id),
    step TEXT NOT NULL,
    date TEXT NOT NULL,
    body TEXT,
    expected INTEGER,
    present INTEGER,
    votes_for INTEGER,
    votes_against INTEGER,
    votes_abstain INTEGER,
    note TEXT
)""",
    """CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    topic_id TEXT REFERENCES topics(id),
    date TEXT NOT NULL,
    location TEXT,
    form TEXT NOT NULL,
    host TEXT,
    recorder TEXT,
    minutes_text TEXT,
    votes_for INTEGER,
    votes_against INTEGER,
    votes_abstain INTEGER,
    outcome TEXT
)""",
    """CREATE TABLE meeting_participants (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    person_id TEXT REFERENCES people(id),
    name TEXT NOT NULL,
    role TEXT,
    organization TEXT
)""",
    """CREATE TABLE followups (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    topic_id TEXT NOT NULL REFERENCES topics(id),
    date TEXT NOT NULL,
    content TEXT NOT NULL,
    handler TEXT,
    progress TEXT
)""",
    """CREATE TABLE stamp_items (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('保留', '负面')),
    name TEXT NOT NULL,
    keywords TEXT,
    basis TEXT,
    department TEXT,
    note TEXT,
    position INTEGER NOT NULL DEFAULT 0
)""",
    """CREATE TABLE stamp_requests (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    serial TEXT NOT NULL,
    year INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    date TEXT NOT NULL,
    applicant TEXT NOT NULL,
    id_number TEXT,
    phone TEXT,
    person_id TEXT REFERENCES people(id),
    matter TEXT NOT NULL,
    item_id TEXT REFERENCES stamp_items(id),
    result TEXT NOT NULL,
    reason TEXT,
    referral TEXT,
    purpose TEXT,
    handler TEXT
)""",
    """CREATE TABLE counters (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    value INTEGER NOT NULL
)""",
    """CREATE TABLE audit (
            id TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL DEFAULT '',
            device_id TEXT NOT NULL,
            table_name TEXT NOT NULL,
            record_id TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'restore')),
            before TEXT,
            after TEXT
        )""",
    "CREATE UNIQUE INDEX people_id_number ON people(id_number) WHERE id_number IS NOT NULL",
    "CREATE INDEX people_sort ON people(sort_key, id)",
    "CREATE INDEX people_updated ON people(updated_at)",
    "CREATE UNIQUE INDEX volunteers_person ON volunteers(person_id) WHERE deleted_at IS NULL",
    "CREATE UNIQUE INDEX volunteers_no ON volunteers(volunteer_no) WHERE volunteer_no IS NOT NULL",
    "CREATE INDEX activities_date ON activities(date, id)",
    "CREATE UNIQUE INDEX service_records_pair ON service_records(activity_id, volunteer_id) WHERE deleted_at IS NULL",
    "CREATE INDEX service_records_volunteer ON service_records(volunteer_id)",
    "CREATE INDEX redemptions_volunteer ON redemptions(volunteer_id)",
    "CREATE UNIQUE INDEX elders_person ON elders(person_id) WHERE deleted_at IS NULL",
    "CREATE INDEX visits_elder_date ON visits(elder_id, date)",
    "CREATE INDEX visits_date ON visits(date, id)",
    "CREATE INDEX topics_state ON topics(state, proposed_on)",
    "CREATE INDEX topics_proposed ON topics(proposed_on, id)",
    "CREATE INDEX topic_events_topic ON topic_events(topic_id, date)",
    "CREATE UNIQUE INDEX topic_steps_step ON topic_steps(topic_id, step) WHERE deleted_at IS NULL",
    "CREATE INDEX meetings_date ON meetings(date, id)",
    "CREATE INDEX meetings_topic ON meetings(topic_id)",
    "CREATE INDEX meeting_participants_meeting ON meeting_participants(meeting_id)",
    "CREATE INDEX followups_topic ON followups(topic_id, date)",
    "CREATE INDEX stamp_items_kind ON stamp_items(kind, position)",
    "CREATE UNIQUE INDEX stamp_requests_serial ON stamp_requests(serial)",
    "CREATE INDEX stamp_requests_date ON stamp_requests(date, id)",
    "CREATE INDEX audit_record ON audit(table_name, record_id, at)",
    "CREATE INDEX audit_at ON audit(at)",
)


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    """Every record table of DESIGN §3, the audit trail and the local meta table (meta is local to
    this file: the device id; it is never synced)."""
    for sql in M001_STATEMENTS:
        db.execute(sql)


@migrations()
def m002_certificates(db: sqlite_utils.Database) -> None:
    """The numbered register of 志愿服务记录证明 the community has issued."""
    db.execute(
        """CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
            serial TEXT NOT NULL,
            year INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            volunteer_id TEXT NOT NULL REFERENCES volunteers(id),
            period_start TEXT NOT NULL,
            period_end TEXT NOT NULL,
            minutes INTEGER NOT NULL,
            content TEXT,
            issued_on TEXT NOT NULL,
            handler TEXT,
            contact TEXT
        )"""
    )
    db.execute("CREATE UNIQUE INDEX certificates_serial ON certificates(serial)")
    db.execute("CREATE INDEX certificates_volunteer ON certificates(volunteer_id, issued_on)")


@migrations()
def m003_list_orders(db: sqlite_utils.Database) -> None:
    """Indexes that match the long lists: service records by date, each elder's last visit."""
    # The activity's date, kept on each record so the 200,000-row list pages by an index.
    db.execute("ALTER TABLE service_records ADD COLUMN date TEXT")
    db.execute("UPDATE service_records SET date = (SELECT date FROM activities a WHERE a.id = activity_id)")
    db.execute("CREATE INDEX service_records_date ON service_records(date, id) WHERE deleted_at IS NULL")
    db.execute("CREATE INDEX visits_live ON visits(elder_id, date) WHERE deleted_at IS NULL")
    # Search reads only this index, in list order, never the wide rows it skips.
    db.execute("CREATE INDEX people_search ON people(sort_key, id, name, pinyin, initials, id_number, phone)"
               " WHERE deleted_at IS NULL")



@migrations()
def m004_sync(db: sqlite_utils.Database) -> None:
    """Offline sync between devices (app/sync.py): a version per record, peers, history, conflicts.

    sync_records holds, for every synced record, its local change number (`seq`, rising on
    every write here, also for records that arrived from another device) and its version
    vector (`vv`: device id -> that device's change number). All five tables are local to
    this file and never travel in a package.
    """
    db.execute(
        """CREATE TABLE sync_records (
            table_name TEXT NOT NULL,
            record_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            vv TEXT NOT NULL,
            PRIMARY KEY (table_name, record_id)
        )"""
    )
    db.execute("CREATE UNIQUE INDEX sync_records_seq ON sync_records(seq)")
    db.execute(
        """CREATE TABLE sync_peers (
            name TEXT PRIMARY KEY,
            last_sent_seq INTEGER NOT NULL DEFAULT 0,
            offered_prefix TEXT,
            last_sent_at TEXT
        )"""
    )
    db.execute(
        """CREATE TABLE sync_exchanges (
            id TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('export', 'import')),
            peer TEXT,
            device_id TEXT,
            package_id TEXT NOT NULL,
            file_name TEXT,
            records INTEGER NOT NULL DEFAULT 0,
            applied INTEGER NOT NULL DEFAULT 0,
            conflicts INTEGER NOT NULL DEFAULT 0,
            parked INTEGER NOT NULL DEFAULT 0,
            user TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX sync_exchanges_at ON sync_exchanges(at)")
    db.execute("CREATE INDEX sync_exchanges_package ON sync_exchanges(package_id, direction)")
    db.execute(
        """CREATE TABLE sync_conflicts (
            id TEXT PRIMARY KEY,
            table_name TEXT NOT NULL,
            record_id TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('edit', 'duplicate')),
            theirs TEXT NOT NULL,
            vv TEXT NOT NULL,
            from_device TEXT,
            detected_at TEXT NOT NULL,
            resolved_at TEXT,
            resolution TEXT
        )"""
    )
    db.execute("CREATE INDEX sync_conflicts_record ON sync_conflicts(table_name, record_id)")
    db.execute(
        """CREATE TABLE sync_parked (
            id TEXT PRIMARY KEY,
            table_name TEXT NOT NULL,
            record_id TEXT NOT NULL,
            row TEXT NOT NULL,
            vv TEXT NOT NULL,
            from_device TEXT
        )"""
    )
    db.execute("CREATE INDEX sync_parked_record ON sync_parked(table_name, record_id)")
    # Records written before this migration become this device's changes 1, 2, 3 …
    found = db.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()
    device = found[0] if found else None
    for table in db.table_names():
        columns = {c.name for c in db[table].columns}
        if table == "counters" or not {"id", "deleted_at", "device_id", "updated_at"} <= columns:
            continue
        if device is None:
            if not db.execute(f"SELECT 1 FROM [{table}] LIMIT 1").fetchone():
                continue
            import uuid

            device = str(uuid.uuid4())
            db.execute("INSERT INTO meta (key, value) VALUES ('device_id', ?)", [device])
        db.execute(
            f"""INSERT INTO sync_records (table_name, record_id, seq, vv)
                SELECT ?, id, n, json_object(?, n) FROM (
                    SELECT id, (SELECT coalesce(max(seq), 0) FROM sync_records)
                               + row_number() OVER (ORDER BY updated_at, id) AS n
                    FROM [{table}])""",
            [table, device],
        )

@migrations()
def m005_live_counts(db: sqlite_utils.Database) -> None:
    """Counting live people (the 工作台 does it on every refresh) reads a narrow index."""
    db.execute("CREATE INDEX people_live ON people(deleted_at)")


@migrations()
def m006_accounts_drafts_events(db: sqlite_utils.Database) -> None:
    """Accounts (local to this computer, never synced), form drafts kept aside, and an audit
    that also records events (sign-in, reveal, backup …) and is filtered by user and kind."""
    db.execute(
        """CREATE TABLE accounts (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
            password_hash TEXT NOT NULL,
            failed_attempts INTEGER NOT NULL DEFAULT 0,
            retry_after TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            deleted_at TEXT
        )"""
    )
    db.execute("CREATE UNIQUE INDEX accounts_username ON accounts(username) WHERE deleted_at IS NULL")
    db.execute(
        """CREATE TABLE drafts (
            key TEXT PRIMARY KEY,
            form TEXT NOT NULL,
            values_json TEXT NOT NULL,
            saved_at TEXT NOT NULL
        )"""
    )
    # SQLite cannot change a CHECK constraint in place: the audit is copied into a new table. Besides
    # record changes it now records sign-ins, locks, revealed numbers, backups and restores,
    # unmasked exports and account changes.
    db.execute(
        """CREATE TABLE audit_new (
            id TEXT PRIMARY KEY,
            at TEXT NOT NULL,
            user TEXT NOT NULL DEFAULT '',
            device_id TEXT NOT NULL,
            table_name TEXT NOT NULL,
            record_id TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('insert', 'update', 'delete', 'restore', 'login', 'login_failed', 'logout', 'lock', 'unlock', 'reveal', 'backup', 'restore_backup', 'export', 'account')),
            before TEXT,
            after TEXT
        )"""
    )
    db.execute("INSERT INTO audit_new SELECT id, at, user, device_id, table_name, record_id, action, before, after"
               " FROM audit ORDER BY rowid")
    db.execute("DROP TABLE audit")
    db.execute("ALTER TABLE audit_new RENAME TO audit")
    for sql in (
        "CREATE INDEX audit_record ON audit(table_name, record_id, at)",
        "CREATE INDEX audit_at ON audit(at)",
        "CREATE INDEX audit_user_at ON audit(user, at)",
        "CREATE INDEX audit_table_at ON audit(table_name, at)",
    ):
        db.execute(sql)


@migrations()
def m007_people_names_by_id(db: sqlite_utils.Database) -> None:
    """The 工作台 and the month's ledgers look up thousands of elders' names by person id: a narrow
    index answers from its own pages instead of reading each resident's whole row."""
    db.execute("CREATE INDEX people_id_name ON people(id, name, sort_key) WHERE deleted_at IS NULL")
    if db["sqlite_stat1"].exists():
        # Statistics for the other indexes but none for this one make the planner pass it over.
        db.execute("ANALYZE people")



@migrations()
def m008_visits_by_date(db: sqlite_utils.Database) -> None:
    """The 工作台's duty rule reads two months of visits by date: a narrow index it can read
    in one range instead of seeking each elder's last visit."""
    db.execute("CREATE INDEX visits_live_date ON visits(date, elder_id) WHERE deleted_at IS NULL")


@migrations()
def m009_sync_held(db: sqlite_utils.Database) -> None:
    """Settings and 盖章事项清单 changes that arrived in a package a 工作人员 imported: they wait
    here, unapplied, until an administrator applies them (app/sync.py apply_held)."""
    db.execute(
        """CREATE TABLE sync_held (
            id TEXT PRIMARY KEY,
            table_name TEXT NOT NULL,
            record_id TEXT NOT NULL,
            row TEXT NOT NULL,
            vv TEXT NOT NULL,
            from_device TEXT,
            held_at TEXT NOT NULL
        )"""
    )


# Built-in 关爱对象 groups, the same on every PC (fixed ids, so two PCs that migrate on their own
# do not each make their own group and sync them as duplicates).
M010_GROUPS = (
    # id, builtin key, name, position, min_age, max_age, fields, intervals, counting, responsible, checklist
    ("79afdaf0-acee-5693-a295-734fe5103409", "elders", "特殊困难老年人", 1, 60, None, [],
     None, {"高风险": ["上门", "电话", "视频"], "重点": ["上门", "电话", "视频"], "一般": ["上门", "电话", "视频"]},
     "",
     ["身体与精神状况", "基本生活", "家庭赡养", "安全隐患", "服务需求"]),
    ("b6850541-56c4-598d-89d7-95285c1b3cb5", "children_hardship", "困境儿童", 2, None, 17,
     ["guardian", "guardian_phone", "school"],
     {"高风险": "week", "重点": "month", "一般": "month"},
     {"高风险": ["上门"], "重点": ["上门", "电话", "视频"], "一般": ["上门", "电话", "视频"]},
     "儿童主任",
     ["身体与心理状况", "监护照料", "就学情况", "基本生活", "安全隐患", "补贴与政策落实"]),
    ("17a91023-363b-5cc7-9311-3f3672f602ce", "children_left_behind", "留守儿童", 3, None, 17,
     ["guardian", "guardian_phone", "school"],
     {"高风险": "week", "重点": "month", "一般": "month"},
     {"高风险": ["上门"], "重点": ["上门", "电话", "视频"], "一般": ["上门", "电话", "视频"]},
     "儿童主任",
     ["身体与心理状况", "监护照料", "就学情况", "亲情联系", "安全隐患"]),
    ("083e4b70-0b17-57ac-818f-b911343b6f89", "disabled", "残疾人", 4, None, None,
     ["disability_no", "disability_category", "disability_grade", "living_subsidy", "nursing_subsidy"],
     {"高风险": "week", "重点": "month", "一般": "quarter"},
     {"高风险": ["上门"], "重点": ["上门", "电话", "视频"], "一般": ["上门", "电话", "视频"]},
     "残疾人专职委员",
     ["身体与康复情况", "基本生活", "两项补贴落实", "辅具与无障碍", "安全隐患", "服务需求"]),
    ("e37380af-7bad-56ab-93d2-65fa9a15f4d7", "dibao", "低保", 5, None, None,
     ["certificate_no", "household"],
     {"高风险": "month", "重点": "month", "一般": "quarter"},
     {"高风险": ["上门"], "重点": ["上门", "电话", "视频"], "一般": ["上门", "电话", "视频"]},
     "民政专干",
     ["家庭收入与就业变化", "基本生活", "医疗与就学", "政策落实", "安全隐患"]),
    ("4c37fe42-80bd-5434-aefc-289ba299a7c0", "tekun", "特困", 6, None, None,
     ["certificate_no", "household"],
     {"高风险": "week", "重点": "month", "一般": "month"},
     {"高风险": ["上门"], "重点": ["上门"], "一般": ["上门", "电话", "视频"]},
     "民政专干",
     ["身体状况", "吃穿住医", "照料服务", "供养金发放", "安全隐患"]),
)
M010_BUILTIN_AT = "2026-01-01T00:00:00+00:00"


@migrations()
def m010_care_groups(db: sqlite_utils.Database) -> None:
    """关爱对象 in groups: the groups and their rules, membership, visits of anyone in a group
    (not only elders), what a visit finds, and the 转介 follow-ups it opens.

    The 特殊困难老年人 group's members are the elders table itself (its own fields and rules stay);
    the other groups' members are care_members. Visits now name the person: an elder's visit
    also keeps its elder_id, so every existing visit counts as before.
    """
    import json

    # visits: SQLite cannot drop a NOT NULL in place, so the table is copied (nothing refers to it).
    db.execute(
        """CREATE TABLE visits_new (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    elder_id TEXT REFERENCES elders(id),
    date TEXT NOT NULL,
    method TEXT NOT NULL,
    visitor TEXT NOT NULL,
    health TEXT,
    living TEXT,
    family_support TEXT,
    safety TEXT,
    needs TEXT,
    problems TEXT,
    measures TEXT,
    referral TEXT,
    next_due TEXT,
    person_id TEXT NOT NULL REFERENCES people(id)
)"""
    )
    db.execute(
        """INSERT INTO visits_new (id, created_at, updated_at, deleted_at, device_id, elder_id, date, method,
                                   visitor, health, living, family_support, safety, needs, problems, measures,
                                   referral, next_due, person_id)
           SELECT v.id, v.created_at, v.updated_at, v.deleted_at, v.device_id, v.elder_id, v.date, v.method,
                  v.visitor, v.health, v.living, v.family_support, v.safety, v.needs, v.problems, v.measures,
                  v.referral, v.next_due, e.person_id
           FROM visits v JOIN elders e ON e.id = v.elder_id ORDER BY v.rowid"""
    )
    db.execute("DROP TABLE visits")
    db.execute("ALTER TABLE visits_new RENAME TO visits")
    for sql in (
        "CREATE INDEX visits_elder_date ON visits(elder_id, date)",
        "CREATE INDEX visits_date ON visits(date, id)",
        "CREATE INDEX visits_live ON visits(elder_id, date) WHERE deleted_at IS NULL",
        "CREATE INDEX visits_live_date ON visits(date, elder_id) WHERE deleted_at IS NULL",
        "CREATE INDEX visits_person ON visits(person_id, date, method) WHERE deleted_at IS NULL",
        "CREATE INDEX visits_live_person_date ON visits(date, person_id, method) WHERE deleted_at IS NULL",
    ):
        db.execute(sql)
    db.execute(
        """CREATE TABLE care_groups (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    name TEXT NOT NULL,
    builtin TEXT,
    position INTEGER NOT NULL DEFAULT 0,
    min_age INTEGER,
    max_age INTEGER,
    fields TEXT NOT NULL DEFAULT '[]',
    intervals TEXT,
    counting TEXT NOT NULL DEFAULT '{}',
    responsible TEXT,
    checklist TEXT NOT NULL DEFAULT '[]',
    note TEXT
)"""
    )
    db.execute("CREATE UNIQUE INDEX care_groups_name ON care_groups(name) WHERE deleted_at IS NULL")
    db.execute(
        """CREATE TABLE care_members (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    group_id TEXT NOT NULL REFERENCES care_groups(id),
    risk_level TEXT NOT NULL,
    status TEXT NOT NULL,
    joined_on TEXT NOT NULL,
    left_on TEXT,
    responsible_visitor TEXT,
    guardian TEXT,
    guardian_phone TEXT,
    school TEXT,
    disability_no TEXT,
    disability_category TEXT,
    disability_grade TEXT,
    living_subsidy INTEGER,
    nursing_subsidy INTEGER,
    certificate_no TEXT,
    household TEXT,
    note TEXT
)"""
    )
    db.execute("CREATE UNIQUE INDEX care_members_pair ON care_members(group_id, person_id) WHERE deleted_at IS NULL")
    db.execute("CREATE INDEX care_members_person ON care_members(person_id)")
    db.execute(
        """CREATE TABLE visit_findings (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    visit_id TEXT NOT NULL REFERENCES visits(id),
    item TEXT NOT NULL,
    checked INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    position INTEGER NOT NULL DEFAULT 0
)"""
    )
    db.execute("CREATE INDEX visit_findings_visit ON visit_findings(visit_id, position)")
    db.execute(
        """CREATE TABLE referrals (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES people(id),
    visit_id TEXT REFERENCES visits(id),
    problem TEXT NOT NULL,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('部门', '个人')),
    target TEXT NOT NULL,
    referred_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('转介', '已接收', '已办结')),
    received_on TEXT,
    closed_on TEXT,
    outcome TEXT,
    handler TEXT
)"""
    )
    db.execute("CREATE INDEX referrals_open ON referrals(state, due_on) WHERE deleted_at IS NULL")
    db.execute("CREATE INDEX referrals_person ON referrals(person_id, referred_on)")
    db.execute("CREATE INDEX referrals_visit ON referrals(visit_id)")
    for (gid, key, name, position, min_age, max_age, fields, intervals, counting, responsible,
         checklist) in M010_GROUPS:
        db.execute(
            """INSERT INTO care_groups (id, created_at, updated_at, deleted_at, device_id, name, builtin, position,
                                        min_age, max_age, fields, intervals, counting, responsible, checklist)
               VALUES (?, ?, ?, NULL, 'builtin', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [gid, M010_BUILTIN_AT, M010_BUILTIN_AT, name, key, position, min_age, max_age,
             json.dumps(fields), None if intervals is None else json.dumps(intervals),
             json.dumps(counting, ensure_ascii=False), responsible, json.dumps(checklist, ensure_ascii=False)],
        )

@migrations()
def m011_certificate_voiding(db: sqlite_utils.Database) -> None:
    """A 志愿服务记录证明 can be voided (作废) with a reason; its number stays in the register, never reused."""
    db.execute("ALTER TABLE certificates ADD COLUMN voided_on TEXT")
    db.execute("ALTER TABLE certificates ADD COLUMN void_reason TEXT")



@migrations()
def m012_visits_statistics(db: sqlite_utils.Database) -> None:
    """m010 rebuilt `visits`, which dropped the planner's statistics for its indexes: where the
    other tables have statistics, visits must have them too, or the planner passes its indexes over."""
    if db["sqlite_stat1"].exists():
        db.execute("ANALYZE visits")


@migrations()
def m013_meeting_attendance(db: sqlite_utils.Database) -> None:
    """A meeting records how many came (实到): its 签到表 prints it beside 应到 once the meeting is held."""
    db.execute("ALTER TABLE meetings ADD COLUMN present INTEGER")


@migrations()
def m014_sync_set_aside(db: sqlite_utils.Database) -> None:
    """Records from a package that broke a form's rule (app/sync_checks.py) or a table's rule: kept
    here with the reason and a name a person recognises, never written into the records; the rest
    of the package imports. Local to this PC, never synced."""
    db.execute(
        """CREATE TABLE sync_set_aside (
            id TEXT PRIMARY KEY,
            table_name TEXT NOT NULL,
            record_id TEXT NOT NULL,
            label TEXT NOT NULL,
            reason TEXT NOT NULL,
            row TEXT NOT NULL,
            vv TEXT NOT NULL,
            from_device TEXT,
            package_id TEXT,
            set_aside_at TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX sync_set_aside_record ON sync_set_aside(table_name, record_id)")


@migrations()
def m015_person_merges(db: sqlite_utils.Database) -> None:
    """Two records of one person merged into one (a duplicate ID number entered on two PCs): a synced
    record, so every PC re-points the merged person's records to the kept one (app/merges.py)."""
    db.execute(
        """CREATE TABLE person_merges (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    device_id TEXT NOT NULL,
    kept_id TEXT NOT NULL REFERENCES people(id),
    merged_id TEXT NOT NULL REFERENCES people(id)
)"""
    )
    db.execute("CREATE INDEX person_merges_merged ON person_merges(merged_id)")


def known_migrations() -> list[str]:
    """Names of the migrations this version of the program knows: all of them are pending on an empty database."""
    return [m.name for m in migrations.pending(sqlite_utils.Database(memory=True, execute_plugins=False))]


def check_version(db: sqlite_utils.Database) -> None:
    """Refuse a file that is not ours, or that a newer program has migrated."""
    tables = set(db.table_names())
    if street.MARKER_TABLE in tables:
        raise NotLedgerDatabase(street.NOT_COMMUNITY)
    if tables and Migrations.migrations_table not in tables:
        raise NotLedgerDatabase("该文件不是社区台账数据库（没有版本记录），请检查所选文件。")
    applied = {m.name for m in migrations.applied(db)}
    unknown = applied - set(known_migrations())
    if unknown:
        raise NewerSchema("该数据库由更新版本的社区台账写入，请先升级本程序再打开。")


def migrate(db: sqlite_utils.Database) -> None:
    """Apply pending migrations; applying them twice changes nothing."""
    check_version(db)
    migrations.apply(db)


def _objects(db: sqlite_utils.Database) -> set[tuple[str, str, str]]:
    return {(kind, name, " ".join((sql or "").split())) for kind, name, sql in db.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").fetchall()}


def schema_differences(db: sqlite_utils.Database) -> list[str]:
    """How a migrated file's tables and indexes differ from this version's (empty when they are
    ours exactly): a foreign file dressed up as ours, or a table altered by another program."""
    fresh = sqlite_utils.Database(memory=True, execute_plugins=False)
    try:
        migrate(fresh)
        expected = _objects(fresh)
    finally:
        fresh.close()
    found = _objects(db)
    missing = sorted(name for _, name, _ in expected - found)
    extra = sorted(name for _, name, _ in found - expected)
    return [f"缺少或不同：{name}" for name in missing] + [f"多出：{name}" for name in extra]
