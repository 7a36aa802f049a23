"""Queries over 关爱对象: groups, the one register of every group, visits by person, findings, 转介."""

from __future__ import annotations

from collections import defaultdict

from db.paging import Listing, fetch_page
from db.people import match_clause
from db.store import Row, Store

# The 特殊困难老年人 group's members are the elders table (m010); every other group's are care_members.
ELDER_GROUP_ID = "79afdaf0-acee-5693-a295-734fe5103409"

# One row per membership, whichever table holds it.
REGISTER = f"""(
    SELECT id, person_id, '{ELDER_GROUP_ID}' AS group_id, risk_level, status, joined_on, left_on,
           responsible_visitor, deleted_at, 'elders' AS source FROM elders
    UNION ALL
    SELECT id, person_id, group_id, risk_level, status, joined_on, left_on,
           responsible_visitor, deleted_at, 'care_members' AS source FROM care_members)"""


def groups(store: Store) -> list[Row]:
    return store.query("SELECT * FROM care_groups WHERE deleted_at IS NULL ORDER BY position, name")


def group_by_name(store: Store, name: str) -> Row | None:
    rows = store.query("SELECT * FROM care_groups WHERE deleted_at IS NULL AND name = ?", [name])
    return rows[0] if rows else None


def member_of(store: Store, group_id: str, person_id: str) -> Row | None:
    rows = store.query(f"SELECT * FROM {REGISTER} WHERE deleted_at IS NULL AND group_id = ? AND person_id = ?",
                       [group_id, person_id])
    return rows[0] if rows else None


def memberships(store: Store, person_id: str) -> list[Row]:
    """Every live membership of a person (both tables), with the group's name, in group order."""
    return store.query(
        f"""SELECT m.*, g.name AS group_name FROM {REGISTER} m JOIN care_groups g ON g.id = m.group_id
            WHERE m.deleted_at IS NULL AND m.person_id = ? ORDER BY g.position, g.name""", [person_id])


def count_members(store: Store, group_id: str) -> int:
    return store.scalar(f"SELECT count(*) FROM {REGISTER} WHERE deleted_at IS NULL AND group_id = ?", [group_id])


def count_in_care(store: Store, group_id: str) -> int:
    return store.scalar(f"SELECT count(*) FROM {REGISTER} WHERE deleted_at IS NULL AND status = '在册'"
                        " AND group_id = ?", [group_id])


LAST_VISIT = "(SELECT max(v.date) FROM visits v WHERE v.person_id = m.person_id AND v.deleted_at IS NULL)"
SORTS = {
    "name": "p.sort_key",
    "group": "g.position",
    "birth_date": "coalesce(p.birth_date, '')",
    "risk_level": "m.risk_level",
    "status": "m.status",
    "responsible_visitor": "coalesce(m.responsible_visitor, '')",
    "last_visit": f"coalesce({LAST_VISIT}, '')",
}


def register_page(store: Store, *, group_id: str | None = None, status: str | None = None, search: str = "",
                  sort: str | None = None, descending: bool = False, after: tuple | None = None,
                  limit: int = 100) -> list[Row]:
    """Memberships with the person and the group's name and the person's last visit."""
    found = Listing(
        "m.*, g.name AS group_name, p.name, p.gender, p.birth_date, p.phone, p.id_number, p.sort_key,"
        f" c.guardian_phone, c.disability_no, c.certificate_no, {LAST_VISIT} AS last_visit",
        f"{REGISTER} m JOIN people p ON p.id = m.person_id JOIN care_groups g ON g.id = m.group_id"
        " LEFT JOIN care_members c ON c.id = m.id",
        "m.id", SORTS, "name")
    found.where("m.deleted_at IS NULL AND p.deleted_at IS NULL")
    if group_id:
        found.where("m.group_id = :group_id", group_id=group_id)
    if status:
        found.where("m.status = :status", status=status)
    clause = match_clause(search, "p")
    if clause:
        found.where(clause[0], **clause[2])
        found.rank = clause[1]
    return fetch_page(store, found, sort=sort, descending=descending, after=after, limit=limit)


def duty_rows(store: Store, group_id: str, start: str, end: str, counting: dict[str, list[str]],
              every_method: list[str], *, month: bool = True) -> list[Row]:
    """A group's members in care for at least one day of [start, end], each with what its duty needs:
    last_before (the last visit before start by a method that counts for the member's risk tier),
    month_dates (that tier's counted visits in the month, comma-separated, by date) and home (上门
    visits in the month while in the group). One query: two short index seeks per member on
    visits_person instead of reading every visit of the last months into Python.
    Without `month` only last_before: the 工作台 reads the month's visits of every group at once
    (`visits_by_person`)."""
    params: dict = {"group": group_id, "start": start, "end": end}
    tiers = []
    for number, (tier, methods) in enumerate(counting.items()):
        params[f"tier{number}"] = tier
        marks = []
        for index, method in enumerate(methods):
            params[f"m{number}_{index}"] = method
            marks.append(f":m{number}_{index}")
        tiers.append(f"WHEN :tier{number} THEN v.method IN ({', '.join(marks) or 'NULL'})")
    for index, method in enumerate(every_method):
        params[f"all{index}"] = method
    default = f"v.method IN ({', '.join(f':all{i}' for i in range(len(every_method)))})"
    counts = f"(CASE m.risk_level {' '.join(tiers)} ELSE {default} END)" if tiers else default
    table = "elders" if group_id == ELDER_GROUP_ID else "care_members"
    group_clause = "" if group_id == ELDER_GROUP_ID else "AND m.group_id = :group"
    in_month = f""",
                   (SELECT group_concat(d) FROM (SELECT v.date AS d FROM visits v
                      WHERE v.person_id = m.person_id AND v.deleted_at IS NULL AND v.date >= :start
                        AND v.date <= :end AND {counts} ORDER BY v.date)) AS month_dates,
                   (SELECT count(*) FROM visits v WHERE v.person_id = m.person_id AND v.deleted_at IS NULL
                      AND v.method = '上门' AND v.date >= max(:start, m.joined_on)
                      AND v.date <= min(:end, coalesce(m.left_on, :end))) AS home""" if month else ""
    return store.query(
        f"""SELECT m.id, m.person_id, m.risk_level, m.status, m.joined_on, m.left_on, m.responsible_visitor,
                   p.name, p.sort_key,
                   (SELECT v.date FROM visits v WHERE v.person_id = m.person_id AND v.deleted_at IS NULL
                      AND v.date < :start AND {counts} ORDER BY v.date DESC LIMIT 1) AS last_before{in_month}
            FROM {table} m JOIN people p ON p.id = m.person_id
            WHERE m.deleted_at IS NULL AND p.deleted_at IS NULL {group_clause}
              AND m.joined_on <= :end AND (m.left_on IS NULL OR m.left_on >= :start)""",
        params,
    )


def visits_by_person(store: Store, start: str, end: str) -> dict[str, list[tuple[str, str]]]:
    """person id → (date, method) of their visits dated in [start, end], by date. One range read of
    the narrow index (date, person_id, method): the planner's other choice, (date, elder_id), would
    look up every visit's row for its person and method."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for person_id, day, method in store.db.conn.execute(
        "SELECT person_id, date, method FROM visits INDEXED BY visits_live_person_date"
        " WHERE deleted_at IS NULL AND date >= ? AND date <= ? ORDER BY date", [start, end]
    ):
        found[person_id].append((day, method))
    return found


def elders_home_visits(store: Store, start: str, end: str) -> int:
    """上门 visits dated in [start, end] to elders in care on that day (the 特殊困难老年人 group)."""
    return store.scalar(
        """SELECT count(*) FROM visits v JOIN elders e ON e.id = v.elder_id
           WHERE v.deleted_at IS NULL AND e.deleted_at IS NULL AND v.method = '上门'
             AND v.date >= :start AND v.date <= :end AND v.elder_id IS NOT NULL
             AND v.date >= e.joined_on AND (e.left_on IS NULL OR v.date <= e.left_on)""",
        {"start": start, "end": end})


def visits_of_person(store: Store, person_id: str, *, limit: int = 100) -> list[Row]:
    return store.query(
        "SELECT * FROM visits WHERE person_id = ? AND deleted_at IS NULL ORDER BY date DESC, created_at DESC"
        " LIMIT ?", [person_id, limit])


def findings_of(store: Store, visit_ids: list[str]) -> dict[str, list[Row]]:
    """visit id → its checklist findings in form order."""
    found: dict[str, list[Row]] = defaultdict(list)
    for first in range(0, len(visit_ids), 500):
        chunk = visit_ids[first:first + 500]
        for row in store.query(
            f"SELECT * FROM visit_findings WHERE deleted_at IS NULL AND visit_id IN ({','.join('?' * len(chunk))})"
            " ORDER BY position", chunk
        ):
            found[row["visit_id"]].append(row)
    return found


def referrals(store: Store, *, person_id: str | None = None, open_only: bool = False,
              overdue_on: str | None = None, limit: int = 500) -> list[Row]:
    """转介 follow-ups with the person's name, oldest due first."""
    conditions = ["r.deleted_at IS NULL"]
    params: list = []
    if person_id:
        conditions.append("r.person_id = ?")
        params.append(person_id)
    if open_only or overdue_on:
        conditions.append("r.state != '已办结'")
    if overdue_on:
        conditions.append("r.due_on < ?")
        params.append(overdue_on)
    return store.query(
        f"""SELECT r.*, p.name FROM referrals r JOIN people p ON p.id = r.person_id
            WHERE {' AND '.join(conditions)} ORDER BY r.state = '已办结', r.due_on, r.id LIMIT ?""",
        [*params, limit])


def group_roster(store: Store, group_id: str) -> list[Row]:
    """A group's members for its 花名册: in care first, then by pinyin."""
    return store.query(
        f"""SELECT m.id AS member_id, m.source, m.risk_level, m.status, m.joined_on, m.left_on,
                   m.responsible_visitor, c.*, p.name, p.gender, p.birth_date, p.id_number, p.phone, p.estate,
                   p.building, p.unit, p.room, p.village_group
            FROM {REGISTER} m JOIN people p ON p.id = m.person_id
            LEFT JOIN care_members c ON c.id = m.id
            WHERE m.deleted_at IS NULL AND m.group_id = ?
            ORDER BY m.status = '在册' DESC, p.sort_key, m.id""", [group_id])


def group_visits_between(store: Store, group_id: str, start: str, end: str) -> list[Row]:
    """Visits in [start, end] of the people who were in the group on the visit's day."""
    return store.query(
        f"""SELECT v.*, p.name, m.risk_level FROM visits v
            JOIN {REGISTER} m ON m.person_id = v.person_id AND m.group_id = :group AND m.deleted_at IS NULL
                 AND m.joined_on <= v.date AND (m.left_on IS NULL OR m.left_on >= v.date)
            JOIN people p ON p.id = v.person_id
            WHERE v.deleted_at IS NULL AND v.date BETWEEN :start AND :end
            ORDER BY v.date, p.sort_key, v.id""", {"group": group_id, "start": start, "end": end})


def contacts(store: Store, person_ids: list[str]) -> dict[str, Row]:
    """person id → phone and address."""
    found: dict[str, Row] = {}
    for first in range(0, len(person_ids), 500):
        chunk = person_ids[first:first + 500]
        for row in store.query(
            f"SELECT id, phone, estate, building, unit, room, village_group FROM people"
            f" WHERE id IN ({','.join('?' * len(chunk))})", chunk
        ):
            found[row["id"]] = row
    return found
