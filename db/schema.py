"""The schema, as sqlite-utils migrations. Every schema change is a new migration here."""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

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
def m009_certificate_voiding(db: sqlite_utils.Database) -> None:
    """A 志愿服务记录证明 can be voided (作废) with a reason; its number stays in the register, never reused."""
    db.execute("ALTER TABLE certificates ADD COLUMN voided_on TEXT")
    db.execute("ALTER TABLE certificates ADD COLUMN void_reason TEXT")


def known_migrations() -> list[str]:
    """Names of the migrations this version of the program knows: all of them are pending on an empty database."""
    return [m.name for m in migrations.pending(sqlite_utils.Database(memory=True))]


def check_version(db: sqlite_utils.Database) -> None:
    """Refuse a file that is not ours, or that a newer program has migrated."""
    tables = set(db.table_names())
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
