"""The queries behind the ledgers (台账): plain rows, one query a ledger."""

from __future__ import annotations

from collections.abc import Iterator

from db.store import Row, Store


def volunteer_roster(store: Store, until: str = "9999-12-31") -> list[Row]:
    """Volunteers registered by `until`, in pinyin order, with their confirmed minutes to that day."""
    rows = store.query(
        """SELECT v.*, p.name, p.gender, p.id_number, p.phone
           FROM volunteers v JOIN people p ON p.id = v.person_id
           WHERE v.deleted_at IS NULL AND coalesce(v.registered_on, '') <= ?
           ORDER BY p.sort_key, v.id""",
        [until],
    )
    minutes = confirmed_minutes_by_volunteer(store, "0000-01-01", until)
    return [{**row, "confirmed_minutes": minutes.get(row["id"], 0)} for row in rows]


def service_records_between(store: Store, start: str, end: str) -> Iterator[Row]:
    """Service records of activities in [start, end], by date; streamed (a year may be long)."""
    cursor = store.db.execute(
        """SELECT a.date, a.name AS activity, a.category, a.location, a.start_time, a.end_time,
                  p.name, v.volunteer_no, r.minutes, r.content, r.attested_by, r.recorder,
                  r.is_backfill, r.backfill_reason, r.review_state
           FROM service_records r
           JOIN activities a ON a.id = r.activity_id
           JOIN volunteers v ON v.id = r.volunteer_id
           JOIN people p ON p.id = v.person_id
           WHERE r.deleted_at IS NULL AND a.deleted_at IS NULL AND a.date BETWEEN ? AND ?
           ORDER BY a.date, a.start_time, a.id, p.sort_key""",
        [start, end],
    )
    columns = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(columns, row))


def confirmed_minutes_by_volunteer(store: Store, start: str, end: str) -> dict[str, int]:
    """Confirmed minutes per volunteer for service dated in [start, end].

    Deleting an activity deletes its records, so the record's own date and deleted_at suffice.
    """
    rows = store.query(
        """SELECT volunteer_id, sum(minutes) AS minutes FROM service_records
           WHERE deleted_at IS NULL AND review_state = '已确认' AND date BETWEEN ? AND ?
           GROUP BY volunteer_id""",
        [start, end],
    )
    return {r["volunteer_id"]: r["minutes"] for r in rows}


def recorded_minutes_by_volunteer(store: Store, start: str, end: str) -> dict[str, int]:
    """All recorded minutes per volunteer (any review state) for service dated in [start, end]."""
    rows = store.query(
        """SELECT volunteer_id, sum(minutes) AS minutes FROM service_records
           WHERE deleted_at IS NULL AND date BETWEEN ? AND ? GROUP BY volunteer_id""",
        [start, end],
    )
    return {r["volunteer_id"]: r["minutes"] for r in rows}


def elder_roster(store: Store, until: str = "9999-12-31") -> list[Row]:
    """Elders taken into care by `until`; those who left after it were still 在册 on that day."""
    return store.query(
        """SELECT e.*, CASE WHEN e.left_on > :until THEN '在册' ELSE e.status END AS status,
                  CASE WHEN e.left_on > :until THEN NULL ELSE e.left_on END AS left_on,
                  p.name, p.gender, p.birth_date, p.id_number, p.phone, p.estate, p.building,
                  p.unit, p.room, p.village_group
           FROM elders e JOIN people p ON p.id = e.person_id
           WHERE e.deleted_at IS NULL AND e.joined_on <= :until
           ORDER BY (CASE WHEN e.left_on > :until THEN '在册' ELSE e.status END) = '在册' DESC, p.sort_key, e.id""",
        {"until": until},
    )


def home_visited_elders(store: Store, start: str, end: str) -> set[str]:
    """Elders with at least one 上门 visit in [start, end]: 探访率 counts phone and video apart."""
    cursor = store.db.execute(
        """SELECT DISTINCT elder_id FROM visits
           WHERE deleted_at IS NULL AND method = '上门' AND date BETWEEN ? AND ?""",
        [start, end],
    )
    return {elder_id for (elder_id,) in cursor}


def topic_steps(store: Store, topic_ids: list[str]) -> dict[str, list[Row]]:
    """四议两公开 steps of the topics, in the order they were taken."""
    out: dict[str, list[Row]] = {}
    for i in range(0, len(topic_ids), 500):
        chunk = topic_ids[i:i + 500]
        rows = store.query(
            f"""SELECT * FROM topic_steps WHERE deleted_at IS NULL AND topic_id IN ({",".join("?" * len(chunk))})
                ORDER BY date, created_at""",
            chunk,
        )
        for r in rows:
            out.setdefault(r["topic_id"], []).append(r)
    return out


def redeemed_minutes_by_volunteer(store: Store, start: str, end: str) -> dict[str, int]:
    """时间银行 redemptions per volunteer dated in [start, end]."""
    rows = store.query(
        """SELECT volunteer_id, sum(minutes) AS minutes FROM redemptions
           WHERE deleted_at IS NULL AND date BETWEEN ? AND ? GROUP BY volunteer_id""",
        [start, end],
    )
    return {r["volunteer_id"]: r["minutes"] for r in rows}


def timebank_entries(store: Store, volunteer_id: str, until: str) -> list[Row]:
    """One volunteer's confirmed service and redemptions up to `until`, by date."""
    return store.query(
        """SELECT r.date, '服务' AS kind, a.name AS what, r.minutes FROM service_records r
             JOIN activities a ON a.id = r.activity_id
             WHERE r.volunteer_id = :v AND r.deleted_at IS NULL AND a.deleted_at IS NULL
               AND r.review_state = '已确认' AND r.date <= :until
           UNION ALL
           SELECT date, '兑换' AS kind, reason AS what, minutes FROM redemptions
             WHERE volunteer_id = :v AND deleted_at IS NULL AND date <= :until
           ORDER BY 1, 2 DESC""",
        {"v": volunteer_id, "until": until},
    )


def visits_between(store: Store, start: str, end: str) -> list[Row]:
    return store.query(
        """SELECT v.*, p.name, e.risk_level FROM visits v
           JOIN elders e ON e.id = v.elder_id JOIN people p ON p.id = e.person_id
           WHERE v.deleted_at IS NULL AND v.date BETWEEN ? AND ?
           ORDER BY v.date, p.sort_key""",
        [start, end],
    )


def topics_active_between(store: Store, start: str, end: str) -> list[Row]:
    """Topics proposed by the end of the period and not closed before it began."""
    return store.query(
        """SELECT t.*,
                  (SELECT max(date) FROM topic_events e WHERE e.topic_id = t.id AND e.deleted_at IS NULL)
                  AS last_moved,
                  (SELECT count(*) FROM meetings m WHERE m.topic_id = t.id AND m.deleted_at IS NULL) AS meetings
           FROM topics t
           WHERE t.deleted_at IS NULL AND t.proposed_on <= :end
             AND NOT (t.state IN ('不予受理', '已评议') AND coalesce(
                 (SELECT max(date) FROM topic_events e WHERE e.topic_id = t.id AND e.deleted_at IS NULL),
                 t.proposed_on) < :start)
           ORDER BY t.proposed_on, t.id""",
        {"start": start, "end": end},
    )


def stamp_requests_between(store: Store, start: str, end: str) -> list[Row]:
    return store.query(
        """SELECT s.*, i.kind AS item_kind FROM stamp_requests s
           LEFT JOIN stamp_items i ON i.id = s.item_id
           WHERE s.deleted_at IS NULL AND s.date BETWEEN ? AND ? ORDER BY s.serial""",
        [start, end],
    )


def meeting_with_topic(store: Store, meeting_id: str) -> Row | None:
    rows = store.query(
        """SELECT m.*, t.title AS topic_title FROM meetings m LEFT JOIN topics t ON t.id = m.topic_id
           WHERE m.id = ? AND m.deleted_at IS NULL""",
        [meeting_id],
    )
    return rows[0] if rows else None


def meetings_on(store: Store, day: str) -> list[Row]:
    return store.query(
        """SELECT m.id, m.date, m.form, t.title AS topic_title FROM meetings m
           LEFT JOIN topics t ON t.id = m.topic_id
           WHERE m.deleted_at IS NULL AND m.date = ? ORDER BY m.created_at""",
        [day],
    )


def service_summary(store: Store, volunteer_id: str, start: str, end: str) -> Row:
    """Confirmed minutes and the activities' names of one volunteer in [start, end]."""
    return store.query(
        """SELECT coalesce(sum(r.minutes), 0) AS minutes, count(*) AS records,
                  group_concat(DISTINCT a.name) AS activities, min(a.date) AS first_day, max(a.date) AS last_day
           FROM service_records r JOIN activities a ON a.id = r.activity_id
           WHERE r.volunteer_id = ? AND r.deleted_at IS NULL AND a.deleted_at IS NULL
             AND r.review_state = '已确认' AND a.date BETWEEN ? AND ?""",
        [volunteer_id, start, end],
    )[0]


def certificates(store: Store) -> list[Row]:
    return store.query(
        """SELECT c.*, p.name FROM certificates c JOIN volunteers v ON v.id = c.volunteer_id
           JOIN people p ON p.id = v.person_id WHERE c.deleted_at IS NULL ORDER BY c.serial"""
    )
