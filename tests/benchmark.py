"""The speed benchmark (not part of the test run): `python tests/benchmark.py [--json FILE]`.

Generates once, and caches, the data of a large urban 社区 after five years, then
measures each figure of issue 7 several times and prints median, target, met.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TODAY = date(2026, 11, 23)
DATASET_VERSION = 4
SIZES = {"people": 20_000, "volunteers": 2_000, "activities": 40_000, "records": 200_000,
         "elders": 3_000, "visits": 180_000, "topics": 1_000, "meetings": 500, "stamps": 30_000,
         # issue 15: 关爱对象 besides the elders, each visited by their group's rules
         "children_hardship": 600, "children_left_behind": 400, "disabled": 1_500, "referrals": 300}

TARGETS = {  # figure: (target, unit)
    "startup_s": (0.6, "s"),
    "startup_ratio": (3.0, "×"),
    "search_ms": (10, "ms"),
    "search_ms_100k": (25, "ms"),
    "page_first_ms": (30, "ms"),
    "page_end_ms": (60, "ms"),
    "save_visit_ms": (20, "ms"),
    "save_care_visit_ms": (20, "ms"),  # a 关爱对象's visit with a checklist finding (issue 15)
    "dashboard_ms": (50, "ms"),
    "month_export_s": (5, "s"),
    "xlsx_ratio": (1.4, "×"),
    "import_10k_s": (3, "s"),
    "rss_mb": (200, "MB"),
    # issue 4's ledger figures: a 4,000-row month ledger and a 50,000-row year ledger
    "ledger_4k_xlsx_s": (1, "s"),
    "ledger_4k_pdf_s": (3, "s"),
    "ledger_50k_xlsx_s": (None, "s"),
    "ledger_50k_xlsx_mb": (None, "MB"),
    "ledger_50k_pdf_s": (None, "s"),
    "ledger_50k_pdf_mb": (None, "MB"),
}

PEAK = """
def peak_mb():
    # VmHWM starts afresh at exec; ru_maxrss would include the benchmark's own pages at fork.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

LEDGER = PEAK + """
import sys, time
from datetime import date
from app.database import open_ledger
from app.ledgers import Masker, Period, service_records
from exports.fonts import cjk_font
rows_wanted, fmt, db, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
store = open_ledger(db)
ledger = service_records(store, Period(2025, 12, date(2026, 11, 23)), Masker(True))
template = list(ledger.iter_rows())[0]
from db.ledgers import service_records_between
source = [r for _, r in zip(range(rows_wanted), service_records_between(store, "2022-01-01", "2026-12-31"))]
ledger.rows = [{**template, "no": i + 1, "date": r["date"], "activity": r["activity"], "name": r["name"],
                "hours": round(r["minutes"] / 60, 2)} for i, r in enumerate(source)]
cjk_font()
if fmt == "xlsx":
    from exports.xlsx import write_xlsx as write
else:
    from exports.pdf import write_pdf as write
started = time.perf_counter()
write(ledger, out)
print(time.perf_counter() - started, peak_mb())
"""


def ledger_figures(big: Path, quick: bool) -> dict[str, list[float] | float]:
    """Time (and the process's peak memory) to write one ledger of 4,000 and of 50,000 rows."""
    folder = Path(tempfile.mkdtemp(prefix="ledger-size-"))
    figures: dict[str, list[float] | float] = {}
    for rows, label, repeat in ((4_000, "4k", 1 if quick else 3), (50_000, "50k", 1)):
        for fmt in ("xlsx", "pdf"):
            runs = [child(LEDGER, str(rows), fmt, str(big), str(folder / f"l.{fmt}")).split() for _ in range(repeat)]
            figures[f"ledger_{label}_{fmt}_s"] = [float(r[0]) for r in runs]
            if label == "50k":
                figures[f"ledger_50k_{fmt}_mb"] = max(float(r[1]) for r in runs)
    return figures


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    path = Path(user_cache_dir("CommunityLedger", appauthor=False)) / f"benchmark-v{DATASET_VERSION}-{dataset_digest()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def dataset_digest() -> str:
    """A digest of the code that generates the dataset: any change to it builds a new cached copy
    (a version number alone is easily forgotten, or bumped to the same number on two branches)."""
    import hashlib

    text = Path(__file__).read_text("utf-8")
    start, end = text.index("# -- the dataset"), text.index("# -- measuring")
    return hashlib.sha256(text[start:end].encode()).hexdigest()[:10]


# -- the dataset -------------------------------------------------------------------------------


class Maker:
    SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘单蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉梅建国志海燕雪红淑珍凤德春文博子涵浩然欣怡雨桐宇轩梓萱思远晓东丹"

    def __init__(self, seed: int):
        from app.validation import id_check_char

        self.rng = random.Random(seed)
        self.check = id_check_char
        self.device = str(uuid.uuid4())
        self.now = datetime(2026, 11, 23, tzinfo=timezone.utc).isoformat()
        self.ids: set[str] = set()

    def common(self) -> dict:
        return {"id": str(uuid.uuid4()), "created_at": self.now, "updated_at": self.now, "deleted_at": None,
                "device_id": self.device}

    def person(self, min_age: int = 1, max_age: int = 95) -> dict:
        from app.pinyin import name_keys

        rng = self.rng
        name = rng.choice(self.SURNAMES) + "".join(rng.choice(self.GIVEN) for _ in range(rng.choice((1, 2))))
        birth = TODAY - timedelta(days=rng.randrange(min_age * 365 + 10, max_age * 365))
        gender = rng.choice("男女")
        while True:
            seq = rng.randrange(0, 1000)
            if (seq % 2 == 1) != (gender == "男"):
                seq = (seq + 1) % 1000
            first = f"320505{birth:%Y%m%d}{seq:03d}"
            number = first + self.check(first)
            if number not in self.ids:
                self.ids.add(number)
                break
        keys = name_keys(name)
        return {**self.common(), "name": name, "gender": gender, "id_number": number,
                "birth_date": birth.isoformat(), "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                "estate": rng.choice(("阳光花园", "翠竹苑", "幸福里", "金桥新村")), "building": f"{rng.randrange(1, 40)}幢",
                "unit": f"{rng.randrange(1, 4)}单元", "room": f"{rng.randrange(1, 19)}0{rng.randrange(1, 5)}室",
                "village_group": None, "grid": f"第{rng.randrange(1, 12)}网格", "note": None,
                "pinyin": keys.pinyin, "initials": keys.initials, "sort_key": keys.sort_key}


def build_people_only(path: Path, count: int) -> None:
    from app.database import open_ledger

    store = open_ledger(path)
    maker = Maker(100)
    with store.transaction():
        store.db["people"].insert_all((maker.person() for _ in range(count)), batch_size=2000)
    store.close()


def build_dataset(path: Path) -> None:
    """Five years of a 20,000-resident 社区, written in bulk (the services' rules are tested elsewhere)."""
    from app import settings
    from app.database import open_ledger

    store = open_ledger(path)
    m = Maker(2026)
    rng = m.rng
    settings.save(store, {"community_name": "幸福社区居民委员会", "community_code": "320505001002",
                          "street": "狮山街道", "preparer": "王晓燕", "reviewer": "李建国"})
    start = TODAY - timedelta(days=5 * 365)
    with store.transaction():
        people = [m.person() for _ in range(SIZES["people"])]
        store.db["people"].insert_all(people, batch_size=2000)
        adults = [p for p in people if p["birth_date"] < "2006-01-01"]
        volunteers = [{**m.common(), "person_id": p["id"], "volunteer_no": f"ZY{i:05d}", "team": rng.choice(("党员先锋队", "巾帼志愿队", "银龄服务队")),
                       "political_status": rng.choice(("中共党员", "群众")), "skills": None,
                       "registered_on": (start + timedelta(days=rng.randrange(0, 900))).isoformat(), "status": "在册"}
                      for i, p in enumerate(rng.sample(adults, SIZES["volunteers"]))]
        store.db["volunteers"].insert_all(volunteers, batch_size=2000)
        activities, records = [], []
        per = SIZES["records"] // SIZES["activities"]
        for i in range(SIZES["activities"]):
            day = start + timedelta(days=i * 5 * 365 // SIZES["activities"])
            activity = {**m.common(), "date": day.isoformat(), "name": rng.choice(("小区环境整治", "文明实践站值守", "助老送餐", "夜间巡逻")),
                        "category": rng.choice(("环境保护", "文明实践", "扶老助残", "治安巡逻")), "location": "社区党群服务中心",
                        "organizer": "新时代文明实践站", "start_time": "09:00", "end_time": "12:00", "beneficiaries": "社区居民", "note": None}
            activities.append(activity)
            for v in rng.sample(volunteers, per):
                records.append({**m.common(), "activity_id": activity["id"], "volunteer_id": v["id"],
                                "minutes": rng.choice((60, 90, 120, 150, 180)), "content": activity["name"],
                                "recorder": "王晓燕", "attested_by": "李建国", "is_backfill": 0, "backfill_reason": None,
                                "review_state": "已确认" if day < TODAY - timedelta(days=20) else "待审核", "review_note": None})
        store.db["activities"].insert_all(activities, batch_size=2000)
        store.db["service_records"].insert_all(records, batch_size=5000)
        olds = [p for p in people if p["birth_date"] < "1966-01-01"]
        elders = [{**m.common(), "person_id": p["id"], "categories": json.dumps(["独居"], ensure_ascii=False),
                   "risk_level": rng.choices(("高风险", "重点", "一般"), (10, 30, 60))[0], "emergency_contact": "家属",
                   "emergency_phone": None, "supporter": None, "supporter_phone": None, "responsible_visitor": "王晓燕",
                   "status": "在册", "joined_on": start.isoformat(), "left_on": None, "health_note": None}
                  for p in rng.sample(olds, SIZES["elders"])]
        store.db["elders"].insert_all(elders, batch_size=2000)
        visits = []
        per_elder = SIZES["visits"] // SIZES["elders"]
        for e in elders:
            for k in range(per_elder):
                day = start + timedelta(days=k * 5 * 365 // per_elder + rng.randrange(0, 5))
                if day > TODAY:
                    break
                visits.append({**m.common(), "elder_id": e["id"], "person_id": e["person_id"], "date": day.isoformat(), "method": "上门",
                               "visitor": "王晓燕", "health": "良好", "living": "正常", "family_support": "子女常来",
                               "safety": "无", "needs": "无", "problems": None, "measures": None, "referral": None,
                               "next_due": (day + timedelta(days=30)).isoformat()})
        store.db["visits"].insert_all(visits, batch_size=5000)
        states = ("提出", "受理", "协商", "形成决议", "落实中", "已办结", "已评议")
        topics = [{**m.common(), "title": f"议题{i}", "description": None, "proposer": rng.choice(people)["name"],
                   "proposed_on": (start + timedelta(days=i * 5 * 365 // SIZES["topics"])).isoformat(),
                   "category": None, "procedure": "协商", "state": rng.choice(states), "reject_reason": None,
                   "resolution": None, "resolution_published_on": None, "result": None, "result_published_on": None,
                   "evaluation": None} for i in range(SIZES["topics"])]
        store.db["topics"].insert_all(topics)
        meetings = [{**m.common(), "topic_id": t["id"], "date": t["proposed_on"], "location": "议事厅", "form": "议事会",
                     "host": "李建国", "recorder": "王晓燕", "minutes_text": "……", "votes_for": 8, "votes_against": 0,
                     "votes_abstain": 1, "outcome": "同意"} for t in topics[: SIZES["meetings"]]]
        store.db["meetings"].insert_all(meetings)
        items = store.query("SELECT id, name, kind, department FROM stamp_items")
        stamps, counters = [], {}
        for i in range(SIZES["stamps"]):
            day = start + timedelta(days=i * 5 * 365 // SIZES["stamps"])
            counters[day.year] = counters.get(day.year, 0) + 1
            item = rng.choice(items)
            person = rng.choice(people)
            stamps.append({**m.common(), "serial": f"{day.year}-{counters[day.year]:04d}", "year": day.year,
                           "seq": counters[day.year], "date": day.isoformat(), "applicant": person["name"],
                           "id_number": person["id_number"], "phone": person["phone"], "person_id": person["id"],
                           "matter": item["name"], "item_id": item["id"],
                           "result": "不予盖章" if item["kind"] == "负面" else "已盖章",
                           "reason": "负面清单" if item["kind"] == "负面" else None, "referral": item["department"],
                           "purpose": None, "handler": "王晓燕"})
        store.db["stamp_requests"].insert_all(stamps, batch_size=5000)
        store.db["counters"].insert_all([{**m.common(), "id": f"stamp_requests:{y}", "value": n} for y, n in counters.items()])
        build_care(store, m, people, start)
    store.db.execute("ANALYZE")
    store.close()


def build_care(store, m: Maker, people: list[dict], start: date) -> None:
    """困境儿童, 留守儿童 and 残疾人 with visits by their groups' rules (a phone call does not count
    for 高风险), a checklist finding or two each, some neglected (overdue) and some open 转介."""
    from app.dates import add_interval
    from db.schema import M010_GROUPS

    rng = m.rng
    groups = {key: (gid, intervals, counting, checklist)
              for gid, key, _, _, _, _, _, intervals, counting, _, checklist in M010_GROUPS}
    children = [p for p in people if p["birth_date"] > (TODAY - timedelta(days=17 * 365)).isoformat()]
    adults = [p for p in people if p["birth_date"] < "2008-01-01"]
    chosen = rng.sample(children, SIZES["children_hardship"] + SIZES["children_left_behind"])
    plan = [("children_hardship", chosen[:SIZES["children_hardship"]]),
            ("children_left_behind", chosen[SIZES["children_hardship"]:]),
            ("disabled", rng.sample(adults, SIZES["disabled"]))]
    members, visits, findings, referrals = [], [], [], []
    for key, persons in plan:
        gid, intervals, counting, checklist = groups[key]
        for p in persons:
            risk = rng.choices(("高风险", "重点", "一般"), (8, 30, 62))[0]
            # A child joins at some point of the last three years (never before birth); the disabled five years ago.
            joined = start if key == "disabled" else max(
                TODAY - timedelta(days=rng.randrange(30, 3 * 365)), date.fromisoformat(p["birth_date"]))
            extra = ({"guardian": "监护人", "guardian_phone": f"139{rng.randrange(10**8):08d}", "school": "阳光小学"}
                     if key != "disabled" else
                     {"disability_no": p["id_number"] + f"{rng.randrange(1, 8)}{rng.randrange(1, 5)}",
                      "disability_category": "肢体", "disability_grade": "二级", "living_subsidy": 1,
                      "nursing_subsidy": rng.random() < 0.3})
            member = {**m.common(), "person_id": p["id"], "group_id": gid, "risk_level": risk, "status": "在册",
                      "joined_on": joined.isoformat(), "left_on": None, "responsible_visitor": "王晓燕",
                      "guardian": None, "guardian_phone": None, "school": None, "disability_no": None,
                      "disability_category": None, "disability_grade": None, "living_subsidy": None,
                      "nursing_subsidy": None, "certificate_no": None, "household": None, "note": None, **extra}
            members.append(member)
            interval = intervals[risk]
            stop = TODAY - timedelta(days=70) if rng.random() < 0.06 else TODAY  # a few neglected: overdue
            day = add_interval(joined, interval) - timedelta(days=rng.randrange(0, 4))
            while day <= stop:
                method = rng.choices(("上门", "电话", "视频"), (70, 25, 5))[0]
                visit = {**m.common(), "elder_id": None, "person_id": p["id"], "date": day.isoformat(),
                         "method": method, "visitor": "王晓燕", "health": None, "living": None,
                         "family_support": None, "safety": None, "needs": None, "problems": None, "measures": None,
                         "referral": None, "next_due": add_interval(day, interval).isoformat()}
                visits.append(visit)
                for position, item in enumerate(rng.sample(checklist, 2)):
                    findings.append({**m.common(), "visit_id": visit["id"], "item": item, "checked": 1,
                                     "note": rng.choice((None, "正常", "需关注")), "position": position})
                # A visit that does not count for the tier (a phone call to 高风险) is followed up sooner.
                counts = method in counting[risk]
                day = add_interval(day, interval) + timedelta(days=rng.randrange(-3, 3) if counts else -5)
    for visit in rng.sample([v for v in visits if v["date"] > (TODAY - timedelta(days=365)).isoformat()],
                            SIZES["referrals"]):
        referred = date.fromisoformat(visit["date"])
        due = referred + timedelta(days=rng.randrange(7, 60))
        state = "已办结" if due < TODAY - timedelta(days=30) and rng.random() < 0.8 else rng.choice(("转介", "已接收"))
        visit["problems"] = "补贴未到账"
        referrals.append({**m.common(), "person_id": visit["person_id"], "visit_id": visit["id"],
                          "problem": "补贴未到账", "target_kind": "部门", "target": "区民政局",
                          "referred_on": visit["date"], "due_on": due.isoformat(), "state": state,
                          "received_on": visit["date"] if state != "转介" else None,
                          "closed_on": due.isoformat() if state == "已办结" else None,
                          "outcome": "已落实" if state == "已办结" else None, "handler": "王晓燕"})
    store.db["care_members"].insert_all(members, batch_size=2000)
    store.db["visits"].insert_all(visits, batch_size=5000)
    store.db["visit_findings"].insert_all(findings, batch_size=5000)
    store.db["referrals"].insert_all(referrals, batch_size=2000)


def dataset() -> tuple[Path, Path]:
    folder = cache_dir()
    big, crowd = folder / "five-years.db", folder / "people-100k.db"
    for path, build in ((big, build_dataset), (crowd, lambda p: build_people_only(p, 100_000))):
        if not path.exists():
            started = time.perf_counter()
            partial = path.with_suffix(".partial")
            for leftover in folder.glob(partial.name + "*"):
                leftover.unlink()
            build(partial)
            for suffix in ("-wal", "-shm"):
                Path(str(partial) + suffix).unlink(missing_ok=True)
            partial.rename(path)
            print(f"（已生成 {path.name}，用时 {time.perf_counter() - started:.0f} 秒）", file=sys.stderr)
    return big, crowd


def scratch_copy(path: Path) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    target = folder / path.name
    shutil.copy(path, target)
    return target


# -- measuring ----------------------------------------------------------------------------------


def timed(func, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return times


def child_env() -> dict[str, str]:
    """The environment of a measured process: as on a user's computer, where Python keeps the
    program's compiled bytecode (some build machines switch that off with
    PYTHONDONTWRITEBYTECODE, and every start then compiles every module again)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_program() -> None:
    """Bytecode for the program's modules, as the first start on a user's computer leaves it."""
    import compileall

    for package in ("app", "db", "exports", "ui"):
        compileall.compile_dir(ROOT / package, quiet=1)


def child(code: str, *args: str) -> str:
    """Run a snippet in a fresh interpreter (start-up and memory are per process)."""
    env = child_env()
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return result.stdout.strip().splitlines()[-1]


# Prints "painted" at the window's first paint, then quits: the end of a start-up measurement.
PAINTED = """
class Painted(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print("painted", flush=True)
            QTimer.singleShot(0, app.quit)
            obj.removeEventFilter(self)
        return False
watcher = Painted()
window.installEventFilter(watcher)
window.show()
app.exec()
"""

STARTUP_APP = """
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from pathlib import Path
from app.startup import open_session
from ui.window import MainWindow
# As the program starts: the one-writer lock, the start-up check (skipped after a clean close,
# as here from the second run on), then the window.
session = open_session(Path(sys.argv[1]), ask_restore=lambda problem, backup: False)
window = MainWindow(session.store)
""" + PAINTED + """window.ops.wait()
session.close(backup=False)
"""

STARTUP_BARE = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QTableView())
""" + PAINTED

RSS = PEAK + """
import sys
from datetime import date
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from app.database import open_ledger
from db.clock import FixedClock
from ui.window import MainWindow
window = MainWindow(open_ledger(sys.argv[1], clock=FixedClock.on(date(2026, 11, 23))))
window.show()
def settle():
    while not window.ops.idle:
        app.processEvents()
        window.ops.pool.waitForDone(5)
    app.processEvents()
for name in window.page_names:
    window.go(name)
    settle()
settle()
print(peak_mb())
"""


def startup(code: str, *args: str) -> float:
    env = child_env()
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env)
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait(timeout=60)
    if "painted" not in line:
        raise RuntimeError("the window was not painted")
    return elapsed


def cpu_timed(func, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run: on a machine shared with other work, the CPU time
    says what the code costs and the wall time what a user waits."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return walls, cpus


def measure_dashboard(repeat: int) -> dict[str, list[float]]:
    """Only the 工作台 and the two visit saves (issue 15), each with its CPU time beside it."""
    from app import care, elders, stats
    from app.database import open_ledger

    big, _ = dataset()
    figures: dict[str, list[float]] = {}
    store = open_ledger(big)
    stats.dashboard(store, today=TODAY)  # the first run reads the pages into SQLite's cache
    walls, cpus = cpu_timed(lambda: stats.dashboard(store, today=TODAY), repeat)
    figures["dashboard_ms"], figures["dashboard_cpu_ms"] = [w * 1000 for w in walls], [c * 1000 for c in cpus]
    store.close()
    store = open_ledger(scratch_copy(big))
    elder_ids = [r["id"] for r in store.query("SELECT id FROM elders LIMIT ?", [repeat])]
    runs = [cpu_timed(lambda e=e: elders.record_visit(
        store, {"elder_id": e, "visitor": "王晓燕", "health": "良好"}, today=TODAY), 1) for e in elder_ids]
    figures["save_visit_ms"] = [w[0] * 1000 for w, _ in runs]
    figures["save_visit_cpu_ms"] = [c[0] * 1000 for _, c in runs]
    cared = [r["person_id"] for r in store.query("SELECT person_id FROM care_members ORDER BY id LIMIT ?", [repeat])]
    first_item = {p: care.checklist_of(store, p)[0] for p in cared}
    runs = [cpu_timed(lambda p=p: care.record_care_visit(store, {
        "person_id": p, "visitor": "王晓燕", "method": "上门",
        "findings": [{"item": first_item[p], "checked": True, "note": "正常"}]}, today=TODAY), 1) for p in cared]
    figures["save_care_visit_ms"] = [w[0] * 1000 for w, _ in runs]
    figures["save_care_visit_cpu_ms"] = [c[0] * 1000 for _, c in runs]
    store.close()
    return figures


def measure(quick: bool) -> dict[str, dict]:
    from app import elders, people, service, stats
    from app.database import open_ledger

    big, crowd = dataset()
    compile_program()
    repeat = 3 if quick else 7
    figures: dict[str, list[float] | float] = {}

    bare = [startup(STARTUP_BARE) for _ in range(repeat)]
    ours = [startup(STARTUP_APP, str(big)) for _ in range(repeat)]
    figures["startup_s"] = ours
    figures["startup_ratio"] = statistics.median(ours) / statistics.median(bare)

    store = open_ledger(big)
    queries = ["zsf", "wxy", "李", "张伟", "0505196", "1381", "lihua", "陈"]
    sample = store.query("SELECT name, phone, id_number FROM people LIMIT 50")
    queries += [sample[7]["name"][:2], sample[11]["phone"][-5:], sample[13]["id_number"][-6:]]
    figures["search_ms"] = [statistics.mean(timed(lambda q=q: people.search_people(store, q, limit=50), 1)) * 1000
                            for _ in range(repeat) for q in queries]
    crowd_store = open_ledger(crowd)
    figures["search_ms_100k"] = [t * 1000 for q in queries for t in
                                 timed(lambda q=q: people.search_people(crowd_store, q, limit=50), repeat)]
    crowd_store.close()

    figures["page_first_ms"] = [t * 1000 for t in timed(lambda: service.records_page(store, limit=200), repeat)]
    figures["page_end_ms"] = [t * 1000 for t in
                              timed(lambda: service.records_page(store, limit=200, from_end=True), repeat)]
    figures["dashboard_ms"] = [t * 1000 for t in timed(lambda: stats.dashboard(store, today=TODAY), repeat)]
    store.close()

    writable = scratch_copy(big)
    store = open_ledger(writable)
    elder_ids = [r["id"] for r in store.query("SELECT id FROM elders LIMIT 40")]
    figures["save_visit_ms"] = [t * 1000 for t in (
        timed(lambda e=e: elders.record_visit(store, {"elder_id": e, "visitor": "王晓燕", "health": "良好"},
                                               today=TODAY), 1)[0] for e in elder_ids[: repeat * 3])]
    from app import care

    cared = [r["person_id"] for r in store.query("SELECT person_id FROM care_members ORDER BY id LIMIT ?", [repeat * 3])]
    first_item = {p: care.checklist_of(store, p)[0] for p in cared}  # the form has its checklist already
    figures["save_care_visit_ms"] = [t * 1000 for t in (
        timed(lambda p=p: care.record_care_visit(store, {
            "person_id": p, "visitor": "王晓燕", "method": "上门",
            "findings": [{"item": first_item[p], "checked": True, "note": "正常"}]}, today=TODAY), 1)[0]
        for p in cared)]
    folder = Path(tempfile.mkdtemp(prefix="ledger-export-"))
    from app.month_export import export_month

    figures["month_export_s"] = timed(lambda: export_month(store, 2026, 10, folder, today=TODAY), max(1, repeat // 2))
    figures["xlsx_ratio"] = xlsx_ratio(store, folder)
    store.close()

    figures["import_10k_s"] = import_10k()
    figures["rss_mb"] = float(child(RSS, str(big)))
    figures.update(ledger_figures(big, quick))

    out = {}
    for name, values in figures.items():
        median = statistics.median(values) if isinstance(values, list) else values
        target, unit = TARGETS[name]
        out[name] = {"median": round(median, 3), "target": target, "unit": unit}
    return out


def xlsx_ratio(store, folder: Path) -> float:
    """Our 50,000-row year ledger .xlsx ÷ openpyxl write-only writing the same cells."""
    from openpyxl import Workbook

    from app.ledgers import Masker, Period, service_records
    from exports.xlsx import write_xlsx

    ledger = service_records(store, Period(2025, 12, TODAY), Masker(True))
    rows = list(ledger.iter_rows())
    from db.ledgers import service_records_between

    source = list(service_records_between(store, "2025-01-01", "2026-12-31"))[:50_000]
    ledger.rows = [{**rows[0], "date": r["date"], "activity": r["activity"], "name": r["name"],
                    "hours": round(r["minutes"] / 60, 2)} for r in source] if rows else []
    ledger.period = "2025年—2026年"
    keys = [c.key for c in ledger.columns]
    plain_rows = [[row.get(k) for k in keys] for row in ledger.rows]

    def ours():
        write_xlsx(ledger, folder / "ours.xlsx")

    def plain():
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for values in plain_rows:
            sheet.append(values)
        book.save(folder / "plain.xlsx")

    return statistics.median(timed(ours, 3)) / statistics.median(timed(plain, 3))


def import_10k() -> list[float]:
    from openpyxl import Workbook

    from app.database import open_ledger
    from app.rosters import import_roster

    folder = Path(tempfile.mkdtemp(prefix="ledger-import-"))
    roster = folder / "roster.xlsx"
    maker = Maker(77)
    book = Workbook()
    sheet = book.active
    sheet.append(["居民花名册"])
    sheet.append(["姓名", "性别", "身份证号", "联系电话", "小区", "楼栋", "单元", "室"])
    for _ in range(10_000):
        p = maker.person()
        sheet.append([p["name"], p["gender"], p["id_number"], p["phone"], p["estate"], p["building"], p["unit"], p["room"]])
    book.save(roster)
    times = []
    for attempt in range(2):
        store = open_ledger(folder / f"import-{attempt}.db")
        started = time.perf_counter()
        report = import_roster(store, "people", roster, today=TODAY)
        times.append(time.perf_counter() - started)
        assert report.accepted == 10_000, report.rejected[:3]
        store.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description="社区台账速度基准（五年大社区数据）")
    parser.add_argument("--json", metavar="FILE", help="把结果写成 JSON")
    parser.add_argument("--quick", action="store_true", help="少量重复，快速看一眼")
    parser.add_argument("--only", choices=("dashboard",),
                        help="只测工作台和保存探访（dashboard_ms、save_visit_ms、save_care_visit_ms，附 CPU 时间）")
    parser.add_argument("--repeat", type=int, default=21, help="--only 时每项重复次数（取中位数）")
    args = parser.parse_args()
    if args.only:
        print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        for name, values in measure_dashboard(args.repeat).items():
            target = TARGETS.get(name.replace("_cpu", ""), (None,))[0]
            print(f"{name:<24}median {statistics.median(values):8.2f}  min {min(values):8.2f}  target {target}")
        return 0
    results = measure(args.quick)
    print(f"{'figure':<19}{'median':>10}{'target':>10}  unit  met")
    for name, r in results.items():
        if r["target"] is None:
            print(f"{name:<19}{r['median']:>10}{'—':>10}  {r['unit']:<4}  (measured)")
            continue
        met = "yes" if r["median"] <= r["target"] else "NO"
        print(f"{name:<19}{r['median']:>10}{r['target']:>10}  {r['unit']:<4}  {met}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
