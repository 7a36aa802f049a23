"""Small helpers that make the records the module tests need (people, volunteers, elders, topics)."""

from __future__ import annotations

from datetime import date
from itertools import count

from app.consultation import add_meeting, add_topic, advance_topic, get_topic, publish
from app.elders import add_elder
from app.people import add_person
from app.service import record_activity
from app.validation import id_check_char
from app.volunteers import add_volunteer

_seq = count(101)


def make_id(born: str = "19900101", seq: str | None = None, area: str = "320102") -> str:
    """A valid 身份证号; each call without seq gets a new one (unique in a database)."""
    first17 = area + born + (seq or f"{next(_seq) % 1000:03d}")
    return first17 + id_check_char(first17)


def person(store, today: date, name: str = "张三丰", **fields):
    return add_person(store, {"name": name, **fields}, today=today)


def volunteer(store, today: date, name: str = "张三丰", **fields):
    who = person(store, today, name)
    return add_volunteer(store, {"person_id": who["id"], **fields}, today=today)


def volunteers(store, today: date, n: int):
    names = ["张三", "李四", "王五", "赵六", "孙七", "周八", "吴九", "郑十"]
    return [volunteer(store, today, names[i]) for i in range(n)]


def activity(store, today: date, volunteer_ids, *, minutes=60, day: date | None = None,
             review_state: str = "待审核", **fields):
    """One activity (08:00–12:00 unless told) with the same entry for each volunteer."""
    data = {"date": day or today, "name": "清扫楼道", "start_time": "08:00", "end_time": "12:00", **fields}
    entries = [{"volunteer_id": vid, "minutes": minutes, "review_state": review_state} for vid in volunteer_ids]
    return record_activity(store, data, entries, today=today)


def elder(store, today: date, name: str = "王奶奶", *, birth: str = "1940-01-01", **fields):
    who = person(store, today, name, birth_date=birth)
    return add_elder(store, {"person_id": who["id"], "categories": ["独居"], **fields}, today=today)


def count_rows(store, *tables: str) -> dict[str, int]:
    return {t: store.scalar(f"SELECT count(*) FROM [{t}]") for t in tables}


# -- consultation -------------------------------------------------------------------------

# The legal path to each state, with the text each move needs.
PATH = ["受理", "协商", "形成决议", "落实中", "已办结", "已评议"]
TEXT = {"不予受理": "不属于居委会职责", "形成决议": "加装电梯", "已办结": "电梯已投用", "已评议": "居民满意"}


def topic(store, today: date, **fields):
    return add_topic(store, {"title": "老旧小区加装电梯", "proposed_on": today, **fields}, today=today)


def meeting(store, today: date, topic_id: str | None, **fields):
    data = {"topic_id": topic_id, "date": today, "host": "李书记", "recorder": "王干事", **fields}
    return add_meeting(store, data, [{"name": "张三", "role": "居民代表"}], today=today)


def drive(store, today: date, state: str, **fields):
    """A 协商 topic moved along the legal path (all on today) until it is in `state`."""
    made = topic(store, today, **fields)
    if state == "提出":
        return get_topic(store, made["id"])
    if state == "不予受理":
        return advance_topic(store, made["id"], "不予受理", text=TEXT["不予受理"], today=today)
    for step in PATH:
        if step == "形成决议":
            meeting(store, today, made["id"])
        if step == "落实中":
            publish(store, made["id"], "决议", today, today=today)
        if step == "已评议":
            publish(store, made["id"], "结果", today, today=today)
        made = advance_topic(store, made["id"], step, text=TEXT.get(step), on=today, today=today)
        if step == state:
            return made
    raise ValueError(state)


# -- the street --------------------------------------------------------------------------------


def street_summary_file(path, key, code: str, month: str, *, due: int = 10, visited: int = 10,
                        lines: int = 0, made_at: str | None = None):
    """A signed summary as a community would send it, generated without a community database
    (the street's tests and benchmark need hundreds); `lines` 未探访 and 不予盖章 lines each."""
    import base64

    from app import signing, street

    stats = {**{k: 0 for k in street.STAT_KEYS}, "groups": {}}
    stats.update(elders_due=due, elders_visited=visited, visit_rate=round(visited / due, 4) if due else 1.0,
                 elders_overdue=due - visited, service_hours=12.5, topics_open=3, stamp_refused=lines)
    summary = {
        "format": street.FORMAT, "version": street.VERSION,
        "community": {"code": code, "name": f"{code}社区", "street": "平江街道"},
        "month": month, "as_of": f"{month}-28", "made_at": made_at or f"{month}-28T01:00:00+00:00",
        "stats": stats,
        "not_visited": [{"name": "王奶奶", "id_number": "320102********1234", "risk_level": "一般",
                         "next_due": f"{month}-01", "days_overdue": 3}] * lines,
        "refused": [{"serial": f"{month[:4]}-{n:04d}", "date": f"{month}-02", "applicant": "赵大",
                     "id_number": "320102********1234", "matter": "亲属关系证明", "referral": "派出所"}
                    for n in range(lines)],
    }
    signature = signing.sign(key, street.canonical(summary))
    path.write_bytes(street.canonical({
        "summary": summary, "key": base64.b64encode(signing.public_bytes(key)).decode("ascii"),
        "signature": base64.b64encode(signature).decode("ascii")}))
    return path
